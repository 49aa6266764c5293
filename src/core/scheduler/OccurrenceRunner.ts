/**
 * One peer's part in running occurrences (SPEC CL2–CL6): for each
 * occurrence its scheduler's tick offered, wait for its turn in the
 * rendezvous ranking, claim, wait until every present peer that could claim
 * it has acknowledged the claim (CL4), run it only if the claim still wins,
 * renew the lease while running, and record the outcome. If the winner's
 * lease runs out with no record, the next peer in rank takes over.
 *
 * No step waits on a guess of how long messages take: a claim runs once
 * the peers that could rival it have said they hold it, and so have shown
 * their own earlier claims (claims.ts ClaimAcknowledgement).
 *
 * Two clocks: leases, renewals and waits are timed by this peer's own
 * clock, which a correction never moves (a lease that jumped 20 s would
 * let a second peer take over a run in progress); due times and claim
 * turns are the space's room time (CL7), the own clock plus
 * `roomCorrection`. What the runner is given and answers (entries'
 * due times, nextWakeAt, run records) is in room time.
 *
 * It keeps no timers: the host calls `advance()` at every tick and at the
 * time `nextWakeAt()` names, so the same code runs in a service worker, a
 * tab, the personal node and the deterministic simulation
 * (test/helpers/schedulerSimulation.ts).
 */
import { ACKNOWLEDGEMENT_WAIT_MS, CLAIM_LEAD_MS, MAX_RECORDED_ATTEMPTS, type ClaimWrite, type FailedAttempt, type RunRecord, lastExpiry, leaseEnd, LEASE_MS, MAX_CLOCK_SKEW_MS, MAX_DETAIL_CHARS, RunOutcome, STAGGER_MS, winningClaim } from './claims.ts'
import { compareHlc, type Hlc, type HlcClock } from './hlc.ts'
import type { OccurrenceId } from './occurrenceIds.ts'
import { DEFAULT_MAX_CONCURRENT_RUNS, retryDelay, type RetryPolicy } from './kinds.ts'
import type { QueueEntry } from './OccurrenceQueue.ts'
import { rankPeers } from './rendezvous.ts'
import type { RunTable } from './YjsRunTable.ts'

export interface RunnerOptions {
  /** This peer's id, as presence and claims name it. */
  readonly peer: string
  readonly table: RunTable
  readonly hlc: HlcClock
  /** This peer's own clock, ms since the epoch: what the run table times leases by. */
  readonly clock: () => number
  /** Room time minus `clock` (roomClock.ts, CL7); 0 by default. */
  readonly roomCorrection?: () => number
  /** The live peers (this one included, if it can) that can run a kind, from presence. */
  readonly capablePeers: (kind: string) => readonly string[]
  /** Performs the occurrence, stopping when `signal` aborts; every side effect carries `entry.occurrence.id` as its idempotency key (G3). */
  readonly execute: (entry: QueueEntry, signal: AbortSignal) => Promise<string | void>
  /** How an occurrence's failures are tried again (its kind's, K5); none by default. */
  readonly retryPolicy?: (entry: QueueEntry) => RetryPolicy | undefined
  /** Told of a run that failed for good (after its retries): the host tells the operation's creator (K6). */
  readonly onFinalFailure?: (entry: QueueEntry, record: RunRecord) => void
  /** Told when a job changed outside advance() (a failed attempt waits for its retry): the host wakes to look at nextWakeAt again. */
  readonly onChange?: () => void
  /** The most runs of an occurrence's kind in progress at once on the device (SCH5); DEFAULT_MAX_CONCURRENT_RUNS by default. */
  readonly maxConcurrent?: (entry: QueueEntry) => number
  /** The device's runs of a kind in progress, over all its spaces' runners; this runner's own by default. */
  readonly runningOnDevice?: (kind: string) => number
  /** Told how long each attempt's synchronous part took, by `measure`: a tick counts it for the operation's next occurrences (SCH2). */
  readonly onRunWork?: (entry: QueueEntry, ms: number) => void
  /** A clock for how long work takes (performance.now in a host); `clock` by default. */
  readonly measure?: () => number
  /**
   * Whether an offered occurrence is still wanted (its operation active, its
   * timing unchanged): a tick offers occurrences ahead of their due time
   * (Q2), and a pause or edit in between must stop them. Always, by default.
   */
  readonly isCurrent?: (entry: QueueEntry) => boolean
  /** A run not settled by then is recorded as failed and its lease let go (CL5a); RUN_TIMEOUT_MS by default. */
  readonly runTimeoutMs?: number
}

/** Longer than any backup or request should take; a run that hangs must not hold its occurrence for ever. */
const RUN_TIMEOUT_MS = 10 * 60_000

/** How often a peer that cannot claim yet (not ranked: presence may change) looks again. */
const RECHECK_MS = 250

type Job =
  | { readonly phase: 'waiting'; readonly entry: QueueEntry; wakeAt?: number }
  | { readonly phase: 'confirming'; readonly entry: QueueEntry; readonly hlc: Hlc; readonly written: ClaimWrite; readonly claimedAt: number; wakeAt: number; renewal: number; renewedAt: number }
  | ({ readonly phase: 'running'; readonly startedAt: number; readonly controller: AbortController } & Attempts)
  | ({ readonly phase: 'retrying'; readonly retryAt: number } & Attempts)

/** A claimed occurrence past its acknowledgements: its attempts so far, and its lease. */
interface Attempts {
  readonly entry: QueueEntry
  readonly hlc: Hlc
  /** This attempt's number, from 1. */
  readonly attempt: number
  /** When the first attempt started, in room time: the run record's startedAt. */
  readonly firstStartedAt: number
  /** When this attempt started, in room time. */
  readonly attemptStartedAt: number
  readonly failures: readonly FailedAttempt[]
  renewal: number
  renewedAt: number
}

export class OccurrenceRunner {
  private readonly jobs = new Map<OccurrenceId, Job>()

  constructor(private readonly options: RunnerOptions) {}

  /** Occurrences this peer is still waiting on, claiming or running. */
  get pending(): number {
    return this.jobs.size
  }

  /**
   * When a pending occurrence next needs this peer (its claim turn, the end
   * of its settle window, a lease renewal, a lease running out), so a host
   * can sleep until then and still start on time; undefined with nothing
   * pending.
   */
  nextWakeAt(): number | undefined {
    const wakeAt = this.nextOwnWakeAt()
    return wakeAt === undefined ? undefined : wakeAt + this.correction()
  }

  private correction(): number {
    return this.options.roomCorrection?.() ?? 0
  }

  /** nextWakeAt by this peer's own clock. */
  private nextOwnWakeAt(): number | undefined {
    const now = this.options.clock()
    let wakeAt: number | undefined
    const timeoutMs = this.options.runTimeoutMs ?? RUN_TIMEOUT_MS
    for (const job of this.jobs.values()) {
      // A job offered since the last advance has not been looked at: at once.
      const at =
        job.phase === 'waiting' ? (job.wakeAt ?? this.options.clock()) : job.phase === 'confirming'
            ? Math.min(job.wakeAt, job.renewedAt + LEASE_MS / 2)
            : job.phase === 'retrying'
              ? // Waiting for a slot (retryAt passed): the run that ends frees it and its record wakes the host; until then, the renewal.
                now >= job.retryAt ? job.renewedAt + LEASE_MS / 2 : Math.min(job.retryAt, job.renewedAt + LEASE_MS / 2)
              : Math.min(job.renewedAt + LEASE_MS / 2, job.startedAt + timeoutMs)
      if (wakeAt === undefined || at < wakeAt) wakeAt = at
    }
    return wakeAt
  }

  /** An occurrence the scheduler's tick started: this peer takes part in deciding who runs it, if it can run its kind (K1). */
  offer(entry: QueueEntry): void {
    if (this.jobs.has(entry.occurrence.id) || this.options.table.run(entry.occurrence.id)) return
    // A peer that cannot run the kind is never ranked for it; holding the job would only grow and poll.
    if (!this.options.capablePeers(entry.operation.kind).includes(this.options.peer)) return
    this.jobs.set(entry.occurrence.id, { phase: 'waiting', entry })
  }

  /** Moves every pending occurrence along as far as the time allows, after acknowledging the claims that arrived (CL4). */
  advance(): void {
    const now = this.options.clock()
    const correction = this.correction()
    this.options.table.acknowledgeClaims(this.options.peer)
    for (const [id, job] of this.jobs) {
      if (job.phase === 'running') {
        this.renew(job, now)
        continue
      }
      // Recorded already, by whoever ran it; or no longer wanted (Q2): a retry of a cancelled webhook is not sent.
      if (this.options.table.run(id) || this.options.isCurrent?.(job.entry) === false) {
        this.jobs.delete(id)
        continue
      }
      if (job.phase === 'retrying') {
        // K5: the claim is held through the wait, and the next attempt starts when it is over and a slot is free (SCH5),
        // as long as the claim still wins (a partition that healed meanwhile may show an earlier one).
        const holder = winningClaim(this.options.table.claims(id), now)
        if (holder && (holder.peer !== this.options.peer || compareHlc(holder.hlc, job.hlc) !== 0)) {
          this.jobs.set(id, { phase: 'waiting', entry: job.entry })
          continue
        }
        this.renewLease(job, now)
        if (now >= job.retryAt && this.hasSlot(job.entry)) this.start(job, now, correction)
        continue
      }
      // A claim stamped long before this occurrence's claim window opened is not honest: it would win every time.
      const earliestHonest = job.entry.occurrence.dueAt - CLAIM_LEAD_MS - MAX_CLOCK_SKEW_MS
      const claims = this.options.table.claims(id).filter((claim) => claim.hlc.wallMs >= earliestHonest)
      for (const claim of claims) this.options.hlc.receive(claim.hlc)
      const winner = winningClaim(claims, now)
      if (job.phase === 'waiting') {
        if (winner) job.wakeAt = leaseEnd(winner)
        else this.claimInTurn(job, now, correction, lastExpiry(claims, now))
        continue
      }
      // CL4: run only while this claim wins, once each present peer that could rival it holds it, and never before it is due.
      if (winner?.peer !== this.options.peer || compareHlc(winner.hlc, job.hlc) !== 0) {
        this.jobs.set(id, { phase: 'waiting', entry: job.entry })
        continue
      }
      this.renewLease(job, now)
      const unconfirmed = this.rivals(job.entry).filter((peer) => !this.options.table.acknowledged(peer, job.written))
      const waitedLongEnough = now - job.claimedAt >= ACKNOWLEDGEMENT_WAIT_MS
      const dueAt = job.entry.occurrence.dueAt - correction
      // SCH5: with its kind's runs all in progress, it waits, holding its claim, until one ends (a run record wakes the host).
      if ((unconfirmed.length === 0 || waitedLongEnough) && now >= dueAt && this.hasSlot(job.entry)) this.start(job, now, correction)
      // An acknowledgement arriving wakes the host (a change to the space); otherwise, the due time or the end of the wait.
      // Ready but with no slot: a run ending frees one, and its record wakes the host; until then only the renewal.
      else job.wakeAt = unconfirmed.length === 0 || waitedLongEnough ? (now >= dueAt ? job.renewedAt + LEASE_MS / 2 : dueAt) : job.claimedAt + ACKNOWLEDGEMENT_WAIT_MS
    }
  }

  /** Whether another run of the entry's kind may start on this device now (SCH5). */
  private hasSlot(entry: QueueEntry): boolean {
    const limit = this.options.maxConcurrent?.(entry) ?? DEFAULT_MAX_CONCURRENT_RUNS
    const running = this.options.runningOnDevice?.(entry.operation.kind) ?? this.runningOf(entry.operation.kind)
    return running < limit
  }

  /** This runner's runs of a kind in progress. */
  runningOf(kind: string): number {
    let running = 0
    for (const job of this.jobs.values()) if (job.phase === 'running' && job.entry.operation.kind === kind) running++
    return running
  }

  /** The other present peers that could claim this occurrence: those whose acknowledgement a claim waits for. */
  private rivals(entry: QueueEntry): string[] {
    return this.options.capablePeers(entry.operation.kind).filter((peer) => peer !== this.options.peer)
  }

  /**
   * CL2: rank r claims r staggers after its turn opens: a claim lead
   * before the due time, so the first-ranked peer's claim is acknowledged
   * by then and it starts on time (the tick offers occurrences that early,
   * CLAIM_LEAD_MS), or when the last lease ran out.
   */
  private claimInTurn(job: Job & { readonly phase: 'waiting' }, now: number, correction: number, expiredAt: number | undefined): void {
    const { entry } = job
    const rank = rankPeers(entry.occurrence.id, this.options.capablePeers(entry.operation.kind)).indexOf(this.options.peer)
    if (rank < 0) {
      job.wakeAt = now + RECHECK_MS
      return
    }
    const from = Math.max(entry.occurrence.dueAt - CLAIM_LEAD_MS - correction, expiredAt ?? 0)
    if (now < from + rank * STAGGER_MS) {
      job.wakeAt = from + rank * STAGGER_MS
      return
    }
    const hlc = this.options.hlc.now()
    const written = this.options.table.putClaim({ occurrence: entry.occurrence.id, peer: this.options.peer, hlc, renewal: 0 })
    // Looked at again at once: with no rival present, it is confirmed already.
    this.jobs.set(entry.occurrence.id, { phase: 'confirming', entry, hlc, written, claimedAt: now, wakeAt: now, renewal: 0, renewedAt: now })
  }

  /** Starts the first attempt of a confirmed claim, or the next of one waiting to retry (K5). */
  private start(job: Job & { readonly phase: 'confirming' | 'retrying' }, now: number, correction: number): void {
    const attemptStartedAt = now + correction
    const previous = job.phase === 'retrying' ? job : undefined
    const running: Job & { readonly phase: 'running' } = {
      phase: 'running',
      entry: job.entry,
      hlc: job.hlc,
      startedAt: now,
      controller: new AbortController(),
      attempt: (previous?.attempt ?? 0) + 1,
      firstStartedAt: previous?.firstStartedAt ?? attemptStartedAt,
      attemptStartedAt,
      failures: previous?.failures ?? [],
      renewal: job.renewal,
      renewedAt: job.renewedAt,
    }
    const id = job.entry.occurrence.id
    this.jobs.set(id, running)
    // Started in a microtask, so an executor that throws at once fails the run instead of this loop.
    const measure = this.options.measure ?? this.options.clock
    Promise.resolve()
      .then(() => {
        const began = measure()
        try {
          return this.options.execute(job.entry, running.controller.signal)
        } finally {
          this.options.onRunWork?.(job.entry, measure() - began)
        }
      })
      .then(
        (detail) => this.finish(running, RunOutcome.ok, detail),
        (error: unknown) => this.finish(running, RunOutcome.failed, error instanceof Error ? error.message : String(error), error),
      )
  }

  /** An attempt settled: the occurrence is recorded, or, for a failure its kind tries again, waits for its retry (K5). */
  private finish(running: Job & { readonly phase: 'running' }, outcome: RunOutcome, note: string | void, error?: unknown): void {
    const id = running.entry.occurrence.id
    // Timed out (and recorded) meanwhile, or dropped: what it settled with no longer counts.
    if (this.jobs.get(id) !== running) return
    const now = this.options.clock()
    const text = note === undefined || note === '' ? undefined : note.slice(0, MAX_DETAIL_CHARS)
    const policy = outcome === RunOutcome.failed ? this.options.retryPolicy?.(running.entry) : undefined
    if (policy && running.attempt < policy.maxAttempts && policy.retryable(error)) {
      const failure: FailedAttempt = { startedAt: running.attemptStartedAt, error: text ?? 'It failed without a reason.' }
      const { entry, hlc, attempt, firstStartedAt, attemptStartedAt, renewal, renewedAt } = running
      const failures = [...running.failures, failure].slice(-MAX_RECORDED_ATTEMPTS)
      this.jobs.set(id, { phase: 'retrying', retryAt: now + retryDelay(policy, attempt), entry, hlc, attempt, firstStartedAt, attemptStartedAt, failures, renewal, renewedAt })
      this.options.onChange?.()
      return
    }
    this.jobs.delete(id)
    this.record(running, outcome, now + this.correction(), text)
  }

  /** Writes the occurrence's run record (CL6), with its earlier failed attempts; a final failure is told to the host (K6). */
  private record(job: Attempts, outcome: RunOutcome, doneAt: number, text: string | undefined): void {
    const record: RunRecord = {
      occurrence: job.entry.occurrence.id,
      by: this.options.peer,
      startedAt: job.firstStartedAt,
      doneAt,
      outcome,
      ...(text === undefined ? {} : outcome === RunOutcome.ok ? { detail: text } : { error: text }),
      ...(job.failures.length === 0 ? {} : { failedAttempts: job.failures, lastAttemptAt: job.attemptStartedAt }),
    }
    this.options.table.putRun(record)
    if (outcome === RunOutcome.failed) this.options.onFinalFailure?.(job.entry, record)
  }

  /** CL5a: a run that has not finished within its timeout is recorded as failed, and its lease let go; otherwise its lease is renewed (CL5). */
  private renew(job: Job & { readonly phase: 'running' }, now: number): void {
    const timeoutMs = this.options.runTimeoutMs ?? RUN_TIMEOUT_MS
    if (now - job.startedAt >= timeoutMs) {
      // The kind is told to stop; if the run settles later, that is ignored.
      this.jobs.delete(job.entry.occurrence.id)
      job.controller.abort(new Error('The run timed out.'))
      this.record(job, RunOutcome.failed, now + this.correction(), `It did not finish within ${Math.round(timeoutMs / 1000)} s.`)
      return
    }
    this.renewLease(job, now)
  }

  /**
   * CL5: with half the lease gone, renew it (a new renewal restarts it on
   * every reader), while the claim waits for acknowledgements and while it
   * runs; the claim keeps its HLC, so it keeps its place.
   */
  private renewLease(job: Job & { readonly phase: 'confirming' | 'running' | 'retrying' }, now: number): void {
    if (now - job.renewedAt < LEASE_MS / 2) return
    job.renewal++
    job.renewedAt = now
    this.options.table.putClaim({ occurrence: job.entry.occurrence.id, peer: this.options.peer, hlc: job.hlc, renewal: job.renewal })
  }
}
