/**
 * Drives a space's schedule on one peer: ticks each scheduler that is not
 * paused once its interval has passed (SCH3, Q2), hands what a tick starts
 * to the OccurrenceRunner, records what catch-up skipped (CU1, CU2), and
 * keeps the figures the schedulers panel shows. It has no timers of its
 * own: a host (the service worker, a tab, the personal node) calls
 * `advance()` and sleeps for the time it returns.
 */
import { CLAIM_LEAD_MS } from './claims.ts'
import type { OccurrenceRunner } from './OccurrenceRunner.ts'
import type { SchedulerId } from './schedulers.ts'
import type { SpaceSchedule } from './SpaceSchedule.ts'
import { tick } from './tick.ts'

/** While anything is being claimed or run, the runner is moved along at least this often: well inside a settle window. */
export const RUNNER_STEP_MS = 100

export interface SchedulerStats {
  readonly lastTickAt: number | undefined
  /** How long the oldest due occurrence left after the last tick had waited (Q3). */
  readonly lagMs: number
  readonly queueLength: number
  /** Occurrences started and skipped by this peer's ticks since it began hosting. */
  readonly started: number
  readonly skipped: number
}

export interface SchedulerHostOptions {
  readonly schedule: SpaceSchedule
  readonly runner: OccurrenceRunner
  /** ms since the epoch. */
  readonly clock: () => number
}

export class SchedulerHost {
  private readonly stats = new Map<SchedulerId, Omit<SchedulerStats, 'queueLength'>>()

  constructor(private readonly options: SchedulerHostOptions) {}

  /** Does what is due now; returns how long the host may sleep before calling again. */
  advance(): number {
    const { schedule, runner, clock } = this.options
    const now = clock()
    let sleepMs = Number.POSITIVE_INFINITY
    for (const scheduler of schedule.schedulers()) {
      if (scheduler.paused) continue
      const previous = this.stats.get(scheduler.id)
      const dueAt = previous?.lastTickAt === undefined ? now : previous.lastTickAt + scheduler.everyMs
      if (dueAt > now) {
        sleepMs = Math.min(sleepMs, dueAt - now)
        continue
      }
      const tickStart = clock()
      const result = tick(scheduler, schedule.queue(scheduler.id), {
        now,
        lookAheadMs: CLAIM_LEAD_MS,
        elapsed: () => clock() - tickStart,
        start: (entry) => runner.offer(entry),
      })
      for (const range of result.skipped) schedule.recordSkipped(range.operationId, range.fromIndex, range.toIndex)
      const skipped = result.skipped.reduce((sum, range) => sum + (range.toIndex - range.fromIndex), 0)
      this.stats.set(scheduler.id, {
        lastTickAt: now,
        lagMs: result.lagMs,
        started: (previous?.started ?? 0) + result.started.length,
        skipped: (previous?.skipped ?? 0) + skipped,
      })
      sleepMs = Math.min(sleepMs, scheduler.everyMs)
    }
    runner.advance()
    if (runner.pending > 0) sleepMs = Math.min(sleepMs, RUNNER_STEP_MS)
    return sleepMs
  }

  /** The schedulers panel's figures for one scheduler. */
  statsOf(id: SchedulerId): SchedulerStats {
    const stats = this.stats.get(id)
    return { lastTickAt: stats?.lastTickAt, lagMs: stats?.lagMs ?? 0, started: stats?.started ?? 0, skipped: stats?.skipped ?? 0, queueLength: this.options.schedule.queue(id).size }
  }
}
