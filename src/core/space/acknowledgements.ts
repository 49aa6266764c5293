/**
 * "Seen": which of this device's changes another device has confirmed
 * holding, from signed presence statements (presenceStatement.ts), and what
 * this device confirms to others in its own.
 *
 * A device asks for acknowledgement of its lanes that have unacknowledged
 * envelopes (`awaiting`); each other device answers with the head it holds
 * of each such lane, by seq and hash. The asking device counts an answer
 * only if the hash is its own envelope's at that seq: it cannot count
 * beyond what it authored, and a device that does not hold the envelope
 * cannot claim to. Which lanes are still awaited is kept on the device (the
 * ledger), so "not yet seen" survives a reload, and a lane of an earlier
 * session that is not in the ledger is one whose every envelope was
 * acknowledged.
 */
import { fromHexString, toHexString } from 'lib0/buffer'
import type * as Y from 'yjs'
import { sameBytes } from './envelope.ts'
import type { EnvelopeLog } from './EnvelopeLog.ts'
import type { SpaceId } from './ids.ts'
import { MAX_ACKS, MAX_AWAITING, type Ack, type PresenceStatement } from './presenceStatement.ts'

/**
 * This device's lanes still awaiting acknowledgement, by lane (hex of its
 * public key), with how many of each lane's envelopes another device has
 * acknowledged so far. Kept in the device doc, shared by every context of
 * the device: each adds its own lane when it first has something
 * unacknowledged, and any removes a lane once all of it is acknowledged.
 */
export interface AckLedger {
  read(): ReadonlyMap<string, number>
  /** Records how far a lane is acknowledged; undefined removes it (all of it is). */
  write(lane: string, acknowledged: number | undefined): void
}

export const laneHex = (lane: Uint8Array): string => toHexString(lane)

/** What this device acknowledges to the others present: for each lane they await, the head this device holds. */
export function acknowledgementsFor(others: readonly PresenceStatement[], log: EnvelopeLog): Ack[] {
  const acks: Ack[] = []
  for (const statement of others) {
    for (const lane of statement.awaiting) {
      const next = log.nextSeq(statement.author, lane)
      if (next === 0 || acks.length >= MAX_ACKS) continue
      acks.push({ lane, seq: next - 1, hash: log.head(statement.author, lane) })
    }
  }
  return acks
}

/**
 * How many envelopes of each of this device's lanes some other device has
 * acknowledged, by lane (hex), counting only acknowledgements whose hash is
 * this device's own envelope at that seq.
 */
export function acknowledgedByOthers(me: Uint8Array, others: readonly PresenceStatement[], log: EnvelopeLog): Map<string, number> {
  const acknowledged = new Map<string, number>()
  for (const statement of others) {
    for (const ack of statement.acks) {
      const own = log.hashAt(me, ack.lane, ack.seq)
      if (!own || !sameBytes(own, ack.hash)) continue
      const lane = laneHex(ack.lane)
      acknowledged.set(lane, Math.max(acknowledged.get(lane) ?? 0, ack.seq + 1))
    }
  }
  return acknowledged
}

export interface OwnProgress {
  /** Envelopes of this device not yet acknowledged by any other device. */
  readonly unseen: number
  /** Lanes to ask acknowledgement for, this session's first. */
  readonly awaiting: readonly Uint8Array[]
  /** Changes to make to the ledger: a lane's acknowledged count, or undefined to remove it. */
  readonly ledgerWrites: ReadonlyMap<string, number | undefined>
}

/**
 * Where this device stands: its lanes in the ledger, and this session's
 * lane, each with how much of it is acknowledged (the ledger's figure or a
 * newer one from `acknowledged`).
 */
export function ownProgress(input: {
  readonly me: Uint8Array
  readonly currentLane: Uint8Array
  readonly log: EnvelopeLog
  readonly ledger: ReadonlyMap<string, number>
  readonly acknowledged: ReadonlyMap<string, number>
}): OwnProgress {
  const { me, currentLane, log, ledger, acknowledged } = input
  const lanes = new Map<string, Uint8Array>([[laneHex(currentLane), currentLane]])
  for (const lane of ledger.keys()) if (!lanes.has(lane)) lanes.set(lane, fromHexString(lane))
  let unseen = 0
  const awaiting: Uint8Array[] = []
  const ledgerWrites = new Map<string, number | undefined>()
  for (const [hex, lane] of lanes) {
    const authored = log.nextSeq(me, lane)
    // A lane of the ledger the log has not loaded yet (it loads after the content): left as it is until it has.
    if (authored === 0) continue
    const recorded = ledger.get(hex)
    const seen = Math.min(authored, Math.max(recorded ?? 0, acknowledged.get(hex) ?? 0))
    const missing = authored - seen
    unseen += missing
    if (missing > 0 && awaiting.length < MAX_AWAITING) awaiting.push(lane)
    // The ledger keeps the lanes with something unacknowledged, at the count acknowledged so far, and this
    // session's lane whatever it is (its next envelope must not count the acknowledged ones again).
    const current = lane === currentLane
    if (missing === 0 && !current && recorded !== undefined) ledgerWrites.set(hex, undefined)
    else if ((missing > 0 || current) && recorded !== seen) ledgerWrites.set(hex, seen)
  }
  return { unseen, awaiting, ledgerWrites }
}

/** The map in the device doc that holds every space's ledger: `<space id>/<lane hex>` → acknowledged count. */
const LEDGER_MAP = 'acknowledged'

/** The ledger of one space, kept in the device doc (local to the device, shared by its tabs and its worker). */
export function deviceAckLedger(deviceDoc: Y.Doc, space: SpaceId): AckLedger {
  const map = deviceDoc.getMap<unknown>(LEDGER_MAP)
  const prefix = `${space}/`
  return {
    read: () => {
      const lanes = new Map<string, number>()
      for (const [key, value] of map) if (key.startsWith(prefix) && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) lanes.set(key.slice(prefix.length), value)
      return lanes
    },
    write: (lane, acknowledged) => {
      if (acknowledged === undefined) map.delete(prefix + lane)
      else map.set(prefix + lane, acknowledged)
    },
  }
}

/** Forgets a space's ledger (the space left this device). */
export function forgetAckLedger(deviceDoc: Y.Doc, space: SpaceId): void {
  const map = deviceDoc.getMap<unknown>(LEDGER_MAP)
  const prefix = `${space}/`
  const keys = [...map.keys()].filter((key) => key.startsWith(prefix))
  if (keys.length > 0) deviceDoc.transact(() => keys.forEach((key) => map.delete(key)))
}
