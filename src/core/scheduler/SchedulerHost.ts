/**
 * Drives a space's schedule on one peer: ticks each scheduler that is not
 * paused once its interval has passed (SCH3, Q2), hands what a tick starts
 * to the OccurrenceRunner, records what catch-up skipped (CU1, CU2, CAP3), and
 * keeps the figures the schedulers panel shows. It has no timers of its
 * own: a host (the service worker, a tab, the personal node) calls
 * `advance()` and sleeps until the time it returns.
 */
import { CLAIM_LEAD_MS } from './claims.ts'
import type { OccurrenceRunner } from './OccurrenceRunner.ts'
import type { OperationId } from './operations.ts'
import type { SchedulerId } from './schedulers.ts'
import type { SpaceSchedule } from './SpaceSchedule.ts'
import { tick } from './tick.ts'

export interface SchedulerStats {
  readonly lastTickAt: number | undefined
  /** Tick lateness over the last LATENESS_WINDOW ticks (a minute of a 100 ms scheduler): median, 99th percentile, worst. */
  readonly tickLate: { readonly samples: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number }
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
  /**
   * When this host began starting the space (woke, opened it, joined its
   * room): what falls due from then until a scheduler's first tick here is
   * not missed (CU0). Its construction time by default.
   */
  readonly hostingSince?: number
  /** Called after each tick with when it was planned and when it ran (the lateness benchmark reads these). */
  readonly onTick?: (scheduler: SchedulerId, plannedAt: number, ranAt: number) => void
}

/**
 * How far past the next tick occurrences are offered: the runner wakes at
 * each one's claim turn, so an occurrence due between ticks still starts on
 * time. Capped, so a slow scheduler does not hand the runner a year of
 * occurrences; past the cap, a slow scheduler's runs are up to a tick late.
 */
const MAX_TICK_LOOKAHEAD_MS = 60_000

/** Ticks the lateness figures cover. */
const LATENESS_WINDOW = 600

interface TickState extends Omit<SchedulerStats, 'queueLength' | 'tickLate'> {
  /** The last LATENESS_WINDOW ticks' lateness, oldest first. */
  readonly lateness: number[]
  /** The next tick's planned time: ticks keep to a grid of `everyMs` from the first, so lateness never adds up. */
  readonly nextTickAt: number
}

export class SchedulerHost {
  private readonly stats = new Map<SchedulerId, TickState>()
  private readonly hostingSince: number
  /** Per operation, how long the synchronous part of its runs takes here (a running average): a tick counts it for each occurrence it starts (SCH2). */
  private readonly runCost = new Map<OperationId, number>()

  constructor(private readonly options: SchedulerHostOptions) {
    this.hostingSince = options.hostingSince ?? options.clock()
  }

  /**
   * Does what is due now; returns when to call again (ms since the epoch, or
   * infinity). A time, not a delay: the host sets its timer after all of a
   * wake-up's work, and a delay measured from its start would make every
   * next tick late by that work.
   */
  advance(): number {
    const { schedule, runner, clock } = this.options
    const now = clock()
    let wakeAt = Number.POSITIVE_INFINITY
    for (const scheduler of schedule.schedulers()) {
      if (scheduler.paused) continue
      const previous = this.stats.get(scheduler.id)
      // A changed frequency applies from now, not from the old grid; ticks missed (asleep, paused) are skipped, not late:
      // this tick was planned for the last grid point it has reached.
      const grid = previous && previous.nextTickAt - (previous.lastTickAt ?? 0) <= scheduler.everyMs ? previous.nextTickAt : now
      const plannedAt = grid > now ? grid : grid + Math.floor((now - grid) / scheduler.everyMs) * scheduler.everyMs
      if (plannedAt > now) {
        wakeAt = Math.min(wakeAt, plannedAt)
        continue
      }
      const tickStart = clock()
      let runsCost = 0
      const result = tick(scheduler, schedule.queue(scheduler.id), {
        now,
        lookAheadMs: CLAIM_LEAD_MS + Math.min(scheduler.everyMs, MAX_TICK_LOOKAHEAD_MS),
        // A scheduler's first tick here: what fell due while this host was starting is late, not missed.
        ...(previous === undefined ? { notMissedFrom: this.hostingSince } : {}),
        elapsed: () => runsCost + clock() - tickStart,
        start: (entry) => {
          runsCost += this.runCost.get(entry.operation.id) ?? 0
          schedule.markTaken(entry.operation.id, entry.occurrence.index)
          runner.offer(entry)
        },
      })
      for (const range of result.skipped) schedule.recordSkipped(range.operationId, range.fromIndex, range.toIndex, range.reason)
      const skipped = result.skipped.reduce((sum, range) => sum + (range.toIndex - range.fromIndex), 0)
      const nextTickAt = plannedAt + scheduler.everyMs
      const lateness = previous?.lateness ?? []
      lateness.push(now - plannedAt)
      if (lateness.length > LATENESS_WINDOW) lateness.shift()
      this.stats.set(scheduler.id, {
        lastTickAt: now,
        lateness,
        nextTickAt,
        lagMs: result.lagMs,
        started: (previous?.started ?? 0) + result.started.length,
        skipped: (previous?.skipped ?? 0) + skipped,
      })
      this.options.onTick?.(scheduler.id, plannedAt, now)
      wakeAt = Math.min(wakeAt, nextTickAt)
    }
    runner.advance()
    return Math.min(wakeAt, runner.nextWakeAt() ?? Number.POSITIVE_INFINITY)
  }

  /** A run of the operation took `ms` of synchronous work here: what a tick expects its next runs to cost (SCH2). */
  noteRunWork(operation: OperationId, ms: number): void {
    const before = this.runCost.get(operation)
    // Half the last run, half those before: a cost that changes is followed within a few runs, one slow run does not stop an operation.
    this.runCost.set(operation, before === undefined ? ms : (before + ms) / 2)
  }

  /** The schedulers panel's figures for one scheduler. */
  statsOf(id: SchedulerId): SchedulerStats {
    const stats = this.stats.get(id)
    return { lastTickAt: stats?.lastTickAt, tickLate: summarise(stats?.lateness ?? []), lagMs: stats?.lagMs ?? 0, started: stats?.started ?? 0, skipped: stats?.skipped ?? 0, queueLength: this.options.schedule.queue(id).size }
  }
}

function summarise(lateness: readonly number[]): SchedulerStats['tickLate'] {
  const sorted = [...lateness].sort((a, b) => a - b)
  const at = (quantile: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] ?? 0
  return { samples: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? 0 }
}
