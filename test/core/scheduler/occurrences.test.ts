import { describe, expect, it } from 'vitest'
import { latestOccurrence, nextOccurrence, occurrenceAt, occurrencesBetween, type Timing } from '../../../src/core/scheduler/occurrences.ts'
import { instantOf, wallTimeOf } from '../../../src/core/scheduler/zonedTime.ts'

const PARIS = 'Europe/Paris'
const at = (iso: string): number => Date.parse(iso)
const iso = (instant: number): string => new Date(instant).toISOString()
const paris = (instant: number): string => {
  const wall = wallTimeOf(instant, PARIS)
  return `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')} ${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`
}

describe('occurrences', () => {
  it('[OCC1] gives every occurrence an id and due time that depend only on the operation', () => {
    const timing: Timing = { dueAt: at('2026-11-24T09:00:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU', timeZone: PARIS } }
    const first = occurrencesBetween('op1', timing, 0, Infinity, 4)
    const again = occurrencesBetween('op1', { ...timing }, 0, Infinity, 4)
    expect(again).toEqual(first)
    expect(first.map((occurrence) => occurrence.id)).toEqual(['op1#0', 'op1#1', 'op1#2', 'op1#3'])
    // Asking from the middle finds the same occurrence, with the same index.
    expect(nextOccurrence('op1', timing, first[2]!.dueAt)).toEqual(first[2])
    expect(nextOccurrence('op1', timing, first[1]!.dueAt + 1)).toEqual(first[2])
  })

  it('[OCC2] repeats `every` ms from dueAt, and jumps straight to the occurrence due from a given time', () => {
    const timing: Timing = { dueAt: 1_000, repeat: { kind: 'every', everyMs: 100 } }
    expect(nextOccurrence('op', timing, 0)).toEqual({ id: 'op#0', index: 0, dueAt: 1_000 })
    expect(nextOccurrence('op', timing, 1_050)).toEqual({ id: 'op#1', index: 1, dueAt: 1_100 })
    expect(nextOccurrence('op', timing, 1_000 + 10 * 365.25 * 24 * 3600 * 1000)?.index).toBe(3_155_760_000)
    expect(nextOccurrence('op', timing, 0, 7)).toEqual({ id: 'op#7', index: 7, dueAt: 1_700 })
    expect(nextOccurrence('op', timing, Infinity)).toBeUndefined()
    expect(nextOccurrence('op', timing, Number.NaN)).toBeUndefined()
    expect(nextOccurrence('once', { dueAt: 5, repeat: { kind: 'none' } }, 0)?.id).toBe('once#0')
    expect(nextOccurrence('once', { dueAt: 5, repeat: { kind: 'none' } }, 6)).toBeUndefined()
  })

  it('[OCC3] keeps an RRULE at its local time in its zone across DST, e.g. every 2 weeks on Tuesday 10:00 in Paris', () => {
    // 10:00 in Paris on Tuesday 13 Oct 2026 (summer time, UTC+2); DST ends on 25 Oct.
    const timing: Timing = { dueAt: at('2026-10-13T08:00:00Z'), repeat: { kind: 'rrule', rrule: 'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU', timeZone: PARIS } }
    const dates = occurrencesBetween('doctor', timing, 0, Infinity, 4).map((occurrence) => occurrence.dueAt)
    expect(dates.map(paris)).toEqual(['2026-10-13 10:00', '2026-10-27 10:00', '2026-11-10 10:00', '2026-11-24 10:00'])
    expect(dates.map(iso)).toEqual(['2026-10-13T08:00:00.000Z', '2026-10-27T09:00:00.000Z', '2026-11-10T09:00:00.000Z', '2026-11-24T09:00:00.000Z'])
  })

  it('[OCC3] moves a local time in the spring gap forward by the gap, and takes the first of a repeated autumn time', () => {
    // Paris skips 02:00–03:00 on 29 Mar 2026 and repeats 02:00–03:00 on 25 Oct 2026.
    const wall = { minute: 30, second: 0, millisecond: 0, hour: 2, month: 3, day: 29, year: 2026 }
    expect(iso(instantOf(wall, PARIS))).toBe('2026-03-29T01:30:00.000Z') // shows 03:30 CEST
    expect(paris(instantOf(wall, PARIS))).toBe('2026-03-29 03:30')
    expect(iso(instantOf({ ...wall, month: 10, day: 25 }, PARIS))).toBe('2026-10-25T00:30:00.000Z') // 02:30 CEST, not CET
    const daily: Timing = { dueAt: at('2026-03-27T01:30:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=DAILY', timeZone: PARIS } }
    expect(occurrencesBetween('night', daily, 0, Infinity, 4).map((occurrence) => paris(occurrence.dueAt))).toEqual([
      '2026-03-27 02:30',
      '2026-03-28 02:30',
      '2026-03-29 03:30',
      '2026-03-30 02:30',
    ])
  })

  it('[OCC3] reads an RRULE’s own UTC UNTIL as the instant it names', () => {
    // Daily at 00:30 in Paris; UNTIL is 23:30 UTC on 31 Dec, which is 00:30 on 1 Jan in Paris: that occurrence is included.
    const timing: Timing = { dueAt: at('2026-12-29T23:30:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=DAILY;UNTIL=20261231T233000Z', timeZone: PARIS } }
    expect(occurrencesBetween('late', timing, 0, Infinity, 10).map((occurrence) => paris(occurrence.dueAt))).toEqual(['2026-12-30 00:30', '2026-12-31 00:30', '2027-01-01 00:30'])
  })

  it('[OCC4] stops at `times` occurrences and at `until`, for every kind of repeat', () => {
    const every: Timing = { dueAt: 0, repeat: { kind: 'every', everyMs: 10 }, times: 3 }
    expect(occurrencesBetween('a', every, 0, Infinity, 10).map((occurrence) => occurrence.dueAt)).toEqual([0, 10, 20])
    expect(occurrencesBetween('b', { dueAt: 0, repeat: every.repeat, until: 25 }, 0, Infinity, 10).map((occurrence) => occurrence.dueAt)).toEqual([0, 10, 20])
    const weekly: Timing = { dueAt: at('2026-01-05T09:00:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=WEEKLY', timeZone: 'UTC' }, until: at('2026-01-19T09:00:00Z') }
    expect(occurrencesBetween('c', weekly, 0, Infinity, 10)).toHaveLength(3)
    expect(occurrencesBetween('d', { dueAt: weekly.dueAt, repeat: weekly.repeat, times: 2 }, 0, Infinity, 10)).toHaveLength(2)
    expect(nextOccurrence('e', { dueAt: 0, repeat: { kind: 'none' }, until: -1 }, 0)).toBeUndefined()
  })
})

describe('exceptions to a plan', () => {
  const every: Timing = { dueAt: 1_000, repeat: { kind: 'every', everyMs: 100 } }
  const weekly: Timing = { dueAt: at('2026-10-13T08:00:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=TU', timeZone: PARIS } }
  const ids = (timing: Timing): string[] => occurrencesBetween('op', timing, 0, Infinity, 5).map((occurrence) => `${occurrence.id} ${occurrence.dueAt}`)

  it('[OCC5] leaves out skipped occurrences and keeps every other id, for every kind of repeat', () => {
    expect(ids({ ...every, exceptions: { skipped: [1, 2] } })).toEqual(['op#0 1000', 'op#3 1300', 'op#4 1400', 'op#5 1500', 'op#6 1600'])
    const rule = occurrencesBetween('op', weekly, 0, Infinity, 4)
    const skipped = occurrencesBetween('op', { ...weekly, exceptions: { skipped: [1] } }, 0, Infinity, 3)
    expect(skipped).toEqual([rule[0], rule[2], rule[3]])
    expect(nextOccurrence('once', { dueAt: 5, repeat: { kind: 'none' }, exceptions: { skipped: [0] } }, 0)).toBeUndefined()
    // From the time a skipped one was due, the next is the one after it.
    expect(nextOccurrence('op', { ...every, exceptions: { skipped: [3] } }, 1_250)).toEqual({ id: 'op#4', index: 4, dueAt: 1_400 })
    expect(latestOccurrence('op', { ...every, exceptions: { skipped: [3] } }, 1_350)).toEqual({ id: 'op#2', index: 2, dueAt: 1_200 })
  })

  it('[OCC5] gives a moved occurrence its new time under its own id, in due order from any starting time', () => {
    const moved: Timing = { ...every, exceptions: { moved: [{ index: 2, dueAt: 1_250 }] } }
    expect(ids(moved)).toEqual(['op#0 1000', 'op#1 1100', 'op#2 1250', 'op#3 1300', 'op#4 1400'])
    // Asked from after its rule time but before its new one, it is the next.
    expect(nextOccurrence('op', moved, 1_210)).toEqual({ id: 'op#2', index: 2, dueAt: 1_250 })
    expect(nextOccurrence('op', moved, 1_251)).toEqual({ id: 'op#3', index: 3, dueAt: 1_300 })
    expect(latestOccurrence('op', moved, 1_240)).toEqual({ id: 'op#1', index: 1, dueAt: 1_100 })
    expect(latestOccurrence('op', moved, 1_260)).toEqual({ id: 'op#2', index: 2, dueAt: 1_250 })
    expect(occurrenceAt('op', moved, 2)?.dueAt).toBe(1_250)
    const earlier: Timing = { ...every, exceptions: { moved: [{ index: 2, dueAt: 1_150 }] } }
    expect(nextOccurrence('op', earlier, 1_120)).toEqual({ id: 'op#2', index: 2, dueAt: 1_150 })
    expect(nextOccurrence('op', earlier, 1_160)).toEqual({ id: 'op#3', index: 3, dueAt: 1_300 })
    // A rule's occurrence moves the same way; a one-off too.
    const rule = occurrencesBetween('op', weekly, 0, Infinity, 3)
    const movedRule = occurrencesBetween('op', { ...weekly, exceptions: { moved: [{ index: 1, dueAt: rule[1]!.dueAt + 3_600_000 }] } }, 0, Infinity, 3)
    expect(movedRule.map((occurrence) => occurrence.id)).toEqual(['op#0', 'op#1', 'op#2'])
    expect(movedRule[1]!.dueAt).toBe(rule[1]!.dueAt + 3_600_000)
    expect(nextOccurrence('once', { dueAt: 5, repeat: { kind: 'none' }, exceptions: { moved: [{ index: 0, dueAt: 9 }] } }, 6)?.dueAt).toBe(9)
  })

  it('[OCC5] counts `times` and `until` by the rule’s own times: a moved occurrence stays, one past the end does not appear', () => {
    const limited: Timing = { ...every, times: 3, exceptions: { moved: [{ index: 2, dueAt: 5_000 }, { index: 3, dueAt: 6_000 }] } }
    expect(occurrencesBetween('op', limited, 0, Infinity, 10).map((occurrence) => occurrence.dueAt)).toEqual([1_000, 1_100, 5_000])
    expect(latestOccurrence('op', limited, 10_000)?.index).toBe(2)
  })

  it('[OCC5] jumps to an `every` occurrence however far ahead, stepping only over the exceptions', () => {
    // Three billion occurrences in: a walk from the start would not finish.
    const timing: Timing = { ...every, exceptions: { skipped: Array.from({ length: 1_000 }, (_, index) => 3_000_000_000 + index), moved: [{ index: 3_000_001_000, dueAt: 300_000_101_050 }] } }
    expect(nextOccurrence('op', timing, 1_000 + 300_000_000_000)).toEqual({ id: 'op#3000001000', index: 3_000_001_000, dueAt: 300_000_101_050 })
    expect(nextOccurrence('op', timing, 300_000_101_051)).toEqual({ id: 'op#3000001001', index: 3_000_001_001, dueAt: 300_000_101_100 })
    expect(latestOccurrence('op', timing, 300_000_100_999)?.index).toBe(2_999_999_999)
  })
})
