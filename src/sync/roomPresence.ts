/**
 * What a peer says about itself in a room's awareness (presence): its
 * device, name, session peer id, the scheduler kinds it runs, and how much
 * of each device's log it has seen. Every room transport (WebRTC, the
 * relay-only room of the service worker) publishes and reads the same
 * shape; what comes from a peer crosses the network, so it is validated.
 */
import type { Awareness } from 'y-protocols/awareness'
import { authorKey } from '../core/space/envelope.ts'
import type { SignedLog } from '../core/space/SignedLog.ts'
import { syncState, unseenChanges, type PeerConnection, type RoomPeer, type RoomRequest, type RoomStatus } from '../core/space/SpaceRoom.ts'

const MAX_NAME_CHARS = 200
/** A peer advertising more kinds than any build registers is not honest; its list is dropped, not truncated. */
const MAX_KINDS = 32
const MAX_KIND_CHARS = 64

export interface Presence {
  /** This device's did:key. */
  readonly device: string
  /** The scheduler kinds this device's host can run, advertised so peers rank it for their occurrences (SPEC CL1). */
  readonly kinds: readonly string[]
  name(): string
  onNameChange(listener: () => void): () => void
}

interface PeerState {
  readonly name: string
  readonly device: string
  readonly peer: string
  readonly kinds: readonly string[]
  /** How many of this device's envelopes the peer has seen (its `seen` entry for us). */
  readonly seenOfMine: number
}

/** This peer's awareness state. */
function localPresence(presence: Presence, peerId: string, log: SignedLog): Record<string, unknown> {
  return {
    name: presence.name(),
    device: presence.device,
    peer: peerId,
    kinds: presence.kinds,
    seen: Object.fromEntries(log.log.authorCounts()),
  }
}

/** A remote awareness state, if it has the shape Pii peers publish; `me` is our key in its `seen` map. */
export function parsePeerState(value: unknown, me: string): PeerState | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const state = value as Record<string, unknown>
  const { name, device, peer, seen, kinds } = state
  if (typeof name !== 'string' || typeof device !== 'string' || typeof peer !== 'string') return undefined
  if (name.length > MAX_NAME_CHARS || device.length > MAX_NAME_CHARS || peer.length > MAX_NAME_CHARS) return undefined
  // Only our own entry is read: a peer's map may be as large as it likes without costing us a copy.
  const count = typeof seen === 'object' && seen !== null && Object.hasOwn(seen, me) ? (seen as Record<string, unknown>)[me] : 0
  return { name, device, peer, kinds: parseKinds(kinds), seenOfMine: typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : 0 }
}

/** A peer's advertised kinds; anything else than a short list of short names counts as none. */
function parseKinds(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length > MAX_KINDS) return []
  return value.every((kind): kind is string => typeof kind === 'string' && kind.length > 0 && kind.length <= MAX_KIND_CHARS) ? value : []
}

interface StatusInput {
  /** Awareness states by client id (this peer's own included: it is skipped). */
  readonly states: ReadonlyMap<number, unknown>
  readonly ownClientId: number
  /** This device's key in peers' `seen` maps (seenKey). */
  readonly me: string
  readonly device: string
  /** How a peer is reached now, or undefined when it is not (a state outlives its connection by up to 30 s). */
  readonly connectionOf: (peer: string) => PeerConnection | undefined
  readonly request: RoomRequest
  readonly online: boolean
  readonly relayConnected: boolean
}

/**
 * Who is here and the one sync indicator, from the room's awareness; also
 * keeps the most any other device has seen of this one's changes, so the
 * indicator survives a reload.
 */
function roomStatus(input: StatusInput): RoomStatus {
  const peers: RoomPeer[] = []
  const seenByOthers: number[] = []
  for (const [clientId, value] of input.states) {
    if (clientId === input.ownClientId) continue
    const state = parsePeerState(value, input.me)
    const connection = state && input.connectionOf(state.peer)
    if (!state || !connection) continue
    peers.push({ id: state.peer, name: state.name, device: state.device, kinds: state.kinds, connection })
    if (state.device !== input.device) seenByOthers.push(state.seenOfMine)
  }
  peers.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
  const { seenByOthers: seen, log } = input.request
  const seenNow = Math.max(0, ...seenByOthers)
  if (seenNow > seen.read()) seen.write(seenNow)
  return {
    peers,
    state: syncState({
      online: input.online,
      relayConnected: input.relayConnected,
      peers: peers.length,
      unseen: unseenChanges(log.log.authoredCount(input.me), [seenNow, seen.read()]),
    }),
  }
}

export interface RoomPresenceOptions {
  readonly request: RoomRequest
  readonly presence: Presence
  /** The room's awareness, whatever carries it (y-webrtc's, or one of the relay room's own). */
  readonly awareness: Awareness
  /** This peer's id in the room; undefined until the transport has one (y-webrtc derives it with the room key). */
  readonly peerId: () => string | undefined
  /** How a peer is reached now, or undefined when it is not. */
  readonly connectionOf: (peer: string) => PeerConnection | undefined
  readonly online: () => boolean
  readonly relayConnected: () => boolean
  /** Presence (with what this peer has seen) goes out at most this often. */
  readonly seenPublishMs: number
  /** Where a transport has no event for a connection becoming usable, the status is read again this often. */
  readonly refreshEveryMs?: number
}

/**
 * A room's presence and status, whatever transport carries the room: it
 * publishes this peer's presence (again when its name or what it has seen
 * changes), derives the status from everyone's, and tells the room's
 * listeners of a change, not of a repeat.
 */
export class RoomPresence {
  status: RoomStatus = { state: { kind: 'connecting', unseen: 0 }, peers: [] }
  /** The status as last published, to tell a change from a repeat without serialising both each time. */
  private statusJson = JSON.stringify(this.status)
  private readonly listeners = new Set<() => void>()
  private readonly stops: Array<() => void> = []
  private seenTimer: ReturnType<typeof setTimeout> | undefined
  private closed = false
  /** This device's key as peers' `seen` maps name it. */
  private readonly me: string

  constructor(private readonly options: RoomPresenceOptions) {
    this.me = authorKey(options.request.log.author)
    const refresh = (): void => this.refresh()
    options.awareness.on('change', refresh)
    this.stops.push(() => options.awareness.off('change', refresh))
    this.stops.push(options.request.log.onChange(() => this.scheduleSeen()))
    this.stops.push(options.presence.onNameChange(() => this.publish()))
    if (options.refreshEveryMs !== undefined) {
      const interval = setInterval(refresh, options.refreshEveryMs)
      this.stops.push(() => clearInterval(interval))
    }
    this.publish()
  }

  onStatus(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Something the status is read from is gone with the room: `stop` runs when it closes. */
  onClose(stop: () => void): void {
    this.stops.push(stop)
  }

  /** Puts this peer's presence in the awareness (once the room has given it an id). */
  publish(): void {
    const peer = this.options.peerId()
    if (this.closed || peer === undefined) return
    this.options.awareness.setLocalState(localPresence(this.options.presence, peer, this.options.request.log))
  }

  refresh(): void {
    if (this.closed) return
    const { options } = this
    const status = roomStatus({
      states: options.awareness.getStates(),
      ownClientId: options.awareness.clientID,
      me: this.me,
      device: options.presence.device,
      connectionOf: options.connectionOf,
      request: options.request,
      online: options.online(),
      relayConnected: options.relayConnected(),
    })
    const statusJson = JSON.stringify(status)
    if (statusJson === this.statusJson) return
    this.status = status
    this.statusJson = statusJson
    for (const listener of this.listeners) listener()
  }

  close(): void {
    this.closed = true
    if (this.seenTimer) clearTimeout(this.seenTimer)
    for (const stop of this.stops) stop()
    this.listeners.clear()
  }

  private scheduleSeen(): void {
    this.refresh()
    this.seenTimer ??= setTimeout(() => {
      this.seenTimer = undefined
      this.publish()
    }, this.options.seenPublishMs)
  }
}
