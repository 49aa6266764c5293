/**
 * y-webrtc's signaling connections, kept within the relay's limits.
 *
 * y-webrtc (10.3) shares one SignalingConn per URL in a context and, each
 * time it opens, subscribes EVERY room of the context (its module-global
 * `rooms`) in ONE frame and publishes an announce for each at once; when a
 * room connects, or loses a peer, it subscribes and announces that room on
 * every signaling connection of the context. The relay closes a connection
 * that subscribes more than 256 topics in a frame or holds more than 256,
 * and one that sends more than 100 frames a second past a burst of 300
 * (src/server/relay). A context with more than ~250 rooms, the personal
 * node or a browser with many spaces, was closed on every open, reopened at
 * once (lib0 resets its backoff on each open), and reached its peers over
 * the relay fallback alone, busy with the loop (~1.2 cores).
 *
 * So rooms go into groups of at most 256, each group with a connection of
 * its own, and each group's SignalingConn is taken over where y-webrtc goes
 * wrong (here, not in a fork of y-webrtc: its 'message' handling, which
 * finds a room by the topic a publish came on, is right as it is):
 *  - its 'connect' listener is replaced by one that subscribes the group's
 *    rooms only, 64 to a frame, and announces them one by one, after
 *    anything else waiting to go;
 *  - its `send` drops what y-webrtc sends about rooms of other groups (a
 *    room's subscribe, announce and unsubscribe go to every connection of
 *    the context, other relays' included), and paces the rest below the
 *    relay's rate limit.
 *
 * Rooms fill the groups in order, the lowest group with a free slot first,
 * as RelayConnection fills its sockets. A room's group could instead be a
 * hash of its name, the same across restarts, but nothing gains from that:
 * peers meet by topic, whichever connection carries it. And hashing needs
 * more groups than rooms/256 before its fullest group stays under the
 * limit (1,000 rooms hashed into 4 groups overflow one about half the
 * time), each one more connection against the relay's 64 per address.
 *
 * Group 0 uses the relay URL as given; group N adds `?group=N`, which only
 * keeps y-webrtc (one connection per URL) from sharing the connection: the
 * relay serves signaling on the path and ignores the query, and counts
 * every WebSocket as a connection of its own.
 */
import * as buffer from 'lib0/buffer'
import * as encoding from 'lib0/encoding'
import type { Room } from 'y-webrtc'

/** The relay's default maxTopicsPerConnection (RELAY_MAX_TOPICS_PER_CONNECTION; RelayConnection assumes it too): one topic more closes the connection. */
export const ROOMS_PER_CONNECTION = 256
/** Topics in one subscribe or unsubscribe: the relay's MAX_TOPICS_PER_MESSAGE is 256; RelaySocket's 64 keeps a frame of room names ~3 KB. */
export const TOPICS_PER_FRAME = 64
/**
 * Frames one connection sends, at most: the relay allows 100 a second past
 * a burst of 300 (its default messagesPerSecond and messageBurst). Well
 * under both, so frames bunched on the way (3 s of delay at this rate) are
 * still inside its burst. 256 rooms are subscribed and announced in ~2.5 s.
 */
export const FRAMES_PER_SECOND = 60
export const FRAME_BURST = 120
/** Signaling connections a context opens to one relay: 4,096 rooms, well inside the relay's 64 connections per address, which the relay fallback's sockets and the other devices behind the address share. */
export const MAX_CONNECTIONS = 16

const OPEN = 1

/** What this module uses of y-webrtc's SignalingConn, a lib0 WebsocketClient (untyped in y-webrtc's types). */
export interface SignalingConnection {
  readonly connected: boolean
  readonly ws: { readonly readyState: number } | null
  /** Replaced on the instance: y-webrtc and lib0 send everything through it. */
  send(message: unknown): void
  on(event: 'connect' | 'disconnect', listener: () => void): void
  off(event: 'connect' | 'disconnect', listener: () => void): void
  /** lib0 Observable's listeners by event name; y-webrtc's own 'connect' listener is the first, registered as the connection is made. */
  readonly _observers: Map<string, Set<() => void>>
}

/** What a group reads of a room's y-webrtc provider. */
export interface SignalingProvider {
  /** Null until the room key is derived; y-webrtc then connects the room, subscribing and announcing it itself. */
  readonly room: (Pick<Room, 'name' | 'peerId'> & { readonly key: CryptoKey | null; readonly webrtcConns: { readonly size: number } }) | null
  readonly maxConns: number
  readonly signalingConns: readonly unknown[]
}

/** A room's place in a group. */
export interface SignalingSeat {
  /** The URL to give the room's WebrtcProvider as its only signaling server. */
  readonly url: string
  /** Takes over the provider's signaling connection; call it right after making the provider, before the connection can open. */
  attach(provider: SignalingProvider): void
  /** Frees the room's slot; call it before disconnecting the provider. */
  leave(): void
}

/** The signaling groups of one relay in this context, shared by all its rooms (of every WebrtcRooms) as y-webrtc shares its connection to a URL. */
export class SignalingGroups {
  private static readonly byRelay = new Map<string, SignalingGroups>()
  private readonly groups: Array<Map<string, SignalingProvider>> = []
  private warned = false

  static of(relayUrl: string): SignalingGroups {
    let groups = SignalingGroups.byRelay.get(relayUrl)
    if (!groups) SignalingGroups.byRelay.set(relayUrl, (groups = new SignalingGroups(relayUrl)))
    return groups
  }

  private constructor(private readonly relayUrl: string) {}

  /** A slot for `room`, or undefined when every group is full: the room then goes without signaling (its fallback still carries it). */
  join(room: string): SignalingSeat | undefined {
    let index = this.groups.findIndex((rooms) => rooms.size < ROOMS_PER_CONNECTION)
    if (index === -1 && this.groups.length < MAX_CONNECTIONS) index = this.groups.push(new Map()) - 1
    const rooms = this.groups[index]
    if (!rooms) {
      if (!this.warned) console.warn(`Pii finds peers directly for ${MAX_CONNECTIONS * ROOMS_PER_CONNECTION} spaces at most; the others sync through the relay only.`)
      this.warned = true
      return undefined
    }
    // Held until the provider comes: a second join meanwhile must not get the same slot.
    let held: SignalingProvider = { room: null, maxConns: 0, signalingConns: [] }
    rooms.set(room, held)
    return {
      url: groupUrl(this.relayUrl, index),
      attach: (provider) => {
        if (rooms.get(room) !== held) return
        rooms.set(room, (held = provider))
        for (const connection of provider.signalingConns) PacedSignaling.takeOver(connection as SignalingConnection, rooms)
      },
      leave: () => {
        if (rooms.get(room) === held) rooms.delete(room)
      },
    }
  }
}

function groupUrl(relayUrl: string, index: number): string {
  if (index === 0) return relayUrl
  const url = new URL(relayUrl)
  url.searchParams.set('group', String(index))
  return url.href
}

/** A frame to the relay (src/server/relay/protocol.ts), as far as this module reads one. */
type Frame = { readonly type: string; readonly topic?: unknown; readonly topics?: unknown }

/** One group's connection: what it sends, and when. */
class PacedSignaling {
  private static readonly taken = new WeakSet<SignalingConnection>()
  /** Topics subscribed on the open socket, or about to be: the pending changes below included. */
  private readonly subscribed = new Set<string>()
  /**
   * Subscription changes not sent yet. They go before anything else, the
   * unsubscribes first (the relay frees a slot before it is taken again),
   * each change in as few frames as it fits: a room that connects has its
   * subscribe ahead of its announce, and 256 rooms connecting at once cost
   * 4 subscribe frames, not 256.
   */
  private readonly toSubscribe = new Set<string>()
  private readonly toUnsubscribe = new Set<string>()
  /** What else y-webrtc and lib0 send (its announces and WebRTC signals, pings), in order. */
  private queue: Frame[] = []
  /** Rooms to announce after all of that: the socket has just opened. */
  private readonly toAnnounce = new Set<string>()
  /** Counts sockets: an announce sealed for one is not sent on the next. */
  private socket = 0
  /** Kept across sockets: a relay that closes every socket at once still gets no more than FRAMES_PER_SECOND. */
  private tokens = FRAME_BURST
  private tokensAt = Date.now()
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly sendNow: (frame: Frame) => void

  static takeOver(connection: SignalingConnection, rooms: ReadonlyMap<string, SignalingProvider>): void {
    if (PacedSignaling.taken.has(connection)) return
    PacedSignaling.taken.add(connection)
    new PacedSignaling(connection, rooms)
  }

  private constructor(
    private readonly connection: SignalingConnection,
    private readonly rooms: ReadonlyMap<string, SignalingProvider>,
  ) {
    this.sendNow = connection.send.bind(connection)
    const [subscribeEveryRoom] = connection._observers.get('connect') ?? []
    if (subscribeEveryRoom) connection.off('connect', subscribeEveryRoom)
    connection.on('connect', () => this.opened())
    connection.on('disconnect', () => this.reset())
    connection.send = (message) => this.accept(message)
  }

  private get open(): boolean {
    return this.connection.connected && this.connection.ws?.readyState === OPEN
  }

  /** Replaces y-webrtc's 'connect' listener. Rooms whose key is still being derived subscribe and announce themselves when y-webrtc connects them. */
  private opened(): void {
    this.reset()
    const names = [...this.rooms].filter(([, provider]) => provider.room !== null).map(([name]) => name)
    this.subscribe(names)
    for (const name of names) this.toAnnounce.add(name)
    this.drain()
  }

  private reset(): void {
    this.socket++
    this.subscribed.clear()
    this.toSubscribe.clear()
    this.toUnsubscribe.clear()
    this.queue = []
    this.toAnnounce.clear()
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Replaces the connection's `send`. Nothing goes out on a socket not open (ws throws while it connects): on open, everything is subscribed and announced afresh. */
  private accept(message: unknown): void {
    if (!this.open || typeof message !== 'object' || message === null) return
    const frame = message as Frame
    const topics = Array.isArray(frame.topics) ? frame.topics.filter((topic): topic is string => typeof topic === 'string') : []
    if (frame.type === 'subscribe') this.subscribe(topics.filter((topic) => this.rooms.has(topic)))
    else if (frame.type === 'unsubscribe') this.unsubscribe(topics)
    else if (frame.type !== 'publish' || (typeof frame.topic === 'string' && this.rooms.has(frame.topic))) this.queue.push(frame)
    this.drain()
  }

  private subscribe(topics: readonly string[]): void {
    for (const topic of topics) {
      if (this.subscribed.has(topic)) continue
      this.subscribed.add(topic)
      // Not left yet: it stays.
      if (!this.toUnsubscribe.delete(topic)) this.toSubscribe.add(topic)
    }
  }

  private unsubscribe(topics: readonly string[]): void {
    const leaving = new Set(topics.filter((topic) => this.subscribed.delete(topic)))
    if (leaving.size === 0) return
    for (const topic of leaving) {
      this.toAnnounce.delete(topic)
      // Never subscribed: nothing to leave.
      if (!this.toSubscribe.delete(topic)) this.toUnsubscribe.add(topic)
    }
    this.queue = this.queue.filter((frame) => typeof frame.topic !== 'string' || !leaving.has(frame.topic))
  }

  /** The next frame the relay gets, if any. */
  private next(): Frame | undefined {
    for (const [type, pending] of [['unsubscribe', this.toUnsubscribe] as const, ['subscribe', this.toSubscribe] as const]) {
      if (pending.size === 0) continue
      const topics = [...pending].slice(0, TOPICS_PER_FRAME)
      for (const topic of topics) pending.delete(topic)
      return { type, topics }
    }
    return this.queue.shift()
  }

  /** Sends what the budget allows, announces last; comes back when a token is due. */
  private drain(): void {
    if (this.timer !== undefined) return
    const now = Date.now()
    this.tokens = Math.min(FRAME_BURST, this.tokens + ((now - this.tokensAt) * FRAMES_PER_SECOND) / 1000)
    this.tokensAt = now
    while (this.tokens >= 1 && this.open) {
      const frame = this.next()
      if (frame) {
        this.tokens--
        this.sendNow(frame)
        continue
      }
      const [name] = this.toAnnounce
      if (name === undefined) return
      this.toAnnounce.delete(name)
      const provider = this.rooms.get(name)
      const room = provider?.room
      // As y-webrtc announces: only a room with room for more peers.
      if (!provider || !room || !this.subscribed.has(name) || room.webrtcConns.size >= provider.maxConns) continue
      this.tokens--
      const socket = this.socket
      void announceFrame(room).then((sealed) => {
        if (socket === this.socket && this.open && this.subscribed.has(name)) this.sendNow(sealed)
      })
    }
    if (!this.open || this.toUnsubscribe.size + this.toSubscribe.size + this.queue.length + this.toAnnounce.size === 0) return
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.drain()
      },
      Math.ceil(((1 - this.tokens) * 1000) / FRAMES_PER_SECOND),
    )
  }
}

/**
 * The publish y-webrtc's publishSignalingMessage makes of an announce: the
 * message lib0-encoded (writeAny) and sealed with AES-GCM under the room
 * key, in y-webrtc's crypto.js format, base64; as it is in a room with no
 * password. Made here because y-webrtc does not export its own.
 */
export async function announceFrame(room: Pick<Room, 'name' | 'peerId'> & { readonly key: CryptoKey | null }): Promise<Frame & { readonly data: unknown }> {
  const message = { type: 'announce', from: room.peerId }
  if (!room.key) return { type: 'publish', topic: room.name, data: message }
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, room.key, encoding.encode((encoder) => encoding.writeAny(encoder, message)))
  const data = encoding.encode((encoder) => {
    encoding.writeVarString(encoder, 'AES-GCM')
    encoding.writeVarUint8Array(encoder, iv)
    encoding.writeVarUint8Array(encoder, new Uint8Array(sealed))
  })
  return { type: 'publish', topic: room.name, data: buffer.toBase64(data) }
}
