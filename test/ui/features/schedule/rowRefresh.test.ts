import { describe, expect, it } from 'vitest'
import { MIN_ROW_REFRESH_MS, rowRefreshAt } from '../../../../src/ui/features/schedule/rowRefresh.ts'
import { SLEEP_NOTICE_AFTER_MS } from '../../../../src/ui/features/schedule/sleepNotice.ts'

const NOW = Date.UTC(2026, 11, 8, 9, 0, 0)
const DAY = 86_400_000

describe('rowRefreshAt: when an operation row looks at the clock again', () => {
  it('an operation due next week wakes its row once, just after it comes due, not every second until then', () => {
    expect(rowRefreshAt({ now: NOW, nextDueAt: NOW + 7 * DAY, overdueSince: undefined })).toBe(NOW + 7 * DAY + 1)
  })

  it('a row with nothing left to run, and nothing overdue, never wakes', () => {
    expect(rowRefreshAt({ now: NOW, nextDueAt: undefined, overdueSince: undefined })).toBeUndefined()
  })

  it('an overdue occurrence wakes the row when it has waited long enough to say nobody awake can run it', () => {
    const overdueSince = NOW - 4_000
    expect(rowRefreshAt({ now: NOW, nextDueAt: overdueSince, overdueSince })).toBe(overdueSince + SLEEP_NOTICE_AFTER_MS + 1)
    // Once that notice shows, only the data changes it (a device wakes and runs it).
    expect(rowRefreshAt({ now: NOW, nextDueAt: NOW - 60_000, overdueSince: NOW - 60_000 })).toBeUndefined()
  })

  it('a 100 ms operation redraws its row at most once a second (it shows times to the second)', () => {
    expect(rowRefreshAt({ now: NOW, nextDueAt: NOW + 100, overdueSince: undefined })).toBe(NOW + MIN_ROW_REFRESH_MS)
  })
})
