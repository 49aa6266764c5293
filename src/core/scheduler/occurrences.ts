/**
 * When an operation's occurrences are due: a pure function of its timing
 * fields, so every peer computes the same ids and times with no
 * coordination (SPEC OCC1–OCC4). RRULEs are expanded by `rrule` in floating
 * local time (wall times read as UTC, no zone), and each wall time is then
 * placed in the operation's zone by zonedTime.ts: rrule's own zone handling
 * would have to be trusted with DST, this keeps the rule there.
 */
import { hasExceptions, isExcepted, isSkipped, movedDueAt, type Exceptions } from './occurrenceExceptions.ts'
import { occurrenceId, type OccurrenceId } from './occurrenceIds.ts'
import { RRule, type RRuleOptions } from './rrule.ts'
import { instantOf, wallAsUtc, wallTimeFromUtcFields, wallTimeOf } from './zonedTime.ts'

export type Repeat =
  | { readonly kind: 'none' }
  | { readonly kind: 'every'; readonly everyMs: number }
  /** An RFC 5545 RRULE (without DTSTART, which is `dueAt`), in an IANA zone. */
  | { readonly kind: 'rrule'; readonly rrule: string; readonly timeZone: string }

export interface Timing {
  /** The first occurrence, ms since the epoch. */
  readonly dueAt: number
  readonly repeat: Repeat
  /** At most this many occurrences; absent: no limit. */
  readonly times?: number
  /** No occurrence after this instant; absent: none. */
  readonly until?: number
  /**
   * Occurrences of the current plan skipped or moved one by one (OCC5): not
   * a timing edit (OP4), so ids stay. `times` and `until` count the rule's
   * own times: a moved occurrence exists if its rule time is within them.
   */
  readonly exceptions?: Exceptions
}

export interface Occurrence {
  readonly id: OccurrenceId
  /** 0 for the first. */
  readonly index: number
  readonly dueAt: number
}


/** Whether an RRULE operation's rule has any occurrence: one that never does is refused, and never walked (see feasibilityOptions). */
export function ruleOccurs(timing: Timing & { readonly repeat: { readonly kind: 'rrule' } }): boolean {
  return floatingRule(timing).occurs
}

/** Parses the rule part of an RRULE (with or without the `RRULE:` prefix); throws on what rrule cannot read. */
export function parseRule(rule: string): Partial<RRuleOptions> {
  return RRule.parseString(rule.trim().replace(/^RRULE:/i, ''))
}

/**
 * A floating rule and the checkpoints its walks have left: every
 * CHECKPOINT_EVERY occurrences, the index and wall time, so a later walk
 * resumes from the nearest one instead of expanding from the start.
 */
interface FloatingRule {
  readonly rule: RRule
  readonly options: Partial<RRuleOptions>
  /** Whether resuming mid-rule gives the same occurrences (see resumable). */
  readonly resumable: boolean
  readonly checkpoints: Array<{ readonly index: number; readonly date: Date }>
  readonly resumed: Map<number, RRule>
  /** False for a rule that never happens (February 30th): walking it would scan to the year 9999. */
  readonly occurs: boolean
}

/** Floating rules, by rule text, zone and start: building one parses the rule. */
const rules = new Map<string, FloatingRule>()
const MAX_CACHED_RULES = 1000
/**
 * Whether each rule ever happens, kept apart from the rules and far longer:
 * refusing a monthly rule that never does costs a scan of up to 96,000
 * periods (a quarter of a second), which a peer's junk must not make us pay
 * again each time the rule cache is cleared.
 */
const verdicts = new Map<string, boolean>()
const MAX_VERDICTS = 100_000
const CHECKPOINT_EVERY = 256

/**
 * rrule derives parts a rule leaves out from its start (the day of a
 * monthly rule, the time of a daily one). Written out from the real start,
 * they stay the same when a walk resumes from a later occurrence.
 */
function withStartDefaults(options: Partial<RRuleOptions>, start: Date): Partial<RRuleOptions> {
  const filled: Partial<RRuleOptions> = { ...options }
  const freq = options.freq ?? RRule.DAILY
  if (!(options.byweekno || options.byyearday || options.bymonthday || options.byweekday)) {
    if (freq === RRule.YEARLY) {
      filled.bymonth ??= start.getUTCMonth() + 1
      filled.bymonthday = start.getUTCDate()
    } else if (freq === RRule.MONTHLY) {
      filled.bymonthday = start.getUTCDate()
    } else if (freq === RRule.WEEKLY) {
      filled.byweekday = [(start.getUTCDay() + 6) % 7]
    }
  }
  if (freq < RRule.HOURLY) filled.byhour ??= start.getUTCHours()
  if (freq < RRule.MINUTELY) filled.byminute ??= start.getUTCMinutes()
  if (freq < RRule.SECONDLY) filled.bysecond ??= start.getUTCSeconds()
  return filled
}

/**
 * The rule whose first occurrence tells whether `options` ever has one.
 * rrule gives up on a rule that never happens (February 30th) only at the
 * year 9999, however near its UNTIL, and never stops early on periods that
 * yield nothing: for an hourly rule that is 70 million periods, seconds of
 * a host's thread. A monthly or yearly rule is checked as it is (at most
 * 96,000 periods); a finer one by its days alone, as a yearly rule, since
 * its times of day always exist (operations.ts refuses the BYSETPOS and
 * INTERVAL combinations this would misjudge).
 */
function feasibilityOptions(options: Partial<RRuleOptions>): Partial<RRuleOptions> {
  if ((options.freq ?? RRule.DAILY) <= RRule.MONTHLY) return options
  const { bymonth, bymonthday, byyearday, byweekno, byweekday, until } = options
  // No day filter: every day qualifies, so a yearly rule on the start's own day stands in for it.
  return hasDayFilter(options)
    ? { freq: RRule.YEARLY, bymonth: bymonth ?? null, bymonthday: bymonthday ?? null, byyearday: byyearday ?? null, byweekno: byweekno ?? null, byweekday: byweekday ?? null, until: until ?? null }
    : { freq: RRule.YEARLY, until: until ?? null }
}

/** Whether a rule picks days (by month, day of month or year, week number or weekday). */
export function hasDayFilter(options: Partial<RRuleOptions>): boolean {
  return [options.bymonth, options.bymonthday, options.byyearday, options.byweekno, options.byweekday].some((part) => part !== undefined && part !== null && (!Array.isArray(part) || part.length > 0))
}

/**
 * An hourly rule every I hours from hour h only reaches the hours ≡ h
 * (mod gcd(I, 24)); a BYHOUR outside them never happens, and the
 * feasibility rule, which looks at days, cannot see it.
 */
function hoursReachable(options: Partial<RRuleOptions>, start: Date): boolean {
  const interval = options.interval ?? 1
  if (options.freq !== RRule.HOURLY || interval <= 1 || options.byhour === undefined || options.byhour === null) return true
  const step = greatestCommonDivisor(interval, 24)
  const hours = Array.isArray(options.byhour) ? options.byhour : [options.byhour]
  return hours.some((hour) => (((hour - start.getUTCHours()) % step) + step) % step === 0)
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b)
}

/** Rules whose every period is anchored to its start's calendar (no BYSETPOS, BYWEEKNO, BYYEARDAY): resuming at an occurrence keeps their periods. */
function resumable(options: Partial<RRuleOptions>): boolean {
  return !options.bysetpos && !options.byweekno && !options.byyearday && !options.byeaster
}

function floatingRule(timing: Timing & { readonly repeat: { readonly kind: 'rrule' } }): FloatingRule {
  const key = `${timing.repeat.rrule}\n${timing.repeat.timeZone}\n${timing.dueAt}`
  let known = rules.get(key)
  if (!known) {
    const { timeZone } = timing.repeat
    const start = new Date(wallAsUtc(wallTimeOf(timing.dueAt, timeZone)))
    const parsed = parseRule(timing.repeat.rrule)
    // An UNTIL in UTC (…Z) is an instant; this rule runs on wall times, so it becomes the zone's wall time then.
    const until = parsed.until && /UNTIL=[0-9T]+Z/i.test(timing.repeat.rrule) ? new Date(wallAsUtc(wallTimeOf(parsed.until.getTime(), timeZone))) : parsed.until
    const options = withStartDefaults({ ...parsed, until: until ?? null, tzid: null }, start)
    const rule = new RRule({ ...options, dtstart: start })
    let occurs = verdicts.get(key)
    if (occurs === undefined) {
      occurs = false
      if (hoursReachable(options, start)) new RRule({ ...feasibilityOptions(options), dtstart: start }).all(() => ((occurs = true), false))
      if (verdicts.size >= MAX_VERDICTS) verdicts.clear()
      verdicts.set(key, occurs)
    }
    known = { rule, options, resumable: resumable(parsed), checkpoints: [], resumed: new Map(), occurs }
    if (rules.size >= MAX_CACHED_RULES) rules.clear()
    rules.set(key, known)
  }
  return known
}

/** The rule to walk from, and the index of its first occurrence: the nearest checkpoint at or before `fromIndex`, or the start. */
function startingPoint(floating: FloatingRule, fromIndex: number): { readonly rule: RRule; readonly offset: number } {
  if (!floating.resumable) return { rule: floating.rule, offset: 0 }
  let checkpoint: { readonly index: number; readonly date: Date } | undefined
  for (const candidate of floating.checkpoints) if (candidate.index <= fromIndex && candidate.index > (checkpoint?.index ?? 0)) checkpoint = candidate
  if (!checkpoint) return { rule: floating.rule, offset: 0 }
  let rule = floating.resumed.get(checkpoint.index)
  if (!rule) {
    const { count } = floating.options
    rule = new RRule({ ...floating.options, dtstart: checkpoint.date, count: typeof count === 'number' ? count - checkpoint.index : null })
    floating.resumed.set(checkpoint.index, rule)
  }
  return { rule, offset: checkpoint.index }
}

function withinLimits(timing: Timing, index: number, dueAt: number): boolean {
  return (timing.times === undefined || index < timing.times) && (timing.until === undefined || dueAt <= timing.until)
}

/**
 * The first occurrence at or after `from` whose index is at least
 * `fromIndex`, or undefined when the operation has none left. Walking from
 * the queue's last known occurrence (`fromIndex`) costs one step per
 * occurrence skipped for an RRULE, and nothing for `every`.
 */
export function nextOccurrence(operationId: string, timing: Timing, from: number, fromIndex = 0): Occurrence | undefined {
  const { repeat, exceptions } = timing
  if (repeat.kind === 'none') {
    const dueAt = movedDueAt(exceptions, 0) ?? timing.dueAt
    return fromIndex === 0 && dueAt >= from && !isSkipped(exceptions, 0) && withinLimits(timing, 0, timing.dueAt) ? { id: occurrenceId(operationId, 0), index: 0, dueAt } : undefined
  }
  if (repeat.kind === 'every') {
    let index = Math.max(fromIndex, Math.ceil((from - timing.dueAt) / repeat.everyMs), 0)
    // From +Infinity (or NaN) there is no next one, not an occurrence "#Infinity".
    if (!Number.isSafeInteger(index)) return undefined
    if (!hasExceptions(exceptions)) return everyOccurrence(operationId, timing, repeat.everyMs, index)
    // The first at its own time from there (a step per exception, at most), or a moved one before it that is due from `from` on.
    while (isExcepted(exceptions, index)) index++
    const unmoved = everyOccurrence(operationId, timing, repeat.everyMs, index)
    const moved = exceptions.moved?.find((entry) => entry.index >= fromIndex && entry.dueAt >= from && !isSkipped(exceptions, entry.index) && withinLimits(timing, entry.index, timing.dueAt + entry.index * repeat.everyMs))
    return moved && (!unmoved || moved.index < unmoved.index) ? { id: occurrenceId(operationId, moved.index), index: moved.index, dueAt: moved.dueAt } : unmoved
  }
  let found: Occurrence | undefined
  walkRule(operationId, { ...timing, repeat }, fromIndex, (occurrence) => {
    if (occurrence.dueAt < from) return true
    found = occurrence
    return false
  })
  return found
}

/** Occurrence `index` of an `every` repeat at its own time, if within the limits. */
function everyOccurrence(operationId: string, timing: Timing, everyMs: number, index: number): Occurrence | undefined {
  const dueAt = timing.dueAt + index * everyMs
  return withinLimits(timing, index, dueAt) ? { id: occurrenceId(operationId, index), index, dueAt } : undefined
}

/**
 * Visits an RRULE's occurrences from `fromIndex` on, in order, within the
 * operation's limits, until `visit` returns false. rrule always expands from
 * the start; the ones before `fromIndex` are only counted, not placed in the
 * zone (that, not rrule, is most of a step's cost).
 */
function walkRule(operationId: string, timing: Timing & { readonly repeat: { readonly kind: 'rrule' } }, fromIndex: number, visit: (occurrence: Occurrence) => boolean): void {
  const floating = floatingRule(timing)
  if (!floating.occurs) return
  const { rule, offset } = startingPoint(floating, fromIndex)
  rule.all((date, position) => {
    const index = offset + position
    if (index % CHECKPOINT_EVERY === 0 && index > (floating.checkpoints.at(-1)?.index ?? 0)) floating.checkpoints.push({ index, date })
    if (index < fromIndex) return timing.times === undefined || index < timing.times
    const ruleDueAt = instantOf(wallTimeFromUtcFields(date), timing.repeat.timeZone)
    if (!withinLimits(timing, index, ruleDueAt)) return false
    if (isSkipped(timing.exceptions, index)) return true
    return visit({ id: occurrenceId(operationId, index), index, dueAt: movedDueAt(timing.exceptions, index) ?? ruleDueAt })
  })
}

/** The last occurrence due at or before `at` whose index is at least `fromIndex`: what the `latest` catch-up runs (SPEC CU2). */
export function latestOccurrence(operationId: string, timing: Timing, at: number, fromIndex = 0): Occurrence | undefined {
  const { repeat, exceptions } = timing
  if (repeat.kind === 'every') {
    let index = Math.floor((at - timing.dueAt) / repeat.everyMs)
    if (timing.times !== undefined) index = Math.min(index, timing.times - 1)
    if (timing.until !== undefined) index = Math.min(index, Math.floor((timing.until - timing.dueAt) / repeat.everyMs))
    if (!hasExceptions(exceptions)) return index >= fromIndex && index >= 0 ? { id: occurrenceId(operationId, index), index, dueAt: timing.dueAt + index * repeat.everyMs } : undefined
    // The last at its own time up to there, or a moved one after it that is due by `at`.
    while (index >= fromIndex && index >= 0 && isExcepted(exceptions, index)) index--
    const unmoved = index >= fromIndex && index >= 0 ? { id: occurrenceId(operationId, index), index, dueAt: timing.dueAt + index * repeat.everyMs } : undefined
    const moved = exceptions.moved?.findLast((entry) => entry.index >= fromIndex && entry.dueAt <= at && !isSkipped(exceptions, entry.index) && withinLimits(timing, entry.index, timing.dueAt + entry.index * repeat.everyMs))
    return moved && (!unmoved || moved.index > unmoved.index) ? { id: occurrenceId(operationId, moved.index), index: moved.index, dueAt: moved.dueAt } : unmoved
  }
  if (repeat.kind === 'none') {
    const dueAt = movedDueAt(exceptions, 0) ?? timing.dueAt
    return fromIndex === 0 && dueAt <= at && !isSkipped(exceptions, 0) && withinLimits(timing, 0, timing.dueAt) ? { id: occurrenceId(operationId, 0), index: 0, dueAt } : undefined
  }
  let latest: Occurrence | undefined
  walkRule(operationId, { ...timing, repeat }, fromIndex, (occurrence) => {
    if (occurrence.dueAt > at) return false
    latest = occurrence
    return true
  })
  return latest
}

/** Occurrence `index` as the plan has it (moved, or undefined when skipped or beyond its limits). */
export function occurrenceAt(operationId: string, timing: Timing, index: number): Occurrence | undefined {
  const found = nextOccurrence(operationId, timing, Number.NEGATIVE_INFINITY, index)
  return found?.index === index ? found : undefined
}

/** Occurrences `from` (inclusive) to `to` (exclusive) in due order, at most `limit` of them: previews and the agenda. */
export function occurrencesBetween(operationId: string, timing: Timing, from: number, to: number, limit: number): Occurrence[] {
  const found: Occurrence[] = []
  let next = nextOccurrence(operationId, timing, from)
  while (next && next.dueAt < to && found.length < limit) {
    found.push(next)
    // By index, not time: a wall time moved forward out of a DST gap can fall after the next one.
    next = nextOccurrence(operationId, timing, -Infinity, next.index + 1)
  }
  return found
}
