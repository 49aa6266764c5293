/**
 * Reads a normalised schedule phrase into its parts, in whatever order a
 * person wrote them: "every monday at 9am", "at 9am every monday" and
 * "mondays at 9am" give the same Reading. Each reader below recognises one
 * kind of clause at the current word and fills its slot; a word none of
 * them knows is reported, quoted. What the parts mean together (a one-off
 * or a repeat, which rule) is decided by the planner (phrasePlans.ts).
 */
import { dayAt, monthSuffixAt, weekdayListAt, type DayWord } from './phraseDays.ts'
import { dayPartAt, numberAt, ordinalAt, spanAt, timeAt, unitOfWord, unreadable, weekdaysOfWord, type DayPart, type Read, type Span, type TimeRead, type Unit } from './phraseWords.ts'

export type { DayWord } from './phraseDays.ts'

/** A point in time as written after "from" or "until". */
export interface MomentRead {
  readonly day?: DayWord
  readonly time?: TimeRead
  readonly dayPart?: DayPart
  readonly now?: boolean
  /** The words, for messages. */
  readonly said: string
}

export interface Reading {
  /** "every", a plural day ("mondays"), "of every month", "twice a day": it repeats. */
  repeats: boolean
  /** "every other tuesday", "every 2nd friday": weeks between. */
  interval?: number
  /** "every 2 hours", "every quarter". */
  span?: Span
  spanSaid?: string
  /** "in 20 minutes". */
  relative?: Span
  relativeSaid?: string
  /** "now", "right away". */
  now: boolean
  day?: DayWord
  daySaid?: string
  times: TimeRead[]
  dayPart?: DayPart
  /** "twice a day", "3 times a week". */
  perPeriod?: { readonly count: number; readonly unit: Unit; readonly said: string }
  /** "except weekends". */
  except?: readonly number[]
  from?: MomentRead
  until?: MomentRead
  /** "from 8am until 6pm", "between 9 and 5": the hours a short repeat runs in, each day. */
  window?: { readonly start: TimeRead; readonly end: TimeRead; readonly said: string }
  /** "10 times". */
  count?: number
  /** "for 2 weeks". */
  lasting?: Span
  lastingSaid?: string
  /** "every hour on the hour". */
  onTheHour: boolean
}

type Reader = (tokens: readonly string[], at: number, reading: Reading) => number | undefined

const words = (tokens: readonly string[], from: number, to: number): string => tokens.slice(from, to).join(' ')

/** Reads the whole phrase; throws PhraseProblem naming the first words it does not know. */
export function readPhrase(text: string): Reading {
  const tokens = text.split(' ').filter((token) => token !== '')
  const reading: Reading = { repeats: false, now: false, times: [], onTheHour: false }
  for (let at = 0; at < tokens.length; ) {
    let next: number | undefined
    for (const read of READERS) {
      next = read(tokens, at, reading)
      if (next !== undefined) break
    }
    if (next === undefined) unknownWord(tokens, at, reading)
    at = next
  }
  return reading
}

/** Words that say nothing on their own, with what they take. */
const NEEDS_WORDS_AFTER: Readonly<Record<string, string>> = {
  at: 'at 9am',
  on: 'on Friday',
  from: 'from 9am',
  until: 'until Friday',
  in: 'in 20 minutes',
  every: 'every day at 9am',
  for: 'for 2 weeks',
  starting: 'starting tomorrow',
  between: 'between 9am and 5pm',
}

function unknownWord(tokens: readonly string[], at: number, reading: Reading): never {
  const word = tokens[at] ?? ''
  if (/^\d{1,2}\/\d{1,2}(\/\d{2,4})?$/.test(word)) unreadable(`"${word}" is read as different dates in different countries; write e.g. "2027-01-15" or "15 January".`)
  const unit = tokens[at + 1] ?? ''
  if (/^\d+(\.\d+)?$/.test(word) && unitOfWord(unit) !== undefined) unreadable(`"${word} ${unit}" needs "in" or "every" before it: write e.g. "in ${word} ${unit}" or "every ${word} ${unit}".`)
  if (/^\d+$/.test(word)) unreadable(`"${word}" on its own is neither a time nor a length of time; write e.g. "at ${word}am", "in ${word} minutes" or "every ${word} days".`)
  const example = NEEDS_WORDS_AFTER[word]
  if (example !== undefined) unreadable(`"${word}" needs something after it, e.g. "${example}".`)
  const examples = reading.repeats ? '"every Tuesday at 10am", "every other day at 8" or "every 2 hours from 8am until 6pm"' : '"in 20 minutes", "tomorrow at 9am" or "every Tuesday at 10am"'
  return unreadable(`I do not know "${word}" in a schedule. Try e.g. ${examples}.`)
}

/** "every" and what it repeats by: "every 2 hours", "every other week", "every quarter", "every 2nd tuesday" (weeks apart). */
const readEvery: Reader = (tokens, at, reading) => {
  if (tokens[at] !== 'every') return undefined
  reading.repeats = true
  let next = at + 1
  let interval: number | undefined
  if (tokens[next] === 'other') {
    interval = 2
    next++
  } else {
    const ordinal = ordinalAt(tokens, next)
    const number = ordinal ? undefined : numberAt(tokens, next)
    const counted = ordinal ?? number
    const after = tokens[counted?.next ?? next] ?? ''
    const namesWeekday = weekdaysOfWord(after) !== undefined
    // "every 2nd tuesday" is every other one, as "every 2nd day" is; "every first monday" and "every 3rd of the month" name a day of the month.
    const countsPeriods = ordinal ? ordinal.value >= 2 && (namesWeekday || unitOfWord(after) !== undefined) && !monthAhead(tokens, ordinal.next) : namesWeekday
    if (counted && countsPeriods) {
      interval = counted.value
      next = counted.next
    }
  }
  const span = spanAt(tokens, next, true)
  if (span) {
    if (span.value.some((part) => !(part.amount > 0))) unreadable(`"${words(tokens, at, span.next)}": the amount must be more than zero, e.g. "every 5 minutes".`)
    const [part] = span.value
    const scaled = interval !== undefined && span.value.length === 1 && part && part.amount === 1 ? [{ ...part, amount: interval }] : span.value
    if (reading.span) unreadable(`it says how often twice ("every ${reading.spanSaid}" and "${words(tokens, at, span.next)}"); keep one.`)
    reading.span = scaled
    reading.spanSaid = words(tokens, at + 1, span.next)
    return span.next
  }
  if (interval !== undefined) {
    if (!weekdaysOfWord(tokens[next] ?? '')) unreadable(`"${words(tokens, at, next + 1)}" is not a repeat I know; write e.g. "every other Tuesday" or "every 2 weeks".`)
    reading.interval = interval
  }
  return next
}

/** Whether "of the month" (or "of every month") follows: "2nd tuesday of the month", "3rd day of the month". */
function monthAhead(tokens: readonly string[], at: number): boolean {
  const next = tokens[at] === 'day' || weekdaysOfWord(tokens[at] ?? '') ? at + 1 : at
  return monthSuffixAt(tokens, next) !== undefined
}

/** "in 20 minutes", "in half an hour"; "in the morning" is a part of the day. */
const readIn: Reader = (tokens, at, reading) => {
  if (tokens[at] !== 'in' || tokens[at + 1] === 'the') return undefined
  const span = spanAt(tokens, at + 1, false)
  if (!span) return unreadable(`"${words(tokens, at, at + 3)}" is not a length of time I can read; write e.g. "in 20 minutes", "in half an hour" or "in 3 days".`)
  if (reading.relative) unreadable(`it says "in" twice; keep one, e.g. "in 2 hours".`)
  reading.relative = span.value
  reading.relativeSaid = words(tokens, at, span.next)
  return span.next
}

/** "from 9am", "starting tomorrow", "from 8am until 6pm" (a window when both are times of day), "from monday to friday". */
const readFrom: Reader = (tokens, at, reading) => {
  const word = tokens[at]
  if (word !== 'from' && word !== 'starting' && word !== 'beginning' && word !== 'starts') return undefined
  let next = at + 1
  if (word !== 'from' && ['on', 'at', 'from'].includes(tokens[next] ?? '')) next++
  const start = momentAt(tokens, next) ?? unreadable(`"${words(tokens, at, next + 2)}" is not a start I can read; write e.g. "from 9am", "from tomorrow" or "starting 2027-11-01".`)
  if (reading.from) unreadable(`it gives two starts ("${reading.from.said}" and "${start.value.said}"); keep one.`)
  next = start.next
  if (['to', 'until', 'till', 'til', 'through'].includes(tokens[next] ?? '')) {
    const end = momentAt(tokens, next + 1) ?? unreadable(`"${words(tokens, next, next + 2)}" is not an end I can read; write e.g. "from 8am until 6pm".`)
    setRange(reading, start.value, end.value, words(tokens, at, end.next))
    return end.next
  }
  reading.from = start.value
  return next
}

/** "between 9 and 5": a window of hours, or from one day to another. */
const readBetween: Reader = (tokens, at, reading) => {
  if (tokens[at] !== 'between') return undefined
  const start = momentAt(tokens, at + 1)
  const end = start && tokens[start.next] === 'and' ? momentAt(tokens, start.next + 1) : undefined
  if (!start || !end) return unreadable(`"${words(tokens, at, at + 4)}" is not a range I can read; write e.g. "between 9am and 5pm".`)
  setRange(reading, start.value, end.value, words(tokens, at, end.next))
  return end.next
}

function setRange(reading: Reading, start: MomentRead, end: MomentRead, said: string): void {
  // "every day at 9am from monday to friday": a range of weekdays, i.e. each of them.
  if (start.day?.kind === 'weekday' && end.day?.kind === 'weekday' && !start.time && !end.time && start.day.weekdays.length === 1 && end.day.weekdays.length === 1) {
    const [first = 0, last = 0] = [start.day.weekdays[0], end.day.weekdays[0]]
    const days: number[] = []
    for (let day = first; day !== (last + 1) % 7; day = (day + 1) % 7) days.push(day)
    setDay(reading, { kind: 'weekday', weekdays: days.sort((a, b) => a - b), which: 'coming' }, said)
    reading.repeats = true
    return
  }
  // "from 9am to 5pm" (each day), or "from 9am to 5pm on monday": the day belongs to the whole range.
  if (start.time && end.time && !start.now && !end.now && (!start.day || !end.day)) {
    if (reading.window) unreadable(`it gives two ranges of hours; keep one, e.g. "from 8am until 6pm".`)
    reading.window = { start: start.time, end: end.time, said }
    const day = start.day ?? end.day
    if (day) setDay(reading, day, said)
    return
  }
  if (reading.from || reading.until) unreadable(`it gives two starts or ends ("${said}"); keep one of each.`)
  reading.from = start
  reading.until = end
}

/** "until friday", "till 2027-06-30", "until 6pm". */
const readUntil: Reader = (tokens, at, reading) => {
  const word = tokens[at]
  if (word !== 'until' && word !== 'till' && word !== 'til' && word !== 'through' && word !== 'ending') return undefined
  const next = word === 'ending' && tokens[at + 1] === 'on' ? at + 2 : at + 1
  const end = momentAt(tokens, next) ?? unreadable(`"${words(tokens, at, next + 2)}" is not an end I can read; write e.g. "until 2027-06-30", "until friday" or "until 6pm".`)
  if (reading.until) unreadable(`it gives two ends ("${reading.until.said}" and "${end.value.said}"); keep one.`)
  reading.until = end.value
  return end.next
}

/** "for 2 weeks", "for 10 times", "for the next 3 days". */
const readFor: Reader = (tokens, at, reading) => {
  if (tokens[at] !== 'for') return undefined
  let next = at + 1
  if (tokens[next] === 'the' && (tokens[next + 1] === 'next' || tokens[next + 1] === 'following')) next += 2
  const count = countAt(tokens, next, reading)
  if (count !== undefined) return count
  const span = spanAt(tokens, next, false) ?? unreadable(`"${words(tokens, at, next + 2)}" is not a length of time I can read; write e.g. "for 2 weeks" or "for 10 times".`)
  reading.lasting = span.value
  reading.lastingSaid = words(tokens, next, span.next)
  return span.next
}

const TIMES_WORDS: Readonly<Record<string, number>> = { once: 1, twice: 2, thrice: 3 }

/** "10 times", "twice a day", "3 times per week", "once a month". */
function countAt(tokens: readonly string[], at: number, reading: Reading): number | undefined {
  let count: Read<number> = TIMES_WORDS[tokens[at] ?? ''] === undefined ? undefined : { value: TIMES_WORDS[tokens[at] ?? ''] ?? 1, next: at + 1 }
  if (!count) {
    // "a" is one of something ("in a week"), never a count ("a times").
    const number = tokens[at] === 'a' || tokens[at] === 'an' ? undefined : numberAt(tokens, at)
    count = number && /^times?$/.test(tokens[number.next] ?? '') ? { value: number.value, next: number.next + 1 } : undefined
  }
  if (!count) return undefined
  const per = ['a', 'an', 'per', 'every', 'each'].includes(tokens[count.next] ?? '') ? unitOfWord(tokens[count.next + 1] ?? '') : undefined
  if (per) {
    if (!Number.isSafeInteger(count.value) || count.value < 1) unreadable(`"${words(tokens, at, count.next + 2)}": say a whole number of times, e.g. "twice a day".`)
    reading.perPeriod = { count: count.value, unit: per, said: words(tokens, at, count.next + 2) }
    reading.repeats = true
    return count.next + 2
  }
  // "once" alone is a one-off, which is what a phrase without "every" means anyway.
  if (tokens[at] === 'once') return count.next
  if (!Number.isSafeInteger(count.value) || count.value < 1) unreadable(`"${words(tokens, at, count.next)}": the count must be a whole number of at least 1, e.g. "10 times".`)
  if (reading.count !== undefined) unreadable(`it gives two counts; keep one, e.g. "10 times".`)
  reading.count = count.value
  return count.next
}

const readCount: Reader = (tokens, at, reading) => countAt(tokens, at, reading)

/** "except weekends", "but not on sundays". */
const readExcept: Reader = (tokens, at, reading) => {
  let next = at
  if (tokens[next] === 'except' || tokens[next] === 'excluding') next++
  else if (tokens[next] === 'but' && tokens[next + 1] === 'not') next += 2
  else return undefined
  if (tokens[next] === 'on' || tokens[next] === 'for') next++
  const days = weekdayListAt(tokens, next) ?? unreadable(`"${words(tokens, at, next + 1)}": I can leave out days of the week, e.g. "every day at 9am except weekends".`)
  reading.except = days.value.days
  return days.next
}

const readOnTheHour: Reader = (tokens, at, reading) => {
  if (tokens[at] !== 'on' || tokens[at + 1] !== 'the' || tokens[at + 2] !== 'hour') return undefined
  reading.onTheHour = true
  return at + 3
}

const readNow: Reader = (tokens, at, reading) => {
  const next = tokens[at] === 'right' && tokens[at + 1] === 'now' ? at + 2 : ['now', 'immediately', 'asap'].includes(tokens[at] ?? '') ? at + 1 : undefined
  if (next !== undefined) reading.now = true
  return next
}

const readDay: Reader = (tokens, at, reading) => {
  const day = dayAt(tokens, at)
  if (!day) return undefined
  setDay(reading, day.value.day, words(tokens, at, day.next))
  if (day.value.repeats) reading.repeats = true
  return day.next
}

function setDay(reading: Reading, day: DayWord, said: string): void {
  const known = reading.day
  if (!known) {
    reading.day = day
    reading.daySaid = said
    return
  }
  // "next week on tuesday", "tuesday next week".
  const [weekday, week] = known.kind === 'weekday' ? [known, day] : [day, known]
  if (weekday.kind === 'weekday' && week.kind === 'startOf' && week.period === 'week') {
    reading.day = { ...weekday, which: 'nextWeek' }
  } else if (known.kind === 'weekday' && day.kind === 'weekday' && known.which === day.which) {
    reading.day = { ...known, weekdays: [...new Set([...known.weekdays, ...day.weekdays])].sort((a, b) => a - b) }
  } else {
    unreadable(`it names two days ("${reading.daySaid}" and "${said}"); keep one, or list weekdays, e.g. "every Monday and Thursday".`)
  }
  reading.daySaid = `${reading.daySaid} ${said}`
}

const readDayPart: Reader = (tokens, at, reading) => {
  const part = dayPartAt(tokens, at)
  if (!part) return undefined
  if (reading.dayPart && reading.dayPart !== part.value.part) unreadable(`it names two parts of the day ("${reading.dayPart}" and "${part.value.part}"); keep one.`)
  reading.dayPart = part.value.part
  if (part.value.today) setDay(reading, { kind: 'offset', days: 0 }, words(tokens, at, part.next))
  if (/s$/.test(tokens[part.next - 1] ?? '')) reading.repeats = true
  return part.next
}

/** "8am to 8pm" without "from": a range of hours. */
const readTimeRange: Reader = (tokens, at, reading) => {
  const start = timeAt(tokens, at)
  if (!start || tokens[start.next] !== 'to') return undefined
  const end = timeAt(tokens, start.next + 1)
  if (!end) return undefined
  setRange(reading, { time: start.value, said: words(tokens, at, start.next) }, { time: end.value, said: words(tokens, start.next + 1, end.next) }, words(tokens, at, end.next))
  return end.next
}

const readTime: Reader = (tokens, at, reading) => {
  const time = timeAt(tokens, at)
  if (!time) return undefined
  reading.times.push(time.value)
  return time.next
}

/** Words that only join the others: "at 9am on monday and friday". */
const readFiller: Reader = (tokens, at) => {
  const word = tokens[at] ?? ''
  if (!['at', 'on', 'and', 'the', 'of', 'please', 'then'].includes(word)) return undefined
  return at + 1 < tokens.length ? at + 1 : undefined
}

const READERS: readonly Reader[] = [readEvery, readIn, readFrom, readBetween, readUntil, readFor, readCount, readExcept, readOnTheHour, readNow, readDay, readDayPart, readTimeRange, readTime, readFiller]

/** A day, a time and a part of the day, in any order, as after "from" or "until"; stops at the first word that is none of them. */
export function momentAt(tokens: readonly string[], at: number): Read<MomentRead> {
  let next = at
  let day: DayWord | undefined
  let time: TimeRead | undefined
  let dayPart: DayPart | undefined
  let now = false
  for (;;) {
    const skip = tokens[next] === 'on' || tokens[next] === 'at' ? 1 : 0
    // A repeating day ("on weekdays") belongs to the repeat, not to this moment.
    const candidateDay = day ? undefined : dayAt(tokens, next + skip)
    const foundDay = candidateDay?.value.repeats ? undefined : candidateDay
    const foundPart = foundDay || dayPart ? undefined : dayPartAt(tokens, next + skip)
    const foundTime = foundDay || foundPart || time ? undefined : timeAt(tokens, next + skip)
    if (foundDay) [day, next] = [foundDay.value.day, foundDay.next]
    else if (foundPart) [dayPart, day, next] = [foundPart.value.part, foundPart.value.today ? { kind: 'offset', days: 0 } : day, foundPart.next]
    else if (foundTime) [time, next] = [foundTime.value, foundTime.next]
    else if (!now && !day && !time && tokens[next] === 'now') [now, next] = [true, next + 1]
    else break
  }
  if (next === at) return undefined
  return { value: { ...(day ? { day } : {}), ...(time ? { time } : {}), ...(dayPart ? { dayPart } : {}), ...(now ? { now } : {}), said: words(tokens, at, next) }, next }
}

