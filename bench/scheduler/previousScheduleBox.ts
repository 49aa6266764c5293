/**
 * The schedule box as it was before issue 14 (commit 106bdbe), kept as
 * bench/scheduleBox.ts's comparison. Not used by the app.
 */
/**
 * Reads a schedule a person types in English ("in 20 minutes", "tomorrow at
 * 9am", "every 2 weeks on Tuesday at 10am 6 times") into an operation's
 * Timing, with a short normalised summary for the operation editor's
 * preview. Pure: the current time and the person's zone come in as context.
 *
 * Times of day are wall-clock times in that zone. A calendar repeat writes
 * its time into the RRULE (BYHOUR/BYMINUTE/BYSECOND) and its day into
 * BYDAY/BYMONTHDAY/BYMONTH, and its `dueAt` is the rule's own first
 * occurrence, found by expanding the rule with occurrences.ts: so the
 * preview, the saved operation and every peer agree on when it runs.
 */
import { nextOccurrence, type Repeat, type Timing } from '../../src/core/scheduler/occurrences.ts'
import { LATEST_TIME, MAX_EVERY_MS, MIN_EVERY_MS } from '../../src/core/scheduler/schedulers.ts'
import { addDays, addMonths, addPeriods, dateOf, daysInMonth, formatClock, formatDate, formatMoment, instantAt, listOf, MONTH_NAMES, ordinal, weekdayOf, WEEKDAY_NAMES, type Frequency, type LocalDate, type TimeOfDay } from '../../src/core/scheduler/localCalendar.ts'
import { instantOf, isTimeZone, wallTimeOf } from '../../src/core/scheduler/zonedTime.ts'

export type ParsedSchedule = { readonly ok: true; readonly timing: Timing; readonly summary: string } | { readonly ok: false; readonly error: string }

export interface ScheduleContext {
  /** The current time, ms since the epoch: "in 20 minutes" and "at 10am" count from it. */
  readonly now: number
  /** The IANA zone whose wall clock the text speaks of. */
  readonly timeZone: string
}

/** A day as the text names it; which date it is depends on today. Weekdays are 0 (Monday) to 6. */
type DaySpec =
  | { readonly kind: 'offset'; readonly days: number }
  | { readonly kind: 'weekday'; readonly weekday: number; readonly afterToday: boolean }
  | { readonly kind: 'date'; readonly month: number; readonly day: number; readonly year?: number }

interface Moment {
  readonly day?: DaySpec
  readonly time?: TimeOfDay
}

interface CalendarRule {
  readonly freq: Frequency
  readonly interval: number
  readonly byDay?: readonly number[]
  /** 1–31, or -1 for the last day of the month. */
  readonly byMonthDay?: number
  readonly byMonth?: number
}

/**
 * Hours and shorter are fixed durations (`every` N ms); days and longer are
 * calendar periods (an RRULE), which keep their wall time across DST. So
 * "every hour" is every 3,600,000 ms: an hourly rule in wall time would
 * run twice at the same instant when spring skips 02:00 (both moved to
 * 03:00) and skip a real hour in autumn, and `every` costs O(1) to expand.
 */
type Unit = { readonly ms: number } | { readonly freq: Frequency; readonly periods: number }

interface Plan {
  readonly dueAt: number
  readonly repeat: Repeat
  readonly summary: string
}

class NotUnderstood extends Error {}

function fail(message: string): never {
  throw new NotUnderstood(message)
}

const SECOND_MS = 1000
const MINUTE_MS = 60 * SECOND_MS
const HOUR_MS = 60 * MINUTE_MS
/** Calendar repeats stop at 10 years apart, the same ceiling as MAX_EVERY_MS. */
const MAX_INTERVAL: Readonly<Record<Frequency, number>> = { DAILY: 3652, WEEKLY: 521, MONTHLY: 120, YEARLY: 10 }
/** A first occurrence is skipped only when its time falls in a DST gap, at most once a day for a few days. */
const MAX_FIRST_SKIPS = 10
/** A schedule is a short phrase; the cap also bounds the work of this module's backtracking patterns. */
const MAX_TEXT_CHARS = 200
const MIDNIGHT: TimeOfDay = { hour: 0, minute: 0, second: 0 }
const EXAMPLES = '"in 20 minutes", "tomorrow at 9am", "every day at 7:30" or "every 2 weeks on Tuesday at 10am"'

const RRULE_DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const
const WEEKDAY_WORDS = [/^mon(day)?s?$/, /^tue(s(day)?)?s?$/, /^wed(s|nesday)?s?$/, /^thu(r(s(day)?)?)?s?$/, /^fri(day)?s?$/, /^sat(urday)?s?$/, /^sun(day)?s?$/]
const NUMBER_WORDS: Readonly<Record<string, number>> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12 }
const SYNONYMS: Readonly<Record<string, string>> = { hourly: 'every hour', daily: 'every day', weekly: 'every week', monthly: 'every month', yearly: 'every year', annually: 'every year' }

/** Reads `text` as a schedule; an error says what was not understood and gives an example that works. */
export function parseSchedule(text: string, context: ScheduleContext): ParsedSchedule {
  if (!isTimeZone(context.timeZone)) return { ok: false, error: `"${context.timeZone}" is not a time zone this device knows; choose an IANA name such as Europe/Paris.` }
  if (!Number.isFinite(context.now)) return { ok: false, error: 'The current time is unknown, so a schedule cannot be placed; try again.' }
  try {
    return { ok: true, ...read(normalise(text), { now: Math.round(context.now), timeZone: context.timeZone }) }
  } catch (error) {
    if (error instanceof NotUnderstood) return { ok: false, error: error.message }
    throw error
  }
}

function normalise(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/(\d),(\d{3})\b/g, '$1$2')
    .replace(/(\d\s*)([ap])\.m\.?/g, '$1$2m')
    .replace(/[,;]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.$/, '')
    .replace(/ from now$/, '')
    .replace(/^each\b/, 'every')
    .replace(/^every other\b/, 'every 2')
  return words.replace(/^[a-z]+/, (first) => SYNONYMS[first] ?? first)
}

function read(text: string, context: ScheduleContext): { timing: Timing; summary: string } {
  if (text === '') fail(`Type when it should run, e.g. ${EXAMPLES}.`)
  if (text.length > MAX_TEXT_CHARS) fail(`That is longer than a schedule needs (${MAX_TEXT_CHARS} characters at most); write e.g. ${EXAMPLES}.`)
  let head = text
  let times: number | undefined
  let untilText: string | undefined
  // Limits close the sentence, in either order: "… until 2027-06-30 10 times".
  for (let changed = true; changed; ) {
    changed = false
    const counted = times === undefined ? /^(.+?) (?:for )?(\S+) times$/.exec(head) : null
    if (counted) {
      head = counted[1] ?? ''
      times = countOf(counted[2] ?? '')
      changed = true
    }
    const bounded = untilText === undefined ? /^(.+?) until (.+)$/.exec(head) : null
    if (bounded) {
      head = bounded[1] ?? ''
      untilText = bounded[2]
      changed = true
    }
  }
  const started = /^(.+?) (?:from|starting(?: at| on| from)?|beginning(?: at| on)?) (.+)$/.exec(head)
  if (started) head = started[1] ?? ''
  const fromText = started?.[2]

  const plan = head.startsWith('every ') ? readEvery(head.slice('every '.length), fromText, context) : readOnce(head, fromText, context)
  if (plan.repeat.kind === 'none' && (times !== undefined || untilText !== undefined)) {
    fail(`"until" and "N times" go with a repeat, e.g. "every day at 9am until 2027-01-31" or "every 2 weeks on Tuesday at 10am 6 times".`)
  }
  let summary = plan.summary
  let until: number | undefined
  if (untilText !== undefined) {
    const moment = parseMoment(untilText) ?? fail(`"until ${untilText}" is not a date I can read; write e.g. "until 2027-06-30".`)
    until = resolveMoment(moment, context, 'end', `until ${untilText}`)
    if (until < plan.dueAt) fail(`"until ${untilText}" is before the first time it runs (${formatMoment(plan.dueAt, context.timeZone)}); choose a later date.`)
    summary += ` until ${moment.time ? formatMoment(until, context.timeZone) : formatDate(wallTimeOf(until, context.timeZone))}`
  }
  if (times !== undefined) summary += times === 1 ? ', once' : `, ${times} times`
  const timing: Timing = { dueAt: plan.dueAt, repeat: plan.repeat, ...(times === undefined ? {} : { times }), ...(until === undefined ? {} : { until }) }
  return { timing, summary: `${summary} (${context.timeZone})` }
}

function countOf(word: string): number {
  const count = NUMBER_WORDS[word] ?? (/^\d+$/.test(word) ? Number(word) : Number.NaN)
  if (!Number.isSafeInteger(count) || count < 1) fail(`"${word} times": the count must be a whole number of at least 1, e.g. "10 times".`)
  return count
}

/** "in 20 minutes", "tomorrow at 9am", "on 2027-01-15 at 14:00". */
function readOnce(text: string, fromText: string | undefined, context: ScheduleContext): Plan {
  if (fromText !== undefined) fail(`"from" goes with a repeat, e.g. "every 10 minutes from 9am"; for one time, write e.g. "tomorrow at 9am".`)
  let dueAt: number
  if (text.startsWith('in ')) {
    const parts = parseSpan(text.slice('in '.length), 'in') ?? fail(`"${text}" is not a length of time I can read; write e.g. "in 20 minutes", "in 2 hours" or "in 3 days".`)
    dueAt = later(context, parts, text)
  } else {
    const moment = parseMoment(text) ?? fail(`I could not read "${text}" as a time; try ${EXAMPLES}.`)
    dueAt = resolveMoment(moment, context, 'required', text)
  }
  if (!(dueAt <= LATEST_TIME)) fail(`"${text}" is after the year 9999; choose an earlier time.`)
  return { dueAt, repeat: { kind: 'none' }, summary: `Once on ${formatMoment(dueAt, context.timeZone)}` }
}

/** "every 10 minutes", "every weekday at 9am", "every year on March 3 at 8am"; `body` follows "every". */
function readEvery(body: string, fromText: string | undefined, context: ScheduleContext): Plan {
  const { subject, on, at } = clauses(body)
  const weekdays = parseWeekdays(subject)
  if (weekdays) {
    if (on !== undefined) fail(`"every ${subject}" already names its days; write e.g. "every Monday and Thursday at 18:00".`)
    return readCalendar({ freq: 'WEEKLY', interval: 1, byDay: weekdays }, body, at, fromText, context)
  }
  const date = parseMonthDay(subject)
  if (date && date.year === undefined) {
    if (on !== undefined) fail(`"every ${subject}" already names its day; write e.g. "every March 3 at 8am".`)
    return readCalendar({ freq: 'YEARLY', interval: 1, byMonth: date.month, byMonthDay: date.day }, body, at, fromText, context)
  }
  const parts = parseSpan(subject, 'every') ?? fail(`"every ${subject}" is not a repeat I know; try e.g. "every 10 minutes", "every weekday at 9am" or "every 2 weeks on Tuesday at 10am".`)
  const everyMs = parts.reduce((total, part) => total + ('ms' in part.unit ? part.amount * part.unit.ms : Number.NaN), 0)
  if (!Number.isNaN(everyMs)) {
    const start = [at === undefined ? '' : `at ${at}`, on === undefined ? '' : `on ${on}`].join(' ').trim()
    return readInterval(Math.round(everyMs), subject, start, fromText, context)
  }
  const [part] = parts
  if (!part || parts.length > 1 || 'ms' in part.unit) fail(`"every ${subject}" mixes calendar units; use one, e.g. "every 2 weeks" or "every 36 hours".`)
  const { freq, periods } = part.unit
  if (!Number.isInteger(part.amount)) fail(`"every ${subject}": repeat by a whole number of ${freq === 'DAILY' ? 'days' : 'periods'}, e.g. "every 2 days", or in hours, e.g. "every 36 hours".`)
  const interval = part.amount * periods
  if (interval > MAX_INTERVAL[freq]) fail(`"every ${subject}" is too far apart: a repeat is at most every 10 years.`)
  return readCalendar({ freq, interval, ...(on === undefined ? {} : onDays(freq, on)) }, body, at, fromText, context)
}

/** A fixed interval: the first is due one interval from now, or at the "at"/"from" time given. */
function readInterval(everyMs: number, said: string, startText: string, fromText: string | undefined, context: ScheduleContext): Plan {
  if (everyMs < MIN_EVERY_MS) fail(`"every ${said}" is too often: the shortest repeat is every ${MIN_EVERY_MS} ms, e.g. "every 100 ms" or "every 5 seconds".`)
  if (everyMs > MAX_EVERY_MS) fail(`"every ${said}" is too far apart: a repeat is at most every 10 years.`)
  if (startText !== '' && fromText !== undefined) fail(`Give one start, "at …" or "from …", e.g. "every 10 minutes from 9am".`)
  const start = startText !== '' ? startText : fromText === undefined ? undefined : `from ${fromText}`
  let dueAt = context.now + everyMs
  if (start !== undefined) {
    const moment = parseMoment(start.replace(/^from /, '')) ?? fail(`"${start}" is not a time I can read; write e.g. "every 10 minutes from 9am" or "every hour from tomorrow at 8am".`)
    dueAt = Math.max(context.now, resolveMoment(moment, context, 'start', start))
  }
  if (!(dueAt <= LATEST_TIME)) fail(`"${start ?? said}" is after the year 9999; choose an earlier start.`)
  return { dueAt, repeat: { kind: 'every', everyMs }, summary: `Every ${describeInterval(everyMs)} from ${formatMoment(dueAt, context.timeZone)}` }
}

/**
 * A calendar repeat. Its first occurrence is the first that matches at or
 * after now (or the "from" time). A repeat with no named day and no time
 * ("every week") keeps the current day and time of day, and starts one
 * period from now, as "every 10 minutes" does.
 */
function readCalendar(rule: CalendarRule, body: string, atText: string | undefined, fromText: string | undefined, context: ScheduleContext): Plan {
  const { now, timeZone } = context
  const time = atText === undefined ? undefined : (parseTime(atText) ?? fail(`"at ${atText}" is not a time of day; write e.g. "at 9am" or "at 17:45", and a first day after "from", e.g. "from 2027-01-15".`))
  const from = fromText === undefined ? undefined : (parseMoment(fromText) ?? fail(`"from ${fromText}" is not a date I can read; write e.g. "from 2027-01-15" or "from tomorrow".`))
  const named = rule.byDay !== undefined || rule.byMonthDay !== undefined
  let clock = time ?? from?.time
  if (!clock && named) fail(`Say at what time, e.g. "every ${body} at 9am".`)
  let searchFrom = from ? Math.max(now, resolveMoment(from, context, 'start', `from ${fromText ?? ''}`)) : now
  const today = dateOf(wallTimeOf(now, timeZone))
  const dayOfFrom = from ? dateOf(wallTimeOf(searchFrom, timeZone)) : today
  if (!clock) {
    const wall = wallTimeOf(now, timeZone)
    clock = { hour: wall.hour, minute: wall.minute, second: 0 }
    if (!from) searchFrom = instantAt(addPeriods(today, rule.freq, rule.interval), MIDNIGHT, timeZone)
  }
  // Days the text left out come from the first day, written into the rule so nothing depends on where rrule starts.
  const full: CalendarRule = {
    ...rule,
    ...(rule.freq === 'WEEKLY' && !rule.byDay ? { byDay: [weekdayOf(dayOfFrom)] } : {}),
    ...((rule.freq === 'MONTHLY' || rule.freq === 'YEARLY') && rule.byMonthDay === undefined ? { byMonthDay: dayOfFrom.day } : {}),
    ...(rule.freq === 'YEARLY' && rule.byMonth === undefined ? { byMonth: dayOfFrom.month } : {}),
  }
  const repeat: Repeat = { kind: 'rrule', rrule: ruleText(full, clock), timeZone }
  const dueAt = firstOccurrence(full, clock, searchFrom, timeZone)
  const check = nextOccurrence('check', { dueAt, repeat }, dueAt)
  if (check?.index !== 0 || check.dueAt !== dueAt) fail(`"every ${body}" could not be placed in ${timeZone}; try a simpler repeat, e.g. "every day at 9am".`)
  const since = from ? ` from ${formatDate(wallTimeOf(dueAt, timeZone))}` : ''
  return { dueAt, repeat, summary: `${describeRule(full, clock)}${since}` }
}

/**
 * The rule's first occurrence at or after `searchFrom`: an occurrence of
 * the rule itself (expanded by occurrences.ts, one period at a time), whose
 * wall time is the one asked for. One that falls in a DST gap is skipped:
 * its moved wall time would become the rule's start, and every later
 * occurrence would inherit it.
 */
function firstOccurrence(rule: CalendarRule, clock: TimeOfDay, searchFrom: number, timeZone: string): number {
  // rrule compares whole seconds; a start with milliseconds would drop an occurrence in that second.
  const probe: Timing = { dueAt: Math.ceil(searchFrom / SECOND_MS) * SECOND_MS, repeat: { kind: 'rrule', rrule: ruleText({ ...rule, interval: 1 }, clock), timeZone } }
  let index = 0
  for (let skipped = 0; skipped < MAX_FIRST_SKIPS; skipped++) {
    const found = nextOccurrence('first', probe, searchFrom, index)
    if (!found) break
    const wall = wallTimeOf(found.dueAt, timeZone)
    if (wall.hour === clock.hour && wall.minute === clock.minute && wall.second === clock.second) {
      if (found.dueAt > LATEST_TIME) break
      return found.dueAt
    }
    index = found.index + 1
  }
  return fail(`${describeRule(rule, clock)} never happens in ${timeZone}; choose another day or time.`)
}

function ruleText(rule: CalendarRule, clock: TimeOfDay): string {
  const parts = [`FREQ=${rule.freq}`]
  if (rule.interval > 1) parts.push(`INTERVAL=${rule.interval}`)
  if (rule.byMonth !== undefined) parts.push(`BYMONTH=${rule.byMonth}`)
  if (rule.byMonthDay !== undefined) parts.push(`BYMONTHDAY=${rule.byMonthDay}`)
  if (rule.byDay) parts.push(`BYDAY=${rule.byDay.map((day) => RRULE_DAYS[day]).join(',')}`)
  parts.push(`BYHOUR=${clock.hour}`, `BYMINUTE=${clock.minute}`, `BYSECOND=${clock.second}`)
  return parts.join(';')
}

/** Splits "2 weeks on tuesday at 10am" (or "… at 10am on tuesday") into its subject and clauses. */
function clauses(body: string): { subject: string; on?: string; at?: string } {
  const match = /^(.*?)(?: (on|at) (.+?))?(?: (on|at) (.+?))?$/.exec(body)
  const [, subject = '', first, firstText, second, secondText] = match ?? []
  if (first !== undefined && first === second) fail(`"every ${body}" says "${first}" twice; write e.g. "every 2 weeks on Tuesday at 10am".`)
  const on = first === 'on' ? firstText : second === 'on' ? secondText : undefined
  const at = first === 'at' ? firstText : second === 'at' ? secondText : undefined
  return { subject, ...(on === undefined ? {} : { on }), ...(at === undefined ? {} : { at }) }
}

/** The "on …" clause of "every N weeks/months/years". */
function onDays(freq: Frequency, text: string): Partial<CalendarRule> {
  if (freq === 'WEEKLY') return { byDay: parseWeekdays(text) ?? fail(`"on ${text}" is not a day of the week; write e.g. "every 2 weeks on Tuesday".`) }
  if (freq === 'MONTHLY') {
    if (/^(the )?last( day)?( of the month)?$/.test(text)) return { byMonthDay: -1 }
    const day = /^(?:the )?(\d{1,2})(?:st|nd|rd|th)?(?: day)?(?: of the month)?$/.exec(text)
    const byMonthDay = Number(day?.[1])
    if (!(byMonthDay >= 1 && byMonthDay <= 31)) fail(`"on ${text}" is not a day of the month; write e.g. "every month on the 1st" or "on the last day".`)
    return { byMonthDay }
  }
  if (freq === 'YEARLY') {
    const date = parseMonthDay(text)
    if (!date || date.year !== undefined) fail(`"on ${text}" is not a day of the year; write e.g. "every year on March 3".`)
    return { byMonth: date.month, byMonthDay: date.day }
  }
  return fail(`"every day" runs every day, so it takes no "on"; write e.g. "every day at 7:30" or "every Monday at 7:30".`)
}

/** "monday and thursday", "mon wed fri", "weekdays": sorted, distinct, Monday = 0. */
function parseWeekdays(text: string): number[] | undefined {
  const days = new Set<number>()
  for (const word of text.split(' ')) {
    if (word === 'and' || word === '&') continue
    if (/^weekdays?$/.test(word)) [0, 1, 2, 3, 4].forEach((day) => days.add(day))
    else if (/^weekends?$/.test(word)) [5, 6].forEach((day) => days.add(day))
    else {
      const day = weekdayNumber(word)
      if (day === undefined) return undefined
      days.add(day)
    }
  }
  return days.size > 0 ? [...days].sort((a, b) => a - b) : undefined
}

function weekdayNumber(word: string): number | undefined {
  const day = WEEKDAY_WORDS.findIndex((pattern) => pattern.test(word))
  return day < 0 ? undefined : day
}

function monthNumber(word: string): number | undefined {
  const month = MONTH_NAMES.findIndex((name) => word.length >= 3 && name.toLowerCase().startsWith(word))
  return month < 0 ? undefined : month + 1
}

/** "20 minutes", "1 hour 30 minutes", "100ms", "2 weeks"; the amount may be left out after "every". */
function parseSpan(text: string, verb: 'in' | 'every'): Array<{ amount: number; unit: Unit }> | undefined {
  const words = text.replace(/(\d)([a-z])/g, '$1 $2').split(' ').filter((word) => word !== 'and')
  const parts: Array<{ amount: number; unit: Unit }> = []
  for (let at = 0; at < words.length; at++) {
    const word = words[at] ?? ''
    const amount = NUMBER_WORDS[word] ?? (/^-?\d+(\.\d+)?$/.test(word) ? Number(word) : undefined)
    if (amount !== undefined) at++
    else if (verb === 'in') return undefined
    const unit = unitOf(words[at] ?? '')
    if (!unit) return undefined
    if (amount !== undefined && !(amount > 0)) fail(`"${verb} ${text}": the amount must be more than zero, e.g. "${verb} 5 minutes".`)
    parts.push({ amount: amount ?? 1, unit })
  }
  return parts.length > 0 ? parts : undefined
}

function unitOf(word: string): Unit | undefined {
  if (/^(ms|msecs?|millis|milliseconds?)$/.test(word)) return { ms: 1 }
  if (/^(s|secs?|seconds?)$/.test(word)) return { ms: SECOND_MS }
  if (/^(mins?|minutes?)$/.test(word)) return { ms: MINUTE_MS }
  if (/^(h|hrs?|hours?)$/.test(word)) return { ms: HOUR_MS }
  if (/^(d|days?)$/.test(word)) return { freq: 'DAILY', periods: 1 }
  if (/^(w|wks?|weeks?)$/.test(word)) return { freq: 'WEEKLY', periods: 1 }
  if (/^fortnights?$/.test(word)) return { freq: 'WEEKLY', periods: 2 }
  if (/^months?$/.test(word)) return { freq: 'MONTHLY', periods: 1 }
  if (/^(y|yrs?|years?)$/.test(word)) return { freq: 'YEARLY', periods: 1 }
  return undefined
}

/** Now plus a duration: hours and shorter as elapsed time, days and longer on the wall clock ("in 3 days" keeps the time of day across DST). */
function later(context: ScheduleContext, parts: ReadonlyArray<{ amount: number; unit: Unit }>, said: string): number {
  let [ms, days, months] = [0, 0, 0]
  for (const { amount, unit } of parts) {
    if ('ms' in unit) ms += amount * unit.ms
    else if (!Number.isInteger(amount)) fail(`"${said}": use whole days, weeks, months or years, or hours, e.g. "in 36 hours".`)
    else if (unit.freq === 'DAILY' || unit.freq === 'WEEKLY') days += amount * unit.periods * (unit.freq === 'WEEKLY' ? 7 : 1)
    else months += amount * unit.periods * (unit.freq === 'YEARLY' ? 12 : 1)
  }
  // Past year 9999 either way; Date would give NaN long before such numbers.
  if (days > 10_000 * 366 || months > 10_000 * 12) fail(`"${said}" is after the year 9999; choose an earlier time.`)
  const wall = wallTimeOf(context.now, context.timeZone)
  const base = days === 0 && months === 0 ? context.now : instantOf({ ...wall, ...addDays(addMonths(dateOf(wall), months), days) }, context.timeZone)
  return base + Math.round(ms)
}

/** "tomorrow at 9am", "at 10:30", "next monday at 9", "on 2027-01-15 at 14:00", "at 9am on friday", "march 3", "noon". */
function parseMoment(text: string): Moment | undefined {
  const words = text.replace(/^on /, '')
  const day = parseDay(words)
  if (day) return { day }
  const dayThenTime = /^(.+?) (?:at )?(\S+(?: ?[ap]m)?)$/.exec(words)
  const dayFirst = dayThenTime && parseDay(dayThenTime[1] ?? '')
  if (dayFirst) return { day: dayFirst, time: parseTime(dayThenTime[2] ?? '') ?? fail(`"${dayThenTime[2]}" is not a time of day; write e.g. "${dayThenTime[1]} at 9am".`) }
  const timeThenDay = /^(?:at )?(\d{1,2}(?::\d{2}){0,2}(?: ?[ap]m)?|noon|midday|midnight)(?: (?:on )?(.+))?$/.exec(words)
  if (!timeThenDay) return undefined
  const time = parseTime(timeThenDay[1] ?? '')
  const dayAfter = timeThenDay[2] === undefined ? undefined : parseDay(timeThenDay[2])
  if (!time || (timeThenDay[2] !== undefined && !dayAfter)) return undefined
  return { time, ...(dayAfter ? { day: dayAfter } : {}) }
}

function parseTime(text: string): TimeOfDay | undefined {
  if (text === 'noon' || text === 'midday') return { hour: 12, minute: 0, second: 0 }
  if (text === 'midnight') return MIDNIGHT
  const match = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))? ?([ap]m)?$/.exec(text)
  if (!match) return undefined
  const [hour, minute, second] = [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)]
  const half = match[4]
  if (minute > 59 || second > 59 || (half ? hour < 1 || hour > 12 : hour > 23)) fail(`"${text}" is not a time of day; write e.g. "10am", "10:30" or "17:45".`)
  return { hour: half ? (hour % 12) + (half === 'pm' ? 12 : 0) : hour, minute, second }
}

function parseDay(text: string): DaySpec | undefined {
  if (text === 'today' || text === 'tonight') return { kind: 'offset', days: 0 }
  if (text === 'tomorrow') return { kind: 'offset', days: 1 }
  if (/^(the )?day after tomorrow$/.test(text)) return { kind: 'offset', days: 2 }
  const named = /^(next |this )?([a-z]+)$/.exec(text)
  const weekday = weekdayNumber(named?.[2] ?? '')
  if (weekday !== undefined) return { kind: 'weekday', weekday, afterToday: named?.[1] === 'next ' }
  const date = parseMonthDay(text)
  return date ? { kind: 'date', ...date } : undefined
}

/** "2027-01-15", "march 3", "3rd of march 2027"; throws for a day that no month has. */
function parseMonthDay(text: string): { month: number; day: number; year?: number } | undefined {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text)
  const monthFirst = /^([a-z]+) (?:the )?(\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?$/.exec(text)
  const dayFirst = /^(?:the )?(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)(?: (\d{4}))?$/.exec(text)
  let parts: { year: string | undefined; month: number | undefined; day: string | undefined } | undefined
  if (iso) parts = { year: iso[1], month: Number(iso[2]), day: iso[3] }
  else if (monthFirst) parts = { year: monthFirst[3], month: monthNumber(monthFirst[1] ?? ''), day: monthFirst[2] }
  else if (dayFirst) parts = { year: dayFirst[3], month: monthNumber(dayFirst[2] ?? ''), day: dayFirst[1] }
  if (parts?.month === undefined) return undefined
  const { month } = parts
  const [year, day] = [parts.year === undefined ? undefined : Number(parts.year), Number(parts.day)]
  // Without a year, 29 February is a date (in leap years).
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year ?? 2028, month)) fail(`"${text}" is not a date; write e.g. "2027-01-15" or "March 3".`)
  return { month, day, ...(year === undefined ? {} : { year }) }
}

/**
 * The instant a moment names, the first at or after now. A moment without
 * a time is the start of its day (`start`, for "from") or its last
 * millisecond (`end`, for "until"), and is refused where a time is `required`.
 */
function resolveMoment(moment: Moment, context: ScheduleContext, missingTime: 'required' | 'start' | 'end', said: string): number {
  const { now, timeZone } = context
  const { time, day } = moment
  if (!time && missingTime === 'required') fail(`"${said}" names a day but not a time; add one, e.g. "${said} at 9am".`)
  const endOf = (date: LocalDate): number => instantAt(addDays(date, 1), MIDNIGHT, timeZone) - 1
  const at = (date: LocalDate): number => (time ? instantAt(date, time, timeZone) : missingTime === 'end' ? endOf(date) : instantAt(date, MIDNIGHT, timeZone))
  const today = dateOf(wallTimeOf(now, timeZone))
  const candidates: LocalDate[] = []
  if (!day) candidates.push(today, addDays(today, 1))
  else if (day.kind === 'offset') candidates.push(addDays(today, day.days))
  else if (day.kind === 'weekday') {
    for (let ahead = day.afterToday ? 1 : 0; ahead <= 14; ahead++) if (weekdayOf(addDays(today, ahead)) === day.weekday) candidates.push(addDays(today, ahead))
  } else if (day.year !== undefined) candidates.push({ year: day.year, month: day.month, day: day.day })
  else for (let year = today.year; year <= today.year + 8; year++) if (day.day <= daysInMonth(year, day.month)) candidates.push({ year, month: day.month, day: day.day })
  // A day without a time is still ahead while any of it is: "until today" runs to midnight.
  const found = candidates.find((date) => (time ? at(date) : endOf(date)) >= now)
  if (!found) fail(`"${said}" is in the past (it is now ${formatMoment(now, timeZone)}); choose a later time, e.g. "tomorrow at 9am".`)
  return at(found)
}

function describeRule(rule: CalendarRule, clock: TimeOfDay): string {
  const every = (unit: string): string => (rule.interval === 1 ? `Every ${unit}` : `Every ${rule.interval} ${unit}s`)
  const at = ` at ${formatClock(clock)}`
  const month = MONTH_NAMES[(rule.byMonth ?? 1) - 1] ?? ''
  const monthDay = rule.byMonthDay === -1 ? 'the last day' : `the ${ordinal(rule.byMonthDay ?? 1)}`
  switch (rule.freq) {
    case 'DAILY':
      return every('day') + at
    case 'WEEKLY': {
      const days = rule.byDay ?? []
      const weekdays = days.join() === '0,1,2,3,4'
      if (rule.interval === 1) return `Every ${weekdays ? 'weekday' : listOf(days.map((day) => WEEKDAY_NAMES[day] ?? ''))}${at}`
      return `${every('week')} on ${weekdays ? 'weekdays' : listOf(days.map((day) => WEEKDAY_NAMES[day] ?? ''))}${at}`
    }
    case 'MONTHLY':
      return `${every('month')} on ${monthDay}${at}`
    case 'YEARLY':
      return `${every('year')} on ${month} ${rule.byMonthDay ?? 1}${at}`
  }
}

function describeInterval(everyMs: number): string {
  for (const [unit, ms] of [['hour', HOUR_MS], ['minute', MINUTE_MS], ['second', SECOND_MS]] as const) {
    if (everyMs % ms === 0) return everyMs === ms ? unit : `${everyMs / ms} ${unit}s`
  }
  return `${everyMs} ms`
}
