/**
 * Claims and run records: how peers agree on who performs an occurrence
 * (SPEC CL2–CL6). A claim is `{ occurrence, peer, hlc, renewal }`; the
 * earliest live claim (by HLC, then peer) wins. Records arrive from other
 * peers through the space's log, so every one is checked before it counts.
 *
 * Leases are timed by each reader's own clock: a claim is live for LEASE_MS
 * after this peer first saw its current renewal. An absolute expiry written
 * in the claimer's clock would be read against another peer's clock, and a
 * skew of a lease's length would let two connected peers both run (G1), or
 * a claim "valid until the year 9999" block an occurrence for good.
 */
import { compareHlc, isHlc, type Hlc } from './hlc.ts'
import type { OccurrenceId } from './occurrenceIds.ts'

/** Between ranks: long enough for the better-ranked peer's claim to reach the others first. */
export const STAGGER_MS = 500
/**
 * How long before its due time an occurrence is offered to the runners
 * (see tick's lookAheadMs), so the first-ranked peer's claim is
 * acknowledged (CL4) by the due time and its run starts on time. Two trips
 * between peers: tens of ms on a LAN or through the relay. A slower link
 * makes the run late, never twice.
 */
export const CLAIM_LEAD_MS = 250
/** A run's lease; renewed when half is left, so one late renewal does not lose it. */
export const LEASE_MS = 30_000
/**
 * How long a claimer waits for a present peer's acknowledgement (CL4)
 * before it counts that peer as gone: a peer silent for a lease is treated
 * as a crashed claimer is. A connected peer answers within two trips; the
 * claim's lease is renewed while it waits, so it stays the claimer's.
 */
export const ACKNOWLEDGEMENT_WAIT_MS = LEASE_MS
/**
 * The most claim writers (Yjs clients) one acknowledgement names. A space's
 * hosts write claims under one client each per session; a member inventing
 * writers cannot make every peer's acknowledgement grow without bound.
 */
export const MAX_ACKNOWLEDGED_WRITERS = 256
const MAX_PEER_CHARS = 200

export interface Claim {
  readonly occurrence: OccurrenceId
  readonly peer: string
  readonly hlc: Hlc
  /** Bumped by each lease renewal: a new renewal is what restarts the lease on every reader. */
  readonly renewal: number
  /** The claimer's own clock when it wrote this renewal (not its HLC, which follows others'): readers measure clock offsets with it (CL7). */
  readonly at?: number
}

/** A claim as this peer holds it: with when it first saw this renewal, by its own clock. */
export interface HeldClaim extends Claim {
  readonly seenAt: number
}

/**
 * How far apart two honest peers' clocks may be. A claim stamped earlier
 * than its occurrence's claim window by more than this is not honest (it
 * would win every time) and is ignored.
 */
export const MAX_CLOCK_SKEW_MS = 60_000

export const RunOutcome = { ok: 'ok', failed: 'failed' } as const
export type RunOutcome = (typeof RunOutcome)[keyof typeof RunOutcome]

/** An attempt of a run that failed and was tried again (K5). */
export interface FailedAttempt {
  readonly startedAt: number
  readonly error: string
}

/** The most failed attempts a run record lists: more than any kind's retries. */
export const MAX_RECORDED_ATTEMPTS = 10

/** What became of an occurrence (CL6); written once, by the peer that ran it. */
export interface RunRecord {
  readonly occurrence: OccurrenceId
  readonly by: string
  readonly startedAt: number
  readonly doneAt: number
  readonly outcome: RunOutcome
  readonly error?: string
  /** What the kind reported of a run that succeeded (an HTTP status, a file name): written at most MAX_DETAIL_CHARS long. */
  readonly detail?: string
  /** The attempts before the last, which failed and were tried again (K5), oldest first; `startedAt` is the first's. */
  readonly failedAttempts?: readonly FailedAttempt[]
  /** When the attempt this record's outcome is from started, with failedAttempts: the gaps between attempts show the backoff. */
  readonly lastAttemptAt?: number
}

/** A record's failed attempts that are well formed (a peer's record is read whatever else it holds: dropped, its occurrence would look unrun). */
export function failedAttemptsOf(record: RunRecord): FailedAttempt[] {
  const attempts: unknown = record.failedAttempts
  if (!Array.isArray(attempts)) return []
  return attempts
    .slice(0, MAX_RECORDED_ATTEMPTS)
    .filter((attempt): attempt is FailedAttempt => typeof attempt === 'object' && attempt !== null && isTime((attempt as FailedAttempt).startedAt) && typeof (attempt as FailedAttempt).error === 'string')
}

/** A run's error or detail is a line for a person, not a log dump. */
export const MAX_DETAIL_CHARS = 500

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

export function isClaim(value: unknown): value is Claim {
  if (typeof value !== 'object' || value === null) return false
  const { occurrence, peer, hlc, renewal, at } = value as Record<string, unknown>
  return isText(occurrence, 1000) && isText(peer, MAX_PEER_CHARS) && isHlc(hlc) && hlc.peer === peer && isTime(renewal) && (at === undefined || isTime(at))
}

export function isRunRecord(value: unknown): value is RunRecord {
  if (typeof value !== 'object' || value === null) return false
  const { occurrence, by, startedAt, doneAt, outcome, error, detail } = value as Record<string, unknown>
  return (
    isText(occurrence, 1000) &&
    isText(by, MAX_PEER_CHARS) &&
    isTime(startedAt) &&
    isTime(doneAt) &&
    (outcome === RunOutcome.ok || outcome === RunOutcome.failed) &&
    // Read whatever the length: an earlier build wrote longer errors, and a record dropped would make its occurrence look unrun.
    (error === undefined || typeof error === 'string') &&
    (detail === undefined || typeof detail === 'string')
  )
}

/**
 * A peer's acknowledgement of the claims it holds (CL4): for each Yjs client
 * that wrote claims, how far (its clock, exclusive) this peer has taken in
 * that client's writes. A claim written at (client, clock) is acknowledged
 * once the number for its client is above its clock. Yjs takes in a
 * client's writes in order, so the acknowledger's own earlier claims reach
 * the claimer no later than its acknowledgement does.
 */
export interface ClaimAcknowledgement {
  readonly taken: ReadonlyMap<number, number>
  /** The acknowledger's own clock when it wrote this (CL7). */
  readonly at: number
}

/** Where a claim was written in the doc: the Yjs client and clock of its first write (a renewal is a later write of the same claim). */
export interface ClaimWrite {
  readonly client: number
  readonly clock: number
}

/** An acknowledgement as stored: `{ at, taken: { "<client>": clock } }`. */
export function acknowledgementValue(taken: ReadonlyMap<number, number>, at: number): { readonly at: number; readonly taken: Record<string, number> } {
  return { at, taken: Object.fromEntries(taken) }
}

/** Reads a stored acknowledgement; undefined for anything else. */
export function readAcknowledgement(value: unknown): ClaimAcknowledgement | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { at, taken } = value as Record<string, unknown>
  if (!isTime(at) || typeof taken !== 'object' || taken === null || Array.isArray(taken)) return undefined
  const entries = Object.entries(taken as Record<string, unknown>)
  if (entries.length > MAX_ACKNOWLEDGED_WRITERS) return undefined
  const clocks = new Map<number, number>()
  for (const [client, clock] of entries) {
    const id = Number(client)
    if (!Number.isSafeInteger(id) || id < 0 || !isTime(clock)) return undefined
    clocks.set(id, clock)
  }
  return { taken: clocks, at }
}

/** When this peer lets the claim's lease run out, by its own clock. */
export function leaseEnd(claim: HeldClaim): number {
  return claim.seenAt + LEASE_MS
}

/** The claim that holds the occurrence now: the earliest among those whose lease has not run out here. */
export function winningClaim(claims: Iterable<HeldClaim>, now: number): HeldClaim | undefined {
  let winner: HeldClaim | undefined
  for (const claim of claims) {
    if (leaseEnd(claim) <= now) continue
    if (!winner || compareHlc(claim.hlc, winner.hlc) < 0) winner = claim
  }
  return winner
}

/** When the last lease among these ran out here (or undefined if none did by `now`): a take-over counts its stagger from there. */
export function lastExpiry(claims: Iterable<HeldClaim>, now: number): number | undefined {
  let latest: number | undefined
  for (const claim of claims) {
    const end = leaseEnd(claim)
    if (end <= now && (latest === undefined || end > latest)) latest = end
  }
  return latest
}
