/**
 * A space's schedule in its content doc: the schedulers and operations
 * tables (the truth, SPEC SCH3, OP1–OP5), the claims and run records
 * (YjsRunTable), each operation's progress, and one queue per scheduler
 * derived from them and kept in step with every change (Q1), local or
 * remote, without rescanning the tables.
 *
 * Progress: a peer's mark n says, as that peer saw it, every occurrence of
 * the operation's current plan (its series, occurrenceIds.ts seriesOf)
 * below n is finished, so a queue (re)built after a restart starts there
 * and not at occurrence 0. It is kept as an entry for occurrence n in the
 * peer's chunk of the progress map (occurrenceChunks.ts), the one before
 * deleted as it is written, so the marks a day of a fast operation leaves
 * are collected with their chunks (RET2). The mark is the largest any peer
 * wrote, so it only ever grows, even when two peers write at once (RET3). A host writes its mark once it has moved
 * PROGRESS_WRITE_STEP occurrences, or when the next occurrence is a minute
 * or more away: a fast operation's mark is written now and then, not once
 * per occurrence, and in between it is known here from the run records
 * (which retention keeps above the written mark, so a restart walks them).
 *
 * Plans (OP4): editing an operation's timing starts a new plan, numbered
 * afresh from the first occurrence due after the edit. Its progress, skips
 * and occurrence ids are its own, so nothing recorded under the old timing
 * counts for the new one; the old runs stay in the run history.
 *
 * Exceptions (OP8–OP10): skipping or moving one occurrence, or ending the
 * series at one, changes the operation but not its plan, so ids, progress
 * and runs stay; the checks are occurrenceEdits.ts's.
 */
import type * as Y from 'yjs'
import { InvalidFields } from './InvalidFields.ts'
import type { KindRegistry } from './kinds.ts'
import { continuation, endBefore, moveOccurrence, restoreOccurrence, runNowCopy, skipOccurrence, type PlanFacts } from './occurrenceEdits.ts'
import { firstReinstated, type Exceptions } from './occurrenceExceptions.ts'
import { nextOccurrence, type Occurrence, type Timing } from './occurrences.ts'
import { occurrenceId, parseOccurrenceId, seriesOf, type OccurrenceId } from './occurrenceIds.ts'
import { OccurrenceQueue } from './OccurrenceQueue.ts'
import { OperationStatus, validateOperation, type NewOperation, type Operation, type OperationId } from './operations.ts'
import { DEFAULT_SCHEDULERS, validateScheduler, validateStoredScheduler, type Scheduler, type SchedulerId } from './schedulers.ts'
import { followKeys } from './followKeys.ts'
import { OccurrenceChunks, RecordKind, spanOf } from './occurrenceChunks.ts'
import { SkippedRanges } from './SkippedRanges.ts'
import { SkipReason } from './tick.ts'
import { YjsRunTable, type RunTableClocks } from './YjsRunTable.ts'

/** Top-level names in a space's doc: part of its stored format. */
export const SCHEDULERS = 'schedulers'
export const OPERATIONS = 'ops'
/** Where marks sat before RET2 (`progress[series] = { through }`): still read, so an upgraded space starts where it was. */
const LEGACY_PROGRESS = 'progress'
/** The writer a legacy mark is filed under: no peer's id is empty. */
const LEGACY_WRITER = ''
/** A fast operation's progress mark is written when it has moved this far (RET3). */
export const PROGRESS_WRITE_STEP = 16
/** ...and a slow one's at every move: its next occurrence is at least this far away. */
const PROGRESS_WRITE_AHEAD_MS = 60_000
/** Occurrences catch-up skipped (CU1, CU2, CAP3), as SkippedRanges.ts stores them. */
export const SKIPS = 'skips'

/** The default schedulers' ids are fixed, so two peers creating them at once make the same two, not four. */
const DEFAULT_IDS = ['every-second', 'every-minute'] as const

export type { NewOperation } from './operations.ts'

export interface SpaceScheduleOptions {
  readonly doc: Y.Doc
  readonly kinds: KindRegistry
  /** ms since the epoch. */
  readonly now: () => number
  /** The did:key of whoever edits through this instance. */
  readonly actor: string
  readonly newId: () => string
  /**
   * Whether this instance moves progress marks when runs are recorded; true
   * by default. A view of the schedule (a tab while the worker hosts) reads
   * them only: it hears of a run before the host's mark, and writing the same
   * mark again would be one more signed, replicated write per occurrence.
   */
  readonly recordsProgress?: boolean
  /** For a host on room time (roomClock.ts, then `now`): its own clock for leases and what it writes, and who is told of peers' clock readings. */
  readonly clocks?: RunTableClocks
}

export class SpaceSchedule {
  readonly runs: YjsRunTable
  private readonly schedulerMap: Y.Map<unknown>
  private readonly operationMap: Y.Map<unknown>
  private readonly progressChunks: OccurrenceChunks
  private readonly legacyProgress: Y.Map<unknown>
  private readonly stopFollowingLegacy: () => void
  /** Listeners told when this instance writes an operation's mark (retention prunes behind it). */
  private readonly markListeners = new Set<(id: OperationId) => void>()

  /** Calls `listener` with the operation each time this instance writes its progress mark; returns how to stop. */
  onMarkWritten(listener: (id: OperationId) => void): () => void {
    this.markListeners.add(listener)
    return () => this.markListeners.delete(listener)
  }

  /** The progress marks' chunks (RET2), for retention to drop the spans the mark has left. */
  dropPassedMarks(id: OperationId): void {
    const operation = this.operation(id)
    for (const series of this.progressChunks.seriesOf(id)) {
      const below = operation && series === seriesOf(operation) ? spanOf(this.markedThrough(id)) : Number.POSITIVE_INFINITY
      this.progressChunks.dropBelow(series, below)
    }
  }

  /** The written marks by series, then writer: the mark is their largest. */
  private readonly writtenMarks = new Map<string, Map<string, number>>()
  /** The marks this instance has worked out since, by series: ahead of the written one between writes. */
  private readonly knownMarks = new Map<string, number>()
  private readonly skips: SkippedRanges
  private readonly queues = new Map<SchedulerId, OccurrenceQueue>()
  /** Each stored operation value's check: the operation, or null for one that fails. */
  private readonly checked = new WeakMap<object, Operation | null>()
  /** Each operation value's first occurrence of its plan (planFrom), worked out once: an RRULE walks to it. */
  private readonly planStarts = new WeakMap<Operation, number>()
  /**
   * Per operation, the last occurrence a tick here took (and handed to the
   * runner). The queue never goes back below it while the operation's plan
   * stands: an occurrence taken but not yet recorded (claimed by a peer that
   * then went away) is the runner's to take over after its lease, and put
   * back in the queue it would look missed, and catch-up would skip it.
   */
  private readonly taken = new Map<OperationId, number>()
  /** Each operation's timing and status as last seen (planOf), to tell a new plan from another edit. */
  private readonly plans = new Map<OperationId, string>()
  /** Each operation's exceptions as last seen, to tell which occurrence a change of them puts back in the queue. */
  private readonly exceptionsSeen = new Map<OperationId, Exceptions | undefined>()
  /** Which queue holds each operation, to move it when its scheduler changes. */
  private readonly queuedIn = new Map<OperationId, SchedulerId>()

  constructor(private readonly options: SpaceScheduleOptions) {
    const { doc } = options
    // Leases are timed by the device's own clock, which no correction moves (OccurrenceRunner).
    this.runs = new YjsRunTable(doc, options.clocks?.physical ?? options.now, options.clocks)
    this.schedulerMap = doc.getMap(SCHEDULERS)
    this.operationMap = doc.getMap(OPERATIONS)
    this.progressChunks = new OccurrenceChunks(doc, RecordKind.mark, (occurrence, writer) => this.indexMark(occurrence, writer))
    this.skips = new SkippedRanges(doc.getMap(SKIPS))
    for (const { occurrence, owner } of this.progressChunks.entries()) this.indexMark(occurrence, owner)
    this.legacyProgress = doc.getMap(LEGACY_PROGRESS)
    this.stopFollowingLegacy = followKeys(this.legacyProgress, (series) => this.indexLegacyMark(series))
    this.runs.onRunChanged = (occurrence) => this.recordProgress(occurrence)
    for (const id of this.operationMap.keys()) this.track(id as OperationId)
    this.operationMap.observe(this.onOperations)
    this.schedulerMap.observe(this.onSchedulers)
    // Before any observer runs, so a run record arriving with a skip (one peer's transaction) already sees it.
    doc.on('beforeObserverCalls', this.onTransaction)
  }

  /** Stops following the doc: for a view of the schedule that has gone, or a host that no longer runs it. */
  destroy(): void {
    this.operationMap.unobserve(this.onOperations)
    this.schedulerMap.unobserve(this.onSchedulers)
    this.progressChunks.destroy()
    this.stopFollowingLegacy()
    this.options.doc.off('beforeObserverCalls', this.onTransaction)
    this.runs.destroy()
  }

  private readonly onOperations = (event: Y.YMapEvent<unknown>): void => {
    for (const id of event.keysChanged as Set<string>) this.track(id as OperationId)
  }

  /** Follows an operation's plan and queues its next occurrence. */
  private track(id: OperationId): void {
    // A new timing or status starts the queue over from the progress mark: occurrences taken under the old one were dropped (Q2).
    const operation = this.operation(id)
    const plan = operation && planOf(operation)
    if (plan !== this.plans.get(id)) this.taken.delete(id)
    else if (operation) this.untake(id, firstReinstated(this.exceptionsSeen.get(id), operation.exceptions))
    if (plan === undefined) this.plans.delete(id)
    else this.plans.set(id, plan)
    if (operation) this.exceptionsSeen.set(id, operation.exceptions)
    else this.exceptionsSeen.delete(id)
    this.refresh(id, operation)
  }

  private readonly onTransaction = (transaction: Y.Transaction): void => {
    for (const [type, keys] of transaction.changed) {
      if ((type as unknown) === this.skips.map) for (const key of keys) if (key !== null) this.skips.index(key)
    }
  }

  /** A scheduler appearing, going or pausing moves its operations (and only its) in or out of the queues. */
  private readonly onSchedulers = (event: Y.YMapEvent<unknown>): void => {
    const changed = event.keysChanged as Set<string>
    for (const operation of this.operations()) if (changed.has(operation.schedulerId)) this.refresh(operation.id, operation)
  }

  private indexLegacyMark(series: string): void {
    const value = this.legacyProgress.get(series)
    const through = typeof value === 'object' && value !== null ? (value as { through?: unknown }).through : undefined
    const marks = this.writtenMarks.get(series) ?? new Map<string, number>()
    if (typeof through === 'number' && Number.isSafeInteger(through) && through >= 0) marks.set(LEGACY_WRITER, through)
    else marks.delete(LEGACY_WRITER)
    if (marks.size > 0) this.writtenMarks.set(series, marks)
    else this.writtenMarks.delete(series)
  }

  /** Files a writer's mark in a series: its largest entry (the one before is deleted as a mark is written, but may arrive later). */
  private indexMark(occurrence: OccurrenceId, writer: string): void {
    const { series } = parseOccurrenceId(occurrence)
    const marks = this.writtenMarks.get(series) ?? new Map<string, number>()
    const indexes = this.progressChunks.indexes(series, writer)
    if (indexes.length > 0) marks.set(writer, Math.max(...indexes))
    else marks.delete(writer)
    if (marks.size > 0) this.writtenMarks.set(series, marks)
    else this.writtenMarks.delete(series)
  }

  schedulers(): Scheduler[] {
    const found: Scheduler[] = []
    this.schedulerMap.forEach((value, id) => {
      const scheduler = readScheduler(value, id)
      if (scheduler) found.push(scheduler)
    })
    return found
  }

  scheduler(id: SchedulerId): Scheduler | undefined {
    return readScheduler(this.schedulerMap.get(id), id)
  }

  /** SCH4: a space with no schedulers gets the defaults. */
  ensureDefaultSchedulers(): void {
    if (this.schedulerMap.size > 0) return
    this.options.doc.transact(() => DEFAULT_SCHEDULERS.forEach((defaults, index) => this.saveScheduler({ ...defaults, id: DEFAULT_IDS[index]! as SchedulerId })))
  }

  /** Creates or changes a scheduler (frequency, budget, name, pause: SCH3); throws InvalidFields. */
  saveScheduler(scheduler: Scheduler): Scheduler {
    this.schedulerMap.set(scheduler.id, { ...validateScheduler(scheduler) })
    return scheduler
  }

  /** SCH3: refused while an active operation uses it. */
  deleteScheduler(id: SchedulerId): void {
    const users = this.operations().filter((operation) => operation.schedulerId === id && operation.status === OperationStatus.active)
    if (users.length > 0) {
      throw new InvalidFields('scheduler', [{ field: 'id', message: `${users.length} active operation${users.length === 1 ? ' uses' : 's use'} this scheduler; move, pause or cancel them first.` }])
    }
    this.schedulerMap.delete(id)
  }

  operations(): Operation[] {
    const found: Operation[] = []
    this.operationMap.forEach((_, id) => {
      const operation = this.operation(id as OperationId)
      if (operation) found.push(operation)
    })
    return found
  }

  /** The operation as stored, if it passes the checks a local save would (a peer's junk does not). */
  operation(id: OperationId): Operation | undefined {
    const value = this.operationMap.get(id)
    if (typeof value !== 'object' || value === null || (value as Operation).id !== id) return undefined
    // A stored value is one object until it is replaced, so its verdict is kept: a runner asks at every wake-up.
    const known = this.checked.get(value)
    if (known !== undefined) return known ?? undefined
    let verdict: Operation | null
    try {
      verdict = validateOperation(value as Operation, this.options.kinds.names(), (kind, input) => this.options.kinds.checkInput(kind, input))
    } catch {
      verdict = null
    }
    this.checked.set(value, verdict)
    return verdict ?? undefined
  }

  /**
   * A new operation, under a fresh id or the one given (an import's, made
   * from the event's UID so that importing it again is seen: icsImport.ts);
   * an id in use is refused.
   */
  createOperation(fields: NewOperation, id = this.options.newId() as OperationId): Operation {
    if (this.operationMap.has(id)) throw new InvalidFields('operation', [{ field: 'id', message: 'This space has an operation with this id already (imported before?); it was left as it is.' }])
    return this.save({ ...fields, id, status: OperationStatus.active, createdBy: this.options.actor, createdAt: this.options.now() })
  }

  /** Several new operations in one change of the doc (an import: one signed write, not hundreds); each refused one is returned as its InvalidFields. */
  createOperations(entries: ReadonlyArray<{ readonly fields: NewOperation; readonly id?: OperationId }>): Array<Operation | InvalidFields> {
    const results: Array<Operation | InvalidFields> = []
    const attempt = (fields: NewOperation, id?: OperationId): Operation | InvalidFields => {
      try {
        return this.createOperation(fields, id)
      } catch (error) {
        if (error instanceof InvalidFields) return error
        throw error
      }
    }
    this.options.doc.transact(() => entries.forEach(({ fields, id }) => results.push(attempt(fields, id))))
    return results
  }

  /**
   * OP3, OP4: an edit is checked whole. A timing change starts a new plan
   * from now (its occurrences due before the edit are not part of it), and
   * replaces the old timing whole: a new `dueAt` or `repeat` comes with its
   * own `times` and `until`, or none.
   */
  editOperation(id: OperationId, changes: Partial<NewOperation>): Operation {
    const existing = this.existing(id)
    const retimed = TIMING_FIELDS.some((field) => field in changes && JSON.stringify(changes[field]) !== JSON.stringify(existing[field]))
    if (!retimed) return this.save({ ...existing, ...changes })
    // The plan is numbered by the edit's time, not by counting: two devices retiming one operation at once (one offline) make
    // two plans of two numbers, so the runs of the timing that loses the merge never mark the winner's occurrences done.
    const planFrom = this.options.now()
    const untimed: Operation = { ...existing, plan: Math.max((existing.plan ?? 0) + 1, planFrom), planFrom }
    // The exceptions name the old plan's occurrences: the new plan starts without them.
    delete (untimed as { exceptions?: Exceptions }).exceptions
    if ('dueAt' in changes || 'repeat' in changes) {
      delete (untimed as { times?: number }).times
      delete (untimed as { until?: number }).until
    }
    return this.save({ ...untimed, ...changes })
  }

  /** OP5: paused, it leaves the queue; resumed, its catch-up policy decides what it missed. */
  setPaused(id: OperationId, paused: boolean): Operation {
    return this.save({ ...this.existing(id), status: paused ? OperationStatus.paused : OperationStatus.active })
  }

  cancelOperation(id: OperationId): Operation {
    return this.save({ ...this.existing(id), status: OperationStatus.cancelled, cancelledAt: this.options.now(), cancelledBy: this.options.actor })
  }

  /** OP8: occurrence `index` of the current plan does not happen; its id, and every other occurrence, stay. Throws InvalidFields. */
  skipOccurrence(id: OperationId, index: number): Operation {
    return this.changeOccurrences(id, (operation, facts) => skipOccurrence(operation, index, facts))
  }

  /** OP8: a skipped occurrence still to come happens again. */
  restoreOccurrence(id: OperationId, index: number): Operation {
    return this.changeOccurrences(id, (operation, facts) => restoreOccurrence(operation, index, facts))
  }

  /** OP8 "this one only": occurrence `index` is due at `dueAt` instead, under the same id, between its neighbours (occurrenceEdits.ts moveWindow). */
  moveOccurrence(id: OperationId, index: number, dueAt: number): Operation {
    return this.changeOccurrences(id, (operation, facts) => moveOccurrence(operation, index, dueAt, facts))
  }

  /** OP9 "cancel this and all following": the plan ends before occurrence `index`; with none of it before, the operation is cancelled. */
  endSeriesAt(id: OperationId, index: number): Operation {
    return this.changeOccurrences(id, (operation, facts) => endBefore(operation, index, facts)) ?? this.cancelOperation(id)
  }

  /**
   * OP9 "this and all following": the plan ends before occurrence `index` and a new operation (returned) does
   * its work with `timing`. From the plan's first occurrence, that is an edit of the timing (a new plan, OP4).
   */
  changeFollowing(id: OperationId, index: number, timing: Timing): Operation {
    const operation = this.existing(id)
    const facts = this.planFacts(operation)
    const ended = endBefore(operation, index, facts)
    const { dueAt, repeat, times, until } = timing
    if (!ended) return this.editOperation(id, { dueAt, repeat, ...(times === undefined ? {} : { times }), ...(until === undefined ? {} : { until }) })
    const next = continuation(operation, index, timing, facts)
    let created: Operation | undefined
    this.options.doc.transact(() => void ((created = this.createOperation(next)), this.save(ended)))
    return created!
  }

  /** OP10: a one-off copy of the operation, due now on `schedulerId`, that runs once through the usual claims. */
  runNow(id: OperationId, schedulerId: SchedulerId): Operation {
    return this.createOperation(runNowCopy(this.existing(id), this.options.now(), schedulerId))
  }

  /** What an occurrence edit is checked against: the plan's series, start and progress, and its runs. */
  planFacts(operation: Operation): PlanFacts {
    const series = seriesOf(operation)
    const hasRun = (index: number): boolean => this.runs.run(occurrenceId(series, index)) !== undefined
    return { series, now: this.options.now(), planStart: this.planStart(operation), finishedThrough: this.finishedThrough(operation.id), hasRun }
  }

  private changeOccurrences<T extends Operation | undefined>(id: OperationId, edit: (operation: Operation, facts: PlanFacts) => T): T {
    const operation = this.existing(id)
    const changed = edit(operation, this.planFacts(operation))
    return (changed && this.save(changed)) as T
  }

  /** Removes the operation with what its plans left: progress, skipped ranges, claims, acknowledged runs and run records. */
  deleteOperation(id: OperationId): void {
    this.options.doc.transact(() => {
      this.operationMap.delete(id)
      for (const series of this.progressChunks.seriesOf(id)) this.progressChunks.dropSeries(series)
      for (const series of [...this.legacyProgress.keys()]) if (parseOccurrenceId(`${series}#0`).operationId === id) this.legacyProgress.delete(series)
      for (const series of [...this.knownMarks.keys()]) if (parseOccurrenceId(`${series}#0`).operationId === id) this.knownMarks.delete(series)
      this.skips.forget(id)
      this.runs.forgetOperation(id)
    })
  }

  /** The scheduler's queue (Q1): the next unfinished occurrence of each of its active operations. */
  queue(id: SchedulerId): OccurrenceQueue {
    let queue = this.queues.get(id)
    if (!queue) {
      queue = new OccurrenceQueue()
      this.queues.set(id, queue)
    }
    return queue
  }

  /** Whether an occurrence taken from a queue is still to run: its operation active, its plan the same and its due time unchanged (Q2). */
  isCurrent(occurrence: Occurrence, operationId: OperationId): boolean {
    const operation = this.operation(operationId)
    if (!operation || operation.status !== OperationStatus.active) return false
    const now = nextOccurrence(seriesOf(operation), operation, -Infinity, occurrence.index)
    return now?.id === occurrence.id && now.dueAt === occurrence.dueAt
  }

  /** Every occurrence of the operation's current plan below this is finished, or was due before the plan began. */
  finishedThrough(id: OperationId): number {
    const operation = this.operation(id)
    return Math.max(this.markedThrough(id), this.knownMarks.get(operation ? seriesOf(operation) : id) ?? 0)
  }

  /**
   * The mark as written in the doc (the largest any peer wrote): what a
   * restart, or another peer, starts from. Retention keeps every record at
   * or above it (RET1), so the occurrences between it and this instance's
   * own mark are not run again.
   */
  markedThrough(id: OperationId): number {
    const operation = this.operation(id)
    let marked = 0
    for (const through of this.writtenMarks.get(operation ? seriesOf(operation) : id)?.values() ?? []) marked = Math.max(marked, through)
    return operation ? Math.max(marked, this.planStart(operation)) : marked
  }

  /** The index of the plan's first occurrence due at or after planFrom (OP4); past its last one, beyond every index. */
  private planStart(operation: Operation): number {
    if (operation.planFrom === undefined) return 0
    let start = this.planStarts.get(operation)
    if (start === undefined) {
      start = nextOccurrence(seriesOf(operation), operation, operation.planFrom)?.index ?? Number.MAX_SAFE_INTEGER
      this.planStarts.set(operation, start)
    }
    return start
  }

  /** CU1, CU2, CAP3: records occurrences `from` to `to` (exclusive) of the operation's current plan as skipped: finished, never run. */
  recordSkipped(id: OperationId, from: number, to: number, reason: SkipReason): void {
    const operation = this.operation(id)
    if (to <= from || !operation) return
    const series = seriesOf(operation)
    this.skips.record(series, from, to, reason)
    this.recordProgress(occurrenceId(series, from))
  }

  /** The skipped ranges of the operation's current plan, as [from, to) pairs. */
  skippedRanges(id: OperationId): Array<readonly [number, number]> {
    return this.skips.of(this.seriesOfId(id)).map(({ from, to }) => [from, to] as const)
  }

  private seriesOfId(id: OperationId): string {
    const operation = this.operation(id)
    return operation ? seriesOf(operation) : id
  }

  /**
   * How many occurrences of the operation the bound on catch-up skipped
   * (CAP3), for the operation list to say; each counted once, however many
   * peers recorded a range that covers it.
   */
  skippedByCatchUpLimit(id: OperationId): number {
    return this.skips.count(this.seriesOfId(id), SkipReason.catchUpLimit)
  }

  private existing(id: OperationId): Operation {
    const operation = this.operation(id)
    if (!operation) throw new InvalidFields('operation', [{ field: 'id', message: 'This operation no longer exists; it may have been deleted on another device.' }])
    return operation
  }

  private save(operation: Operation): Operation {
    validateOperation(operation, this.options.kinds.names(), (kind, input) => this.options.kinds.checkInput(kind, input))
    if (!this.scheduler(operation.schedulerId)) throw new InvalidFields('operation', [{ field: 'schedulerId', message: 'That scheduler does not exist; choose one of this space’s schedulers.' }])
    this.operationMap.set(operation.id, { ...operation })
    return operation
  }

  /** Puts the operation's next unfinished occurrence in its scheduler's queue, or takes it out. */
  private refresh(id: OperationId, operation = this.operation(id)): void {
    const scheduler = operation && this.scheduler(operation.schedulerId)
    const previous = this.queuedIn.get(id)
    if (previous !== undefined && previous !== operation?.schedulerId) this.queues.get(previous)?.delete(id)
    if (!operation || !scheduler || operation.status !== OperationStatus.active) {
      if (operation) this.queues.get(operation.schedulerId)?.delete(id)
      this.queuedIn.delete(id)
      return
    }
    const from = Math.max(this.finishedThrough(id), (this.taken.get(id) ?? -1) + 1)
    this.queue(scheduler.id).set(operation, this.firstUnfinished(operation, from))
    this.queuedIn.set(id, scheduler.id)
  }

  /**
   * An exceptions change put occurrence `index` back at a time of its own
   * (OCC5): a tick here that took it at its old time has seen it dropped
   * (isCurrent), so the queue goes back to it.
   */
  private untake(id: OperationId, index: number | undefined): void {
    const taken = this.taken.get(id)
    if (index !== undefined && taken !== undefined && index <= taken) this.taken.set(id, index - 1)
  }

  /** A tick here took this occurrence (Q2): the queue moves past it for good, whatever records arrive. */
  markTaken(operationId: OperationId, index: number): void {
    if (index > (this.taken.get(operationId) ?? -1)) this.taken.set(operationId, index)
  }

  /** The first occurrence of the current plan from `fromIndex` on that was neither run nor skipped (a skipped range is jumped, not walked). */
  firstUnfinished(operation: Operation, fromIndex: number): Occurrence | undefined {
    const series = seriesOf(operation)
    const skipped = this.skips.of(series)
    let next = nextOccurrence(series, operation, -Infinity, Math.max(fromIndex, this.planStart(operation)))
    while (next) {
      const index = next.index
      const range = skipped.find(({ from, to }) => index >= from && index < to)
      if (range) next = nextOccurrence(series, operation, -Infinity, range.to)
      else if (this.runs.run(next.id)) next = nextOccurrence(series, operation, -Infinity, index + 1)
      else return next
    }
    return undefined
  }

  /**
   * A run was recorded (here or by a peer): a queue still holding that
   * occurrence moves on, and if it closes the gap at the operation's
   * progress mark, the mark moves past every finished one.
   */
  private recordProgress(occurrence: OccurrenceId): void {
    const { operationId, series, index } = parseOccurrenceId(occurrence)
    const id = operationId as OperationId
    const operation = this.operation(id)
    // A record of an earlier plan is history: it moves nothing of the current one.
    if (!operation || series !== seriesOf(operation)) return
    if (this.queues.get(operation.schedulerId)?.get(id)?.occurrence.id === occurrence) this.refresh(id, operation)
    const through = this.finishedThrough(id)
    // The mark is held by the first occurrence of the plan from it on: a skipped one (OP8) at the mark never gets a record.
    // Until this instance has worked the mark out once, the written one may lag (RET3): the walk below catches up.
    if (this.knownMarks.has(series) && index !== through && nextOccurrence(series, operation, -Infinity, through)?.index !== index) return
    // Past the last occurrence there is nothing left: the mark goes beyond every index.
    const next = this.firstUnfinished(operation, through)
    const mark = next?.index ?? Number.MAX_SAFE_INTEGER
    this.knownMarks.set(series, Math.max(mark, through))
    if (mark <= through) return
    if (this.options.recordsProgress === false) return
    const written = this.markedThrough(id)
    if (mark - written >= PROGRESS_WRITE_STEP || !next || next.dueAt - this.options.now() >= PROGRESS_WRITE_AHEAD_MS) {
      const before = this.writtenMarks.get(series)?.get(this.options.actor)
      this.options.doc.transact(() => {
        this.progressChunks.set(occurrenceId(series, mark), this.options.actor, true)
        if (before !== undefined) this.progressChunks.delete(occurrenceId(series, before), this.options.actor)
      })
      for (const listener of this.markListeners) listener(id)
    }
  }
}

/** The fields that say when an operation runs: editing one of them starts a new plan (OP4). */
const TIMING_FIELDS = ['dueAt', 'repeat', 'times', 'until'] as const

/** What restarts an operation's queue: its plan, timing and status (a new title does not). */
function planOf(operation: Operation): string {
  return JSON.stringify([operation.status, operation.plan ?? 0, operation.dueAt, operation.repeat, operation.times, operation.until])
}

function readScheduler(value: unknown, id: string): Scheduler | undefined {
  if (typeof value !== 'object' || value === null || (value as Scheduler).id !== id) return undefined
  try {
    return validateStoredScheduler(value as Scheduler)
  } catch {
    return undefined
  }
}
