/**
 * Sync through the relay for peers that cannot open WebRTC to each other (a
 * NAT with no TURN, a locked-down network). Peers of a room meet on a pub/sub
 * topic of the relay; a peer that is still not directly connected `graceMs`
 * after we first heard it becomes a relay peer, and from then on we exchange
 * y-protocols sync and awareness with it over the topic. Everything is
 * AES-GCM encrypted, so the relay sees only who talks on which topic, sizes
 * and timing.
 *
 * Wire: {type:'publish', topic, from, to?, data: base64(iv(12) ‖ ciphertext)}.
 * `topic`, `from` and `to` are the AES-GCM additional data, so the relay can
 * neither re-address a message nor move it to another topic. The plaintext is
 * lib0-encoded: a kind (MessageKind) and its payload:
 *   hello      peerId, flags (FLAG_JUST_CONNECTED asks for a hello back and a resync)
 *   sync       a y-protocols sync message (step 1, step 2, update)
 *   awareness  a y-protocols awareness update
 *   part       messageId, index, count, bytes: one slice of a message too big for one frame
 *   bye        peerId: the sender is leaving
 * A relay that replays old frames gains nothing: Yjs updates are idempotent,
 * awareness carries clocks, and a replayed hello or bye costs at most one
 * heartbeat of relay sync.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates, type Awareness } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { combineUpdates } from '../core/space/joinUpdates.ts'
import { encodeMessage, MAX_FRAME_CHARS, MessageKind, openFrame, PART_BYTES, parsePublishFrame, sealFrame, splitMessage } from './relayFrames.ts'

export { importRelayKey } from './relayFrames.ts'

export interface RelayFallbackOptions {
  /** The relay's WebSocket URL. */
  readonly url: string
  /** Pub/sub topic for this room's fallback traffic; derived by the caller, never the space id. */
  readonly topic: string
  /** AES-GCM 256 key from importRelayKey. */
  readonly key: CryptoKey
  /** The doc to keep in sync (the small transport doc). */
  readonly doc: Y.Doc
  /** The awareness instance shared with y-webrtc. */
  readonly awareness: Awareness
  /** This peer's id: y-webrtc's provider.room.peerId. */
  readonly peerId: string
  /** True while a WebRTC connection to that peer is open. */
  readonly isDirect: (peerId: string) => boolean
  /** Milliseconds a newly seen peer gets to connect directly before we use the relay. */
  readonly graceMs?: number
  /** For Node, which has no global WebSocket: the `ws` package's. */
  readonly WebSocketImpl?: typeof WebSocket
}

const FLAG_JUST_CONNECTED = 1
const DEFAULT_GRACE_MS = 3_000 // y-webrtc connects in tens of ms on a LAN, a few seconds through STUN
const MIN_CHECK_MS = 10 // a graceMs of 0 must not become a busy loop
const HEARTBEAT_MS = 20_000 // well inside the relay's 30 s heartbeat; also our half-open-socket detector
const SILENT_MS = 3 * HEARTBEAT_MS // three missed heartbeat hellos: the peer is gone
const RECONNECT_BASE_MS = 250
const RECONNECT_MAX_MS = 10_000
/** A reassembled message (a cold sync step 2) may be this big; a member cannot make us buffer more per slot. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024
const MAX_PARTS = Math.ceil(MAX_MESSAGE_BYTES / PART_BYTES)
const MAX_ASSEMBLIES_PER_PEER = 4
const ASSEMBLY_TIMEOUT_MS = SILENT_MS
/** Peers tracked per room; beyond it someone is inventing peer ids. */
const MAX_PEERS = 256
/**
 * Our own send budget, a fifth of the relay's 100 frames/s: frames cost one
 * token plus one per 24 KiB of plaintext, so a cold sync streams at ~500 KiB/s
 * and does not fill the relay's per-reader buffer (8 MiB) of a slower peer.
 */
const TOKENS_PER_SECOND = 20
const TOKEN_BURST = 40
const BYTES_PER_TOKEN = 24 * 1024
/** Stop handing frames to a socket that has this much unsent. */
const MAX_SOCKET_BUFFER_BYTES = 1024 * 1024
const SOCKET_OPEN = 1

interface KnownPeer {
  lastHeard: number
  /** Since when we have seen it without a direct connection; undefined while direct. */
  indirectSince: number | undefined
  /** Awareness clients we learned through this peer, removed when it leaves. */
  readonly clients: Set<number>
}

interface Assembly {
  readonly parts: (Uint8Array | undefined)[]
  readonly startedAt: number
  received: number
  bytes: number
}

interface Outgoing {
  readonly to: string | undefined
  readonly message: Uint8Array
}

type Timer = ReturnType<typeof setTimeout>

export class RelayFallback {
  /** Incoming messages that failed to decrypt or validate. */
  rejected = 0
  private readonly peers = new Map<string, KnownPeer>()
  private readonly relayPeerSet = new Set<string>()
  private readonly assemblies = new Map<string, Assembly>()
  private readonly listeners = new Set<() => void>()
  private readonly graceMs: number
  private readonly WebSocketImpl: typeof WebSocket
  private socket: WebSocket | undefined
  private socketStartedAt = 0
  private subscribed = false
  private pingOutstanding = false
  private byeFrame: string | undefined
  private attempts = 0
  private destroyed = false
  private reconnectTimer: Timer | undefined
  private drainTimer: Timer | undefined
  private readonly heartbeatTimer: Timer
  private readonly checkTimer: Timer
  /** Frame-sized messages waiting for send budget, oldest first; live updates and awareness go after them, merged. */
  private readonly outbox: Outgoing[] = []
  private pendingUpdates: Uint8Array[] = []
  private readonly pendingAwareness = new Set<number>()
  private draining = false
  private tokens = TOKEN_BURST
  private tokensAt = Date.now()
  /** Incoming frames are handled one at a time, in arrival order, although decryption is asynchronous. */
  private inbound: Promise<void> = Promise.resolve()
  private applyingAwarenessFrom: string | undefined

  constructor(private readonly options: RelayFallbackOptions) {
    const WebSocketImpl = options.WebSocketImpl ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket
    if (!WebSocketImpl) throw new TypeError('This runtime has no WebSocket: pass WebSocketImpl (in Node, the ws package).')
    this.WebSocketImpl = WebSocketImpl
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    options.doc.on('update', this.onDocUpdate)
    options.awareness.on('update', this.onAwarenessUpdate)
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_MS)
    this.checkTimer = setInterval(() => this.checkPeers(), Math.max(this.graceMs, MIN_CHECK_MS))
    this.connect()
  }

  /** Peers we currently sync with through the relay. */
  get relayPeers(): ReadonlySet<string> {
    return this.relayPeerSet
  }

  /** Socket open and subscribed. */
  get connected(): boolean {
    return this.subscribed
  }

  /** Called when relayPeers or connected changed; the result unsubscribes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.subscribed = false
    this.listeners.clear()
    clearInterval(this.heartbeatTimer)
    clearInterval(this.checkTimer)
    clearTimeout(this.reconnectTimer)
    clearTimeout(this.drainTimer)
    this.options.doc.off('update', this.onDocUpdate)
    // Nothing renews the states we brought in once we are gone.
    for (const id of [...this.peers.keys()]) this.forget(id, true)
    this.options.awareness.off('update', this.onAwarenessUpdate)
    const { socket, byeFrame } = this
    // Lets relay peers drop us and our awareness now rather than after SILENT_MS.
    if (socket?.readyState === SOCKET_OPEN && byeFrame !== undefined) socket.send(byeFrame)
    this.closeSocket(false)
  }

  // --- connection -------------------------------------------------------

  private connect(): void {
    if (this.destroyed) return
    let socket: WebSocket
    try {
      socket = new this.WebSocketImpl(this.options.url)
    } catch {
      return this.scheduleReconnect()
    }
    this.socket = socket
    this.socketStartedAt = Date.now()
    socket.onopen = () => {
      // The pong says the relay has processed the subscribe: only then are we listening.
      this.sendControl({ type: 'subscribe', topics: [this.options.topic] })
      this.sendControl({ type: 'ping' })
    }
    socket.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data
      this.inbound = this.inbound.then(() => this.receive(socket, data)).catch(() => {
        this.rejected++
      })
    }
    socket.onclose = () => {
      if (socket === this.socket) this.lostConnection(false)
    }
    // A close event always follows; without a handler `ws` would throw the error.
    socket.onerror = () => {}
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
    const wasConnected = this.subscribed
    this.subscribed = false
    this.pingOutstanding = false
    this.byeFrame = undefined
    // Whatever was not sent is recovered by the sync step 1 exchange on reconnect.
    this.outbox.length = 0
    this.pendingUpdates = []
    this.pendingAwareness.clear()
    if (wasConnected) this.emitChange()
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.destroyed || this.reconnectTimer !== undefined) return
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.attempts)
    this.attempts++
    // Jitter spreads the reconnects of every client of a restarted relay.
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      this.connect()
    }, ceiling * (0.5 + Math.random() / 2))
  }

  private becameConnected(): void {
    this.subscribed = true
    this.attempts = 0
    const { awareness } = this.options
    this.broadcastHello(FLAG_JUST_CONNECTED)
    for (const id of this.relayPeerSet) this.sendSyncStep1(id)
    if (this.relayPeerSet.size > 0) for (const client of awareness.getStates().keys()) this.pendingAwareness.add(client)
    const socket = this.socket
    void sealFrame(this.options.key, this.options.topic, this.options.peerId, undefined, this.byeMessage()).then((frame) => {
      if (socket === this.socket) this.byeFrame = frame
    })
    this.emitChange()
  }

  private heartbeat(): void {
    if (!this.socket) return
    if (!this.subscribed) {
      if (Date.now() - this.socketStartedAt > HEARTBEAT_MS) this.lostConnection(true)
      return
    }
    // No answer for a whole interval: the connection is dead even if the OS has not noticed.
    if (this.pingOutstanding) return this.lostConnection(true)
    this.pingOutstanding = true
    this.sendControl({ type: 'ping' })
    this.broadcastHello(0)
  }

  // --- peers ------------------------------------------------------------

  private checkPeers(): void {
    const now = Date.now()
    for (const [id, peer] of this.peers) {
      if (now - peer.lastHeard > SILENT_MS) {
        this.forget(id, true)
      } else if (this.options.isDirect(id)) {
        peer.indirectSince = undefined
        // y-webrtc carries it now, awareness included.
        if (this.relayPeerSet.delete(id)) this.emitChange()
      } else {
        peer.indirectSince ??= now
        if (now - peer.indirectSince >= this.graceMs) this.promote(id)
      }
    }
    for (const [key, assembly] of this.assemblies) if (now - assembly.startedAt > ASSEMBLY_TIMEOUT_MS) this.assemblies.delete(key)
  }

  /** Notes that a peer spoke; false when it is new and we already track as many peers as we will. */
  private heard(id: string): boolean {
    const peer = this.peers.get(id)
    if (peer) {
      peer.lastHeard = Date.now()
      return true
    }
    if (this.peers.size >= MAX_PEERS) return false
    this.peers.set(id, { lastHeard: Date.now(), indirectSince: Date.now(), clients: new Set() })
    return true
  }

  private promote(id: string): void {
    if (this.relayPeerSet.has(id) || !this.peers.has(id)) return
    this.relayPeerSet.add(id)
    this.sendSyncStep1(id)
    const { awareness } = this.options
    const clients = [...awareness.getStates().keys()]
    if (clients.length > 0) this.send(id, encodeMessage(MessageKind.awareness, (e) => encoding.writeVarUint8Array(e, encodeAwarenessUpdate(awareness, clients))))
    this.emitChange()
  }

  private forget(id: string, removeAwareness: boolean): void {
    const peer = this.peers.get(id)
    this.peers.delete(id)
    for (const key of this.assemblies.keys()) if (key.startsWith(`${id} `)) this.assemblies.delete(key)
    if (peer && removeAwareness) {
      const { awareness } = this.options
      const clients = [...peer.clients].filter((client) => client !== awareness.clientID)
      if (clients.length > 0) removeAwarenessStates(awareness, clients, this)
    }
    if (this.relayPeerSet.delete(id)) this.emitChange()
  }

  // --- incoming ---------------------------------------------------------

  private async receive(socket: WebSocket, data: unknown): Promise<void> {
    if (this.destroyed) return
    if (typeof data !== 'string' || data.length > MAX_FRAME_CHARS) return void this.rejected++
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch {
      return void this.rejected++
    }
    if (socket === this.socket) this.pingOutstanding = false
    if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'pong') {
      if (socket === this.socket && !this.subscribed) this.becameConnected()
      return
    }
    const frame = parsePublishFrame(value, this.options.topic)
    if (!frame) return void this.rejected++
    if (frame.from === this.options.peerId) return // our own publish, echoed
    if (frame.to !== undefined && frame.to !== this.options.peerId) return
    const plaintext = await openFrame(this.options.key, this.options.topic, frame)
    if (this.destroyed) return
    if (!plaintext) return void this.rejected++
    try {
      if (!this.handle(frame.from, plaintext, true)) this.rejected++
    } catch {
      this.rejected++
    }
  }

  /** Acts on one decrypted message; false when it is not valid. Throws on malformed encodings. */
  private handle(from: string, plaintext: Uint8Array, mayBePart: boolean): boolean {
    const decoder = decoding.createDecoder(plaintext)
    const kind = decoding.readVarUint(decoder)
    if (kind === MessageKind.bye) {
      if (decoding.readVarString(decoder) !== from) return false
      this.forget(from, true)
      return true
    }
    if (kind === MessageKind.hello && decoding.readVarString(decoder) !== from) return false
    // Any valid message says the sender is there, hello or not: after our own restart we may hear sync first.
    if (!this.heard(from)) return false
    switch (kind) {
      case MessageKind.hello:
        if (decoding.readVarUint(decoder) & FLAG_JUST_CONNECTED) {
          this.send(from, this.helloMessage(0))
          // It may have missed what we published while it was away.
          if (this.relayPeerSet.has(from)) this.sendSyncStep1(from)
        }
        return true
      case MessageKind.sync:
        return this.handleSync(from, decoder)
      case MessageKind.awareness: {
        const update = decoding.readVarUint8Array(decoder)
        this.applyingAwarenessFrom = from
        try {
          applyAwarenessUpdate(this.options.awareness, update, this)
        } finally {
          this.applyingAwarenessFrom = undefined
        }
        return true
      }
      case MessageKind.part:
        return mayBePart && this.handlePart(from, decoder)
      default:
        return false
    }
  }

  private handleSync(from: string, decoder: decoding.Decoder): boolean {
    const { doc } = this.options
    switch (decoding.readVarUint(decoder)) {
      case syncProtocol.messageYjsSyncStep1: {
        const stateVector = decoding.readVarUint8Array(decoder)
        // It asked through the relay, so it cannot reach us directly: no point waiting out our own grace period.
        if (!this.options.isDirect(from)) this.promote(from)
        this.send(from, encodeMessage(MessageKind.sync, (e) => syncProtocol.writeSyncStep2(e, doc, stateVector)))
        return true
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        // Our own origin, so onDocUpdate does not echo it back to the relay.
        Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), this)
        return true
      default:
        return false
    }
  }

  private handlePart(from: string, decoder: decoding.Decoder): boolean {
    const id = decoding.readVarUint(decoder)
    const index = decoding.readVarUint(decoder)
    const count = decoding.readVarUint(decoder)
    const bytes = decoding.readVarUint8Array(decoder)
    if (count < 2 || count > MAX_PARTS || index >= count || bytes.length > PART_BYTES) return false
    const key = `${from} ${id}`
    let assembly = this.assemblies.get(key)
    if (!assembly) {
      const open = [...this.assemblies.keys()].filter((k) => k.startsWith(`${from} `)).length
      if (open >= MAX_ASSEMBLIES_PER_PEER) return false
      assembly = { parts: new Array<Uint8Array | undefined>(count), startedAt: Date.now(), received: 0, bytes: 0 }
      this.assemblies.set(key, assembly)
    }
    if (assembly.parts.length !== count || assembly.bytes + bytes.length > MAX_MESSAGE_BYTES) {
      this.assemblies.delete(key)
      return false
    }
    if (assembly.parts[index] !== undefined) return true // a replay
    assembly.parts[index] = bytes
    assembly.received++
    assembly.bytes += bytes.length
    if (assembly.received < count) return true
    this.assemblies.delete(key)
    const message = new Uint8Array(assembly.bytes)
    let offset = 0
    for (const part of assembly.parts) {
      message.set(part ?? new Uint8Array(), offset)
      offset += part?.length ?? 0
    }
    return this.handle(from, message, false)
  }

  // --- outgoing ---------------------------------------------------------

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || !this.subscribed || this.relayPeerSet.size === 0) return
    this.pendingUpdates.push(update)
    this.scheduleDrain(0)
  }

  private readonly onAwarenessUpdate = (change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void => {
    if (origin === this) {
      const peer = this.applyingAwarenessFrom === undefined ? undefined : this.peers.get(this.applyingAwarenessFrom)
      for (const client of [...change.added, ...change.updated]) peer?.clients.add(client)
      for (const client of change.removed) for (const known of this.peers.values()) known.clients.delete(client)
      return
    }
    if (!this.subscribed || this.relayPeerSet.size === 0) return
    for (const client of [...change.added, ...change.updated, ...change.removed]) this.pendingAwareness.add(client)
    this.scheduleDrain(0)
  }

  private helloMessage(flags: number): Uint8Array {
    return encodeMessage(MessageKind.hello, (e) => {
      encoding.writeVarString(e, this.options.peerId)
      encoding.writeVarUint(e, flags)
    })
  }

  private byeMessage(): Uint8Array {
    return encodeMessage(MessageKind.bye, (e) => encoding.writeVarString(e, this.options.peerId))
  }

  private broadcastHello(flags: number): void {
    this.send(undefined, this.helloMessage(flags))
  }

  private sendSyncStep1(to: string): void {
    this.send(to, encodeMessage(MessageKind.sync, (e) => syncProtocol.writeSyncStep1(e, this.options.doc)))
  }

  private send(to: string | undefined, message: Uint8Array): void {
    if (!this.subscribed) return
    for (const part of splitMessage(message)) this.outbox.push({ to, message: part })
    this.scheduleDrain(0)
  }

  /** Relay protocol frames (subscribe, ping): unencrypted, sent at once, still counted against our budget. */
  private sendControl(frame: object): void {
    if (this.socket?.readyState !== SOCKET_OPEN) return
    this.spendTokens(1)
    this.socket.send(JSON.stringify(frame))
  }

  private spendTokens(cost: number): void {
    const now = Date.now()
    this.tokens = Math.min(TOKEN_BURST, this.tokens + ((now - this.tokensAt) * TOKENS_PER_SECOND) / 1000) - cost
    this.tokensAt = now
  }

  private scheduleDrain(delayMs: number): void {
    if (this.drainTimer !== undefined || this.destroyed) return
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined
      void this.drain()
    }, delayMs)
  }

  /** The next frame-sized message: queued ones first, then the merged live updates, then awareness. */
  private nextOutgoing(): Outgoing | undefined {
    if (this.outbox.length === 0 && this.pendingUpdates.length > 0) {
      const update = combineUpdates(this.pendingUpdates)
      this.pendingUpdates = []
      for (const part of splitMessage(encodeMessage(MessageKind.sync, (e) => syncProtocol.writeUpdate(e, update)))) this.outbox.push({ to: undefined, message: part })
    }
    if (this.outbox.length === 0 && this.pendingAwareness.size > 0) {
      const { awareness } = this.options
      const clients = [...this.pendingAwareness].filter((client) => awareness.meta.has(client))
      this.pendingAwareness.clear()
      if (clients.length > 0) {
        const message = encodeMessage(MessageKind.awareness, (e) => encoding.writeVarUint8Array(e, encodeAwarenessUpdate(awareness, clients)))
        for (const part of splitMessage(message)) this.outbox.push({ to: undefined, message: part })
      }
    }
    return this.outbox[0]
  }

  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      for (;;) {
        const socket = this.socket
        if (!socket || !this.subscribed || this.destroyed) return
        const next = this.nextOutgoing()
        if (!next) return
        const cost = 1 + Math.floor(next.message.length / BYTES_PER_TOKEN)
        this.spendTokens(0)
        if (this.tokens < Math.min(cost, TOKEN_BURST) || socket.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) {
          const waitMs = Math.max(10, ((Math.min(cost, TOKEN_BURST) - this.tokens) * 1000) / TOKENS_PER_SECOND)
          return this.scheduleDrain(Math.ceil(waitMs))
        }
        this.outbox.shift()
        this.spendTokens(cost)
        const text = await sealFrame(this.options.key, this.options.topic, this.options.peerId, next.to, next.message)
        if (socket !== this.socket || socket.readyState !== SOCKET_OPEN) return
        socket.send(text)
      }
    } catch {
      // Sealing cannot fail with a valid key; if it does, the next reconnect resyncs.
    } finally {
      this.draining = false
    }
  }

  private emitChange(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener()
      } catch (error) {
        // A listener's bug must not break the sync state machine: report it outside our call stack.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}
