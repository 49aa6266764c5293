/**
 * What a peer says about itself in a room's awareness (presence): its
 * device, name, session peer id, the scheduler kinds it runs, and how much
 * of each device's log it has seen. Every room transport (WebRTC, the
 * relay-only room of the service worker) publishes and reads the same
 * shape; what comes from a peer crosses the network, so it is validated.
 */
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
export function localPresence(presence: Presence, peerId: string, log: SignedLog): Record<string, unknown> {
  return {
    name: presence.name(),
    device: presence.device,
    peer: peerId,
    kinds: presence.kinds,
    seen: Object.fromEntries(log.log.authorCounts()),
  }
}

/** This device's key as peers' `seen` maps name it. */
export function seenKey(log: SignedLog): string {
  return authorKey(log.author)
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
export function roomStatus(input: StatusInput): RoomStatus {
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

/** A room's status as its listeners see it: they hear of a change, not of a repeat. */
export class StatusBoard {
  status: RoomStatus = { state: { kind: 'connecting', unseen: 0 }, peers: [] }
  private statusJson = JSON.stringify(this.status)
  private readonly listeners = new Set<() => void>()

  onStatus(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  publish(status: RoomStatus): void {
    const statusJson = JSON.stringify(status)
    if (statusJson === this.statusJson) return
    this.status = status
    this.statusJson = statusJson
    for (const listener of this.listeners) listener()
  }

  clear(): void {
    this.listeners.clear()
  }
}
