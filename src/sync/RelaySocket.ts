/**
 * One WebSocket to the relay, carrying the fallback traffic of many rooms
 * (one topic each): it connects and reconnects with backoff and jitter,
 * notices a dead socket by its own ping, subscribes and unsubscribes topics
 * in batches, routes what arrives to the rooms by topic, and sends what the
 * rooms have queued within one budget, taking turns between rooms. The
 * relay limits each connection's frame rate and topics, not each room's, so
 * those limits are kept here. RelayConnection decides which rooms share
 * which socket.
 */
import { MAX_FRAME_CHARS } from './relayFrames.ts'

/** What a socket needs of a room on one of its topics (RelayFallback). */
export interface RelayTopicMember {
  /** A relay delivery on the topic, JSON-parsed and otherwise unchecked: the member validates it. */
  deliver(frame: unknown): void
  /** The relay has confirmed the subscription (true), or the socket was lost (false; it resubscribes by itself). */
  subscribedChanged(subscribed: boolean): void
  /** Plaintext bytes of the next message the member would send, or undefined when it has none. */
  peekOutgoing(): number | undefined
  /** Removes the message peekOutgoing described and seals it into a publish frame's text. */
  sealOutgoing(): Promise<string | undefined>
}

/** A member's hold on its topic. */
export interface RelayTopic {
  /** The member has something to send. */
  wake(): void
  /** Unsubscribes the member; `farewell`, a sealed publish, goes out first if it can. */
  leave(farewell?: string): void
}

/** The relay's MAX_TOPICS_PER_MESSAGE: a subscribe listing more closes the connection. */
const MAX_TOPICS_PER_FRAME = 64
/** Rooms starting together (a worker opening every space) share one subscribe frame; short next to the fallback's grace period. */
const SUBSCRIBE_BATCH_MS = 50
/** Well inside the relay's 30 s heartbeat; a ping unanswered for this long means the socket is dead although the OS has not noticed. */
const HEARTBEAT_MS = 20_000
/** The first retry comes soon (a restarting relay is back within a second), later ones back off to this ceiling. */
const RECONNECT_BASE_MS = 250
const RECONNECT_MAX_MS = 10_000
/**
 * The budget of all rooms on the socket, below the relay's 100 frames/s
 * (burst 300) per connection so timer and network jitter never trip it.
 * A frame costs one token plus one per 6 KiB of plaintext, so a cold sync
 * streams at ~500 KiB/s and does not fill the relay's per-reader buffer
 * (8 MiB) of a slower peer.
 */
const TOKENS_PER_SECOND = 90
const TOKEN_BURST = 200
const BYTES_PER_TOKEN = 6 * 1024
/** Stop handing frames to a socket that has this much unsent. */
const MAX_SOCKET_BUFFER_BYTES = 1024 * 1024
const SOCKET_OPEN = 1

interface TopicState {
  readonly name: string
  readonly members: Set<Membership>
  subscribed: boolean
}

interface Membership {
  readonly topic: TopicState
  readonly member: RelayTopicMember
}

type Timer = ReturnType<typeof setTimeout>

export class RelaySocket {
  private readonly topics = new Map<string, TopicState>()
  private readonly toSubscribe = new Set<string>()
  private readonly toUnsubscribe = new Set<string>()
  /** For each ping in flight, oldest first, the topics whose subscription its pong confirms. */
  private awaitingPong: TopicState[][] = []
  /** Members with something to send, in turn order: the one that sent last goes to the back. */
  private readonly ready = new Set<Membership>()
  private socket: WebSocket | undefined
  private socketStartedAt = 0
  /** The relay has answered a ping on this socket. */
  private established = false
  private pingOutstanding = false
  private attempts = 0
  private closed = false
  private tokens = TOKEN_BURST
  private tokensAt = Date.now()
  private draining = false
  private drainTimer: Timer | undefined
  private flushTimer: Timer | undefined
  private reconnectTimer: Timer | undefined
  private readonly heartbeatTimer: Timer

  constructor(
    private readonly url: string,
    private readonly WebSocketImpl: typeof WebSocket,
    /** Called once the last topic has left and the socket is closed for good. */
    private readonly onEmpty: () => void,
  ) {
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_MS)
    this.connect()
  }

  get topicCount(): number {
    return this.topics.size
  }

  has(topic: string): boolean {
    return this.topics.has(topic)
  }

  join(name: string, member: RelayTopicMember): RelayTopic {
    let topic = this.topics.get(name)
    if (!topic) {
      topic = { name, members: new Set(), subscribed: false }
      this.topics.set(name, topic)
      this.toSubscribe.add(name)
      this.scheduleFlush()
    }
    const membership: Membership = { topic, member }
    topic.members.add(membership)
    // Another room of this context already had the topic: this one is listening too, but not inside its constructor.
    if (topic.subscribed) {
      queueMicrotask(() => {
        if (topic.members.has(membership) && topic.subscribed) member.subscribedChanged(true)
      })
    }
    return {
      wake: () => this.wake(membership),
      leave: (farewell) => this.leave(membership, farewell),
    }
  }

  // --- topics -----------------------------------------------------------

  private wake(membership: Membership): void {
    if (!membership.topic.members.has(membership)) return
    this.ready.add(membership)
    this.scheduleDrain(0)
  }

  private leave(membership: Membership, farewell: string | undefined): void {
    const { topic } = membership
    if (!topic.members.delete(membership)) return
    this.ready.delete(membership)
    // Only within the budget: a context leaving every room at once (a node stopping) would send hundreds in one burst,
    // past the relay's rate limit, and be cut off. Peers that hear no farewell drop this one once it is silent.
    if (farewell !== undefined && topic.subscribed && this.socket?.readyState === SOCKET_OPEN && this.canSpend(1)) this.sendNow(farewell)
    if (topic.members.size > 0) return
    this.topics.delete(topic.name)
    topic.subscribed = false
    if (this.topics.size === 0) return this.close()
    // A subscribe not sent yet needs no unsubscribe.
    if (this.toSubscribe.delete(topic.name)) return
    this.toUnsubscribe.add(topic.name)
    this.scheduleFlush()
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.closed) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.flush()
    }, SUBSCRIBE_BATCH_MS)
  }

  /** Sends the pending unsubscribes, then the subscribes (the relay frees a slot before it is reused), then a ping to confirm them. */
  private flush(): void {
    // Until the socket opens, what is pending waits: opening subscribes every topic anyway.
    if (this.socket?.readyState !== SOCKET_OPEN) return
    const leaving = [...this.toUnsubscribe]
    const joining = [...this.toSubscribe]
    this.toUnsubscribe.clear()
    this.toSubscribe.clear()
    for (let at = 0; at < leaving.length; at += MAX_TOPICS_PER_FRAME) this.sendNow(JSON.stringify({ type: 'unsubscribe', topics: leaving.slice(at, at + MAX_TOPICS_PER_FRAME) }))
    if (joining.length === 0) return
    for (let at = 0; at < joining.length; at += MAX_TOPICS_PER_FRAME) this.sendNow(JSON.stringify({ type: 'subscribe', topics: joining.slice(at, at + MAX_TOPICS_PER_FRAME) }))
    this.ping(joining.flatMap((name) => this.topics.get(name) ?? []))
  }

  /** The relay answers pings in order, after everything sent before them. */
  private ping(confirms: TopicState[]): void {
    this.awaitingPong.push(confirms)
    this.sendNow('{"type":"ping"}')
  }

  private pong(): void {
    const confirms = this.awaitingPong.shift() ?? []
    if (!this.established) {
      this.established = true
      this.attempts = 0
    }
    for (const topic of confirms) {
      // A topic left (and perhaps joined again) since: its own subscribe has its own ping.
      if (this.topics.get(topic.name) !== topic || topic.subscribed) continue
      topic.subscribed = true
      for (const { member } of [...topic.members]) member.subscribedChanged(true)
    }
  }

  // --- connection -------------------------------------------------------

  private connect(): void {
    if (this.closed) return
    let socket: WebSocket
    try {
      socket = new this.WebSocketImpl(this.url)
    } catch {
      return this.scheduleReconnect()
    }
    this.socket = socket
    this.socketStartedAt = Date.now()
    socket.onopen = () => {
      // Everything is subscribed afresh on a new socket; the first pong also says the relay is answering.
      this.toUnsubscribe.clear()
      for (const name of this.topics.keys()) this.toSubscribe.add(name)
      this.flush()
      if (this.awaitingPong.length === 0) this.ping([])
    }
    socket.onmessage = (event: MessageEvent) => {
      if (socket === this.socket) this.receive(event.data)
    }
    socket.onclose = () => {
      if (socket === this.socket) this.lostConnection(false)
    }
    // A close event always follows; without a handler `ws` would throw the error.
    socket.onerror = () => {}
  }

  private receive(data: unknown): void {
    this.pingOutstanding = false
    // Nothing here can be pinned on a room: a relay sending these is broken or hostile, and they are dropped.
    if (typeof data !== 'string' || data.length > MAX_FRAME_CHARS) return
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch {
      return
    }
    if (typeof value !== 'object' || value === null) return
    const { type, topic } = value as { type?: unknown; topic?: unknown }
    if (type === 'pong') return this.pong()
    if (type !== 'publish' || typeof topic !== 'string') return
    for (const { member } of [...(this.topics.get(topic)?.members ?? [])]) member.deliver(value)
  }

  private heartbeat(): void {
    if (!this.socket) return
    if (!this.established) {
      if (Date.now() - this.socketStartedAt > HEARTBEAT_MS) this.lostConnection(true)
      return
    }
    // No answer for a whole interval: the connection is dead even if the OS has not noticed.
    if (this.pingOutstanding) return this.lostConnection(true)
    this.pingOutstanding = true
    this.ping([])
  }

  /** `dead`: the relay stopped answering, so do not wait for a closing handshake it will never finish. */
  private closeSocket(dead: boolean): void {
    const { socket } = this
    if (!socket) return
    this.socket = undefined
    socket.onopen = null
    socket.onmessage = null
    socket.onclose = null
    socket.onerror = () => {}
    try {
      const terminate = (socket as { terminate?: () => void }).terminate // ws has it, browsers do not
      if (dead && terminate) terminate.call(socket)
      else socket.close(1000)
    } catch {
      // Already closing.
    }
  }

  private lostConnection(dead: boolean): void {
    this.closeSocket(dead)
    this.established = false
    this.pingOutstanding = false
    this.awaitingPong = []
    this.ready.clear()
    for (const topic of this.topics.values()) {
      if (!topic.subscribed) continue
      topic.subscribed = false
      for (const { member } of [...topic.members]) member.subscribedChanged(false)
    }
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.attempts)
    this.attempts++
    // Jitter spreads the reconnects of every client of a restarted relay.
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      this.connect()
    }, ceiling * (0.5 + Math.random() / 2))
  }

  private close(): void {
    this.closed = true
    clearInterval(this.heartbeatTimer)
    clearTimeout(this.reconnectTimer)
    clearTimeout(this.drainTimer)
    clearTimeout(this.flushTimer)
    this.ready.clear()
    this.closeSocket(false)
    this.onEmpty()
  }

  // --- sending ----------------------------------------------------------

  /** Control frames and farewells (those only while the budget lasts): sent at once, counted against the budget. */
  private sendNow(text: string): void {
    if (this.socket?.readyState !== SOCKET_OPEN) return
    this.spendTokens(1)
    this.socket.send(text)
  }

  private canSpend(cost: number): boolean {
    this.spendTokens(0)
    return this.tokens >= cost
  }

  private spendTokens(cost: number): void {
    const now = Date.now()
    this.tokens = Math.min(TOKEN_BURST, this.tokens + ((now - this.tokensAt) * TOKENS_PER_SECOND) / 1000) - cost
    this.tokensAt = now
  }

  private scheduleDrain(delayMs: number): void {
    if (this.drainTimer !== undefined || this.closed) return
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined
      void this.drain()
    }, delayMs)
  }

  /** Sends one frame per member in turn while the budget lasts: a room with a long backlog does not hold up the others. */
  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      for (;;) {
        const socket = this.socket
        if (!socket || socket.readyState !== SOCKET_OPEN) return
        const [next] = this.ready
        if (!next) return
        const bytes = next.member.peekOutgoing()
        if (bytes === undefined) {
          this.ready.delete(next)
          continue
        }
        const cost = 1 + Math.floor(bytes / BYTES_PER_TOKEN)
        this.spendTokens(0)
        if (this.tokens < Math.min(cost, TOKEN_BURST) || socket.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) {
          const waitMs = Math.max(10, ((Math.min(cost, TOKEN_BURST) - this.tokens) * 1000) / TOKENS_PER_SECOND)
          return this.scheduleDrain(Math.ceil(waitMs))
        }
        this.spendTokens(cost)
        this.ready.delete(next)
        this.ready.add(next)
        const text = await next.member.sealOutgoing()
        // The room may have left, or the socket gone, while its frame was being sealed.
        if (text === undefined || socket !== this.socket || socket.readyState !== SOCKET_OPEN || !next.topic.members.has(next)) continue
        socket.send(text)
      }
    } catch {
      // Sealing cannot fail with a valid key; if it does, the next reconnect resyncs.
    } finally {
      this.draining = false
    }
  }
}
