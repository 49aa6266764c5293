/**
 * What a Reading means as an operation's timing: one time ("in 20
 * minutes", "tomorrow morning"), a fixed interval ("every 15 minutes"), a
 * range of hours each day ("every 2 hours from 8am until 6pm"), or a
 * calendar rule ("every other tuesday", "the last friday of the month").
 *
 * A calendar repeat's `dueAt` is the rule's own first occurrence
 * (phraseRules.firstOccurrence). One that names no day and no time ("every
 * week", "every quarter") keeps the current day and time of day and starts
 * one period from now, as "every 10 minutes" does; one that names a day but
 * no time ("every monday") is at DEFAULT_TIME, and the summary says so.
 */
import { nextOccurrence, type Repeat } from './occurrences.ts'
import { clockOf, dateAfter, DEFAULT_TIME, later, MIDNIGHT, resolveMoment, type Moment, type ScheduleContext } from './phraseMoments.ts'
import type { MomentRead, Reading } from './phraseReader.ts'
import { checkClocksFit, describeInterval, describeRule, firstOccurrence, ruleText, sortedClocks, windowClocks, type CalendarRule, type RuleDay } from './phraseRules.ts'
import { HOUR_MS, refused, unreadable, type TimeRead } from './phraseWords.ts'
import { LATEST_TIME, MAX_EVERY_MS, MIN_EVERY_MS } from './schedulers.ts'
import { addPeriods, dateOf, formatClock, formatDate, formatMoment, instantAt, listOf, weekdayOf, WEEKDAY_NAMES, type Frequency, type TimeOfDay } from './localCalendar.ts'
import { instantOf, wallTimeOf } from './zonedTime.ts'

export interface Plan {
  readonly dueAt: number
  readonly repeat: Repeat
  readonly summary: string
  /** What was assumed, for the summary: "no time was given, so 09:00". */
  readonly note?: string
  /** An end the plan sets itself ("every hour from 9 to 5 tomorrow"). */
  readonly until?: number
  /** The reading's "until" was the end of a range of hours, not of the repeat. */
  readonly usedUntil?: boolean
}

const ASSUMED_NOTE = `no time was given, so ${formatClock(DEFAULT_TIME)}`
/** Calendar repeats stop at 10 years apart, the same ceiling as MAX_EVERY_MS. */
const MAX_INTERVAL: Readonly<Record<Frequency, number>> = { DAILY: 3652, WEEKLY: 521, MONTHLY: 120, YEARLY: 10 }
/** Hours "twice a day" and the like stand for when no times are given: spread over waking hours, the first at DEFAULT_TIME or earlier. */
const HOURS_FOR_TIMES_A_DAY: Readonly<Record<number, readonly number[]>> = { 1: [9], 2: [9, 21], 3: [8, 14, 20], 4: [8, 12, 16, 20] }
const ALL_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const

export function planSchedule(reading: Reading, context: ScheduleContext): Plan {
  if (reading.now) {
    const others = [reading.day, reading.relative, reading.dayPart, reading.from, reading.until, reading.window, reading.count, reading.lasting]
    if (reading.repeats || reading.times.length > 0 || others.some((part) => part !== undefined)) unreadable(`"now" is a time on its own; for a repeat starting now, write e.g. "every hour starting now".`)
    return { dueAt: context.now, repeat: { kind: 'none' }, summary: `Once, now: ${formatMoment(context.now, context.timeZone)}` }
  }
  if (!reading.repeats && !reading.span) return planOnce(reading, context)
  const span = reading.span ?? []
  const fixed = span.filter((part) => 'ms' in part.unit)
  if (span.length > 0 && fixed.length === span.length) return planInterval(reading, Math.round(span.reduce((total, part) => total + part.amount * ('ms' in part.unit ? part.unit.ms : 0), 0)), context)
  if (fixed.length > 0 || span.length > 1) unreadable(`"every ${reading.spanSaid}" mixes calendar units; use one, e.g. "every 2 weeks" or "every 36 hours".`)
  return planCalendar(reading, context)
}

function planOnce(reading: Reading, context: ScheduleContext): Plan {
  const { relative, day, times, dayPart } = reading
  if (reading.window) unreadable(`a range of hours ("${reading.window.said}") goes with a repeat, e.g. "every hour from 9am to 5pm".`)
  if (reading.from) unreadable(`"from" goes with a repeat, e.g. "every 10 minutes from 9am"; for one time, write e.g. "tomorrow at 9am".`)
  if (times.length > 1) refused(`that is ${times.length} times; for a repeat, write e.g. "every day at ${listOf(times.map((time) => formatClock(clockOf(time, dayPart, context) ?? time)))}".`)
  let dueAt: number
  let assumed = false
  if (relative) {
    const said = reading.relativeSaid ?? ''
    if (day) unreadable(`give either how long from now ("${said}") or a day ("${reading.daySaid}"), not both.`)
    const clock = clockOf(times[0], dayPart, context)
    if (clock) {
      const date = dateAfter(relative, context, said) ?? unreadable(`"${said}" with a time of day needs whole days, e.g. "in 2 days at 9am".`)
      dueAt = instantAt(date, clock, context.timeZone)
      if (dueAt < context.now) refused(`that is in the past (it is now ${formatMoment(context.now, context.timeZone)}); choose a later time.`)
    } else {
      dueAt = later(context.now, relative, context.timeZone, said)
    }
  } else {
    if (!day && times.length === 0 && !dayPart) unreadable(`it does not say when; try e.g. "in 20 minutes", "tomorrow at 9am" or "every Tuesday at 10am".`)
    ;({ instant: dueAt, assumed } = resolveMoment({ ...(day ? { day } : {}), ...(times[0] ? { time: times[0] } : {}), ...(dayPart ? { dayPart } : {}) }, context, 'assume'))
  }
  if (!(dueAt <= LATEST_TIME)) refused(`that is after the year 9999; choose an earlier time.`)
  return { dueAt, repeat: { kind: 'none' }, summary: `Once on ${formatMoment(dueAt, context.timeZone)}`, ...(assumed ? { note: ASSUMED_NOTE } : {}) }
}

/** A repeat "starting monday" typed on a Monday starts next Monday: today would be "starting today". */
function asStart(from: MomentRead | undefined): MomentRead | undefined {
  if (from?.day?.kind !== 'weekday' || from.day.which !== 'coming' || from.time) return from
  return { ...from, day: { ...from.day, which: 'next' } }
}

/** A start or end that is a time of day only, as in "from 8am until 6pm". */
const isTimeOnly = (moment: MomentRead | undefined): moment is MomentRead & { time: TimeRead } => moment?.time !== undefined && !moment.day && !moment.now

/**
 * The end of a range of hours. A bare end hour is whichever of its two
 * readings comes sooner after the start: "from 9 to 5" ends at 17:00,
 * "from 10pm to 2" at 02:00, "from 8am to 10" at 10:00.
 */
function rangeEnd(start: TimeOfDay, end: TimeRead, reading: Reading, context: ScheduleContext): TimeOfDay {
  const read = clockOf(end, reading.dayPart, context) ?? MIDNIGHT
  if (!end.ambiguous || reading.dayPart) return read
  const after = (hour: number): number => (hour * 60 + end.minute - (start.hour * 60 + start.minute) + 24 * 60) % (24 * 60) || 24 * 60
  const hour = after(end.hour) <= after(end.hour + 12) ? end.hour : end.hour + 12
  return { hour, minute: end.minute, second: end.second }
}

/** "every 15 minutes", "every 2 hours from 8am", "every 2 hours from 8am until 6pm". */
function planInterval(reading: Reading, everyMs: number, context: ScheduleContext): Plan {
  if (everyMs < MIN_EVERY_MS) refused(`that is too often: the shortest repeat is every ${MIN_EVERY_MS} ms, e.g. "every 100 ms" or "every 5 seconds".`)
  if (everyMs > MAX_EVERY_MS) refused(`that is too far apart: a repeat is at most every 10 years.`)
  const fromUntil = isTimeOnly(reading.from) && isTimeOnly(reading.until) ? { start: reading.from.time, end: reading.until.time, said: `${reading.from.said} until ${reading.until.said}` } : undefined
  const window = reading.window ?? fromUntil
  if (window) return { ...planWindow(reading, window, everyMs, context), usedUntil: fromUntil !== undefined }
  const day = reading.day
  // A day that happens once ("tomorrow", "next week") is where the repeat starts; days that recur need hours.
  const oneDay = day && (day.kind === 'offset' || day.kind === 'startOf' || (day.kind === 'date' && day.year !== undefined))
  if ((day && !oneDay) || reading.except || reading.perPeriod) refused(`a repeat every ${describeInterval(everyMs)} on some days only needs its hours; write e.g. "every ${describeInterval(everyMs)} from 9am to 5pm on weekdays".`)
  if (reading.times.length > 1) refused(`a repeat every ${describeInterval(everyMs)} starts once; give one start, e.g. "every ${describeInterval(everyMs)} from 9am".`)
  if (reading.times.length === 1 && reading.from) unreadable(`give one start, "at …" or "from …", e.g. "every 10 minutes from 9am".`)
  const [time] = reading.times
  const from = asStart(reading.from)
  const start: Moment | MomentRead | undefined = from ? { ...from, ...(day && !from.day ? { day } : {}) } : time || day || reading.dayPart ? { ...(time ? { time } : {}), ...(day ? { day } : {}), ...(reading.dayPart ? { dayPart: reading.dayPart } : {}) } : undefined
  let dueAt = context.now + everyMs
  if (start && !('now' in start && start.now)) dueAt = Math.max(context.now, resolveMoment(start, context, 'start').instant)
  else if (start) dueAt = context.now
  if (reading.onTheHour) dueAt = topOfHourFrom(dueAt, context.timeZone)
  if (!(dueAt <= LATEST_TIME)) refused(`that starts after the year 9999; choose an earlier start.`)
  return { dueAt, repeat: { kind: 'every', everyMs }, summary: `Every ${describeInterval(everyMs)} from ${formatMoment(dueAt, context.timeZone)}` }
}

/** The first whole hour on the zone's clock at or after `instant` ("every hour on the hour"). */
function topOfHourFrom(instant: number, timeZone: string): number {
  const wall = wallTimeOf(instant, timeZone)
  const top = instantOf({ ...wall, minute: 0, second: 0, millisecond: 0 }, timeZone)
  return top >= instant ? top : top + HOUR_MS
}

/** "every 2 hours from 8am until 6pm" (each day, or on the days named), or for one day ("tomorrow"). */
function planWindow(reading: Reading, window: { readonly start: TimeRead; readonly end: TimeRead; readonly said: string }, everyMs: number, context: ScheduleContext): Plan {
  if (reading.times.length > 0) unreadable(`give either times ("at …") or a range of hours ("${window.said}"), not both.`)
  const start = clockOf(window.start, reading.dayPart, context) ?? MIDNIGHT
  const end = rangeEnd(start, window.end, reading, context)
  const said = `every ${describeInterval(everyMs)} ${window.said}`
  const day = reading.day
  if (day && day.kind !== 'weekday') {
    // One day's range: a fixed interval from its start, ending at its end.
    const first = resolveMoment({ day, time: { ...start, ambiguous: false } }, context, 'start').instant
    const sameDayEnd = resolveMoment({ day, time: { ...end, ambiguous: false } }, context, 'start').instant
    // "from 10pm to 2am tomorrow" ends the next morning.
    const until = sameDayEnd > first ? sameDayEnd : later(sameDayEnd, [{ amount: 1, unit: { freq: 'DAILY', periods: 1 } }], context.timeZone, window.said)
    if (until < context.now) refused(`that is in the past (it is now ${formatMoment(context.now, context.timeZone)}).`)
    const dueAt = first + Math.max(0, Math.ceil((context.now - first) / everyMs)) * everyMs
    return { dueAt, repeat: { kind: 'every', everyMs }, summary: `Every ${describeInterval(everyMs)} from ${formatMoment(dueAt, context.timeZone)} to ${formatClock(end)}`, until }
  }
  const clocks = windowClocks(start, end, everyMs, said)
  let weekdays = day?.weekdays
  if (reading.except) weekdays = (weekdays ?? ALL_WEEKDAYS).filter((weekday) => !reading.except?.includes(weekday))
  if (weekdays?.length === 0) unreadable(`that leaves no day to run on.`)
  const rule: CalendarRule = weekdays ? { freq: 'WEEKLY', interval: 1, byDay: weekdays.map((weekday) => ({ weekday })) } : { freq: 'DAILY', interval: 1 }
  const first = formatClock(clocks[0] ?? start)
  const last = formatClock(clocks.at(-1) ?? end)
  const onDays = weekdays ? ` on ${weekdays.join() === '0,1,2,3,4' ? 'weekdays' : listOf(weekdays.map((weekday) => WEEKDAY_NAMES[weekday] ?? ''))}` : ', every day'
  return planRule(rule, clocks, reading.from && !isTimeOnly(reading.from) ? reading.from : undefined, context, () => `Every ${describeInterval(everyMs)} from ${first} to ${last}${onDays}`)
}

/** "every other tuesday at 10", "the last friday of the month", "every day at 9am and 5pm", "twice a day", "every quarter". */
function planCalendar(reading: Reading, context: ScheduleContext): Plan {
  if (reading.window) unreadable(`a range of hours ("${reading.window.said}") goes with a repeat shorter than a day, e.g. "every hour from 9am to 5pm".`)
  let freq: Frequency | undefined
  let interval = 1
  const [part] = reading.span ?? []
  if (part && !('ms' in part.unit)) {
    if (!Number.isInteger(part.amount)) unreadable(`"every ${reading.spanSaid}": repeat by a whole number of days, weeks, months or years, e.g. "every 2 days", or in hours, e.g. "every 36 hours".`)
    freq = part.unit.freq
    interval = part.amount * part.unit.periods
    if (interval > MAX_INTERVAL[freq]) refused(`that is too far apart: a repeat is at most every 10 years.`)
  }
  const conflict = (what: string): never => unreadable(`"every ${reading.spanSaid}" and "${reading.daySaid}" do not go together; write e.g. ${what}.`)
  let rule: Omit<CalendarRule, 'freq'> = { interval }
  let from: Moment | undefined = asStart(reading.from)
  const day = reading.day
  switch (day?.kind) {
    case undefined:
      break
    case 'weekday':
      if (freq === 'MONTHLY' || freq === 'YEARLY') conflict('"the first Monday of the month" or "every 2 weeks on Monday"')
      if (freq === 'DAILY' && interval > 1) conflict('"every 2 weeks on Monday" or "every 2 days"')
      if (reading.interval !== undefined && interval > 1) conflict('"every other Tuesday"')
      freq = 'WEEKLY'
      rule = { interval: reading.interval ?? interval, byDay: day.weekdays.map((weekday) => ({ weekday })) }
      break
    case 'monthDay':
    case 'nth':
      if (freq !== undefined && freq !== 'MONTHLY') conflict('"every month on the 15th" or "the first Monday of every month"')
      freq = 'MONTHLY'
      rule = day.kind === 'monthDay' ? { interval, byMonthDay: day.days } : nthRule(interval, day.positions, day.weekdays)
      break
    case 'date':
      if (day.year !== undefined) refused(`"${reading.daySaid}" is one date (it has a year); for a yearly repeat leave the year out, e.g. "every year on March 3", or start from it, e.g. "every day at 9am from 2028-03-03".`)
      if (freq !== undefined && freq !== 'YEARLY') conflict('"every year on March 3"')
      freq = 'YEARLY'
      rule = { interval, byMonth: day.month, byMonthDay: [day.day] }
      break
    case 'endOf':
      // "every day at the end of the month": its last day, each month.
      if (day.period !== 'month' || (freq !== undefined && freq !== 'MONTHLY' && !(freq === 'DAILY' && interval === 1))) conflict('"the last day of every month"')
      rule = { interval: freq === 'MONTHLY' ? interval : 1, byMonthDay: [-1] }
      freq = 'MONTHLY'
      break
    case 'offset':
    case 'startOf':
      // "every day at 9 tomorrow onwards", "next week, every monday": a day that starts the repeat.
      if (from) unreadable(`it gives two starts ("${reading.daySaid}" and "${reading.from?.said}"); keep one.`)
      from = { day }
  }
  const per = perPeriodClocks(reading, freq, rule)
  freq = per.freq ?? freq ?? (reading.times.length > 0 || reading.dayPart ? 'DAILY' : unreadable(`it does not say how often; write e.g. "every day at 9am" or "every week".`))
  rule = per.rule ?? rule
  let full: CalendarRule = { ...rule, freq }
  if (reading.except) full = withoutDays(full, reading.except)
  const explicit = reading.times.map((time) => clockOf(time, reading.dayPart, context) ?? DEFAULT_TIME)
  const named = full.byDay !== undefined || full.byMonthDay !== undefined
  const clocks = explicit.length > 0 ? explicit : (per.clocks ?? (reading.dayPart ? [clockOf(undefined, reading.dayPart, context) ?? DEFAULT_TIME] : named ? [DEFAULT_TIME] : undefined))
  const plan = planRule(full, clocks, from, context)
  return explicit.length === 0 && !per.clocks && !reading.dayPart && named ? { ...plan, note: ASSUMED_NOTE } : plan
}

/** "the first monday" (BYDAY=1MO), "the 1st and 3rd tuesday" (BYDAY=1TU,3TU), "the last weekday" (BYDAY=MO,…,FR;BYSETPOS=-1). */
function nthRule(interval: number, positions: readonly number[], weekdays: readonly number[]): Omit<CalendarRule, 'freq'> {
  const [weekday] = weekdays
  if (weekdays.length === 1 && weekday !== undefined) return { interval, byDay: positions.map((nth): RuleDay => ({ weekday, nth })) }
  return { interval, byDay: weekdays.map((day) => ({ weekday: day })), bySetPos: positions }
}

/** "twice a day" (09:00 and 21:00 unless times are given), "once a week", "twice a week on monday and thursday". */
function perPeriodClocks(reading: Reading, freq: Frequency | undefined, rule: Omit<CalendarRule, 'freq'>): { freq?: Frequency; rule?: Omit<CalendarRule, 'freq'>; clocks?: TimeOfDay[] } {
  const per = reading.perPeriod
  if (!per) return {}
  if ('ms' in per.unit) unreadable(`"${per.said}": for more than once an hour, write e.g. "every 20 minutes".`)
  const { count, unit, said } = per
  if (count === 1) {
    if (freq !== undefined && freq !== unit.freq) unreadable(`"${said}" and "every ${reading.spanSaid}" do not go together; keep one.`)
    return freq === undefined ? { freq: unit.freq, rule: { ...rule, interval: unit.periods } } : {}
  }
  if (unit.freq === 'DAILY') {
    if (reading.times.length > 0 && reading.times.length !== count) unreadable(`"${said}" but ${reading.times.length} times are given; give ${count}, or leave them out.`)
    const hours = HOURS_FOR_TIMES_A_DAY[count] ?? unreadable(`"${said}": say the times, e.g. "at 8, 11, 14, 17 and 20", or repeat by hours, e.g. "every 3 hours from 8am to 8pm".`)
    return { freq: freq ?? 'DAILY', clocks: hours.map((hour) => ({ hour, minute: 0, second: 0 })) }
  }
  const picked = rule.byDay?.length ?? rule.byMonthDay?.length ?? 0
  if (picked !== count || (unit.freq === 'WEEKLY' && freq !== 'WEEKLY') || (unit.freq === 'MONTHLY' && freq !== 'MONTHLY') || unit.freq === 'YEARLY') {
    unreadable(`"${said}": say which days, e.g. ${unit.freq === 'WEEKLY' ? '"every Monday and Thursday at 9am"' : '"on the 1st and 15th of every month at 9am"'}.`)
  }
  return {}
}

/** "every day except weekends" is every weekday; "every weekday except friday" leaves Friday out. */
function withoutDays(rule: CalendarRule, except: readonly number[]): CalendarRule {
  const daily = rule.freq === 'DAILY' && rule.interval === 1
  const weekly = rule.freq === 'WEEKLY' && rule.byDay !== undefined
  if (!daily && !weekly) unreadable(`"except" leaves days of the week out of a daily or weekly repeat, e.g. "every day at 9am except weekends".`)
  const days = (daily ? [...ALL_WEEKDAYS] : (rule.byDay ?? []).map((day) => day.weekday)).filter((day) => !except.includes(day))
  if (days.length === 0) unreadable(`that leaves no day to run on.`)
  return { ...rule, freq: 'WEEKLY', byDay: days.map((weekday) => ({ weekday })) }
}

/**
 * A calendar rule's timing: its first occurrence at or after now (or the
 * start given). Without times (`clocks` undefined) it keeps the current
 * time of day (or the start's) and starts one period from now; days the
 * rule leaves out come from its first day, written into the rule so that
 * nothing depends on where rrule starts.
 */
function planRule(rule: CalendarRule, clocks: readonly TimeOfDay[] | undefined, from: Moment | undefined, context: ScheduleContext, describe: (rule: CalendarRule, clocks: readonly TimeOfDay[]) => string = describeRule): Plan {
  const { now, timeZone } = context
  if (rule.interval > MAX_INTERVAL[rule.freq]) refused(`that is too far apart: a repeat is at most every 10 years.`)
  const fromNow = from && 'now' in from && from.now === true
  let searchFrom = from && !fromNow ? Math.max(now, resolveMoment(from, context, 'start').instant) : now
  const today = dateOf(wallTimeOf(now, timeZone))
  const dayOfFrom = from ? dateOf(wallTimeOf(searchFrom, timeZone)) : today
  let chosen = clocks ? sortedClocks(clocks) : undefined
  if (!chosen) {
    const fromClock = from?.time ? clockOf(from.time, from.dayPart, context) : undefined
    const wall = wallTimeOf(now, timeZone)
    chosen = [fromClock ?? { hour: wall.hour, minute: wall.minute, second: 0 }]
    if (!from) searchFrom = instantAt(addPeriods(today, rule.freq, rule.interval), MIDNIGHT, timeZone)
  }
  checkClocksFit(chosen)
  if (rule.bySetPos && chosen.length > 1) refused(`a day picked by its place in the month ("the last weekday") takes one time; plan one operation per time.`)
  const full: CalendarRule = {
    ...rule,
    ...(rule.freq === 'WEEKLY' && !rule.byDay ? { byDay: [{ weekday: weekdayOf(dayOfFrom) }] } : {}),
    ...((rule.freq === 'MONTHLY' || rule.freq === 'YEARLY') && !rule.byMonthDay && !rule.byDay ? { byMonthDay: [dayOfFrom.day] } : {}),
    ...(rule.freq === 'YEARLY' && rule.byMonth === undefined ? { byMonth: dayOfFrom.month } : {}),
  }
  const repeat: Repeat = { kind: 'rrule', rrule: ruleText(full, chosen), timeZone }
  const dueAt = firstOccurrence(full, chosen, searchFrom, timeZone)
  const check = nextOccurrence('check', { dueAt, repeat }, dueAt)
  if (check?.index !== 0 || check.dueAt !== dueAt) refused(`it could not be placed in ${timeZone}; try a simpler repeat, e.g. "every day at 9am".`)
  const since = from && !fromNow ? ` from ${formatDate(wallTimeOf(dueAt, timeZone))}` : ''
  return { dueAt, repeat, summary: `${describe(full, chosen)}${since}` }
}
