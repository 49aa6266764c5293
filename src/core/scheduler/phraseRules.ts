/**
 * Calendar repeats read from a phrase, as RRULEs: the rule's text, its
 * first occurrence (found by expanding the rule itself with
 * occurrences.ts, so the preview, the saved operation and every peer agree
 * on it), and the words the summary uses for it.
 *
 * Times of day go into BYHOUR/BYMINUTE/BYSECOND, which a rule combines
 * every with every: "9:00 and 17:00" is one rule, "9:30 and 17:00" is not
 * (it would also run at 9:00 and 17:30), and is refused here.
 */
import { nextOccurrence, type Timing } from './occurrences.ts'
import { HOUR_MS, MINUTE_MS, SECOND_MS, refused } from './phraseWords.ts'
import { LATEST_TIME } from './schedulers.ts'
import { formatClock, listOf, MONTH_NAMES, ordinal, WEEKDAY_NAMES, type Frequency, type TimeOfDay } from './localCalendar.ts'
import { wallTimeOf } from './zonedTime.ts'

/** A weekday of the rule; `nth` its place in the month (1 = first, -1 = last). */
export interface RuleDay {
  readonly weekday: number
  readonly nth?: number
}

export interface CalendarRule {
  readonly freq: Frequency
  readonly interval: number
  readonly byDay?: readonly RuleDay[]
  /** 1–31, or -1 for the last day of the month. */
  readonly byMonthDay?: readonly number[]
  readonly byMonth?: number
  /** Which of the days picked in a month (1 = first, -1 = last): "the last weekday of the month". */
  readonly bySetPos?: readonly number[]
}

const RRULE_DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const
/** A first occurrence is skipped only when its time falls in a DST gap, at most once a day for a few days. */
const MAX_FIRST_SKIPS = 10

export function ruleText(rule: CalendarRule, clocks: readonly TimeOfDay[]): string {
  const parts = [`FREQ=${rule.freq}`]
  const list = (values: Iterable<number>): string => [...new Set(values)].sort((a, b) => a - b).join(',')
  if (rule.interval > 1) parts.push(`INTERVAL=${rule.interval}`)
  if (rule.byMonth !== undefined) parts.push(`BYMONTH=${rule.byMonth}`)
  if (rule.byMonthDay) parts.push(`BYMONTHDAY=${[...new Set(rule.byMonthDay)].sort((a, b) => (a < 0 ? 99 : a) - (b < 0 ? 99 : b)).join(',')}`)
  if (rule.byDay) parts.push(`BYDAY=${rule.byDay.map((day) => `${day.nth ?? ''}${RRULE_DAYS[day.weekday] ?? ''}`).join(',')}`)
  if (rule.bySetPos) parts.push(`BYSETPOS=${rule.bySetPos.join(',')}`)
  parts.push(`BYHOUR=${list(clocks.map((clock) => clock.hour))}`, `BYMINUTE=${list(clocks.map((clock) => clock.minute))}`, `BYSECOND=${list(clocks.map((clock) => clock.second))}`)
  return parts.join(';')
}

const clockKey = (clock: TimeOfDay): number => (clock.hour * 60 + clock.minute) * 60 + clock.second

/** Distinct times of day, earliest first. */
export function sortedClocks(clocks: readonly TimeOfDay[]): TimeOfDay[] {
  const byKey = new Map(clocks.map((clock) => [clockKey(clock), { hour: clock.hour, minute: clock.minute, second: clock.second }]))
  return [...byKey.entries()].sort(([a], [b]) => a - b).map(([, clock]) => clock)
}

/** Refuses times a rule cannot hold together: every listed hour runs at every listed minute. */
export function checkClocksFit(clocks: readonly TimeOfDay[]): void {
  const hours = new Set(clocks.map((clock) => clock.hour))
  const minutes = new Set(clocks.map((clock) => clock.minute))
  const seconds = new Set(clocks.map((clock) => clock.second))
  if (hours.size * minutes.size * seconds.size === clocks.length) return
  refused(`${listOf(clocks.map(formatClock))} cannot share one repeat: a rule runs every hour it lists at every minute it lists, so it would also run at other times. Use times on the same minute (e.g. "at 9am and 5pm"), or plan one operation per time.`)
}

/**
 * The times of day of "every 2 hours from 8am until 6pm": from the start,
 * a step apart, up to the end (through midnight if the end is earlier). A
 * step of whole hours keeps the start's minute; a step that divides an
 * hour runs at the same minutes every hour, ending at the last full hour
 * of them before the end ("every 30 minutes from 9 to 5" ends at 16:30),
 * since a rule cannot stop part way through an hour.
 */
export function windowClocks(start: TimeOfDay, end: TimeOfDay, everyMs: number, said: string): TimeOfDay[] {
  const stepMinutes = everyMs / MINUTE_MS
  const length = (clockKey(end) - clockKey(start) + 24 * 3600) % (24 * 3600)
  if (start.second !== 0 || !Number.isInteger(stepMinutes)) refused(`"${said}": a range of hours takes whole minutes; write e.g. "every 15 minutes from 9am to 5pm".`)
  if (everyMs % HOUR_MS === 0) {
    const clocks: TimeOfDay[] = []
    for (let offset = 0; offset <= length && clocks.length < 24; offset += everyMs / SECOND_MS) {
      clocks.push({ hour: (start.hour + offset / 3600) % 24, minute: start.minute, second: 0 })
    }
    return clocks
  }
  if (60 % stepMinutes !== 0) refused(`"${said}": within a range of hours, repeat by a step that divides an hour (5, 10, 15, 20 or 30 minutes) or by whole hours, e.g. "every 2 hours from 8am until 6pm".`)
  if (start.minute >= stepMinutes) refused(`"${said}": a range of hours with a ${stepMinutes}-minute step starts on the hour or in its first ${stepMinutes} minutes, e.g. "every ${stepMinutes} minutes from 9am to 5pm".`)
  const minutes: number[] = []
  for (let minute = start.minute; minute < 60; minute += stepMinutes) minutes.push(minute)
  const lastMinute = minutes.at(-1) ?? 0
  const clocks: TimeOfDay[] = []
  for (let hourOffset = 0; hourOffset < 24 && hourOffset * 60 + lastMinute - start.minute <= length / 60; hourOffset++) {
    for (const minute of minutes) clocks.push({ hour: (start.hour + hourOffset) % 24, minute, second: 0 })
  }
  if (clocks.length === 0) refused(`"${said}" ends before a whole hour of it has run; widen the range, e.g. "every 15 minutes from 9am to 5pm".`)
  return clocks
}

/**
 * The rule's first occurrence at or after `searchFrom`: an occurrence of
 * the rule itself (expanded by occurrences.ts, one period at a time), at
 * one of the times asked for. One that falls in a DST gap is skipped: its
 * moved wall time would become the rule's start, and every later
 * occurrence would inherit it.
 */
export function firstOccurrence(rule: CalendarRule, clocks: readonly TimeOfDay[], searchFrom: number, timeZone: string): number {
  // rrule compares whole seconds; a start with milliseconds would drop an occurrence in that second.
  const probe: Timing = { dueAt: Math.ceil(searchFrom / SECOND_MS) * SECOND_MS, repeat: { kind: 'rrule', rrule: ruleText({ ...rule, interval: 1 }, clocks), timeZone } }
  const wanted = new Set(clocks.map(clockKey))
  let index = 0
  for (let skipped = 0; skipped < MAX_FIRST_SKIPS; skipped++) {
    const found = nextOccurrence('first', probe, searchFrom, index)
    if (!found) break
    if (wanted.has(clockKey(wallTimeOf(found.dueAt, timeZone)))) {
      if (found.dueAt > LATEST_TIME) break
      return found.dueAt
    }
    index = found.index + 1
  }
  return refused(`${describeRule(rule, clocks)} never happens in ${timeZone}; choose another day or time.`)
}

const POSITION_WORDS: Readonly<Record<number, string>> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', [-1]: 'last', [-2]: 'second to last' }

function weekdaysWord(days: readonly number[], plural: boolean): string {
  if (days.join() === '0,1,2,3,4') return plural ? 'weekdays' : 'weekday'
  if (days.join() === '5,6' && plural) return 'weekends'
  return listOf(days.map((day) => WEEKDAY_NAMES[day] ?? ''))
}

/** "on the 1st and 15th", "on the first Monday", "on the last weekday". */
function monthDaysWords(rule: CalendarRule): string {
  if (rule.byMonthDay) return `on ${listOf(rule.byMonthDay.map((day) => (day === -1 ? 'the last day' : `the ${ordinal(day)}`)))}`
  const days = rule.byDay ?? []
  if (rule.bySetPos) return `on the ${listOf(rule.bySetPos.map((position) => POSITION_WORDS[position] ?? ordinal(position)))} ${weekdaysWord(days.map((day) => day.weekday), false)}`
  const positions = days.map((day) => POSITION_WORDS[day.nth ?? 1] ?? '')
  return `on the ${listOf(positions)} ${WEEKDAY_NAMES[days[0]?.weekday ?? 0]}`
}

export function describeClocks(clocks: readonly TimeOfDay[]): string {
  return listOf(clocks.map(formatClock))
}

/** "Every 2 weeks on Tuesday at 10:00", "Every month on the last Friday at 09:00", "Every day at 09:00 and 17:00". */
export function describeRule(rule: CalendarRule, clocks: readonly TimeOfDay[]): string {
  const every = (unit: string): string => (rule.interval === 1 ? `Every ${unit}` : `Every ${rule.interval} ${unit}s`)
  const at = ` at ${describeClocks(clocks)}`
  switch (rule.freq) {
    case 'DAILY':
      return every('day') + at
    case 'WEEKLY': {
      const days = (rule.byDay ?? []).map((day) => day.weekday)
      if (rule.interval === 1) return `Every ${weekdaysWord(days, false)}${at}`
      return `${every('week')} on ${weekdaysWord(days, true)}${at}`
    }
    case 'MONTHLY':
      return `${every('month')} ${monthDaysWords(rule)}${at}`
    case 'YEARLY':
      return `${every('year')} on ${MONTH_NAMES[(rule.byMonth ?? 1) - 1] ?? ''} ${rule.byMonthDay?.[0] ?? 1}${at}`
  }
}

/** "2 hours", "15 minutes", "hour". */
export function describeInterval(everyMs: number): string {
  for (const [unit, ms] of [['hour', HOUR_MS], ['minute', MINUTE_MS], ['second', SECOND_MS]] as const) {
    if (everyMs % ms === 0) return everyMs === ms ? unit : `${everyMs / ms} ${unit}s`
  }
  return `${everyMs} ms`
}
