/**
 * When an operation's row must look at the clock again. Its text changes
 * with time only at known moments: when the next occurrence comes due (the
 * "next" time moves on), and when an overdue one has waited long enough to
 * say nobody awake can run it (sleepNotice). Everything else it shows
 * changes with the schedule's data, which re-renders it anyway. So a row
 * wakes at those moments, not on a one-second beat: a list of operations
 * due next week costs nothing while it is open.
 */
import { SLEEP_NOTICE_AFTER_MS } from './sleepNotice.ts'

/** The row shows times to the second: waking more often (a 100 ms operation) would redraw what looks the same. */
export const MIN_ROW_REFRESH_MS = 1_000

export interface RowTimes {
  readonly now: number
  /** When the occurrence the row calls "next" is due, if it has one. */
  readonly nextDueAt: number | undefined
  /** When its first unfinished occurrence came due, if one is overdue. */
  readonly overdueSince: number | undefined
}

/** The moment the row's text may change with time alone, or undefined if it never will. */
export function rowRefreshAt({ now, nextDueAt, overdueSince }: RowTimes): number | undefined {
  const sleepNoticeAt = overdueSince === undefined ? undefined : overdueSince + SLEEP_NOTICE_AFTER_MS
  // Just past the moment, so the row that wakes sees the change (a due time is still "next" at that very millisecond).
  const moments = [nextDueAt, sleepNoticeAt].filter((at): at is number => at !== undefined && at >= now).map((at) => at + 1)
  if (moments.length === 0) return undefined
  return Math.max(Math.min(...moments), now + MIN_ROW_REFRESH_MS)
}
