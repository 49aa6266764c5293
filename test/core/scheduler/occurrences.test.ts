import { describe, expect, it } from 'vitest'
import { nextOccurrence, occurrencesBetween, type Timing } from '../../../src/core/scheduler/occurrences.ts'
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
