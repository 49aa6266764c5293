/**
 * The words of a schedule phrase, one at a time: numbers, ordinals, days,
 * months, units of time, times of day ("9am", "17h", "9.30", "half past
 * 9"), parts of the day, and the time-zone suffix. The phrase reader
 * (phraseReader.ts) puts them together; nothing here knows what "now" is.
 *
 * Text reaches these readers normalised (see normalise): lower case, single
 * spaces, "9 a.m." as "9am", ranges as "9 to 5", and the shorthands people
 * write for repeats ("daily", "fortnightly", "workdays") in plain words.
 */
import { MONTH_NAMES, type Frequency, type TimeOfDay } from './localCalendar.ts'

export const PhraseProblemReason = { unreadable: 'unreadable', refused: 'refused' } as const
export type PhraseProblemReason = (typeof PhraseProblemReason)[keyof typeof PhraseProblemReason]

/**
 * What was wrong with a phrase: words that could not be read, or a
 * schedule that was read but cannot be planned. The message says what, and
 * what would work; naturalLanguage.ts puts the person's phrase in front.
 */
export class PhraseProblem extends Error {
  constructor(
    readonly reason: PhraseProblemReason,
    message: string,
  ) {
    super(message)
    this.name = 'PhraseProblem'
  }
}

export function unreadable(message: string): never {
  throw new PhraseProblem(PhraseProblemReason.unreadable, message)
}

export function refused(message: string): never {
  throw new PhraseProblem(PhraseProblemReason.refused, message)
}

export const SECOND_MS = 1000
export const MINUTE_MS = 60 * SECOND_MS
export const HOUR_MS = 60 * MINUTE_MS

/**
 * Hours and shorter are fixed durations (`every` N ms); days and longer are
 * calendar periods (an RRULE), which keep their wall time across DST. So
 * "every hour" is every 3,600,000 ms: an hourly rule in wall time would
 * run twice at the same instant when spring skips 02:00 (both moved to
 * 03:00) and skip a real hour in autumn, and `every` costs O(1) to expand.
 */
export type Unit = { readonly ms: number } | { readonly freq: Frequency; readonly periods: number }
export interface SpanPart {
  readonly amount: number
  readonly unit: Unit
}
/** A length of time as written: "1 hour 30 minutes" is two parts. */
export type Span = readonly SpanPart[]

/** A part of the day named instead of a time ("tomorrow morning", "every evening"). */
export type DayPart = 'morning' | 'afternoon' | 'evening' | 'night'

/**
 * The time a part of the day stands for. Morning is 09:00, when a
 * reminder is still useful for the day; afternoon its middle, 15:00;
 * evening 18:00, after a working day; night ("tonight") 20:00, before
 * people go to bed. The summary shows the time, so a person who meant
 * another sees it before saving.
 */
export const DAY_PART_TIMES: Readonly<Record<DayPart, TimeOfDay>> = {
  morning: { hour: 9, minute: 0, second: 0 },
  afternoon: { hour: 15, minute: 0, second: 0 },
  evening: { hour: 18, minute: 0, second: 0 },
  night: { hour: 20, minute: 0, second: 0 },
}

/** A time of day as written; `ambiguous` when it could be morning or evening ("8", not "8am", "08:00" or "20:00"). */
export interface TimeRead extends TimeOfDay {
  readonly ambiguous: boolean
  /** A bare hour from 1 to 5 ("at 3", "half past 4"): afternoon unless a part of the day says otherwise, since nobody means 03:00 by "at 3". */
  readonly afternoonUnlessSaid?: boolean
  /** "same time", "this time": the current time of day, filled in by the planner. */
  readonly sameAsNow?: boolean
}

/** A value read from the tokens, and the index of the first token after it. */
export type Read<T> = { readonly value: T; readonly next: number } | undefined

/** Words people write for others: common misspellings and shorthands for repeats. */
const SHORTHANDS: Readonly<Record<string, string>> = {
  tmrw: 'tomorrow',
  tmr: 'tomorrow',
  tmrow: 'tomorrow',
  tomorow: 'tomorrow',
  tommorow: 'tomorrow',
  tommorrow: 'tomorrow',
  tonite: 'tonight',
  everyday: 'every day',
  each: 'every',
  hourly: 'every hour',
  daily: 'every day',
  nightly: 'every night',
  weekly: 'every week',
  fortnightly: 'every 2 weeks',
  biweekly: 'every 2 weeks',
  monthly: 'every month',
  quarterly: 'every quarter',
  yearly: 'every year',
  annually: 'every year',
  noonday: 'noon',
}

/** Lower case, one space between words, and the shorthands above in plain words; what the readers below expect. */
export function normalise(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/(\d),(\d{3})\b/g, '$1$2')
    .replace(/(\d)\s*([ap])\.?\s?m\b\.?/g, '$1$2m')
    .replace(/\bo'?clock\b/g, ' ')
    .replace(/[,;()!?"]/g, ' ')
    .replace(/@/g, ' at ')
    .replace(/[–—]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.$/, '')
    // "9-5", "9am-5pm", "mon-fri": a range, read as "9 to 5". An ISO date's dashes are left alone.
    // (No lookbehind in these patterns: Safari before 16.4 cannot parse one, and would not load the module.)
    .replace(/(^|[^\d-])(\d{1,2}(?:[:.h]\d{2})?(?:am|pm|h)?) ?- ?(?=\d)/g, '$1$2 to ')
    .replace(/\b((?:mon|tue|wed|thu|fri|sat|sun)[a-z]*) ?- ?(?=(?:mon|tue|wed|thu|fri|sat|sun))/g, '$1 to ')
    .replace(/([a-z])-([a-z])/g, '$1 $2')
    .replace(/\bbi weekly\b/g, 'biweekly')
    .replace(/\b(?:work|working|business|week) ?day(s?)\b/g, 'weekday$1')
    .replace(/\bevery single\b/g, 'every')
    // The box is for when; "remind me" says nothing about it.
    .replace(/^(?:please )?remind me /, '')
    .replace(/\b(\d+) ?x\b/g, '$1 times')
  const expanded = words
    .split(' ')
    .map((word) => SHORTHANDS[word] ?? word)
    .join(' ')
  // "every hour from now" starts now anyway; "20 minutes from now" and "a week from today" are "in" that long.
  if (expanded.startsWith('every ')) return / starting from now$/.test(expanded) ? expanded : expanded.replace(/ from now$/, '')
  return expanded.replace(/^(.+?) from (?:now|today)$/, 'in $1')
}

/** The areas of IANA zone names ("Europe/Paris"): a word with a slash is a zone only under one of these, so "mon/wed" stays two days. */
const ZONE_AREAS = new Set(['africa', 'america', 'antarctica', 'arctic', 'asia', 'atlantic', 'australia', 'europe', 'indian', 'pacific', 'etc'])

/** The zone's own spelling ("europe/paris" → "Europe/Paris"), or undefined when this platform does not know it. */
function canonicalZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

/**
 * Takes a time-zone suffix out of the phrase: an IANA name ("at 9am
 * Europe/Paris"), "UTC" or "GMT", or a whole-hour offset ("UTC+2", read as
 * the zone Etc/GMT-2). Abbreviations such as "CET" or "EST" are not read:
 * platforms map them to zones that do not always mean what people mean.
 */
export function extractZone(text: string): { readonly text: string; readonly zone?: string } {
  const tokens = text.split(' ')
  let zone: string | undefined
  const kept: string[] = []
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at] ?? ''
    const offset = /^(?:utc|gmt)(?:([+-])(\d{1,2})(?::?00)?)?$/.exec(token)
    const area = /^([a-z]+)\/[a-z0-9_/+-]+$/.exec(token)
    let found: string | undefined
    if (offset) {
      const hours = Number(offset[2] ?? 0)
      // POSIX zones count the other way: UTC+2 is Etc/GMT-2.
      found = hours === 0 ? 'UTC' : canonicalZone(`Etc/GMT${offset[1] === '+' ? '-' : '+'}${hours}`)
      if (!found) unreadable(`"${token}" is not an offset a zone can have; write e.g. "UTC+2", or a zone name such as "Europe/Paris".`)
    } else if (area && ZONE_AREAS.has(area[1] ?? '')) {
      found = canonicalZone(token) ?? unreadable(`"${token}" is not a time zone this device knows; write an IANA name such as "Europe/Paris" or "America/New_York", or "UTC".`)
    }
    if (found === undefined) {
      kept.push(token)
      continue
    }
    if (zone !== undefined && zone !== found) unreadable(`it names two time zones, ${zone} and ${found}; keep one.`)
    zone = found
    // "in Europe/Paris", "UTC time": the words around a zone go with it.
    if (kept.at(-1) === 'in') kept.pop()
    if (tokens[at + 1] === 'time') at++
  }
  // A slash left between words is a list ("tue/thu").
  const listed = kept.join(' ').replace(/([a-z])\/(?=[a-z])/g, '$1 and ')
  return { text: listed, ...(zone === undefined ? {} : { zone }) }
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, ninety: 90,
}

/** "3", "1.5", "three", "forty five" (the normaliser splits "forty-five"), "a". */
export function numberAt(tokens: readonly string[], at: number): Read<number> {
  const word = tokens[at] ?? ''
  // A negative amount is read so that it can be refused by name ("in -5 minutes").
  if (/^-?\d+(\.\d+)?$/.test(word)) return { value: Number(word), next: at + 1 }
  if (word === 'a' && tokens[at + 1] === 'couple' && tokens[at + 2] === 'of') return { value: 2, next: at + 3 }
  const value = NUMBER_WORDS[word]
  if (value === undefined) return undefined
  const units = NUMBER_WORDS[tokens[at + 1] ?? '']
  if (value >= 20 && value % 10 === 0 && units !== undefined && units >= 1 && units <= 9 && tokens[at + 1] !== 'a' && tokens[at + 1] !== 'an') return { value: value + units, next: at + 2 }
  return { value, next: at + 1 }
}

const ORDINAL_WORDS: Readonly<Record<string, number>> = { first: 1, second: 2, third: 3, fourth: 4, fifth: 5, last: -1, penultimate: -2 }

/** "3rd", "third", "last" (-1), "second to last" and "2nd last" (-2). */
export function ordinalAt(tokens: readonly string[], at: number): Read<number> {
  const word = tokens[at] ?? ''
  if (word === 'second' || word === '2nd') {
    if (tokens[at + 1] === 'last') return { value: -2, next: at + 2 }
    if (tokens[at + 1] === 'to' && tokens[at + 2] === 'last') return { value: -2, next: at + 3 }
  }
  const digits = /^(\d{1,2})(st|nd|rd|th)$/.exec(word)
  if (digits) return { value: Number(digits[1]), next: at + 1 }
  const value = ORDINAL_WORDS[word]
  return value === undefined ? undefined : { value, next: at + 1 }
}

const WEEKDAY_WORDS = [/^mon(day)?s?$/, /^tue(s(day)?)?s?$/, /^wed(s|nesday)?s?$/, /^thu(r(s(day)?)?)?s?$/, /^fri(day)?s?$/, /^sat(urday)?s?$/, /^sun(day)?s?$/]

/** A word naming days of the week: "tuesday" ([1]), "weekdays" ([0–4]), "weekend" ([5, 6]); plural when it means each of them ("mondays"). Monday = 0. */
export function weekdaysOfWord(word: string): { readonly days: readonly number[]; readonly plural: boolean } | undefined {
  if (/^weekdays?$/.test(word)) return { days: [0, 1, 2, 3, 4], plural: word.endsWith('s') }
  if (/^weekends?$/.test(word)) return { days: [5, 6], plural: word.endsWith('s') }
  const day = WEEKDAY_WORDS.findIndex((pattern) => pattern.test(word))
  return day < 0 ? undefined : { days: [day], plural: word.endsWith('days') }
}

/** "march", "mar", "sept" → 3, 3, 9. */
export function monthOfWord(word: string): number | undefined {
  if (word.length < 3) return undefined
  const month = MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(word))
  return month < 0 ? undefined : month + 1
}

export function unitOfWord(word: string): Unit | undefined {
  if (/^(ms|msecs?|millis|milliseconds?)$/.test(word)) return { ms: 1 }
  if (/^(s|secs?|seconds?)$/.test(word)) return { ms: SECOND_MS }
  if (/^(m|mins?|minutes?)$/.test(word)) return { ms: MINUTE_MS }
  if (/^(h|hrs?|hours?)$/.test(word)) return { ms: HOUR_MS }
  if (/^(d|days?)$/.test(word)) return { freq: 'DAILY', periods: 1 }
  if (/^(w|wks?|weeks?)$/.test(word)) return { freq: 'WEEKLY', periods: 1 }
  if (/^fortnights?$/.test(word)) return { freq: 'WEEKLY', periods: 2 }
  if (/^(mo|mos|months?)$/.test(word)) return { freq: 'MONTHLY', periods: 1 }
  if (/^quarters?$/.test(word)) return { freq: 'MONTHLY', periods: 3 }
  if (/^(y|yrs?|years?)$/.test(word)) return { freq: 'YEARLY', periods: 1 }
  return undefined
}

/** "half an hour", "a quarter of an hour": a fraction of the unit that follows. */
function fractionAt(tokens: readonly string[], at: number): Read<number> {
  let next = at
  if (tokens[next] === 'a' && tokens[next + 1] === 'quarter') next++
  const fraction = tokens[next] === 'half' ? 0.5 : tokens[next] === 'quarter' ? 0.25 : undefined
  if (fraction === undefined) return undefined
  next++
  if (tokens[next] === 'of') next++
  if (tokens[next] === 'an' || tokens[next] === 'a') next++
  return { value: fraction, next }
}

/** "and a half" after an amount or a unit. */
function andAHalfAt(tokens: readonly string[], at: number): number | undefined {
  return tokens[at] === 'and' && tokens[at + 1] === 'a' && tokens[at + 2] === 'half' ? at + 3 : undefined
}

/**
 * A length of time: "20 minutes", "2h", "90min", "1h30", "half an hour",
 * "an hour and a half", "1 hour and 30 minutes", "2.5 hours". After
 * "every" the amount may be left out ("every hour"): `bareUnit`.
 */
export function spanAt(tokens: readonly string[], at: number, bareUnit: boolean): Read<Span> {
  const parts: SpanPart[] = []
  let next = at
  for (;;) {
    const start = parts.length > 0 && tokens[next] === 'and' ? next + 1 : next
    const word = tokens[start] ?? ''
    const hoursAndMinutes = /^(\d+)h(\d{1,2})m?$/.exec(word)
    const compact = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(word)
    const compactUnit = compact ? unitOfWord(compact[2] ?? '') : undefined
    if (hoursAndMinutes) {
      parts.push({ amount: Number(hoursAndMinutes[1]), unit: { ms: HOUR_MS } }, { amount: Number(hoursAndMinutes[2]), unit: { ms: MINUTE_MS } })
      next = start + 1
      continue
    }
    if (compact && compactUnit) {
      parts.push({ amount: Number(compact[1]), unit: compactUnit })
      next = start + 1
      continue
    }
    let amount: Read<number> = fractionAt(tokens, start) ?? numberAt(tokens, start)
    if (amount) {
      const half = andAHalfAt(tokens, amount.next)
      if (half !== undefined) amount = { value: amount.value + 0.5, next: half }
    }
    // "every quarter", "every day": the amount left out is one.
    if (bareUnit && parts.length === 0 && !(amount && unitOfWord(tokens[amount.next] ?? ''))) amount = { value: 1, next: start }
    const unit = amount ? unitOfWord(tokens[amount.next] ?? '') : undefined
    if (!amount || !unit) break
    next = amount.next + 1
    const half = andAHalfAt(tokens, next)
    parts.push({ amount: amount.value + (half === undefined ? 0 : 0.5), unit })
    if (half !== undefined) next = half
  }
  return parts.length > 0 ? { value: parts, next } : undefined
}

/**
 * The latest bare hour read as afternoon: "at 5" is 17:00, "at 6" is 06:00
 * (people write wake-up times that early, and dinner at "6pm"). Times with
 * minutes ("5:30") are on the 24-hour clock, as they are written in most
 * of the world.
 */
const LAST_AFTERNOON_BARE_HOUR = 5

const NOON: TimeRead = { hour: 12, minute: 0, second: 0, ambiguous: false }

/**
 * A time of day: "9am", "9:30", "09:30:15", "9.30", "17h", "17h30", "9"
 * (ambiguous: 09:00 unless a part of the day says otherwise), "noon",
 * "midnight", "half past 9", "quarter to 5", "same time".
 */
export function timeAt(tokens: readonly string[], at: number): Read<TimeRead> {
  const word = tokens[at] ?? ''
  if (word === 'noon' || word === 'midday' || word === 'lunchtime') return { value: NOON, next: at + 1 }
  if (word === '12' && tokens[at + 1] === 'noon') return { value: NOON, next: at + 2 }
  if (word === 'midnight') return { value: { hour: 0, minute: 0, second: 0, ambiguous: false }, next: at + 1 }
  if ((word === 'same' || word === 'this') && tokens[at + 1] === 'time') return { value: { hour: 0, minute: 0, second: 0, ambiguous: false, sameAsNow: true }, next: at + 2 }
  const past = pastOrTo(tokens, at)
  if (past) return past
  const clock = /^(\d{1,2})(?:([:.])(\d{2}))?(?::(\d{2}))?(am|pm)?$/.exec(word) ?? /^(\d{1,2})(h)(\d{2})?()()$/.exec(word)
  if (!clock) return undefined
  const [, hourText = '', separator, minuteText, secondText, half] = clock
  // "3 times" is a count and "5 minutes" a length, not 03:00 and 05:00.
  if (separator === undefined && half === undefined && (/^times?$/.test(tokens[at + 1] ?? '') || unitOfWord(tokens[at + 1] ?? '') !== undefined)) return undefined
  const [hour, minute, second] = [Number(hourText), Number(minuteText ?? 0), Number(secondText ?? 0)]
  const meridiem = half === 'am' || half === 'pm'
  if (minute > 59 || second > 59 || (meridiem ? hour < 1 || hour > 12 : hour > 23)) unreadable(`"${word}" is not a time of day; write e.g. "10am", "10:30", "17h" or "17:45".`)
  const ambiguous = !meridiem && separator !== 'h' && hour >= 1 && hour <= 11 && !hourText.startsWith('0')
  const afternoonUnlessSaid = ambiguous && minuteText === undefined && hour <= LAST_AFTERNOON_BARE_HOUR
  return { value: { hour: meridiem ? (hour % 12) + (half === 'pm' ? 12 : 0) : hour, minute, second, ambiguous, ...(afternoonUnlessSaid ? { afternoonUnlessSaid } : {}) }, next: at + 1 }
}

/** "half past 9", "quarter past 10", "a quarter to 5", "10 past 6", "20 minutes to 8" (not "10 to 5": that is a range). */
function pastOrTo(tokens: readonly string[], at: number): Read<TimeRead> {
  let next = at
  if (tokens[next] === 'a' && tokens[next + 1] === 'quarter') next++
  const word = tokens[next] ?? ''
  const minutes = word === 'half' ? 30 : word === 'quarter' ? 15 : /^\d{1,2}$/.test(word) ? Number(word) : undefined
  if (minutes === undefined || minutes < 1 || minutes > 59) return undefined
  next++
  const minutesNamed = /^\d/.test(word) && /^min(ute)?s?$/.test(tokens[next] ?? '')
  if (minutesNamed) next++
  const direction = tokens[next]
  const towards = direction === 'to' && word !== 'half' && (minutesNamed || !/^\d/.test(word))
  if (direction !== 'past' && !towards) return undefined
  const hourRead = timeAt(tokens, next + 1)
  if (!hourRead || hourRead.value.minute !== 0 || hourRead.value.sameAsNow) return undefined
  const total = (hourRead.value.hour * 60 + (direction === 'past' ? minutes : -minutes) + 24 * 60) % (24 * 60)
  return { value: { ...hourRead.value, hour: Math.floor(total / 60), minute: total % 60 }, next: hourRead.next }
}

const DAY_PART_WORDS: Readonly<Record<string, DayPart>> = { morning: 'morning', afternoon: 'afternoon', evening: 'evening', night: 'night' }

/** "morning", "evenings", "this afternoon", "in the evening", "at night", "tonight" (today, night); `today` when the words name today. */
export function dayPartAt(tokens: readonly string[], at: number): Read<{ readonly part: DayPart; readonly today: boolean }> {
  const word = tokens[at] ?? ''
  if (word === 'tonight') return { value: { part: 'night', today: true }, next: at + 1 }
  if (word === 'this' || word === 'in' || word === 'at') {
    const offset = word === 'in' && tokens[at + 1] === 'the' ? 2 : 1
    const part = DAY_PART_WORDS[(tokens[at + offset] ?? '').replace(/s$/, '')]
    return part ? { value: { part, today: word === 'this' }, next: at + offset + 1 } : undefined
  }
  const part = DAY_PART_WORDS[word.replace(/s$/, '')]
  return part ? { value: { part, today: false }, next: at + 1 } : undefined
}

/** Hours below this at night are after midnight: "tonight at 1" is 01:00, not 13:00. */
export const NIGHT_ENDS_HOUR = 5

/**
 * The hour a time means, read in its part of the day: "tonight at 8" is
 * 20:00, "this morning at 8" 08:00, "tonight at 1" 01:00 (after midnight),
 * and a bare "at 3" with no part of the day 15:00.
 */
export function inDayPart(time: TimeRead, part: DayPart | undefined): TimeRead {
  const plain: TimeRead = { hour: time.hour, minute: time.minute, second: time.second, ambiguous: false }
  if (!time.ambiguous) return plain
  if (part === undefined) return time.afternoonUnlessSaid ? { ...plain, hour: time.hour + 12 } : plain
  if (part === 'morning' || (part === 'night' && time.hour < NIGHT_ENDS_HOUR)) return plain
  return { ...plain, hour: time.hour + 12 }
}
