/**
 * Days as a phrase names them: "today", "tomorrow", "friday", "next
 * week", "mondays and thursdays", "mon to fri", "march 3", "the 15th",
 * "the first monday of the month", "the end of the month". Which date a
 * day is depends on today (phraseMoments.ts); these readers only say what
 * was named, and whether it names a repeat ("mondays", "of every month").
 */
import { daysInMonth } from './localCalendar.ts'
import { monthOfWord, ordinalAt, unreadable, weekdaysOfWord, type Read } from './phraseWords.ts'

const words = (tokens: readonly string[], from: number, to: number): string => tokens.slice(from, to).join(' ')

/** A day as the phrase names it; which date it is depends on today. Weekdays are 0 (Monday) to 6. */
export type DayWord =
  | { readonly kind: 'offset'; readonly days: number }
  /** "friday", "next friday" (not today), "friday next week", "weekdays", "the weekend". */
  | { readonly kind: 'weekday'; readonly weekdays: readonly number[]; readonly which: 'coming' | 'next' | 'nextWeek' }
  | { readonly kind: 'date'; readonly month: number; readonly day: number; readonly year?: number }
  /** "the 3rd", "the 1st and 15th", "the last day" (-1). */
  | { readonly kind: 'monthDay'; readonly days: readonly number[] }
  /** "the first monday", "the 1st and 3rd tuesday", "the last weekday" (of a month). */
  | { readonly kind: 'nth'; readonly positions: readonly number[]; readonly weekdays: readonly number[] }
  /** "next week" (its Monday), "next month" (its 1st), "next year" (1 January). */
  | { readonly kind: 'startOf'; readonly period: 'week' | 'month' | 'year' }
  /** "the end of the week" (Sunday), "the end of the month" (its last day), "the end of the year" (31 December). */
  | { readonly kind: 'endOf'; readonly period: 'week' | 'month' | 'year' }

/** "of the month", "of every month", "of each month", "in the month", "every month" after a day: returns the index after it. */
export function monthSuffixAt(tokens: readonly string[], at: number): number | undefined {
  if ((tokens[at] === 'of' || tokens[at] === 'in') && tokens[at + 1] === 'the' && tokens[at + 2] === 'month') return at + 3
  if (tokens[at] === 'of' && (tokens[at + 1] === 'every' || tokens[at + 1] === 'each') && tokens[at + 2] === 'month') return at + 3
  if (tokens[at] === 'of' && tokens[at + 1] === 'month') return at + 2
  return undefined
}

/** A day as named: "today", "tomorrow", "friday", "next week", "march 3", "the 15th", "the first monday of the month". */
export function dayAt(tokens: readonly string[], at: number): Read<{ readonly day: DayWord; readonly repeats: boolean }> {
  const word = tokens[at] ?? ''
  const once = (day: DayWord, next: number): Read<{ day: DayWord; repeats: boolean }> => ({ value: { day, repeats: false }, next })
  if (word === 'today') return once({ kind: 'offset', days: 0 }, at + 1)
  if (word === 'tomorrow') return once({ kind: 'offset', days: 1 }, at + 1)
  const dayAfter = tokens[at] === 'the' ? at + 1 : at
  if (tokens[dayAfter] === 'day' && tokens[dayAfter + 1] === 'after' && tokens[dayAfter + 2] === 'tomorrow') return once({ kind: 'offset', days: 2 }, dayAfter + 3)
  const endAt = tokens[at] === 'the' ? at + 1 : at
  if (tokens[endAt] === 'end' && tokens[endAt + 1] === 'of') {
    const periodAt = ['the', 'this'].includes(tokens[endAt + 2] ?? '') ? endAt + 3 : endAt + 2
    const period = tokens[periodAt]
    if (period === 'week' || period === 'month' || period === 'year') return once({ kind: 'endOf', period }, periodAt + 1)
  }
  if (word === 'next' && /^(week|month|year)$/.test(tokens[at + 1] ?? '')) {
    return once({ kind: 'startOf', period: tokens[at + 1] as 'week' | 'month' | 'year' }, at + 2)
  }
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(word)) {
    const [year, month, day] = word.split('-').map(Number)
    return once(checkedDate(word, month ?? 0, day ?? 0, year), at + 1)
  }
  return weekdayDayAt(tokens, at) ?? dateAt(tokens, at) ?? ordinalDayAt(tokens, at)
}

/** "friday", "this friday", "next friday", "mondays and thursdays", "mon to fri", "the weekend", "friday next week". */
function weekdayDayAt(tokens: readonly string[], at: number): Read<{ day: DayWord; repeats: boolean }> {
  let next = at
  let which: 'coming' | 'next' | 'nextWeek' = 'coming'
  if (tokens[next] === 'next') [which, next] = ['next', next + 1]
  else if (tokens[next] === 'this' || tokens[next] === 'coming' || tokens[next] === 'the') next++
  const list = weekdayListAt(tokens, next)
  if (!list) return undefined
  next = list.next
  if ((tokens[next] === 'next' || (tokens[next] === 'of' && tokens[next + 1] === 'next')) && tokens[next + (tokens[next] === 'of' ? 2 : 1)] === 'week') {
    next += tokens[next] === 'of' ? 3 : 2
    which = 'nextWeek'
  }
  // "next weekend" is the weekend of next week, as "next week" is the week after this one.
  if (which === 'next' && list.value.days.join() === '5,6' && tokens[list.next - 1]?.startsWith('weekend')) which = 'nextWeek'
  return { value: { day: { kind: 'weekday', weekdays: list.value.days, which }, repeats: list.value.plural }, next }
}

/** "monday and thursday", "mon wed fri", "monday to friday", "weekdays". */
export function weekdayListAt(tokens: readonly string[], at: number): Read<{ readonly days: readonly number[]; readonly plural: boolean }> {
  const days = new Set<number>()
  let plural = false
  let named = 0
  let next = at
  for (;;) {
    const found = weekdaysOfWord(tokens[next] ?? '')
    if (!found) break
    named++
    const rangeEnd = ['to', 'through', 'thru'].includes(tokens[next + 1] ?? '') ? weekdaysOfWord(tokens[next + 2] ?? '') : undefined
    if (rangeEnd && found.days.length === 1 && rangeEnd.days.length === 1) {
      const [from = 0, to = 0] = [found.days[0], rangeEnd.days[0]]
      for (let day = from; day !== (to + 1) % 7; day = (day + 1) % 7) days.add(day)
      plural = true
      next += 3
    } else {
      found.days.forEach((day) => days.add(day))
      plural ||= found.plural
      next++
    }
    const joined = (tokens[next] === 'and' || tokens[next] === 'or' || tokens[next] === '&') && weekdaysOfWord(tokens[next + 1] ?? '')
    if (joined) next++
  }
  if (days.size === 0) return undefined
  // More than one day named ("monday and thursday") is each of them, as "mondays" is; "the weekend" is one weekend.
  return { value: { days: [...days].sort((a, b) => a - b), plural: plural || named > 1 }, next }
}

/** "march 3", "march the 3rd 2028", "3 march", "the 3rd of march", "first of march". */
function dateAt(tokens: readonly string[], at: number): Read<{ day: DayWord; repeats: boolean }> {
  const monthFirst = monthOfWord(tokens[at] ?? '')
  const dayAt = monthFirst === undefined ? (tokens[at] === 'the' ? at + 1 : at) : tokens[at + 1] === 'the' ? at + 2 : at + 1
  const day = dayOfMonthWord(tokens[dayAt] ?? '', monthFirst === undefined)
  if (day === undefined) return undefined
  const monthAt = monthFirst !== undefined ? undefined : tokens[dayAt + 1] === 'of' ? dayAt + 2 : dayAt + 1
  const month = monthFirst ?? monthOfWord(tokens[monthAt ?? at] ?? '')
  if (month === undefined) return undefined
  const last = monthAt ?? dayAt
  const year = /^\d{4}$/.test(tokens[last + 1] ?? '') ? Number(tokens[last + 1]) : undefined
  const next = last + (year === undefined ? 1 : 2)
  return { value: { day: checkedDate(words(tokens, at, next), month, day, year), repeats: false }, next }
}

/** "3", "3rd", and before a month ("first of march") the ordinal words. */
function dayOfMonthWord(word: string, wordsAllowed: boolean): number | undefined {
  const digits = /^(\d{1,2})(st|nd|rd|th)?$/.exec(word)
  if (digits) return Number(digits[1])
  const ordinal = wordsAllowed ? ordinalAt([word], 0)?.value : undefined
  return ordinal !== undefined && ordinal > 0 ? ordinal : undefined
}

function checkedDate(said: string, month: number, day: number, year: number | undefined): DayWord {
  // Without a year, 29 February is a date (in leap years).
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year ?? 2028, month)) unreadable(`"${said}" is not a date; write e.g. "2027-01-15" or "March 3".`)
  return { kind: 'date', month, day, ...(year === undefined ? {} : { year }) }
}

/** "the 3rd", "the 1st and 15th of every month", "the last day of the month", "the first monday", "the 2nd and 4th tuesday of the month", "the last weekday". */
function ordinalDayAt(tokens: readonly string[], at: number): Read<{ day: DayWord; repeats: boolean }> {
  let next = tokens[at] === 'the' ? at + 1 : at
  const positions: number[] = []
  for (;;) {
    const ordinal = ordinalAt(tokens, next)
    if (!ordinal) break
    positions.push(ordinal.value)
    next = ordinal.next
    if ((tokens[next] === 'and' || tokens[next] === '&') && ordinalAt(tokens, next + 1)) next++
    else break
  }
  if (positions.length === 0) return undefined
  const weekdays = weekdaysOfWord(tokens[next] ?? '')
  if (weekdays) {
    next++
    if (positions.some((position) => position === 0 || position > 5 || position < -5)) unreadable(`"${words(tokens, at, next)}": a month has at most five of each weekday; write e.g. "the first Monday" or "the last Friday".`)
    const suffix = monthSuffixAt(tokens, next)
    // A weekday's place in the month only makes sense month after month.
    return { value: { day: { kind: 'nth', positions, weekdays: weekdays.days }, repeats: true }, next: suffix ?? next }
  }
  if (tokens[next] === 'day') next++
  const suffix = monthSuffixAt(tokens, next)
  if (positions.some((position) => position === 0 || position > 31 || position < -1)) {
    unreadable(`"${words(tokens, at, next)}" is not a day of the month; write e.g. "the 1st", "the 15th" or "the last day".`)
  }
  const isOrdinalWord = positions.length === 1 && !/\d/.test(tokens[at] === 'the' ? (tokens[at + 1] ?? '') : (tokens[at] ?? ''))
  // "first" alone is not a day ("first thing" is not a schedule); "the first", "first day", "first of the month" are.
  if (isOrdinalWord && tokens[at] !== 'the' && tokens[next - 1] !== 'day' && suffix === undefined) return undefined
  return { value: { day: { kind: 'monthDay', days: positions }, repeats: suffix !== undefined }, next: suffix ?? next }
}
