import { describe, expect, it } from 'vitest'
import { parseSchedule } from '../../../src/core/scheduler/naturalLanguage.ts'
import { occurrencesBetween, type Timing } from '../../../src/core/scheduler/occurrences.ts'
import { validateOperation, type Operation, type OperationId } from '../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { wallTimeOf } from '../../../src/core/scheduler/zonedTime.ts'

const PARIS = 'Europe/Paris'
const NEW_YORK = 'America/New_York'
/** Monday 11 Oct 2027, 12:00 in Paris (summer time); Paris leaves DST on Sunday 31 Oct 2027. */
const PARIS_NOW = '2027-10-11T10:00:00Z'
/** Friday 12 Mar 2027, 10:00 in New York (winter time); New York enters DST on Sunday 14 Mar 2027. */
const NEW_YORK_NOW = '2027-03-12T15:00:00Z'

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const two = (n: number): string => String(n).padStart(2, '0')

/** "Tue 2027-10-12 10:00" (seconds when not zero) on the zone's wall clock. */
function local(instant: number, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone)
  const day = DAYS[new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay()]
  const seconds = wall.second === 0 ? '' : `:${two(wall.second)}`
  return `${day} ${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)}${seconds}`
}

function parse(text: string, now: string, timeZone: string): { timing: Timing; summary: string } {
  const result = parseSchedule(text, { now: Date.parse(now), timeZone })
  if (!result.ok) throw new Error(`"${text}" was not understood: ${result.error}`)
  return result
}

/** The next occurrences from now, as wall times in the zone. */
function next(text: string, now: string, timeZone: string, count = 5): string[] {
  return occurrencesBetween('op', parse(text, now, timeZone).timing, Date.parse(now), Infinity, count).map((occurrence) => local(occurrence.dueAt, timeZone))
}

function error(text: string, now = PARIS_NOW, timeZone = PARIS): string {
  const result = parseSchedule(text, { now: Date.parse(now), timeZone })
  if (result.ok) throw new Error(`"${text}" was understood as ${result.summary}`)
  return result.error
}

function rule(timing: Timing): string {
  return timing.repeat.kind === 'rrule' ? timing.repeat.rrule : `not a rule: ${timing.repeat.kind}`
}

describe('parseSchedule: one time', () => {
  it('runs "in 20 minutes", "in 2 hours", "in 90 seconds" that long after now', () => {
    const now = Date.parse(PARIS_NOW)
    expect(parse('in 20 minutes', PARIS_NOW, PARIS).timing).toEqual({ dueAt: now + 20 * 60_000, repeat: { kind: 'none' } })
    expect(parse('in 2 hours', PARIS_NOW, PARIS).timing.dueAt).toBe(now + 2 * 3_600_000)
    expect(parse('in 90 seconds', PARIS_NOW, PARIS).timing.dueAt).toBe(now + 90_000)
    expect(parse('in 20 minutes', PARIS_NOW, PARIS).summary).toBe('Once on Mon 11 Oct 2027 at 12:20 (Europe/Paris)')
  })

  it('keeps the time of day for "in 3 days" and "in 1 week" across the start of DST, unlike "in 72 hours"', () => {
    expect(next('in 3 days', NEW_YORK_NOW, NEW_YORK)).toEqual(['Mon 2027-03-15 10:00'])
    expect(next('in 1 week', NEW_YORK_NOW, NEW_YORK)).toEqual(['Fri 2027-03-19 10:00'])
    expect(next('in 72 hours', NEW_YORK_NOW, NEW_YORK)).toEqual(['Mon 2027-03-15 11:00'])
  })

  it('runs "at 10am" today while 10:00 is still ahead, and tomorrow once it has passed', () => {
    expect(next('at 17:45', PARIS_NOW, PARIS)).toEqual(['Mon 2027-10-11 17:45'])
    expect(next('at 10am', PARIS_NOW, PARIS)).toEqual(['Tue 2027-10-12 10:00'])
    expect(next('at 10:30', PARIS_NOW, PARIS)).toEqual(['Tue 2027-10-12 10:30'])
  })

  it('reads named days: tomorrow, today, a date, next Monday, on Friday', () => {
    expect(next('tomorrow at 9am', PARIS_NOW, PARIS)).toEqual(['Tue 2027-10-12 09:00'])
    expect(next('today at 18:00', PARIS_NOW, PARIS)).toEqual(['Mon 2027-10-11 18:00'])
    expect(next('on 2027-01-15 at 14:00', '2026-12-01T00:00:00Z', PARIS)).toEqual(['Fri 2027-01-15 14:00'])
    // On a Monday, "next monday" is a week away; "on monday" is today while its time is ahead.
    expect(next('next monday at 9', PARIS_NOW, PARIS)).toEqual(['Mon 2027-10-18 09:00'])
    expect(next('on monday at 8pm', PARIS_NOW, PARIS)).toEqual(['Mon 2027-10-11 20:00'])
    expect(next('on friday at 8pm', PARIS_NOW, PARIS)).toEqual(['Fri 2027-10-15 20:00'])
    expect(parse('on friday at 8pm', PARIS_NOW, PARIS).summary).toBe('Once on Fri 15 Oct 2027 at 20:00 (Europe/Paris)')
  })

  it('moves a time that the spring DST gap skips forward by the gap, as occurrences do (OCC3)', () => {
    // Paris skips 02:00–03:00 on Sunday 28 Mar 2027.
    expect(next('tomorrow at 2:30', '2027-03-27T12:00:00Z', PARIS)).toEqual(['Sun 2027-03-28 03:30'])
  })

  it('ignores case and extra spaces', () => {
    expect(parse('  EVERY   Weekday at 9 A.M.  ', PARIS_NOW, PARIS)).toEqual(parse('every weekday at 9am', PARIS_NOW, PARIS))
    expect(parse('In 20  Minutes', PARIS_NOW, PARIS)).toEqual(parse('in 20 minutes', PARIS_NOW, PARIS))
  })
})

describe('parseSchedule: calendar repeats', () => {
  it('starts "every 2 weeks on Tuesday at 10am" on the first Tuesday 10:00 from now and keeps 10:00 in Paris after DST ends', () => {
    const { timing, summary } = parse('every 2 weeks on Tuesday at 10am', PARIS_NOW, PARIS)
    expect(rule(timing)).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0')
    expect(summary).toBe('Every 2 weeks on Tuesday at 10:00 (Europe/Paris)')
    expect(next('every 2 weeks on Tuesday at 10am', PARIS_NOW, PARIS)).toEqual(['Tue 2027-10-12 10:00', 'Tue 2027-10-26 10:00', 'Tue 2027-11-09 10:00', 'Tue 2027-11-23 10:00', 'Tue 2027-12-07 10:00'])
    // The same wall time is a different UTC time once summer time is over.
    const [first, , third] = occurrencesBetween('op', timing, 0, Infinity, 3)
    expect(new Date(first!.dueAt).toISOString()).toBe('2027-10-12T08:00:00.000Z')
    expect(new Date(third!.dueAt).toISOString()).toBe('2027-11-09T09:00:00.000Z')
    // Typed on a Tuesday after 10:00, it starts the next Tuesday.
    expect(next('every 2 weeks on Tuesday at 10am', '2027-10-12T09:00:00Z', PARIS, 2)).toEqual(['Tue 2027-10-19 10:00', 'Tue 2027-11-02 10:00'])
  })

  it('keeps "every day at 7:30" at 7:30 in New York across the start of DST', () => {
    expect(next('every day at 7:30', NEW_YORK_NOW, NEW_YORK)).toEqual(['Sat 2027-03-13 07:30', 'Sun 2027-03-14 07:30', 'Mon 2027-03-15 07:30', 'Tue 2027-03-16 07:30', 'Wed 2027-03-17 07:30'])
    expect(parse('every day at 7:30', NEW_YORK_NOW, NEW_YORK).summary).toBe('Every day at 07:30 (America/New_York)')
  })

  it('runs "every weekday at 9am" Monday to Friday only', () => {
    const { timing, summary } = parse('every weekday at 9am', NEW_YORK_NOW, NEW_YORK)
    expect(rule(timing)).toBe('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0')
    expect(summary).toBe('Every weekday at 09:00 (America/New_York)')
    expect(next('every weekday at 9am', NEW_YORK_NOW, NEW_YORK)).toEqual(['Mon 2027-03-15 09:00', 'Tue 2027-03-16 09:00', 'Wed 2027-03-17 09:00', 'Thu 2027-03-18 09:00', 'Fri 2027-03-19 09:00'])
  })

  it('runs "every monday and thursday at 18:00" on both days, today included while 18:00 is ahead', () => {
    expect(parse('every monday and thursday at 18:00', PARIS_NOW, PARIS).summary).toBe('Every Monday and Thursday at 18:00 (Europe/Paris)')
    expect(next('every monday and thursday at 18:00', PARIS_NOW, PARIS)).toEqual(['Mon 2027-10-11 18:00', 'Thu 2027-10-14 18:00', 'Mon 2027-10-18 18:00', 'Thu 2027-10-21 18:00', 'Mon 2027-10-25 18:00'])
  })

  it('runs "every month on the 1st at 9am" and "every year on March 3 at 8am" at that wall time all year', () => {
    expect(next('every month on the 1st at 9am', PARIS_NOW, PARIS)).toEqual(['Mon 2027-11-01 09:00', 'Wed 2027-12-01 09:00', 'Sat 2028-01-01 09:00', 'Tue 2028-02-01 09:00', 'Wed 2028-03-01 09:00'])
    expect(next('every year on March 3 at 8am', PARIS_NOW, PARIS)).toEqual(['Fri 2028-03-03 08:00', 'Sat 2029-03-03 08:00', 'Sun 2030-03-03 08:00', 'Mon 2031-03-03 08:00', 'Wed 2032-03-03 08:00'])
    expect(parse('every year on March 3 at 8am', PARIS_NOW, PARIS).summary).toBe('Every year on March 3 at 08:00 (Europe/Paris)')
    expect(next('every month on the last day at 18:00', PARIS_NOW, PARIS, 3)).toEqual(['Sun 2027-10-31 18:00', 'Tue 2027-11-30 18:00', 'Fri 2027-12-31 18:00'])
  })

  it('skips a first occurrence that falls in the spring DST gap, so every later one keeps the wall time asked for', () => {
    // Paris skips 02:00–03:00 on 28 Mar 2027: starting there would make 03:30 the rule's time.
    expect(next('every day at 2:30', '2027-03-27T12:00:00Z', PARIS, 3)).toEqual(['Mon 2027-03-29 02:30', 'Tue 2027-03-30 02:30', 'Wed 2027-03-31 02:30'])
    // A later gap day is moved forward by the gap (OCC3), and the next day is back at 02:30.
    expect(next('every day at 2:30', NEW_YORK_NOW, NEW_YORK, 3)).toEqual(['Sat 2027-03-13 02:30', 'Sun 2027-03-14 03:30', 'Mon 2027-03-15 02:30'])
  })

  it('gives a bare period ("every week", "every 2 days") the current time of day, first one period from now', () => {
    expect(next('every week', PARIS_NOW, PARIS, 2)).toEqual(['Mon 2027-10-18 12:00', 'Mon 2027-10-25 12:00'])
    expect(next('every 2 days', PARIS_NOW, PARIS, 2)).toEqual(['Wed 2027-10-13 12:00', 'Fri 2027-10-15 12:00'])
    expect(next('every day at 9am from 2027-11-01', PARIS_NOW, PARIS, 2)).toEqual(['Mon 2027-11-01 09:00', 'Tue 2027-11-02 09:00'])
  })
})

describe('parseSchedule: fixed intervals', () => {
  it('repeats "every 5 seconds", "every 100 ms", "every 500 milliseconds", "every 10 minutes" from one interval after now', () => {
    const now = Date.parse(PARIS_NOW)
    for (const [text, everyMs] of [['every 5 seconds', 5_000], ['every 100 ms', 100], ['every 500 milliseconds', 500], ['every 10 minutes', 600_000]] as const) {
      const { timing } = parse(text, PARIS_NOW, PARIS)
      expect(timing).toEqual({ dueAt: now + everyMs, repeat: { kind: 'every', everyMs } })
      expect(occurrencesBetween('op', timing, now, Infinity, 5).map((occurrence) => occurrence.dueAt - now)).toEqual([1, 2, 3, 4, 5].map((n) => n * everyMs))
    }
    expect(parse('every 10 minutes', PARIS_NOW, PARIS).summary).toBe('Every 10 minutes from Mon 11 Oct 2027 at 12:10 (Europe/Paris)')
  })

  it('keeps "every hour" and "every 3 hours" exactly that far apart when DST ends, so 02:30 comes twice', () => {
    // 00:30 on Sunday 31 Oct 2027 in Paris; at 03:00 the clocks go back to 02:00.
    const now = '2027-10-30T22:30:00Z'
    expect(parse('every hour', now, PARIS).timing.repeat).toEqual({ kind: 'every', everyMs: 3_600_000 })
    expect(next('every hour', now, PARIS)).toEqual(['Sun 2027-10-31 01:30', 'Sun 2027-10-31 02:30', 'Sun 2027-10-31 02:30', 'Sun 2027-10-31 03:30', 'Sun 2027-10-31 04:30'])
    // Three real hours after 00:30 summer time is the second 02:30, in winter time.
    expect(next('every 3 hours', now, PARIS, 3)).toEqual(['Sun 2027-10-31 02:30', 'Sun 2027-10-31 05:30', 'Sun 2027-10-31 08:30'])
    expect(parse('every 3 hours', now, PARIS).summary).toBe('Every 3 hours from Sun 31 Oct 2027 at 02:30 (Europe/Paris)')
  })

  it('starts a fixed interval at the "from" or "at" time given', () => {
    expect(next('every 10 minutes from 9am', PARIS_NOW, PARIS, 3)).toEqual(['Tue 2027-10-12 09:00', 'Tue 2027-10-12 09:10', 'Tue 2027-10-12 09:20'])
    expect(next('every 90 seconds at 13:00', PARIS_NOW, PARIS, 3)).toEqual(['Mon 2027-10-11 13:00', 'Mon 2027-10-11 13:01:30', 'Mon 2027-10-11 13:03'])
    expect(next('every hour from tomorrow at 8am', PARIS_NOW, PARIS, 2)).toEqual(['Tue 2027-10-12 08:00', 'Tue 2027-10-12 09:00'])
  })
})

describe('parseSchedule: until and times', () => {
  it('runs "until <date>" through the end of that day', () => {
    const { timing, summary } = parse('every day at 9am until 2027-10-15', PARIS_NOW, PARIS)
    expect(summary).toBe('Every day at 09:00 until Fri 15 Oct 2027 (Europe/Paris)')
    expect(occurrencesBetween('op', timing, 0, Infinity, 10).map((occurrence) => local(occurrence.dueAt, PARIS))).toEqual(['Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00', 'Fri 2027-10-15 09:00'])
    expect(parse('every day at 9am until 2027-01-31', '2027-01-20T12:00:00Z', PARIS).timing.until).toBe(Date.parse('2027-01-31T22:59:59.999Z'))
  })

  it('stops after "N times"', () => {
    const { timing, summary } = parse('every 2 weeks on Tuesday at 10am 6 times', PARIS_NOW, PARIS)
    expect(summary).toBe('Every 2 weeks on Tuesday at 10:00, 6 times (Europe/Paris)')
    expect(timing.times).toBe(6)
    expect(occurrencesBetween('op', timing, 0, Infinity, 10)).toHaveLength(6)
    expect(parse('every 5 seconds for 10 times', PARIS_NOW, PARIS).timing.times).toBe(10)
    expect(parse('every day at 9am until 2027-12-31 3 times', PARIS_NOW, PARIS).timing).toMatchObject({ times: 3, until: Date.parse('2027-12-31T22:59:59.999Z') })
  })
})

describe('parseSchedule: what it does not understand', () => {
  it('says what it could not read and gives an example that works', () => {
    expect(error('every blue moon')).toMatch(/"every blue moon" is not a repeat I know; try e\.g\. "every 10 minutes"/)
    expect(error('in -5 minutes')).toMatch(/more than zero, e\.g\. "in 5 minutes"/)
    expect(error('hello')).toMatch(/could not read "hello".*"in 20 minutes"/)
    expect(error('')).toMatch(/e\.g\. "in 20 minutes"/)
    expect(error('at 25:00')).toMatch(/"25:00" is not a time of day; write e\.g\. "10am"/)
    expect(error('on 2027-02-30 at 10:00')).toMatch(/"2027-02-30" is not a date/)
    expect(error('tomorrow')).toMatch(/names a day but not a time; add one, e\.g\. "tomorrow at 9am"/)
    expect(error('every monday')).toMatch(/Say at what time, e\.g\. "every monday at 9am"/)
    expect(error('in 5 minutes 3 times')).toMatch(/go with a repeat/)
    expect(error(`every day at 9am ${'and then '.repeat(50)}`)).toMatch(/200 characters at most/)
  })

  it('refuses intervals shorter than 100 ms or longer than 10 years, naming the limit', () => {
    expect(error('every 10 ms')).toMatch(/shortest repeat is every 100 ms/)
    expect(error('every 0.05 seconds')).toMatch(/shortest repeat is every 100 ms/)
    expect(error('every 11 years')).toMatch(/at most every 10 years/)
    expect(error('every 100000 hours')).toMatch(/at most every 10 years/)
  })

  it('refuses a time that has already passed, and an until before the first run', () => {
    expect(error('today at 08:00')).toMatch(/is in the past/)
    expect(error('on 2027-01-15 at 14:00')).toMatch(/is in the past/)
    expect(error('every day at 9am until 2027-10-11')).toMatch(/before the first time it runs \(Tue 12 Oct 2027 at 09:00\)/)
  })

  it('refuses a time zone this device does not know', () => {
    expect(error('in 5 minutes', PARIS_NOW, 'Mars/Olympus')).toMatch(/"Mars\/Olympus" is not a time zone/)
  })
})

describe('parseSchedule: what it accepts can be saved', () => {
  const phrases = [
    ...['in 20 minutes', 'in 2 hours', 'in 3 days', 'in 90 seconds', 'in 1 week', 'at 10am', 'at 10:30', 'at 17:45', 'tomorrow at 9am', 'today at 18:00', 'next monday at 9', 'on friday at 8pm'],
    ...['every 2 weeks on Tuesday at 10am', 'every day at 7:30', 'every weekday at 9am', 'every monday and thursday at 18:00', 'every month on the 1st at 9am', 'every year on March 3 at 8am'],
    ...['every hour', 'every 3 hours', 'every 5 seconds', 'every 100 ms', 'every 500 milliseconds', 'every 10 minutes', 'every week', 'every year', 'every day at 2:30'],
    ...['every day at 9am until 2027-12-31', 'every 2 weeks on Tuesday at 10am 6 times', 'every 10 minutes from 9am'],
  ]
  const base: Omit<Operation, keyof Timing> = {
    id: 'op' as OperationId,
    schedulerId: 's' as SchedulerId,
    title: 'Check',
    kind: 'notify',
    input: {},
    catchUp: 'skip',
    status: 'active',
    createdBy: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
    createdAt: 0,
  }

  it.each([
    [PARIS, PARIS_NOW],
    [NEW_YORK, NEW_YORK_NOW],
  ])('passes validateOperation and has a next occurrence, in %s', (timeZone, now) => {
    for (const text of phrases) {
      const { timing } = parse(text, now, timeZone)
      expect(() => validateOperation({ ...base, ...timing }, new Set(['notify']))).not.toThrow()
      expect(occurrencesBetween('op', timing, Date.parse(now), Infinity, 1)[0]?.dueAt).toBe(timing.dueAt)
    }
  })
})
