/**
 * The claim protocol before acknowledgements, kept as bench:scheduler (c)'s
 * comparison: a claimer ran its claim once a fixed settle window (1 s)
 * passed with the claim still winning. Among connected peers a message
 * slower than about half the window made duplicates. This is the runner as
 * it was (commit 9c2bb0f), with its two constants, fed the same run table.
 */
import { lastExpiry, leaseEnd, LEASE_MS, MAX_CLOCK_SKEW_MS, MAX_DETAIL_CHARS, RunOutcome, STAGGER_MS, winningClaim } from '../../src/core/scheduler/claims.ts'
import { compareHlc, type Hlc } from '../../src/core/scheduler/hlc.ts'
import type { OccurrenceId } from '../../src/core/scheduler/occurrenceIds.ts'
import type { QueueEntry } from '../../src/core/scheduler/OccurrenceQueue.ts'
import type { RunnerOptions } from '../../src/core/scheduler/OccurrenceRunner.ts'
import { rankPeers } from '../../src/core/scheduler/rendezvous.ts'

/** Between writing a claim and acting on it: twice the longest delay it assumed between connected peers. */
const SETTLE_MS = 1_000
/** Occurrences were offered a settle window ahead of their due time. */
export const SETTLE_WINDOW_CLAIM_LEAD_MS = SETTLE_MS
const CLAIM_LEAD_MS = SETTLE_WINDOW_CLAIM_LEAD_MS

/** Longer than any backup or request should take; a run that hangs must not hold its occurrence for ever. */
const RUN_TIMEOUT_MS = 10 * 60_000

/** How often a peer that cannot claim yet (not ranked: presence may change) looks again. */
const RECHECK_MS = 250

type Job =
  | { readonly phase: 'waiting'; readonly entry: QueueEntry; wakeAt?: number }
  | { readonly phase: 'settling'; readonly entry: QueueEntry; readonly hlc: Hlc; readonly until: number; readonly claimedAt: number }
  | { readonly phase: 'running'; readonly entry: QueueEntry; readonly hlc: Hlc; readonly startedAt: number; renewal: number; renewedAt: number }

export class SettleWindowRunner {
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
    let wakeAt: number | undefined
    const timeoutMs = this.options.runTimeoutMs ?? RUN_TIMEOUT_MS
    for (const job of this.jobs.values()) {
      // A job offered since the last advance has not been looked at: at once.
      const at =
        job.phase === 'waiting' ? (job.wakeAt ?? this.options.clock()) : job.phase === 'settling' ? job.until : Math.min(job.renewedAt + LEASE_MS / 2, job.startedAt + timeoutMs)
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

  /** Moves every pending occurrence along as far as the time allows. */
  advance(): void {
    const now = this.options.clock()
    for (const [id, job] of this.jobs) {
      if (job.phase === 'running') {
        this.renew(job, now)
        continue
      }
      // Recorded already, by whoever ran it; or no longer wanted (Q2).
      if (this.options.table.run(id) || this.options.isCurrent?.(job.entry) === false) {
        this.jobs.delete(id)
        continue
      }
      // A claim stamped long before this occurrence's claim window opened is not honest: it would win every time.
      const earliestHonest = job.entry.occurrence.dueAt - CLAIM_LEAD_MS - MAX_CLOCK_SKEW_MS
      const claims = this.options.table.claims(id).filter((claim) => claim.hlc.wallMs >= earliestHonest)
      for (const claim of claims) this.options.hlc.receive(claim.hlc)
      const winner = winningClaim(claims, now)
      if (job.phase === 'waiting') {
        if (winner) job.wakeAt = leaseEnd(winner)
        else this.claimInTurn(job, now, lastExpiry(claims, now))
        continue
      }
      if (now < job.until) continue
      // CL4: act only if this claim still wins once the settle window has passed.
      if (winner?.peer === this.options.peer && compareHlc(winner.hlc, job.hlc) === 0) this.start(job, now)
      else this.jobs.set(id, { phase: 'waiting', entry: job.entry })
    }
  }

  /**
   * CL2: rank r claims r staggers after its turn opens: a settle window
   * before the due time, so the first-ranked peer starts on time (the tick
   * offers occurrences that early, CLAIM_LEAD_MS), or when the last lease
   * ran out.
   */
  private claimInTurn(job: Job & { readonly phase: 'waiting' }, now: number, expiredAt: number | undefined): void {
    const { entry } = job
    const rank = rankPeers(entry.occurrence.id, this.options.capablePeers(entry.operation.kind)).indexOf(this.options.peer)
    if (rank < 0) {
      job.wakeAt = now + RECHECK_MS
      return
    }
    const from = Math.max(entry.occurrence.dueAt - CLAIM_LEAD_MS, expiredAt ?? 0)
    if (now < from + rank * STAGGER_MS) {
      job.wakeAt = from + rank * STAGGER_MS
      return
    }
    const hlc = this.options.hlc.now()
    this.options.table.putClaim({ occurrence: entry.occurrence.id, peer: this.options.peer, hlc, renewal: 0 })
    // Never started before it is due, however early the claim settled.
    this.jobs.set(entry.occurrence.id, { phase: 'settling', entry, hlc, until: Math.max(now + SETTLE_MS, entry.occurrence.dueAt), claimedAt: now })
  }

  private start(job: Job & { readonly phase: 'settling' }, now: number): void {
    const running: Job = { phase: 'running', entry: job.entry, hlc: job.hlc, startedAt: now, renewal: 0, renewedAt: job.claimedAt }
    const id = job.entry.occurrence.id
    this.jobs.set(id, running)
    const finish = (outcome: RunOutcome, note: string | void): void => {
      if (this.jobs.get(id) !== running) return
      this.jobs.delete(id)
      const record = { occurrence: id, by: this.options.peer, startedAt: running.startedAt, doneAt: this.options.clock(), outcome }
      const text = note === undefined || note === '' ? undefined : note.slice(0, MAX_DETAIL_CHARS)
      this.options.table.putRun(text === undefined ? record : outcome === RunOutcome.ok ? { ...record, detail: text } : { ...record, error: text })
    }
    // Started in a microtask, so an executor that throws at once fails the run instead of this loop.
    Promise.resolve()
      .then(() => this.options.execute(job.entry, new AbortController().signal))
      .then(
      (detail) => finish(RunOutcome.ok, detail),
      (error: unknown) => finish(RunOutcome.failed, error instanceof Error ? error.message : String(error)),
    )
  }

  /** CL5: with half the lease gone, renew it (a new renewal restarts it on every reader); the claim keeps its HLC, so it keeps its place. */
  private renew(job: Job & { readonly phase: 'running' }, now: number): void {
    const timeoutMs = this.options.runTimeoutMs ?? RUN_TIMEOUT_MS
    if (now - job.startedAt >= timeoutMs) {
      // CL5a: stop renewing and record the failure; if the run settles later, that is ignored.
      this.jobs.delete(job.entry.occurrence.id)
      this.options.table.putRun({ occurrence: job.entry.occurrence.id, by: this.options.peer, startedAt: job.startedAt, doneAt: now, outcome: RunOutcome.failed, error: `It did not finish within ${Math.round(timeoutMs / 1000)} s.` })
      return
    }
    if (now - job.renewedAt < LEASE_MS / 2) return
    job.renewal++
    job.renewedAt = now
    this.options.table.putClaim({ occurrence: job.entry.occurrence.id, peer: this.options.peer, hlc: job.hlc, renewal: job.renewal })
  }
}
