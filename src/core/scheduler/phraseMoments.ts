/**
 * Where a named day and time of day fall on the zone's wall clock: the
 * first matching instant at or after now ("friday at 5pm", "tomorrow
 * morning", "next week", "on the 15th"), and lengths of time from now
 * ("in 3 days" keeps the time of day across DST, "in 3 hours" does not).
 */
import type { DayWord } from './phraseDays.ts'
import { DAY_PART_TIMES, inDayPart, NIGHT_ENDS_HOUR, refused, unreadable, type DayPart, type Span, type TimeRead } from './phraseWords.ts'
import { addDays, addMonths, dateOf, daysInMonth, formatMoment, instantAt, weekdayOf, type LocalDate, type TimeOfDay } from './localCalendar.ts'
import { instantOf, wallTimeOf } from './zonedTime.ts'

export interface ScheduleContext {
  /** The current time, ms since the epoch: "in 20 minutes" and "at 10am" count from it. */
  readonly now: number
  /** The IANA zone whose wall clock the text speaks of. */
  readonly timeZone: string
}

/** A named day without a time of day ("tomorrow", "next week", "every monday") is at 09:00, as "morning" is; the summary says so. */
export const DEFAULT_TIME: TimeOfDay = DAY_PART_TIMES.morning

export const MIDNIGHT: TimeOfDay = { hour: 0, minute: 0, second: 0 }

export interface Moment {
  readonly day?: DayWord
  readonly time?: TimeRead
  readonly dayPart?: DayPart
}

/** The time of day a moment gives, from its time (a bare "8" read in its part of the day) or its part of the day alone. */
export function clockOf(time: TimeRead | undefined, dayPart: DayPart | undefined, context: ScheduleContext): TimeOfDay | undefined {
  if (time?.sameAsNow) {
    const wall = wallTimeOf(context.now, context.timeZone)
    return { hour: wall.hour, minute: wall.minute, second: wall.second }
  }
  if (time) {
    const { hour, minute, second } = inDayPart(time, dayPart)
    return { hour, minute, second }
  }
  return dayPart === undefined ? undefined : DAY_PART_TIMES[dayPart]
}

/**
 * The instant a moment names, the first at or after now, and whether its
 * time was assumed. A moment without a time is at DEFAULT_TIME (`assume`,
 * for a one-off), or the start of its day (`start`, for "from") or its last
 * millisecond (`end`, for "until").
 */
export function resolveMoment(moment: Moment, context: ScheduleContext, missingTime: 'assume' | 'start' | 'end'): { readonly instant: number; readonly assumed: boolean } {
  const { now, timeZone } = context
  const clock = clockOf(moment.time, moment.dayPart, context)
  const assumed = !clock && missingTime === 'assume'
  const time = clock ?? (assumed ? DEFAULT_TIME : undefined)
  const endOf = (date: LocalDate): number => instantAt(addDays(date, 1), MIDNIGHT, timeZone) - 1
  // "tonight at 1am", "tonight at midnight": night hours after the date changes belong to the next day.
  const afterMidnight = moment.dayPart === 'night' && time !== undefined && time.hour < NIGHT_ENDS_HOUR && moment.day !== undefined
  const at = (date: LocalDate): number => {
    if (time) return instantAt(afterMidnight ? addDays(date, 1) : date, time, timeZone)
    return missingTime === 'end' ? endOf(date) : instantAt(date, MIDNIGHT, timeZone)
  }
  const today = dateOf(wallTimeOf(now, timeZone))
  // A day without a time is still ahead while any of it is: "until today" runs to midnight.
  const found = datesOf(moment.day, today).find((date) => (time ? at(date) : endOf(date)) >= now)
  if (!found) refused(`that is in the past (it is now ${formatMoment(now, timeZone)}); choose a later time, e.g. "tomorrow at 9am".`)
  return { instant: at(found), assumed }
}

/** Dates a day could be, earliest first: the first still ahead is the one meant. */
function datesOf(day: DayWord | undefined, today: LocalDate): LocalDate[] {
  if (!day) return [today, addDays(today, 1)]
  switch (day.kind) {
    case 'offset':
      return [addDays(today, day.days)]
    case 'weekday': {
      const first = day.which === 'coming' ? 0 : day.which === 'next' ? 1 : 7 - weekdayOf(today)
      const span = day.which === 'nextWeek' ? 7 : 14
      return range(span).map((ahead) => addDays(today, first + ahead)).filter((date) => day.weekdays.includes(weekdayOf(date)))
    }
    case 'date':
      if (day.year !== undefined) return [{ year: day.year, month: day.month, day: day.day }]
      return range(9)
        .map((ahead) => ({ year: today.year + ahead, month: day.month, day: day.day }))
        .filter((date) => date.day <= daysInMonth(date.year, date.month))
    case 'monthDay':
      return range(25).flatMap((ahead) => {
        const month = addMonths({ ...today, day: 1 }, ahead)
        const last = daysInMonth(month.year, month.month)
        return [...new Set(day.days.map((wanted) => (wanted === -1 ? last : wanted)))]
          .filter((wanted) => wanted <= last)
          .sort((a, b) => a - b)
          .map((wanted) => ({ ...month, day: wanted }))
      })
    case 'nth':
      return unreadable(`a weekday's place in the month ("the first Monday") repeats every month; write e.g. "every first Monday of the month at 9am".`)
    case 'endOf':
      if (day.period === 'week') return [addDays(today, 6 - weekdayOf(today))]
      if (day.period === 'month') return [{ ...today, day: daysInMonth(today.year, today.month) }]
      return [{ year: today.year, month: 12, day: 31 }]
    case 'startOf':
      if (day.period === 'week') return [addDays(today, 7 - weekdayOf(today))]
      if (day.period === 'month') return [addMonths({ ...today, day: 1 }, 1)]
      return [{ year: today.year + 1, month: 1, day: 1 }]
  }
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index)
}

/** The parts of a length of time: fixed ms (hours and shorter), whole days and whole months. */
function partsOf(span: Span, said: string): { ms: number; days: number; months: number } {
  let [ms, days, months] = [0, 0, 0]
  for (const { amount, unit } of span) {
    if (!(amount > 0)) unreadable(`"${said}": the amount must be more than zero, e.g. "in 5 minutes".`)
    if ('ms' in unit) ms += amount * unit.ms
    else if (!Number.isInteger(amount) && !(unit.freq === 'DAILY' && Number.isInteger(amount * 24))) unreadable(`"${said}": use whole days, weeks, months or years, or hours, e.g. "in 36 hours".`)
    else if (unit.freq === 'DAILY' && !Number.isInteger(amount)) ms += amount * 24 * 3_600_000
    else if (unit.freq === 'DAILY' || unit.freq === 'WEEKLY') days += amount * unit.periods * (unit.freq === 'WEEKLY' ? 7 : 1)
    else months += amount * unit.periods * (unit.freq === 'YEARLY' ? 12 : 1)
  }
  // Past year 9999 either way; Date would give NaN long before such numbers.
  if (days > 10_000 * 366 || months > 10_000 * 12 || ms > 10_000 * 366 * 86_400_000) refused(`"${said}" is after the year 9999; choose an earlier time.`)
  return { ms, days, months }
}

/** `from` plus a length of time: hours and shorter as elapsed time, days and longer on the wall clock. */
export function later(from: number, span: Span, timeZone: string, said: string): number {
  const { ms, days, months } = partsOf(span, said)
  const wall = wallTimeOf(from, timeZone)
  const base = days === 0 && months === 0 ? from : instantOf({ ...wall, ...addDays(addMonths(dateOf(wall), months), days) }, timeZone)
  return base + Math.round(ms)
}

/** The date a whole number of days, weeks or months from today ("in 2 days at 9am"); undefined for a span with hours in it. */
export function dateAfter(span: Span, context: ScheduleContext, said: string): LocalDate | undefined {
  const { ms, days, months } = partsOf(span, said)
  if (ms !== 0) return undefined
  return addDays(addMonths(dateOf(wallTimeOf(context.now, context.timeZone)), months), days)
}
