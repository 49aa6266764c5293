/**
 * Claims and run records kept in a space's content doc, so they replicate
 * with the space (through its signed log). Each peer writes only into its
 * own chunks (occurrenceChunks.ts, RET2: one nested map per peer, client
 * and CHUNK_SPAN occurrences, dropped whole once retention is done with
 * it), so concurrent claims, or the records of a run repeated during a
 * partition, never overwrite each other; an occurrence's record is the one
 * that started first (CL6), on every peer. Entries that fail their checks
 * (isClaim, isRunRecord, or a value that does not match where it sits) are
 * ignored, as a peer's junk must be.
 *
 * Acknowledgements (CL4) are one entry per peer, `acknowledgements[peer]`,
 * rewritten when claims arrive: how far the peer has taken in each claim
 * writer's writes (claims.ts ClaimAcknowledgement).
 *
 * Claims and acknowledgements carry their writer's own clock reading
 * (`at`). A peer's acknowledgement that covers a claim or acknowledgement
 * this peer wrote within MAX_CLOCK_ROUND_TRIP_MS is passed to `onPeerClock`
 * (roomClock.ts, CL7): its reading was taken between the two, so it is
 * fresh. A reading from anything else may be hours old (a peer's backlog
 * after a day offline) and would look like a clock hours slow.
 */
import * as Y from 'yjs'
import { compareHlc } from './hlc.ts'
import { acknowledgementValue, isClaim, isRunRecord, leaseEnd, MAX_ACKNOWLEDGED_WRITERS, readAcknowledgement, type Claim, type ClaimWrite, type HeldClaim, type RunRecord } from './claims.ts'
import { followKeys } from './followKeys.ts'
import { OccurrenceChunks, RecordKind, spanOf } from './occurrenceChunks.ts'
import { parseOccurrenceId, type OccurrenceId } from './occurrenceIds.ts'

export const ACKNOWLEDGEMENTS = 'claimAcks'
/** Where run records sat, flat (`<occurrence>\n<peer>`), before RET2: still read, so an upgraded space keeps its history and runs nothing again. */
const LEGACY_RUNS = 'runs'

/** What a runner reads and writes; see YjsRunTable. */
export interface RunTable {
  /** Each with when this peer first saw its current renewal (its lease's start here). */
  claims(occurrence: OccurrenceId): readonly HeldClaim[]
  run(occurrence: OccurrenceId): RunRecord | undefined
  /** Writes this peer's claim; returns where, for acknowledgements to be checked against. */
  putClaim(claim: Claim): ClaimWrite
  putRun(record: RunRecord): void
  /** Whether `by` has acknowledged a claim written here: it holds it, and so shows every claim it made before (CL4). */
  acknowledged(by: string, write: ClaimWrite): boolean
  /** Writes `peer`'s acknowledgement of every claim this replica holds, if claims from others arrived since the last. */
  acknowledgeClaims(peer: string): void
}

/** The longest round trip (this peer's claim out, a peer's acknowledgement back) whose reading measures that peer's clock: at most this wrong. */
const MAX_CLOCK_ROUND_TRIP_MS = 10_000
/** Own writes remembered for that: a round trip's worth of a busy host's claims and acknowledgements. */
const MAX_OWN_WRITES_REMEMBERED = 256

export interface RunTableClocks {
  /** This peer's own clock, for the `at` of what it writes; `clock` by default. */
  readonly physical?: () => number
  /** Told of each peer's clock reading as its claim or acknowledgement arrives. */
  readonly onPeerClock?: (peer: string, at: number) => void
}

export class YjsRunTable implements RunTable {
  private readonly claimChunks: OccurrenceChunks
  private readonly runChunks: OccurrenceChunks
  private readonly acknowledgementMap: Y.Map<unknown>
  private readonly legacyRunMap: Y.Map<unknown>
  private readonly stopFollowingLegacy: () => void
  /**
   * The Yjs clients that wrote the claims (and acknowledgements) held here,
   * least recently heard first (a Map keeps insertion order): what an
   * acknowledgement covers. Covering acknowledgers too is what lets a peer
   * that never wins a claim measure the others' clocks (CL7): its own
   * acknowledgements come back covered, within a round trip.
   */
  private readonly claimWriters = new Map<number, true>()
  /** Claims changed since this replica last acknowledged. */
  private unacknowledged = false
  /** This peer's recent claim and acknowledgement writes, oldest first: each one's Yjs clock, and when it was written by this peer's own clock (CL7). */
  private readonly ownWrites: Array<{ readonly clock: number; readonly at: number }> = []
  /** Valid claims and run records by occurrence, then peer, kept in step with the maps, so a lookup never scans them. */
  private readonly claimsOf = new Map<string, Map<string, HeldClaim>>()
  private readonly runsOf = new Map<string, Map<string, RunRecord>>()
  /** The occurrences with run records, by operation: run history reads one operation's without scanning all. */
  private readonly occurrencesOf = new Map<string, Set<string>>()
  /** The occurrences with claims, by operation: retention prunes one operation's without scanning all. */
  private readonly claimedOf = new Map<string, Set<string>>()

  constructor(
    doc: Y.Doc,
    /** This peer's clock, ms: a claim's lease runs from when it is seen here. */
    private readonly clock: () => number,
    private readonly clocks: RunTableClocks = {},
  ) {
    this.claimChunks = new OccurrenceChunks(doc, RecordKind.claim, this.onClaim)
    this.runChunks = new OccurrenceChunks(doc, RecordKind.run, this.onRun)
    this.acknowledgementMap = doc.getMap(ACKNOWLEDGEMENTS)
    this.legacyRunMap = doc.getMap(LEGACY_RUNS)
    this.stopFollowingLegacy = followKeys(this.legacyRunMap, (key) => this.indexLegacyRun(key))
    for (const { occurrence, owner } of this.claimChunks.entries()) this.indexClaim(occurrence, owner)
    this.unacknowledged = this.claimsOf.size > 0
    for (const { occurrence, owner } of this.runChunks.entries()) this.indexRun(occurrence, owner)
    this.acknowledgementMap.observe(this.onAcknowledgements)
  }

  /** Stops following the doc (a view that read it has gone). */
  destroy(): void {
    this.claimChunks.destroy()
    this.runChunks.destroy()
    this.acknowledgementMap.unobserve(this.onAcknowledgements)
    this.stopFollowingLegacy()
  }

  private indexLegacyRun(key: string): void {
    const separator = key.lastIndexOf('\n')
    if (separator > 0) this.onRun(key.slice(0, separator) as OccurrenceId, key.slice(separator + 1))
  }

  /** Called after a transaction for each claim it may have changed. */
  private readonly onClaim = (occurrence: OccurrenceId, peer: string, local: boolean): void => {
    this.indexClaim(occurrence, peer)
    if (!local) this.unacknowledged = true
  }

  /** Told of each run record a transaction changed, after this table has indexed it (SpaceSchedule moves progress). */
  onRunChanged: ((occurrence: OccurrenceId) => void) | undefined

  private readonly onAcknowledgements = (event: Y.YMapEvent<unknown>): void => {
    const client = this.acknowledgementMap.doc?.clientID
    if (event.transaction.local || client === undefined) return
    for (const peer of event.keysChanged as Set<string>) {
      // A writer heard of for the first time is acknowledged at once, even with no claim of its own: its clock reading
      // comes back covered, and a peer that never wins a claim still measures the others' clocks (CL7).
      if (this.noteWriter(this.acknowledgementMap._map.get(peer)?.id.client)) this.unacknowledged = true
    }
    const now = (this.clocks.physical ?? this.clock)()
    while (this.ownWrites[0] && now - this.ownWrites[0].at > MAX_CLOCK_ROUND_TRIP_MS) this.ownWrites.shift()
    if (this.ownWrites.length === 0) return
    const oldest = this.ownWrites[0]!
    for (const peer of event.keysChanged as Set<string>) {
      const acknowledgement = readAcknowledgement(this.acknowledgementMap.get(peer))
      // It holds a write this peer made within a round trip: its reading was taken since then.
      if (acknowledgement && (acknowledgement.taken.get(client) ?? 0) > oldest.clock) this.clocks.onPeerClock?.(peer, acknowledgement.at)
    }
  }

  private readonly onRun = (occurrence: OccurrenceId, peer: string): void => {
    this.indexRun(occurrence, peer)
    this.onRunChanged?.(occurrence)
  }

  /** A peer's record of an occurrence: the run that started first, if its replicas (one per client) hold more than one. */
  private indexRun(occurrence: OccurrenceId, peer: string): void {
    let first: RunRecord | undefined
    const legacy: unknown = this.legacyRunMap.get(`${occurrence}\n${peer}`)
    for (const value of [...this.runChunks.values(occurrence, peer).map((held) => held.value), legacy]) {
      if (isRunRecord(value) && value.occurrence === occurrence && value.by === peer && (!first || value.startedAt < first.startedAt)) first = value
    }
    file(this.runsOf, occurrence, peer, first)
    fileByOperation(this.occurrencesOf, occurrence, this.runsOf.has(occurrence))
  }

  claims(occurrence: OccurrenceId): readonly HeldClaim[] {
    return [...(this.claimsOf.get(occurrence)?.values() ?? [])]
  }

  /** The record of the run that started first (ties: the smaller peer id), whichever replica wrote it. */
  run(occurrence: OccurrenceId): RunRecord | undefined {
    let first: RunRecord | undefined
    for (const record of this.runsOf.get(occurrence)?.values() ?? []) {
      if (!first || record.startedAt < first.startedAt || (record.startedAt === first.startedAt && record.by < first.by)) first = record
    }
    return first
  }

  /**
   * Every run record of an operation's occurrences, each peer's its own:
   * run history shows them all, so a repeat after a partition (G2) is
   * visible rather than hidden behind the first record.
   */
  recordsOf(operation: string): RunRecord[] {
    const found: RunRecord[] = []
    for (const occurrence of this.occurrencesOf.get(operation) ?? []) found.push(...(this.runsOf.get(occurrence)?.values() ?? []))
    return found
  }

  /**
   * The Yjs clientID that wrote a run record into the doc: the signed log
   * knows whose lane that is (SignedLog.writerOf), which is who really
   * recorded the run, whatever its `by` says.
   */
  writerClientOf(record: RunRecord): number | undefined {
    return this.runChunks.values(record.occurrence, record.by).find(({ value }) => value === record)?.writer
  }

  /**
   * SPEC RET1: drops what an operation's occurrences no longer need. Run
   * records beyond the newest `keepRuns` (by plan, then occurrence) that
   * are below the current plan's progress mark or of an earlier plan,
   * except failures that ended since `keepFailuresSince`; claims (none with
   * a live lease and no record: a run in progress) of occurrences
   * that have a record, are below `finishedBelow` in the current plan
   * (`series`), or belong to an earlier plan. Each peer's entries for an
   * occurrence go together. Then every chunk of a span that holds nothing
   * any more, and is wholly below the mark or of an earlier plan, is
   * dropped (RET2). Amortised: it acts only once an operation has `slack`
   * more than it keeps, so each occurrence costs O(1) on average.
   */
  prune(operationId: string, policy: { readonly keepRuns: number; readonly keepFailuresSince: number; readonly series: string; readonly finishedBelow: number; readonly slack: number }): void {
    const recorded = this.occurrencesOf.get(operationId)
    if (recorded && recorded.size > policy.keepRuns + policy.slack) {
      const newestFirst = [...recorded].map((occurrence) => ({ occurrence, ...parseOccurrenceId(occurrence) })).sort((a, b) => b.plan - a.plan || b.index - a.index)
      for (const { occurrence, series, index } of newestFirst.slice(policy.keepRuns)) {
        // Above the progress mark a record is what keeps its occurrence from running again: it stays until the mark passes it.
        if (series === policy.series && index >= policy.finishedBelow) continue
        const records = [...(this.runsOf.get(occurrence)?.values() ?? [])]
        if (records.some((record) => record.outcome === 'failed' && record.doneAt >= policy.keepFailuresSince)) continue
        for (const record of records) {
          this.runChunks.delete(occurrence as OccurrenceId, record.by)
          if (this.legacyRunMap.has(`${occurrence}\n${record.by}`)) this.legacyRunMap.delete(`${occurrence}\n${record.by}`)
        }
      }
    }
    const claimed = this.claimedOf.get(operationId)
    if (claimed && claimed.size > policy.slack) {
      for (const occurrence of [...claimed]) {
        const { series, index } = parseOccurrenceId(occurrence)
        if (series === policy.series && index >= policy.finishedBelow && !this.runsOf.has(occurrence)) continue
        const claims = this.claims(occurrence as OccurrenceId)
        // A live claim with no record is a run in progress (catch-up may have passed its occurrence on another peer): deleted, it would be run again.
        if (!this.runsOf.has(occurrence) && claims.some((claim) => leaseEnd(claim) > this.clock())) continue
        for (const claim of claims) this.claimChunks.delete(occurrence as OccurrenceId, claim.peer)
      }
    }
    for (const chunks of [this.claimChunks, this.runChunks]) {
      for (const series of chunks.seriesOf(operationId)) {
        const below = series === policy.series ? spanOf(policy.finishedBelow) : Number.POSITIVE_INFINITY
        chunks.dropBelow(series, below)
      }
    }
  }

  /** Deletes every claim and run record of an operation's occurrences, of all its plans: the operation is gone. */
  forgetOperation(operationId: string): void {
    for (const chunks of [this.claimChunks, this.runChunks]) {
      for (const series of chunks.seriesOf(operationId)) chunks.dropSeries(series)
    }
    for (const key of [...this.legacyRunMap.keys()]) if (parseOccurrenceId(key.slice(0, key.lastIndexOf('\n'))).operationId === operationId) this.legacyRunMap.delete(key)
  }

  putClaim(claim: Claim): ClaimWrite {
    const at = (this.clocks.physical ?? this.clock)()
    const { client, clock } = this.claimChunks.set(claim.occurrence, claim.peer, { ...claim, at })
    this.rememberOwnWrite(clock, at)
    return { client, clock }
  }

  putRun(record: RunRecord): void {
    // A peer records a run once; a later write of its own would rewrite what happened.
    if (this.runChunks.hasOwn(record.occurrence, record.by)) return
    this.acknowledgementMap.doc!.transact(() => {
      this.runChunks.set(record.occurrence, record.by, record)
      // The record is what keeps the occurrence from running again now (CL6): the claim has done its work (RET1).
      if (this.claimChunks.hasOwn(record.occurrence, record.by)) this.claimChunks.delete(record.occurrence, record.by)
    })
  }

  acknowledged(by: string, write: ClaimWrite): boolean {
    return (readAcknowledgement(this.acknowledgementMap.get(by))?.taken.get(write.client) ?? 0) > write.clock
  }

  acknowledgeClaims(peer: string): void {
    if (!this.unacknowledged) return
    this.unacknowledged = false
    const doc = this.acknowledgementMap.doc!
    const taken = new Map<number, number>()
    // This replica's own writes need no acknowledgement from itself; naming its client would make each acknowledgement stale as it is written.
    for (const client of this.claimWriters.keys()) if (client !== doc.clientID) taken.set(client, Y.getState(doc.store, client))
    const before = readAcknowledgement(this.acknowledgementMap.get(peer))?.taken
    if (!before || before.size !== taken.size || [...taken].some(([client, clock]) => before.get(client) !== clock)) {
      const at = (this.clocks.physical ?? this.clock)()
      this.acknowledgementMap.set(peer, acknowledgementValue(taken, at))
      this.rememberOwnWrite(this.acknowledgementMap._map.get(peer)!.id.clock, at)
    }
  }

  private rememberOwnWrite(clock: number, at: number): void {
    this.ownWrites.push({ clock, at })
    if (this.ownWrites.length > MAX_OWN_WRITES_REMEMBERED) this.ownWrites.shift()
  }

  /** Remembers who wrote a claim or an acknowledgement, the most recent MAX_ACKNOWLEDGED_WRITERS writers only; true for one not remembered before. */
  private noteWriter(client: number | undefined): boolean {
    if (client === undefined) return false
    const known = this.claimWriters.delete(client)
    this.claimWriters.set(client, true)
    if (this.claimWriters.size > MAX_ACKNOWLEDGED_WRITERS) this.claimWriters.delete(this.claimWriters.keys().next().value!)
    return !known
  }

  /**
   * A peer's claim of an occurrence: its latest renewal, if its replicas
   * (one per client) hold more than one. Its lease starts here when that
   * renewal is first seen; a repeat of the same renewal does not restart it.
   */
  private indexClaim(occurrence: OccurrenceId, peer: string): void {
    const before = this.claimsOf.get(occurrence)?.get(peer)
    let latest: { readonly claim: Claim; readonly writer: number } | undefined
    for (const { value, writer } of this.claimChunks.values(occurrence, peer)) {
      if (!isClaim(value) || value.occurrence !== occurrence || value.peer !== peer) continue
      if (!latest || value.renewal > latest.claim.renewal || (value.renewal === latest.claim.renewal && compareHlc(value.hlc, latest.claim.hlc) > 0)) latest = { claim: value, writer }
    }
    const same = before && latest && latest.claim.renewal === before.renewal && latest.claim.hlc.wallMs === before.hlc.wallMs && latest.claim.hlc.counter === before.hlc.counter
    file(this.claimsOf, occurrence, peer, same ? before : latest && { ...latest.claim, seenAt: this.clock() })
    if (latest) this.noteWriter(latest.writer)
    fileByOperation(this.claimedOf, occurrence, this.claimsOf.has(occurrence))
  }
}

/** Adds or removes an occurrence in its operation's set, and drops the set once empty. */
function fileByOperation(byOperation: Map<string, Set<string>>, occurrence: string, present: boolean): void {
  const { operationId } = parseOccurrenceId(occurrence)
  const occurrences = byOperation.get(operationId) ?? new Set<string>()
  if (present) occurrences.add(occurrence)
  else occurrences.delete(occurrence)
  if (occurrences.size > 0) byOperation.set(operationId, occurrences)
  else byOperation.delete(operationId)
}

/** Files a peer's valid entry for an occurrence, or drops what was filed when there is none. */
function file<T>(byOccurrence: Map<string, Map<string, T>>, occurrence: string, peer: string, value: T | undefined): void {
  const entries = byOccurrence.get(occurrence) ?? new Map<string, T>()
  if (value === undefined) entries.delete(peer)
  else entries.set(peer, value)
  if (entries.size > 0) byOccurrence.set(occurrence, entries)
  else byOccurrence.delete(occurrence)
}
