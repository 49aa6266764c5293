/**
 * Keeps a space's schedule records bounded (SPEC RET1): as the host moves
 * an operation's progress mark, what the operation's occurrences no longer
 * need is deleted (YjsRunTable.prune): run records beyond the last
 * KEPT_RUNS_PER_OPERATION, failures once KEPT_FAILURES_MS old, and claims
 * once their occurrence is recorded or passed; chunks left empty go whole
 * (RET2), and counters' increments of spans before the last are folded
 * into totals (RET4). Only the host that writes progress prunes, so peers
 * do not all delete the same entries at once.
 */
import type * as Y from 'yjs'
import { docResultsOf } from './docResults.ts'
import { spanOf } from './occurrenceChunks.ts'
import { seriesOf } from './occurrenceIds.ts'
import type { OperationId } from './operations.ts'
import type { SpaceSchedule } from './SpaceSchedule.ts'

/** Runs kept per operation for its run history: an hourly job's last four days, a game tick's last ten seconds. */
export const KEPT_RUNS_PER_OPERATION = 100
/** Failures are kept longer than other runs: a person back from a trip still finds why last week's backup failed. */
export const KEPT_FAILURES_MS = 30 * 24 * 60 * 60_000
/** Pruning waits until this many more are there than are kept: a batch of deletions now and then, not one per occurrence. */
const PRUNE_SLACK = 10

export class RecordRetention {
  private readonly stop: () => void

  constructor(
    private readonly doc: Y.Doc,
    private readonly schedule: SpaceSchedule,
    private readonly now: () => number,
    /** Whose counter folds this host writes. */
    private readonly peer: string,
  ) {
    // This host moved a mark (a peer's marks are its own to prune after).
    this.stop = schedule.onMarkWritten((id) => this.prune(id))
  }

  destroy(): void {
    this.stop()
  }

  prune(operationId: OperationId): void {
    const operation = this.schedule.operation(operationId)
    if (!operation) return
    const marked = this.schedule.markedThrough(operationId)
    // The span before the mark's keeps its increments, so the results show who added the latest ones.
    docResultsOf(this.doc).foldOperation(operationId, seriesOf(operation), spanOf(marked) - 1, this.peer)
    this.schedule.dropPassedMarks(operationId)
    this.schedule.runs.prune(operationId, {
      keepRuns: KEPT_RUNS_PER_OPERATION,
      keepFailuresSince: this.now() - KEPT_FAILURES_MS,
      series: seriesOf(operation),
      // The written mark, not this host's own: a restart, or a peer, starts from it and must find the records above it.
      finishedBelow: marked,
      slack: PRUNE_SLACK,
    })
  }
}
