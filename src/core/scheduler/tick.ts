/**
 * One tick of a scheduler (SPEC Q2, Q3, CU1–CU3, CAP3, CAP4): take the due
 * occurrences from its queue in order until the budget (within this
 * device's caps) is spent, handling the ones nobody ran in time by each
 * operation's catch-up policy, and advance each
 * operation to its next occurrence. Starting an occurrence (claiming it,
 * running it) is the caller's: `start` is told of each, in order.
 */
import { latestOccurrence, nextOccurrence, type Occurrence } from './occurrences.ts'
import { seriesOf } from './occurrenceIds.ts'
import type { OccurrenceQueue, QueueEntry } from './OccurrenceQueue.ts'
import { CatchUp, type Operation, type OperationId } from './operations.ts'
import { deviceBudget, type Scheduler } from './schedulers.ts'

/**
 * The most missed occurrences of one operation that `all` replays (CAP3):
 * a day of an hourly operation, or under two minutes of a per-second one,
 * after a device slept. Without a bound, a member's every-100-ms operation
 * would make each member's device replay 864,000 runs after a day asleep.
 */
export const MAX_CATCH_UP_OCCURRENCES = 100

/**
 * The longest an occurrence may wait before catch-up counts it missed
 * (CU0): an hour. A daily reminder an hour late is still worth its "skip"
 * policy's decision; one a few seconds late is not missed at all.
 */
export const MAX_CATCH_UP_GRACE_MS = 60 * 60_000

/** Why occurrences were skipped: the operation's catch-up policy (CU1, CU2), or the bound on what `all` replays (CAP3). */
export const SkipReason = { catchUp: 'catch-up', catchUpLimit: 'catch-up-limit' } as const
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason]

/** Occurrences `fromIndex` to `toIndex` (exclusive) of one operation, recorded as skipped rather than run. */
interface SkippedRange {
  readonly operationId: OperationId
  readonly fromIndex: number
  readonly toIndex: number
  readonly reason: SkipReason
}

export interface TickResult {
  readonly started: readonly QueueEntry[]
  readonly skipped: readonly SkippedRange[]
  /** How long the oldest due occurrence left in the queue has waited; 0 when none is left (Q3). */
  readonly lagMs: number
}

interface TickOptions {
  readonly now: number
  /**
   * Also take occurrences due this much after `now`, so their claims can
   * settle before they are due (claims.ts CLAIM_LEAD_MS); 0 by default.
   * Catch-up and lag still count from `now`.
   */
  readonly lookAheadMs?: number
  /**
   * When this host began starting (woke, opened the space, joined its
   * room): an occurrence due since then fell due while it was starting,
   * and is not missed (CU0). Only for a scheduler's first tick here.
   */
  readonly notMissedFrom?: number
  /** Milliseconds since the tick began, read before each start: what maxMsPerTick is measured with. */
  readonly elapsed: () => number
  readonly start: (entry: QueueEntry) => void
}

export function tick(scheduler: Scheduler, queue: OccurrenceQueue, { now, elapsed, start, lookAheadMs = 0, notMissedFrom }: TickOptions): TickResult {
  const started: QueueEntry[] = []
  const skipped: SkippedRange[] = []
  const horizon = now + lookAheadMs
  // A budget in the doc may be any size a member wrote; this device spends at most its own caps (CAP4).
  const budget = deviceBudget(scheduler.budget)
  // Per operation under `all`, the first missed occurrence within the bound: worked out once a tick, as the rest of its backlog follows.
  const replayFrom = new Map<OperationId, number>()
  for (let entry = queue.peek(); entry && entry.occurrence.dueAt <= horizon; entry = queue.peek()) {
    if (started.length >= budget.maxOpsPerTick || elapsed() >= budget.maxMsPerTick) break
    const { operation, occurrence } = entry
    // Due before this, nobody ran it in time (CU0). Worked out only for an occurrence a tick late: the grace is at least a tick.
    const startedBy = notMissedFrom ?? Number.POSITIVE_INFINITY
    const overdue = occurrence.dueAt < Math.min(now - scheduler.everyMs, startedBy)
    const missedBefore = overdue ? Math.min(now - graceOf(scheduler, operation, occurrence), startedBy) : Number.NEGATIVE_INFINITY
    let runNow: Occurrence = occurrence
    if (occurrence.dueAt < missedBefore && operation.catchUp === CatchUp.all) {
      let from = replayFrom.get(operation.id)
      if (from === undefined) {
        const lastMissed = latestOccurrence(seriesOf(operation), operation, missedBefore - 1, occurrence.index)?.index ?? occurrence.index
        from = lastMissed - MAX_CATCH_UP_OCCURRENCES + 1
        replayFrom.set(operation.id, from)
      }
      if (occurrence.index < from) {
        // CAP3: the older missed ones are skipped; the loop takes the first within the bound next.
        skipped.push({ operationId: operation.id, fromIndex: occurrence.index, toIndex: from, reason: SkipReason.catchUpLimit })
        queue.set(operation, nextOccurrence(seriesOf(operation), operation, -Infinity, from))
        continue
      }
    } else if (occurrence.dueAt < missedBefore) {
      // skip: resume at the first one not missed; latest: at the last one missed (those due since run as usual).
      const resume = operation.catchUp === CatchUp.skip ? nextOccurrence(seriesOf(operation), operation, missedBefore, occurrence.index) : latestOccurrence(seriesOf(operation), operation, missedBefore - 1, occurrence.index)
      // With nothing to resume at, the operation ends: every occurrence left up to now was missed.
      const skippedTo = resume?.index ?? (latestOccurrence(seriesOf(operation), operation, now, occurrence.index)?.index ?? occurrence.index) + 1
      if (skippedTo > occurrence.index) skipped.push({ operationId: operation.id, fromIndex: occurrence.index, toIndex: skippedTo, reason: SkipReason.catchUp })
      if (!resume || resume.dueAt > horizon) {
        // Skip: the next one is not due yet (or there is none); it waits in the queue.
        queue.set(operation, resume)
        continue
      }
      runNow = resume
    }
    const taken = runNow === occurrence ? entry : { operation, occurrence: runNow }
    started.push(taken)
    // The next by index, whatever its time: a wall time moved forward out of a DST gap can fall before this one's.
    queue.set(operation, nextOccurrence(seriesOf(operation), operation, -Infinity, runNow.index + 1))
    start(taken)
  }
  const oldest = queue.peek()
  return { started, skipped, lagMs: oldest && oldest.occurrence.dueAt <= now ? now - oldest.occurrence.dueAt : 0 }
}

/**
 * CU0: how late an occurrence may run before it counts as missed: the time
 * to its operation's next occurrence (its cadence), at least one tick of
 * its scheduler (a scheduler that was running would have taken it a tick
 * ago), at most MAX_CATCH_UP_GRACE_MS. Measured against the operation, so a
 * daily reminder due a few seconds before a host's first tick runs, and an
 * every-second one that a host slept through for a minute is missed.
 */
function graceOf(scheduler: Scheduler, operation: Operation, occurrence: Occurrence): number {
  const next = operation.repeat.kind === 'none' ? undefined : nextOccurrence(seriesOf(operation), operation, -Infinity, occurrence.index + 1)
  const cadence = next === undefined ? MAX_CATCH_UP_GRACE_MS : next.dueAt - occurrence.dueAt
  return Math.max(scheduler.everyMs, Math.min(cadence, MAX_CATCH_UP_GRACE_MS))
}
