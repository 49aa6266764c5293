/**
 * Occurrences that catch-up skipped (SPEC CU1, CU2, CAP3), as the space's
 * doc stores them: `<series>\n<from>` → `{ to, reason }` (to exclusive; a
 * reason from SkipReason, absent in what older builds wrote, which skipped
 * only by policy). Kept indexed by series, in step with the map: every
 * lookup of an unfinished occurrence reads them. A peer's junk entry is
 * left out of the index, never trusted.
 *
 * Skips a person makes (OP8) are not here: they are exceptions in the
 * operation's timing, which every reader of it applies (occurrenceExceptions.ts).
 */
import type * as Y from 'yjs'
import { parseOccurrenceId } from './occurrenceIds.ts'
import { SkipReason } from './tick.ts'

/** Occurrences `from` to `to` (exclusive) of a plan that were skipped, and why. */
export interface SkippedOccurrences {
  readonly from: number
  readonly to: number
  readonly reason: SkipReason
}

export class SkippedRanges {
  private readonly bySeries = new Map<string, Map<string, SkippedOccurrences>>()

  constructor(readonly map: Y.Map<unknown>) {
    for (const key of map.keys()) this.index(key)
  }

  /** Files an entry under its series if it is a valid range; drops it otherwise. Called for each key a transaction changed. */
  index(key: string): void {
    const separator = key.lastIndexOf('\n')
    if (separator <= 0) return
    const series = key.slice(0, separator)
    const from = Number(key.slice(separator + 1))
    const value = this.map.get(key)
    const { to, reason } = typeof value === 'object' && value !== null ? (value as { to?: unknown; reason?: unknown }) : {}
    const ranges = this.bySeries.get(series) ?? new Map<string, SkippedOccurrences>()
    if (Number.isSafeInteger(from) && typeof to === 'number' && Number.isSafeInteger(to) && to > from) {
      ranges.set(key, { from, to, reason: reason === SkipReason.catchUpLimit ? SkipReason.catchUpLimit : SkipReason.catchUp })
    } else ranges.delete(key)
    if (ranges.size > 0) this.bySeries.set(series, ranges)
    else this.bySeries.delete(series)
  }

  record(series: string, from: number, to: number, reason: SkipReason): void {
    this.map.set(`${series}\n${from}`, { to, reason })
  }

  /** Every skipped range recorded for a plan's series, by any peer. */
  of(series: string): SkippedOccurrences[] {
    return [...(this.bySeries.get(series)?.values() ?? [])]
  }

  /** How many occurrences of the series were skipped for `reason`; each counted once, however many peers recorded a range that covers it. */
  count(series: string, reason: SkipReason): number {
    const ranges = this.of(series)
      .filter((range) => range.reason === reason)
      .sort((a, b) => a.from - b.from)
    let counted = 0
    let end = 0
    for (const { from, to } of ranges) {
      if (to <= end) continue
      counted += to - Math.max(from, end)
      end = to
    }
    return counted
  }

  /** Removes every plan's ranges of the operation (it was deleted). */
  forget(operationId: string): void {
    for (const key of [...this.map.keys()]) if (parseOccurrenceId(`${key.slice(0, key.lastIndexOf('\n'))}#0`).operationId === operationId) this.map.delete(key)
  }
}
