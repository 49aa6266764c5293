/**
 * What a peer says about itself in a room's awareness (presence): its
 * device, name, session peer id, the scheduler kinds it runs, and how much
 * of each device's log it has seen. Every room transport (WebRTC, the
 * relay-only room of the service worker) publishes and reads the same
 * shape; what comes from a peer crosses the network, so it is validated.
 */
import { authorKey } from '../core/space/envelope.ts'
import type { SignedLog } from '../core/space/SignedLog.ts'

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

export interface PeerState {
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
