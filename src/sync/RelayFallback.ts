/**
 * Sync through the relay for peers that cannot open WebRTC to each other (a
 * NAT with no TURN, a locked-down network, the service worker). Peers of a
 * room meet on a pub/sub topic of the relay; a peer heard there that is
 * still not directly connected `graceMs` later becomes a relay peer, and
 * from then on we exchange y-protocols sync and awareness with it over the
 * topic. Everything is AES-GCM encrypted, so the relay sees only who talks
 * on which topic, sizes and timing. The socket is the context's
 * RelayConnection, shared with its other rooms.
 *
 * Wire: {type:'publish', topic, from, to?, data: base64(iv(12) ‖ ciphertext)}.
 * `topic`, `from` and `to` are the AES-GCM additional data, so the relay can
 * neither re-address a message nor move it to another topic. The plaintext is
 * lib0-encoded: a kind (MessageKind) and its payload:
 *   hello      peerId, flags (FLAG_JUST_CONNECTED asks for a hello back, and a resync if the receiver syncs with the sender here)
 *   sync       a y-protocols sync message (step 1, step 2, update)
 *   awareness  a y-protocols awareness update
 *   part       messageId, index, count, bytes: one slice of a message too big for one frame
 *   bye        peerId: the sender is leaving
 * A relay that replays old frames gains nothing: Yjs updates are idempotent,
 * awareness carries clocks, and a replayed hello or bye costs at most one
 * keepalive of relay sync.
 *
 * Presence must not outlive the peer: a relay peer is one heard through the
 * relay lately. One whose direct connection ended (perhaps with its
 * browser) is asked for a hello and taken on only once it answers; one
 * that stops sending leaves after RELAY_SILENT_MS.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates, type Awareness } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { combineUpdates } from '../core/space/joinUpdates.ts'
import { PartAssembler } from './PartAssembler.ts'
import type { RelayConnection } from './RelayConnection.ts'
import type { RelayTopic } from './RelaySocket.ts'
import { encodeMessage, MessageKind, openFrame, parsePublishFrame, sealFrame, splitMessage } from './relayFrames.ts'

export { importRelayKey } from './relayFrames.ts'

export interface RelayFallbackOptions {
  /** This context's connection to the relay, shared by its rooms. */
  readonly connection: RelayConnection
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
}

const FLAG_JUST_CONNECTED = 1
const DEFAULT_GRACE_MS = 3_000 // y-webrtc connects in tens of ms on a LAN, a few seconds through STUN
const MIN_CHECK_MS = 10 // a graceMs of 0 must not become a busy loop
/**
 * While a room has relay peers it says hello this often (between 3/4 of it
 * and all of it, at random, so rooms that connected together do not keep
 * speaking at the same instant), unless it broadcast something else
 * anyway. Rooms without relay peers say nothing: nobody there needs to
 * hear from us through the relay, so a device's idle spaces cost the relay
 * nothing but one ping per connection.
 */
const RELAY_KEEPALIVE_MS = 8_000
/**
 * A relay peer not heard for this long has gone, with its presence. A live
 * one broadcasts at least every keepalive plus one check (at most 11 s in
 * a page), so this leaves room for a keepalive held up behind a busy
 * connection, and still drops a closed browser well before its awareness
 * would expire (30 s).
 */
export const RELAY_SILENT_MS = 20_000
/** Peers tracked per room; beyond it someone is inventing peer ids. */
const MAX_PEERS = 256

interface KnownPeer {
  /** When a valid message from it last arrived through the relay. */
  lastHeard: number
  /** When we last found it directly connected; undefined if never. */
  lastDirect: number | undefined
  /**
   * Since when it has had no direct connection (or we no relay connection);
   * undefined while direct. It becomes a relay peer only if heard since.
   */
  indirectSince: number | undefined
  /** Awareness clients we learned through this peer, removed when it leaves. */
  readonly clients: Set<number>
}

interface Outgoing {
  readonly to: string | undefined
  readonly message: Uint8Array
}

export class RelayFallback {
  /** Incoming messages that failed to decrypt or validate. */
  rejected = 0
  private readonly peers = new Map<string, KnownPeer>()
  private readonly relayPeerSet = new Set<string>()
  private readonly parts = new PartAssembler()
  private readonly listeners = new Set<() => void>()
  private readonly graceMs: number
  private readonly topic: RelayTopic
  private subscribed = false
  private destroyed = false
  /** Sealed once: a bye is the same every time, and destroy cannot wait for a seal. */
  private byeFrame: string | undefined
  private readonly checkTimer: ReturnType<typeof setInterval>
  private nextKeepaliveAt = 0
  /** Hellos go before everything else this room has queued: they are small, and peers time us out without them. */
  private readonly hellos: Outgoing[] = []
  /** Frame-sized messages waiting for their turn, oldest first; live updates and awareness go after them, merged. */
  private readonly outbox: Outgoing[] = []
  private pendingUpdates: Uint8Array[] = []
  private readonly pendingAwareness = new Set<number>()
  /** Incoming frames are handled one at a time, in arrival order, although decryption is asynchronous. */
  private inbound: Promise<void> = Promise.resolve()
  private applyingAwarenessFrom: string | undefined

  constructor(private readonly options: RelayFallbackOptions) {
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    options.doc.on('update', this.onDocUpdate)
    options.awareness.on('update', this.onAwarenessUpdate)
    this.checkTimer = setInterval(() => this.checkPeers(), Math.max(this.graceMs, MIN_CHECK_MS))
    void sealFrame(options.key, options.topic, options.peerId, undefined, this.byeMessage()).then((frame) => (this.byeFrame = frame))
    this.topic = options.connection.join(options.topic, {
      deliver: (frame) => this.deliver(frame),
      subscribedChanged: (subscribed) => (subscribed ? this.becameConnected() : this.lostConnection()),
      peekOutgoing: () => this.nextOutgoing()?.message.length,
      sealOutgoing: () => this.sealOutgoing(),
    })
  }

  /** Peers we currently sync with through the relay. */
  get relayPeers(): ReadonlySet<string> {
    return this.relayPeerSet
  }

  /** Subscribed to the room's topic on an open connection. */
  get connected(): boolean {
    return this.subscribed
  }

  /** Bytes held of messages still arriving in parts: at most MAX_ROOM_PART_BYTES, whoever sends them. */
  get pendingPartBytes(): number {
    return this.parts.bufferedBytes
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
    clearInterval(this.checkTimer)
    this.options.doc.off('update', this.onDocUpdate)
    // Nothing renews the states we brought in once we are gone.
    for (const id of [...this.peers.keys()]) this.forget(id, true)
    this.options.awareness.off('update', this.onAwarenessUpdate)
    // The bye lets relay peers drop us and our awareness now rather than after RELAY_SILENT_MS.
    this.topic.leave(this.byeFrame)
  }

  // --- connection -------------------------------------------------------

  private becameConnected(): void {
    if (this.destroyed) return
    this.subscribed = true
    this.broadcastHello(FLAG_JUST_CONNECTED)
    this.emitChange()
  }

  private lostConnection(): void {
    if (this.destroyed) return
    this.subscribed = false
    // Whatever was not sent is recovered by the sync step 1 exchange on reconnect.
    this.hellos.length = 0
    this.outbox.length = 0
    this.pendingUpdates = []
    this.pendingAwareness.clear()
    // A relay peer is one we can reach now: once the relay is back, a peer is taken on again when heard again.
    const now = Date.now()
    for (const peer of this.peers.values()) if (peer.indirectSince !== undefined) peer.indirectSince = now
    this.relayPeerSet.clear()
    this.emitChange()
  }

  // --- peers ------------------------------------------------------------

  private checkPeers(): void {
    const now = Date.now()
    for (const [id, peer] of this.peers) {
      if (this.options.isDirect(id)) {
        peer.lastDirect = now
        peer.indirectSince = undefined
        // y-webrtc carries it now, awareness included.
        if (this.relayPeerSet.delete(id)) this.emitChange()
        continue
      }
      if (peer.indirectSince === undefined) {
        // Its direct connection just ended, perhaps because its browser closed: ask whether it is still there.
        peer.indirectSince = now
        this.sendHello(id, FLAG_JUST_CONNECTED)
      }
      if (now - Math.max(peer.lastHeard, peer.lastDirect ?? 0) > RELAY_SILENT_MS) this.forget(id, true)
      else if (now - peer.indirectSince >= this.graceMs && peer.lastHeard >= peer.indirectSince) this.promote(id)
    }
    this.parts.expire(now)
    if (this.subscribed && this.relayPeerSet.size > 0 && now >= this.nextKeepaliveAt) this.broadcastHello(0)
  }

  /** Notes that a peer spoke; false when it is new and we already track as many peers as we will. */
  private heard(id: string): boolean {
    const now = Date.now()
    const peer = this.peers.get(id)
    if (peer) {
      peer.lastHeard = now
      return true
    }
    if (this.peers.size >= MAX_PEERS) return false
    this.peers.set(id, { lastHeard: now, lastDirect: undefined, indirectSince: now, clients: new Set() })
    return true
  }

  private promote(id: string): void {
    if (this.relayPeerSet.has(id) || !this.peers.has(id) || !this.subscribed) return
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
    this.parts.forget(id)
    if (peer && removeAwareness) {
      const { awareness } = this.options
      const clients = [...peer.clients].filter((client) => client !== awareness.clientID)
      if (clients.length > 0) removeAwarenessStates(awareness, clients, this)
    }
    if (this.relayPeerSet.delete(id)) this.emitChange()
  }

  // --- incoming ---------------------------------------------------------

  private deliver(frame: unknown): void {
    this.inbound = this.inbound.then(() => this.receive(frame)).catch(() => {
      this.rejected++
    })
  }

  private async receive(value: unknown): Promise<void> {
    if (this.destroyed) return
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
          this.sendHello(from, 0)
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
        // It asked through the relay just now, so it is there and cannot reach us directly: no point waiting out our own grace period.
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
    const result = this.parts.add({ from, id, index, count, bytes }, Date.now())
    if (result.kind === 'invalid') return false
    return result.kind === 'partial' || this.handle(from, result.message, false)
  }

  // --- outgoing ---------------------------------------------------------

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || !this.subscribed || this.relayPeerSet.size === 0) return
    this.pendingUpdates.push(update)
    this.topic.wake()
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
    this.topic.wake()
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
    // Not due again until this one (or any other broadcast) has gone out.
    this.nextKeepaliveAt = Number.POSITIVE_INFINITY
    this.sendHello(undefined, flags)
  }

  private sendHello(to: string | undefined, flags: number): void {
    if (!this.subscribed) return
    this.hellos.push({ to, message: this.helloMessage(flags) })
    this.topic.wake()
  }

  private sendSyncStep1(to: string): void {
    this.send(to, encodeMessage(MessageKind.sync, (e) => syncProtocol.writeSyncStep1(e, this.options.doc)))
  }

  private send(to: string | undefined, message: Uint8Array): void {
    if (!this.subscribed) return
    for (const part of splitMessage(message)) this.outbox.push({ to, message: part })
    this.topic.wake()
  }

  /** The next frame-sized message: hellos first, then queued ones, then the merged live updates, then awareness. */
  private nextOutgoing(): Outgoing | undefined {
    if (this.hellos.length > 0) return this.hellos[0]
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

  /** Takes the message nextOutgoing returned; the connection calls it when the message's turn and budget have come. */
  private async sealOutgoing(): Promise<string | undefined> {
    const next = this.hellos.shift() ?? this.outbox.shift()
    if (!next) return undefined
    if (next.to === undefined) this.nextKeepaliveAt = Date.now() + RELAY_KEEPALIVE_MS * (0.75 + Math.random() / 4)
    return sealFrame(this.options.key, this.options.topic, this.options.peerId, next.to, next.message)
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
