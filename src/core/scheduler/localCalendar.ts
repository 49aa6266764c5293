/**
 * Dates and times of day on a wall clock, as the natural-language schedule
 * reader counts and writes them: calendar arithmetic on local dates (no
 * zone until a date meets a time in instantAt), and the short English forms
 * its summaries and messages use ("Fri 15 Jan 2027 at 14:00").
 */
import { instantOf, wallTimeOf } from './zonedTime.ts'

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const
export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const

export interface LocalDate {
  readonly year: number
  readonly month: number
  readonly day: number
}

export interface TimeOfDay {
  readonly hour: number
  readonly minute: number
  readonly second: number
}


export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY'


export function instantAt(date: LocalDate, time: TimeOfDay, timeZone: string): number {
  return instantOf({ ...date, ...time, millisecond: 0 }, timeZone)
}

export function dateOf(wall: LocalDate): LocalDate {
  return { year: wall.year, month: wall.month, day: wall.day }
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days))
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() }
}

/** Whole months later, on the same day or the month's last ("in 1 month" from 31 January is 28 or 29 February). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const index = date.year * 12 + date.month - 1 + months
  const [year, month] = [Math.floor(index / 12), (index % 12) + 1]
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) }
}

export function addPeriods(date: LocalDate, freq: Frequency, count: number): LocalDate {
  if (freq === 'DAILY' || freq === 'WEEKLY') return addDays(date, freq === 'WEEKLY' ? 7 * count : count)
  return addMonths(date, freq === 'YEARLY' ? 12 * count : count)
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Monday = 0. */
export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7
}


export function listOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`
}

export function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
  return `${n}${suffix}`
}

/** "Fri 15 Jan 2027" */
export function formatDate(date: LocalDate): string {
  return `${WEEKDAY_NAMES[weekdayOf(date)]?.slice(0, 3)} ${date.day} ${MONTH_NAMES[date.month - 1]?.slice(0, 3)} ${date.year}`
}

/** "Fri 15 Jan 2027 at 14:00", with seconds and ms only when they are not zero. */
export function formatMoment(instant: number, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone)
  const ms = wall.millisecond === 0 ? '' : `.${String(wall.millisecond).padStart(3, '0')}`
  return `${formatDate(wall)} at ${formatClock(wall)}${ms}`
}

export function formatClock(time: TimeOfDay & { readonly millisecond?: number }): string {
  const two = (n: number): string => String(n).padStart(2, '0')
  const seconds = time.second === 0 && !time.millisecond ? '' : `:${two(time.second)}`
  return `${two(time.hour)}:${two(time.minute)}${seconds}`
}
