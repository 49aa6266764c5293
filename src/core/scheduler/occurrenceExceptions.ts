/**
 * Exceptions to an operation's plan (SPEC OCC5, OP8): occurrences a person
 * skipped ("cancel this one only") and occurrences moved to another time
 * ("this one only"). They are part of the operation's timing, so every
 * reader of it (the queue, a tick's catch-up, the runner's last check, the
 * agenda, a preview) sees the same occurrences; they refer to the current
 * plan's indexes, so they never change an occurrence's id and a new plan
 * (OP4) starts without them.
 *
 * This module owns their shape, the check a stored value passes and the
 * lookups occurrences.ts makes for every occurrence it gives (binary search
 * on the sorted lists, so an operation without exceptions pays nothing and
 * one with the most pays a few comparisons).
 */
import type { FieldChecks } from './InvalidFields.ts'
import { LATEST_TIME } from './schedulers.ts'

export interface MovedOccurrence {
  /** The occurrence's index in the current plan: its id stays `<series>#<index>`. */
  readonly index: number
  /** When it is due instead, ms since the epoch. */
  readonly dueAt: number
}

export interface Exceptions {
  /** Indexes of the plan's occurrences that do not happen, ascending, each once. */
  readonly skipped?: readonly number[]
  /** Occurrences due at another time than the rule gives, ascending by index, none of them skipped. */
  readonly moved?: readonly MovedOccurrence[]
}

/**
 * The most skipped occurrences one plan keeps. Every read of an occurrence
 * looks them up, and every member's device stores them; skips below the
 * progress mark are dropped when a new one is added (SpaceSchedule), so
 * the cap is reached only by skipping a thousand future occurrences one by
 * one, where ending the series (OP9) is what was meant.
 */
export const MAX_SKIPPED = 1_000
/** The most moved occurrences one plan keeps: a move is a one-off change, and a plan that needs more is a new plan. */
export const MAX_MOVED = 100

function indexOfSorted(sorted: readonly number[], index: number): number {
  let low = 0
  let high = sorted.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const value = sorted[middle]!
    if (value === index) return middle
    if (value < index) low = middle + 1
    else high = middle - 1
  }
  return -1
}

export function isSkipped(exceptions: Exceptions | undefined, index: number): boolean {
  return exceptions?.skipped !== undefined && indexOfSorted(exceptions.skipped, index) >= 0
}

/** The time a moved occurrence is due at instead, or undefined when it was not moved. */
export function movedDueAt(exceptions: Exceptions | undefined, index: number): number | undefined {
  const moved = exceptions?.moved
  if (!moved) return undefined
  let low = 0
  let high = moved.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const entry = moved[middle]!
    if (entry.index === index) return entry.dueAt
    if (entry.index < index) low = middle + 1
    else high = middle - 1
  }
  return undefined
}

/** Whether the occurrence is not at its rule's time: skipped or moved. Occurrences between such ones are found in O(1) for `every`. */
export function isExcepted(exceptions: Exceptions | undefined, index: number): boolean {
  return isSkipped(exceptions, index) || movedDueAt(exceptions, index) !== undefined
}

/** Whether the plan has any exception: the fast paths of occurrences.ts are taken without. */
export function hasExceptions(exceptions: Exceptions | undefined): exceptions is Exceptions {
  return (exceptions?.skipped?.length ?? 0) > 0 || (exceptions?.moved?.length ?? 0) > 0
}

const isIndex = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/**
 * The shape check of OP3 for `exceptions`: lists within their caps, sorted,
 * whole indexes, times within the schedulers' range. A peer's junk here
 * would otherwise make binary searches answer wrongly on every read.
 */
export function checkExceptions(checks: FieldChecks, value: unknown): void {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null) return checks.fail('exceptions', 'Exceptions must list skipped and moved occurrences, or be left out.')
  const { skipped, moved } = value as { skipped?: unknown; moved?: unknown }
  if (skipped !== undefined) {
    const ascending = Array.isArray(skipped) && skipped.every((index, at) => isIndex(index) && (at === 0 || index > (skipped[at - 1] as number)))
    if (!ascending || skipped.length > MAX_SKIPPED) {
      checks.fail('exceptions.skipped', `Skipped occurrences are at most ${MAX_SKIPPED.toLocaleString('en')} whole indexes from 0, in ascending order, each once.`)
    }
  }
  if (moved !== undefined) {
    const valid =
      Array.isArray(moved) &&
      moved.length <= MAX_MOVED &&
      moved.every((entry: unknown, at) => {
        if (typeof entry !== 'object' || entry === null) return false
        const { index, dueAt } = entry as { index?: unknown; dueAt?: unknown }
        const previous = at === 0 ? undefined : (moved[at - 1] as { index?: unknown }).index
        return isIndex(index) && isIndex(dueAt) && dueAt <= LATEST_TIME && (previous === undefined || (typeof previous === 'number' && index > previous))
      })
    if (!valid) checks.fail('exceptions.moved', `Moved occurrences are at most ${MAX_MOVED} { index, dueAt } pairs, in ascending order of index, each due from 1970 to 9999.`)
    else if (Array.isArray(skipped) && (moved as MovedOccurrence[]).some((entry) => skipped.includes(entry.index))) {
      checks.fail('exceptions.moved', 'An occurrence is either skipped or moved, not both.')
    }
  }
}

/**
 * The first occurrence an exceptions change puts (back) at a time of its
 * own: moved, moved back, or no longer skipped. A host that took it from
 * its queue at its old time has dropped it (SpaceSchedule.isCurrent), so
 * the queue must go back to it. Undefined when the change only skips.
 */
export function firstReinstated(before: Exceptions | undefined, after: Exceptions | undefined): number | undefined {
  let first: number | undefined
  const note = (index: number): void => void (first = first === undefined ? index : Math.min(first, index))
  for (const index of before?.skipped ?? []) if (!isSkipped(after, index)) note(index)
  for (const { index, dueAt } of after?.moved ?? []) if (movedDueAt(before, index) !== dueAt) note(index)
  for (const { index } of before?.moved ?? []) if (movedDueAt(after, index) === undefined && !isSkipped(after, index)) note(index)
  return first
}
