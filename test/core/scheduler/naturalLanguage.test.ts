import { describe, expect, it } from 'vitest'
import { parseSchedule } from '../../../src/core/scheduler/naturalLanguage.ts'
import { occurrencesBetween, type Timing } from '../../../src/core/scheduler/occurrences.ts'
import { validateOperation, type Operation, type OperationId } from '../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { seededRandom } from '../../helpers/seededRandom.ts'
import { readAsMeant, readPhraseOf, SCHEDULE_PHRASES, wallClock } from './schedulePhrases.ts'

const PARIS = 'Europe/Paris'
const NEW_YORK = 'America/New_York'
/** Monday 11 Oct 2027, 12:00 in Paris (summer time); Paris leaves DST on Sunday 31 Oct 2027. */
const PARIS_NOW = '2027-10-11T10:00:00Z'
/** Friday 12 Mar 2027, 10:00 in New York (winter time); New York enters DST on Sunday 14 Mar 2027. */
const NEW_YORK_NOW = '2027-03-12T15:00:00Z'

function parse(text: string, now = PARIS_NOW, timeZone = PARIS): { timing: Timing; summary: string } {
  const result = parseSchedule(text, { now: Date.parse(now), timeZone })
  if (!result.ok) throw new Error(`"${text}" was not understood: ${result.error}`)
  return result
}

/** The next occurrences from now, as wall times in the zone. */
function next(text: string, now = PARIS_NOW, timeZone = PARIS, count = 5): string[] {
  return occurrencesBetween('op', parse(text, now, timeZone).timing, Date.parse(now), Infinity, count).map((occurrence) => wallClock(occurrence.dueAt, timeZone))
}

function error(text: string, now = PARIS_NOW, timeZone = PARIS): string {
  const result = parseSchedule(text, { now: Date.parse(now), timeZone })
  if (result.ok) throw new Error(`"${text}" was understood as ${result.summary}`)
  return result.error
}

function rule(timing: Timing): string {
  return timing.repeat.kind === 'rrule' ? timing.repeat.rrule : `not a rule: ${timing.repeat.kind}`
}

const savable: Omit<Operation, keyof Timing> = {
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

describe('[NL1] the phrase table: everyday phrases give the occurrences meant', () => {
  it('holds at least 150 phrases, the issue’s list among them', () => {
    expect(SCHEDULE_PHRASES.length).toBeGreaterThanOrEqual(150)
    expect(SCHEDULE_PHRASES.filter((phrase) => phrase.fromIssue)).toHaveLength(15)
  })

  it.each(SCHEDULE_PHRASES.map((phrase) => [`${phrase.text} (${phrase.timeZone})`, phrase] as const))('[NL1] %s', (_name, phrase) => {
    const outcome = readPhraseOf(phrase)
    expect(outcome.ok ? outcome.firstThree : outcome.error).toEqual(phrase.firstThree)
    expect(readAsMeant(phrase, outcome)).toBe(true)
    // What the box accepts, the operations table accepts too (OP3).
    if (outcome.ok) expect(() => validateOperation({ ...savable, ...outcome.timing }, new Set(['notify']))).not.toThrow()
  })
})

describe('[NL1] any words at all', () => {
  const WORDS = (
    'every other 2nd second last first 3rd 15th 31st day days week month quarter year hour hours minutes 15 2 3 90 1.5 half an a at on in from until to ' +
    'between and except for times twice the of monday fri weekdays weekend mornings evening tonight tomorrow today next this noon midnight 9am 5pm 17h ' +
    '9.30 8:45 12 0 23 march 2027-11-01 utc europe/paris end now hourly daily 10 past quarter'
  ).split(' ')
  const NOWS = ['2027-10-11T10:00:00Z', '2027-03-13T23:30:00Z', '2028-02-29T23:59:59Z', '2027-10-31T00:30:00Z']
  const ZONES = ['Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']

  it('[NL1] never throws: a phrase is read, or refused with the phrase quoted; what is read can be saved and runs first at its dueAt', () => {
    const random = seededRandom(14)
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    let read = 0
    for (let round = 0; round < 3000; round++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(WORDS)).join(' ')
      const [now, timeZone] = [Date.parse(pick(NOWS)), pick(ZONES)]
      const result = parseSchedule(text, { now, timeZone })
      if (!result.ok) {
        expect(result.error).toContain(`"${text}"`)
        continue
      }
      read++
      expect(() => validateOperation({ ...savable, ...result.timing }, new Set(['notify'])), text).not.toThrow()
      expect(occurrencesBetween('op', result.timing, now, Infinity, 1)[0]?.dueAt, text).toBe(result.timing.dueAt)
    }
    expect(read).toBeGreaterThan(100)
  })
})

describe('[NL1] the rules the issue’s phrases become', () => {
  it('[NL1] writes weekday places, month days and ranges of hours as RRULEs operations.ts accepts', () => {
    expect(rule(parse('every other tuesday').timing)).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9;BYMINUTE=0;BYSECOND=0')
    expect(rule(parse('first monday of the month').timing)).toBe('FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0')
    expect(rule(parse('last friday of the month').timing)).toBe('FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0')
    expect(rule(parse('last weekday of the month').timing)).toBe('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=9;BYMINUTE=0;BYSECOND=0')
    expect(rule(parse('every 3rd of the month').timing)).toBe('FREQ=MONTHLY;BYMONTHDAY=3;BYHOUR=9;BYMINUTE=0;BYSECOND=0')
    expect(rule(parse('every day at 9am and 5pm').timing)).toBe('FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0;BYSECOND=0')
    expect(rule(parse('every quarter').timing)).toBe('FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=11;BYHOUR=12;BYMINUTE=0;BYSECOND=0')
    // Hourly within a window is a daily rule at those hours: an hourly rule with an INTERVAL may not pick hours (OP3).
    expect(rule(parse('every 2 hours from 8am until 6pm').timing)).toBe('FREQ=DAILY;BYHOUR=8,10,12,14,16,18;BYMINUTE=0;BYSECOND=0')
    expect(rule(parse('every hour from 9 to 5 on weekdays').timing)).toBe('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10,11,12,13,14,15,16,17;BYMINUTE=0;BYSECOND=0')
  })

  it('[NL1] summarises them in words, with the zone', () => {
    expect(parse('every 2 hours from 8am until 6pm').summary).toBe('Every 2 hours from 08:00 to 18:00, every day (Europe/Paris)')
    expect(parse('last friday of the month at 5pm').summary).toBe('Every month on the last Friday at 17:00 (Europe/Paris)')
    expect(parse('every 1st and 15th at 10').summary).toBe('Every month on the 1st and the 15th at 10:00 (Europe/Paris)')
    expect(parse('twice a day').summary).toBe('Every day at 09:00 and 21:00 (Europe/Paris)')
  })
})

describe('[NL2] what a phrase leaves unsaid', () => {
  it('[NL2] puts a day without a time at 09:00, and says so in the summary', () => {
    expect(parse('next week').summary).toBe('Once on Mon 18 Oct 2027 at 09:00 (Europe/Paris; no time was given, so 09:00)')
    expect(parse('tomorrow').summary).toBe('Once on Tue 12 Oct 2027 at 09:00 (Europe/Paris; no time was given, so 09:00)')
    expect(parse('every monday').summary).toBe('Every Monday at 09:00 (Europe/Paris; no time was given, so 09:00)')
    expect(parse('tomorrow at 10').summary).toBe('Once on Tue 12 Oct 2027 at 10:00 (Europe/Paris)')
  })

  it('[NL2] reads parts of the day as morning 09:00, afternoon 15:00, evening 18:00, night 20:00, and a bare hour within them', () => {
    expect(next('tomorrow morning')).toEqual(['Tue 2027-10-12 09:00'])
    expect(next('tomorrow afternoon')).toEqual(['Tue 2027-10-12 15:00'])
    expect(next('tomorrow evening')).toEqual(['Tue 2027-10-12 18:00'])
    expect(next('tomorrow night')).toEqual(['Tue 2027-10-12 20:00'])
    expect(next('tonight at 8')).toEqual(['Mon 2027-10-11 20:00'])
    expect(next('this morning at 8', '2027-10-11T04:00:00Z')).toEqual(['Mon 2027-10-11 08:00'])
    // After midnight, a night's hours belong to the next date.
    expect(next('tonight at 1')).toEqual(['Tue 2027-10-12 01:00'])
    expect(next('tonight at midnight')).toEqual(['Tue 2027-10-12 00:00'])
  })

  it('[NL2] reads a bare hour from 1 to 5 as afternoon, other hours and times with minutes on the 24-hour clock', () => {
    expect(next('tomorrow at 3')).toEqual(['Tue 2027-10-12 15:00'])
    expect(next('tomorrow at 6')).toEqual(['Tue 2027-10-12 06:00'])
    expect(next('tomorrow at 9')).toEqual(['Tue 2027-10-12 09:00'])
    expect(next('tomorrow at 3:30')).toEqual(['Tue 2027-10-12 03:30'])
    expect(next('tomorrow at 3am')).toEqual(['Tue 2027-10-12 03:00'])
    expect(next('tomorrow at 03')).toEqual(['Tue 2027-10-12 03:00'])
    expect(parse('every hour from 9 to 5').summary).toBe('Every hour from 09:00 to 17:00, every day (Europe/Paris)')
  })

  it('[NL2] takes "next week" as its Monday, "next friday" as the first Friday after today, "friday next week" as the one in next week', () => {
    expect(next('next week at 10')).toEqual(['Mon 2027-10-18 10:00'])
    expect(next('next friday at 10', NEW_YORK_NOW, NEW_YORK)).toEqual(['Fri 2027-03-19 10:00'])
    expect(next('friday next week at 10', PARIS_NOW, PARIS)).toEqual(['Fri 2027-10-22 10:00'])
    expect(next('next month')).toEqual(['Mon 2027-11-01 09:00'])
  })

  it('[NL2] reads a time-zone suffix as the zone of the wall time, and of a calendar rule', () => {
    const { timing, summary } = parse('every tuesday at 10am Europe/London')
    expect(timing.repeat).toEqual({ kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0', timeZone: 'Europe/London' })
    expect(summary).toBe('Every Tuesday at 10:00 (Europe/London)')
    expect(parse('at 3pm UTC').timing.dueAt).toBe(Date.parse('2027-10-11T15:00:00Z'))
    expect(parse('at 3pm utc+2').timing.dueAt).toBe(Date.parse('2027-10-11T13:00:00Z'))
    expect(parse('at 9am (america/new_york)').summary).toBe('Once on Mon 11 Oct 2027 at 09:00 (America/New_York)')
  })

  it('[NL2] ends a range of hours with a step under an hour at its last full hour of steps, and refuses steps that fit no rule', () => {
    expect(parse('every 30 minutes from 9 to 5').summary).toBe('Every 30 minutes from 09:00 to 16:30, every day (Europe/Paris)')
    expect(parse('every 15 minutes from 9 to 17:45').summary).toBe('Every 15 minutes from 09:00 to 17:45, every day (Europe/Paris)')
    expect(error('every 90 minutes from 8am until 6pm')).toMatch(/step that divides an hour/)
  })

  it('[NL2] ends a range at the reading of a bare end hour that comes sooner after its start', () => {
    expect(parse('every 2 hours from 8 to 6').summary).toBe('Every 2 hours from 08:00 to 18:00, every day (Europe/Paris)')
    expect(parse('every hour from 8am to 10').summary).toBe('Every hour from 08:00 to 10:00, every day (Europe/Paris)')
    expect(rule(parse('every hour from 10pm to 2').timing)).toBe('FREQ=DAILY;BYHOUR=0,1,2,22,23;BYMINUTE=0;BYSECOND=0')
    expect(occurrencesBetween('op', parse('every hour from 10pm to 2am tomorrow').timing, 0, Infinity, 10).map((occurrence) => wallClock(occurrence.dueAt, PARIS))).toEqual([
      'Tue 2027-10-12 22:00',
      'Tue 2027-10-12 23:00',
      'Wed 2027-10-13 00:00',
      'Wed 2027-10-13 01:00',
      'Wed 2027-10-13 02:00',
    ])
  })

  it('[NL2] runs a range of hours on one day as a fixed interval that ends with it', () => {
    const { timing } = parse('every hour from 9 to 5 tomorrow')
    expect(timing.repeat).toEqual({ kind: 'every', everyMs: 3_600_000 })
    expect(occurrencesBetween('op', timing, 0, Infinity, 20).map((occurrence) => wallClock(occurrence.dueAt, PARIS))).toHaveLength(9)
  })
})

describe('[NL3] what it does not understand', () => {
  it('[NL3] quotes the phrase as typed, says what it could not read, and gives an example that works', () => {
    expect(error('every blursday')).toBe('I could not read "every blursday": I do not know "blursday" in a schedule. Try e.g. "every Tuesday at 10am", "every other day at 8" or "every 2 hours from 8am until 6pm".')
    expect(error('Every Blursday at 9')).toMatch(/^I could not read "Every Blursday at 9": I do not know "Blursday"/)
    expect(error('in -5 minutes')).toBe('I could not read "in -5 minutes": the amount must be more than zero, e.g. "in 5 minutes".')
    expect(error('hello')).toMatch(/^I could not read "hello": .*"in 20 minutes"/)
    expect(error('at 25:00')).toMatch(/^I could not read "at 25:00": "25:00" is not a time of day; write e.g. "10am"/)
    expect(error('on 2027-02-30 at 10:00')).toMatch(/"2027-02-30" is not a date/)
    expect(error('in 5 minutes 3 times')).toMatch(/^I could not read "in 5 minutes 3 times": .*go with a repeat/)
    expect(error('twice a week')).toBe('I could not read "twice a week": say which days, e.g. "every Monday and Thursday at 9am".')
    expect(error('every day at')).toMatch(/"at" needs something after it, e.g. "at 9am"/)
    expect(error('5 minutes ago')).toMatch(/"5 minutes" needs "in" or "every" before it/)
    expect(error('15/01 at 9')).toMatch(/"15\/01" is read as different dates in different countries; write e\.g\. "2027-01-15"/)
    expect(error('at 9am Europe/Pariss')).toMatch(/"Europe\/Pariss" is not a time zone this device knows; write an IANA name such as "Europe\/Paris"/)
  })

  it('[NL3] quotes the phrase when it reads it but cannot plan it', () => {
    expect(error('today at 08:00')).toBe('I cannot plan "today at 08:00": that is in the past (it is now Mon 11 Oct 2027 at 12:00); choose a later time, e.g. "tomorrow at 9am".')
    expect(error('every 10 ms')).toMatch(/^I cannot plan "every 10 ms": that is too often: the shortest repeat is every 100 ms/)
    expect(error('every day at 9:30 and 17:00')).toMatch(/^I cannot plan "every day at 9:30 and 17:00": 09:30 and 17:00 cannot share one repeat/)
    expect(error('every 2 hours on weekdays')).toMatch(/write e\.g\. "every 2 hours from 9am to 5pm on weekdays"/)
    expect(error('every day at 9am until 2027-10-11')).toMatch(/before the first time it runs \(Tue 12 Oct 2027 at 09:00\)/)
  })

  it('[NL3] asks for something when nothing is typed, and quotes only the start of an over-long phrase', () => {
    expect(error('')).toMatch(/^Type when it should run, e\.g\. "in 20 minutes"/)
    expect(error(`every day at 9am ${'and then '.repeat(50)}`)).toMatch(/^"every day at 9am and then [a-z ]*…" is longer than a schedule needs \(200 characters at most\)/)
  })

  it('refuses intervals shorter than 100 ms or longer than 10 years, naming the limit', () => {
    expect(error('every 0.05 seconds')).toMatch(/shortest repeat is every 100 ms/)
    expect(error('every 11 years')).toMatch(/at most every 10 years/)
    expect(error('every 100000 hours')).toMatch(/at most every 10 years/)
  })

  it('refuses a time zone this device does not know', () => {
    expect(error('in 5 minutes', PARIS_NOW, 'Mars/Olympus')).toMatch(/"Mars\/Olympus" is not a time zone/)
  })
})

describe('parseSchedule: one time', () => {
  it('runs "in 20 minutes", "in 2 hours", "in 90 seconds" that long after now', () => {
    const now = Date.parse(PARIS_NOW)
    expect(parse('in 20 minutes').timing).toEqual({ dueAt: now + 20 * 60_000, repeat: { kind: 'none' } })
    expect(parse('in 2 hours').timing.dueAt).toBe(now + 2 * 3_600_000)
    expect(parse('in 90 seconds').timing.dueAt).toBe(now + 90_000)
    expect(parse('in 20 minutes').summary).toBe('Once on Mon 11 Oct 2027 at 12:20 (Europe/Paris)')
  })

  it('keeps the time of day for "in 3 days" and "in 1 week" across the start of DST, unlike "in 72 hours"', () => {
    expect(next('in 3 days', NEW_YORK_NOW, NEW_YORK)).toEqual(['Mon 2027-03-15 10:00'])
    expect(next('in 1 week', NEW_YORK_NOW, NEW_YORK)).toEqual(['Fri 2027-03-19 10:00'])
    expect(next('in 72 hours', NEW_YORK_NOW, NEW_YORK)).toEqual(['Mon 2027-03-15 11:00'])
  })

  it('runs "at 10am" today while 10:00 is still ahead, and tomorrow once it has passed', () => {
    expect(next('at 17:45')).toEqual(['Mon 2027-10-11 17:45'])
    expect(next('at 10am')).toEqual(['Tue 2027-10-12 10:00'])
    expect(next('at 10:30')).toEqual(['Tue 2027-10-12 10:30'])
  })

  it('reads named days: tomorrow, today, a date, next Monday, on Friday', () => {
    expect(next('today at 18:00')).toEqual(['Mon 2027-10-11 18:00'])
    expect(next('on 2027-01-15 at 14:00', '2026-12-01T00:00:00Z')).toEqual(['Fri 2027-01-15 14:00'])
    // On a Monday, "next monday" is a week away; "on monday" is today while its time is ahead.
    expect(next('next monday at 9')).toEqual(['Mon 2027-10-18 09:00'])
    expect(next('on monday at 8pm')).toEqual(['Mon 2027-10-11 20:00'])
    expect(parse('on friday at 8pm').summary).toBe('Once on Fri 15 Oct 2027 at 20:00 (Europe/Paris)')
  })

  it('moves a time that the spring DST gap skips forward by the gap, as occurrences do (OCC3)', () => {
    // Paris skips 02:00–03:00 on Sunday 28 Mar 2027.
    expect(next('tomorrow at 2:30', '2027-03-27T12:00:00Z')).toEqual(['Sun 2027-03-28 03:30'])
  })

  it('ignores case, punctuation and extra spaces', () => {
    expect(parse('  EVERY   Weekday at 9 A.M.  ')).toEqual(parse('every weekday at 9am'))
    expect(parse('In 20  Minutes.')).toEqual(parse('in 20 minutes'))
  })
})

describe('parseSchedule: calendar repeats', () => {
  it('starts "every 2 weeks on Tuesday at 10am" on the first Tuesday 10:00 from now and keeps 10:00 in Paris after DST ends', () => {
    const { timing, summary } = parse('every 2 weeks on Tuesday at 10am')
    expect(rule(timing)).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0')
    expect(summary).toBe('Every 2 weeks on Tuesday at 10:00 (Europe/Paris)')
    // The same wall time is a different UTC time once summer time is over.
    const [first, , third] = occurrencesBetween('op', timing, 0, Infinity, 3)
    expect(new Date(first!.dueAt).toISOString()).toBe('2027-10-12T08:00:00.000Z')
    expect(new Date(third!.dueAt).toISOString()).toBe('2027-11-09T09:00:00.000Z')
    // Typed on a Tuesday after 10:00, it starts the next Tuesday.
    expect(next('every 2 weeks on Tuesday at 10am', '2027-10-12T09:00:00Z', PARIS, 2)).toEqual(['Tue 2027-10-19 10:00', 'Tue 2027-11-02 10:00'])
  })

  it('runs "every weekday at 9am" Monday to Friday only', () => {
    const { timing, summary } = parse('every weekday at 9am', NEW_YORK_NOW, NEW_YORK)
    expect(rule(timing)).toBe('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0')
    expect(summary).toBe('Every weekday at 09:00 (America/New_York)')
    expect(next('every weekday at 9am', NEW_YORK_NOW, NEW_YORK)).toEqual(['Mon 2027-03-15 09:00', 'Tue 2027-03-16 09:00', 'Wed 2027-03-17 09:00', 'Thu 2027-03-18 09:00', 'Fri 2027-03-19 09:00'])
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
      const { timing } = parse(text)
      expect(timing).toEqual({ dueAt: now + everyMs, repeat: { kind: 'every', everyMs } })
      expect(occurrencesBetween('op', timing, now, Infinity, 5).map((occurrence) => occurrence.dueAt - now)).toEqual([1, 2, 3, 4, 5].map((n) => n * everyMs))
    }
    expect(parse('every 10 minutes').summary).toBe('Every 10 minutes from Mon 11 Oct 2027 at 12:10 (Europe/Paris)')
    expect(parse('every 1 second 10 times').timing).toEqual({ dueAt: now + 1000, repeat: { kind: 'every', everyMs: 1000 }, times: 10 })
  })

  it('keeps "every hour" and "every 3 hours" exactly that far apart when DST ends, so 02:30 comes twice', () => {
    // 00:30 on Sunday 31 Oct 2027 in Paris; at 03:00 the clocks go back to 02:00.
    const now = '2027-10-30T22:30:00Z'
    expect(parse('every hour', now).timing.repeat).toEqual({ kind: 'every', everyMs: 3_600_000 })
    expect(next('every hour', now)).toEqual(['Sun 2027-10-31 01:30', 'Sun 2027-10-31 02:30', 'Sun 2027-10-31 02:30', 'Sun 2027-10-31 03:30', 'Sun 2027-10-31 04:30'])
    // Three real hours after 00:30 summer time is the second 02:30, in winter time.
    expect(next('every 3 hours', now, PARIS, 3)).toEqual(['Sun 2027-10-31 02:30', 'Sun 2027-10-31 05:30', 'Sun 2027-10-31 08:30'])
  })

  it('starts a fixed interval at the "from" or "at" time given', () => {
    expect(next('every 90 seconds at 13:00', PARIS_NOW, PARIS, 3)).toEqual(['Mon 2027-10-11 13:00', 'Mon 2027-10-11 13:01:30', 'Mon 2027-10-11 13:03'])
    expect(next('every hour from tomorrow at 8am', PARIS_NOW, PARIS, 2)).toEqual(['Tue 2027-10-12 08:00', 'Tue 2027-10-12 09:00'])
  })
})

describe('parseSchedule: until, for and times', () => {
  it('runs "until <date>" through the end of that day', () => {
    const { timing, summary } = parse('every day at 9am until 2027-10-15')
    expect(summary).toBe('Every day at 09:00 until Fri 15 Oct 2027 (Europe/Paris)')
    expect(occurrencesBetween('op', timing, 0, Infinity, 10).map((occurrence) => wallClock(occurrence.dueAt, PARIS))).toEqual(['Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00', 'Fri 2027-10-15 09:00'])
    expect(parse('every day at 9am until 2027-01-31', '2027-01-20T12:00:00Z').timing.until).toBe(Date.parse('2027-01-31T22:59:59.999Z'))
  })

  it('stops after "N times", and "for" a length of time from the first run', () => {
    const { timing, summary } = parse('every 2 weeks on Tuesday at 10am 6 times')
    expect(summary).toBe('Every 2 weeks on Tuesday at 10:00, 6 times (Europe/Paris)')
    expect(occurrencesBetween('op', timing, 0, Infinity, 10)).toHaveLength(6)
    expect(parse('every day at 9am until 2027-12-31 3 times').timing).toMatchObject({ times: 3, until: Date.parse('2027-12-31T22:59:59.999Z') })
    expect(occurrencesBetween('op', parse('every day at 9am for 3 days').timing, 0, Infinity, 10)).toHaveLength(3)
    expect(parse('every day at 9am for a week').summary).toBe('Every day at 09:00, for a week (Europe/Paris)')
  })
})
