/**
 * Calendar-grade edits of single occurrences (SPEC OP8–OP10): skip one,
 * put a skipped one back, move one ("this one only"), end the series at one
 * ("cancel this and all following"), continue from one with a new timing
 * ("this and all following"), and run one now. Pure: each takes the
 * operation and what the schedule knows of its plan, checks the edit, and
 * returns the operation (or new operation) to save; SpaceSchedule saves it.
 *
 * None of them starts a new plan (OP4): the ids of the plan's occurrences,
 * and so their runs, claims and progress, stay as they are.
 */
import { InvalidFields } from './InvalidFields.ts'
import { isSkipped, MAX_MOVED, MAX_SKIPPED, movedDueAt, type Exceptions, type MovedOccurrence } from './occurrenceExceptions.ts'
import { nextOccurrence, occurrenceAt, type Occurrence, type Timing } from './occurrences.ts'
import { CatchUp, MAX_TITLE_CHARS, OperationStatus, type NewOperation, type Operation } from './operations.ts'
import type { SchedulerId } from './schedulers.ts'

/** What the schedule knows of an operation's current plan, for checking an edit. */
export interface PlanFacts {
  /** The plan's series (occurrenceIds.ts seriesOf). */
  readonly series: string
  /** ms since the epoch. */
  readonly now: number
  /** The index of the plan's first occurrence (OP4): those before it are not part of the plan. */
  readonly planStart: number
  /** Every occurrence below this is finished (run, skipped, or before the plan). */
  readonly finishedThrough: number
  /** Whether occurrence `index` of the plan has a run record. */
  readonly hasRun: (index: number) => boolean
}

/** The latest and earliest a moved occurrence may be due (both exclusive): its neighbours' times, so due order stays index order (OCC5). */
export interface MoveWindow {
  readonly after?: number
  readonly before?: number
}

const SUFFIX_RUN_NOW = ' (run now)'

function refuse(field: string, message: string): never {
  throw new InvalidFields('occurrence', [{ field, message }])
}

/** The occurrence as the plan has it, refused when it is not one to change: skipped, outside the plan, run, or of a cancelled operation. */
function changeable(operation: Operation, index: number, facts: PlanFacts): Occurrence {
  if (operation.status === OperationStatus.cancelled) refuse('status', 'This operation was cancelled; it has no occurrences left to change.')
  if (!Number.isSafeInteger(index) || index < facts.planStart) refuse('index', 'That occurrence is not part of the operation’s current plan.')
  if (isSkipped(operation.exceptions, index)) refuse('index', 'That occurrence is skipped already.')
  const occurrence = occurrenceAt(facts.series, operation, index)
  if (!occurrence) refuse('index', 'The operation has no such occurrence: its plan ends before it.')
  if (facts.hasRun(index)) refuse('index', 'That occurrence has run already; its run is in the history.')
  return occurrence
}

/** The occurrences of the plan just before and after `index`, skipped ones left out: how far it may move. */
export function moveWindow(operation: Operation, index: number, facts: Pick<PlanFacts, 'series' | 'planStart'>): MoveWindow {
  let before: Occurrence | undefined
  // Skipped ones are stepped over, at most MAX_SKIPPED of them.
  for (let previous = index - 1; previous >= facts.planStart && !before; previous--) before = occurrenceAt(facts.series, operation, previous)
  const after = nextOccurrence(facts.series, operation, Number.NEGATIVE_INFINITY, index + 1)
  return { ...(before ? { after: before.dueAt } : {}), ...(after ? { before: after.dueAt } : {}) }
}

/** Skipped entries the plan still needs: at the cap, those below the progress mark go (they are finished either way). */
function roomFor<T>(entries: readonly T[], indexOf: (entry: T) => number, cap: number, facts: PlanFacts): T[] {
  return entries.length < cap ? [...entries] : entries.filter((entry) => indexOf(entry) >= facts.finishedThrough)
}

function withExceptions(operation: Operation, skipped: readonly number[], moved: readonly MovedOccurrence[]): Operation {
  const rest: Operation = { ...operation }
  delete (rest as { exceptions?: Exceptions }).exceptions
  const exceptions: Exceptions = { ...(skipped.length > 0 ? { skipped } : {}), ...(moved.length > 0 ? { moved } : {}) }
  return skipped.length > 0 || moved.length > 0 ? { ...rest, exceptions } : rest
}

/** OP8: the occurrence does not happen; it keeps its index, so nothing else moves. */
export function skipOccurrence(operation: Operation, index: number, facts: PlanFacts): Operation {
  changeable(operation, index, facts)
  const skipped = roomFor(operation.exceptions?.skipped ?? [], (entry) => entry, MAX_SKIPPED, facts)
  if (skipped.length >= MAX_SKIPPED) {
    refuse('exceptions.skipped', `This plan has ${MAX_SKIPPED.toLocaleString('en')} skipped occurrences to come, the most it keeps; to stop it from one of them on, use “Cancel this and all following”.`)
  }
  const moved = (operation.exceptions?.moved ?? []).filter((entry) => entry.index !== index)
  return withExceptions(operation, [...skipped, index].sort((a, b) => a - b), moved)
}

/** OP8: a skipped occurrence that is still to come happens again, at its rule's time. */
export function restoreOccurrence(operation: Operation, index: number, facts: PlanFacts): Operation {
  if (!isSkipped(operation.exceptions, index)) refuse('index', 'That occurrence is not skipped.')
  const skipped = (operation.exceptions?.skipped ?? []).filter((entry) => entry !== index)
  const restored = withExceptions(operation, skipped, operation.exceptions?.moved ?? [])
  const occurrence = occurrenceAt(facts.series, restored, index)
  if (!occurrence || occurrence.dueAt < facts.now) refuse('index', 'That occurrence was due already; a skipped occurrence that has passed stays skipped.')
  return restored
}

/**
 * OP8 "this one only": the occurrence is due at `dueAt` instead, under the
 * same id. It stays between the occurrences before and after it, so the
 * queue, which holds one occurrence per operation, keeps them in order.
 */
export function moveOccurrence(operation: Operation, index: number, dueAt: number, facts: PlanFacts): Operation {
  changeable(operation, index, facts)
  if (!Number.isSafeInteger(dueAt) || dueAt < facts.now) refuse('dueAt', 'Choose a time from now on.')
  const window = moveWindow(operation, index, facts)
  if ((window.after !== undefined && dueAt <= window.after) || (window.before !== undefined && dueAt >= window.before)) {
    refuse('dueAt', 'An occurrence moves only to a time after the one before it and before the one after it, so they still run in order; to move it further, skip it and plan a one-off.')
  }
  const others = (operation.exceptions?.moved ?? []).filter((entry) => entry.index !== index)
  const ruleTime = occurrenceAt(facts.series, { ...operation, exceptions: {} } satisfies Timing, index)?.dueAt
  // Moved back to its rule's time, it is no exception any more.
  const moved = ruleTime === dueAt ? others : [...roomFor(others, (entry) => entry.index, MAX_MOVED, facts), { index, dueAt }].sort((a, b) => a.index - b.index)
  if (moved.length > MAX_MOVED) refuse('exceptions.moved', `This plan has ${MAX_MOVED} moved occurrences to come, the most it keeps; edit the operation to give it a new timing instead.`)
  return withExceptions(operation, operation.exceptions?.skipped ?? [], moved)
}

/**
 * OP9 "cancel this and all following": the plan ends before occurrence
 * `index`, by its count, without a new plan (OP4), so the occurrences before
 * it keep their ids. Undefined when no occurrence of the plan comes before
 * it: then the whole operation is what ends (the caller cancels it).
 */
export function endBefore(operation: Operation, index: number, facts: PlanFacts): Operation | undefined {
  changeable(operation, index, facts)
  if (index <= facts.planStart) return undefined
  const exceptions = operation.exceptions
  const ended = withExceptions(operation, (exceptions?.skipped ?? []).filter((entry) => entry < index), (exceptions?.moved ?? []).filter((entry) => entry.index < index))
  return { ...ended, times: Math.min(operation.times ?? index, index) }
}

/**
 * OP9 "this and all following": the new operation that continues the old
 * one's work with a new timing. It first runs after the occurrence before
 * `index` (the last the old plan keeps), so the two never overlap.
 */
export function continuation(operation: Operation, index: number, timing: Timing, facts: PlanFacts): NewOperation {
  const { after } = moveWindow(operation, index, facts)
  const first = nextOccurrence('continuation', timing, Number.NEGATIVE_INFINITY)
  if (!first || (after !== undefined && first.dueAt <= after)) refuse('dueAt', 'From this occurrence on, it must first run after the one before it, which stays; choose a later start.')
  const { schedulerId, title, kind, input, catchUp } = operation
  return { schedulerId, title, kind, input, catchUp, dueAt: timing.dueAt, repeat: timing.repeat, ...(timing.times === undefined ? {} : { times: timing.times }), ...(timing.until === undefined ? {} : { until: timing.until }) }
}

/**
 * OP10 "run now": a one-off copy of the operation due now, so it runs once
 * through the usual claims (G1), outside the plan. Under `latest`, a copy
 * that a host first sees a tick late (asleep, or a clock behind the room's)
 * still runs.
 */
export function runNowCopy(operation: Operation, now: number, schedulerId: SchedulerId): NewOperation {
  const title = operation.title.slice(0, MAX_TITLE_CHARS - SUFFIX_RUN_NOW.length) + SUFFIX_RUN_NOW
  return { schedulerId, title, kind: operation.kind, input: operation.input, catchUp: CatchUp.latest, dueAt: now, repeat: { kind: 'none' } }
}

/** Whether an occurrence was moved, and from when: for the list to say "moved from …". */
export function movedFrom(operation: Operation, series: string, index: number): number | undefined {
  if (movedDueAt(operation.exceptions, index) === undefined) return undefined
  return occurrenceAt(series, { ...operation, exceptions: {} } satisfies Timing, index)?.dueAt
}
