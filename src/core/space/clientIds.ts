/**
 * Which Yjs clientIDs a lane may write. Yjs names every struct by
 * (clientID, clock), and a replica that already holds a (clientID, clock)
 * silently drops any other struct with the same name. So a member who signs
 * structs under someone else's clientID, starting at that client's last
 * known clock, makes every replica drop that client's genuine edits when
 * they arrive: validly signed, counted, and gone.
 *
 * Each lane therefore writes only under clientIDs derived from its own key:
 *
 *   clientId(k) = the first 53 bits of SHA-256("pii client v1\0" ‖ space ‖ lane key ‖ k),  k = 0…MAX_CLIENTS_PER_LANE-1
 *
 * (53 bits: the largest integer a JavaScript number holds exactly; Yjs
 * writes clientIDs as variable-length integers, so any of them works). The
 * lane's signature on an envelope is the binding: a peer checks every
 * struct section of an envelope's update against the lane's ids, and no one
 * can bind an id to their lane without finding a lane key that hashes to it
 * (about 2^52 key generations). Ownership is a function of the envelope
 * alone, so every peer, and every newcomer in any order, decides the same.
 * Delete sets name other clients' structs freely: deleting someone's item
 * is an ordinary edit.
 *
 * `k` lets a lane move to a fresh id when Yjs reports a collision on its
 * current one (it does so when a remote update writes under the local
 * clientID), without a new lane.
 */
import { digest as sha256 } from 'lib0/hash/sha256'
import type * as Y from 'yjs'
import { decodeBase58 } from '../identity/base58.ts'
import type { SpaceId } from './ids.ts'

/** Fresh ids a lane can move to after collisions; one is all an honest session ever needs. */
const MAX_CLIENTS_PER_LANE = 16
const CONTEXT = new TextEncoder().encode('pii client v1\0')
/** 2^53: a clientID stays an exact JavaScript integer. */
const TWO_TO_THE_48 = 2 ** 48

/** The k-th clientID of a lane in a space. */
export function laneClientId(space: SpaceId, lane: Uint8Array, index: number): number {
  const spaceBytes = decodeBase58(space)
  if (!spaceBytes) throw new Error(`"${space}" is not a space id.`)
  if (!Number.isInteger(index) || index < 0 || index >= MAX_CLIENTS_PER_LANE) throw new Error(`A lane has clientIDs 0 to ${MAX_CLIENTS_PER_LANE - 1}, not ${index}.`)
  const input = new Uint8Array(CONTEXT.length + spaceBytes.length + lane.length + 1)
  input.set(CONTEXT)
  input.set(spaceBytes, CONTEXT.length)
  input.set(lane, CONTEXT.length + spaceBytes.length)
  input[input.length - 1] = index
  const hash = sha256(input)
  // 5 bits of the first byte and the next six bytes: 53 bits, built without 32-bit bitwise arithmetic.
  let low = 0
  for (let byte = 1; byte < 7; byte++) low = low * 256 + hash[byte]!
  return (hash[0]! & 0x1f) * TWO_TO_THE_48 + low
}

/** Every clientID a lane may write, in order. */
export function clientIdsOfLane(space: SpaceId, lane: Uint8Array): number[] {
  return Array.from({ length: MAX_CLIENTS_PER_LANE }, (_, index) => laneClientId(space, lane, index))
}

/** Whether `doc` holds anything written under one of the lane's clientIDs. */
export function holdsLaneWrites(doc: Y.Doc, space: SpaceId, lane: Uint8Array): boolean {
  return clientIdsOfLane(space, lane).some((client) => doc.store.clients.has(client))
}

/** Every clientID a lane may write, in order; computed once per lane and kept (a peer meets each lane many times). */
export class LaneClientIds {
  private readonly byLane = new Map<string, readonly number[]>()

  constructor(private readonly space: SpaceId) {}

  /** `laneId` is any stable key of the lane (its chain key); `lane` its public key. */
  of(laneId: string, lane: Uint8Array): readonly number[] {
    let ids = this.byLane.get(laneId)
    if (!ids) {
      ids = clientIdsOfLane(this.space, lane)
      this.byLane.set(laneId, ids)
    }
    return ids
  }
}

/** Docs kept writing as a lane, with that lane's ids: a second writeAsLane for the same lane adds no second watch. */
const watched = new WeakMap<Y.Doc, readonly number[]>()

/**
 * Makes `doc` write under the lane's clientID, and keeps it so: when Yjs
 * switches a doc to a random id after seeing its own id in a remote update,
 * the doc moves to the lane's next id instead, which the lane can sign.
 * Returns the function that stops watching. The doc's owner (SpaceLibrary,
 * from load on) and its SignedLog both ask; whoever asked first owns the
 * watch, and a later ask for the same lane changes nothing.
 */
export function writeAsLane(doc: Y.Doc, space: SpaceId, lane: Uint8Array): () => void {
  const ids = clientIdsOfLane(space, lane)
  const already = watched.get(doc)
  if (already && already[0] === ids[0]) return () => {}
  let current = ids.indexOf(doc.clientID)
  if (current < 0) {
    current = 0
    doc.clientID = ids[0]!
  }
  const keepLaneId = (): void => {
    if (ids.includes(doc.clientID)) return
    // Yjs replaced the id because another writer used it: move on to one nobody has written.
    const used = doc.store.clients
    const next = ids.findIndex((id, index) => index > current && !used.has(id))
    // Out of fresh ids (only a run of collisions could do that, and the log refuses foreign writes before
    // they reach the doc): stay on the last one, whose edits the lane can still sign.
    if (next >= 0) current = next
    doc.clientID = ids[current]!
  }
  doc.on('afterTransactionCleanup', keepLaneId)
  watched.set(doc, ids)
  return () => {
    doc.off('afterTransactionCleanup', keepLaneId)
    if (watched.get(doc) === ids) watched.delete(doc)
  }
}
