/**
 * Importing a calendar file (.ics) as reminders (SPEC ICS1–ICS4): each
 * VEVENT that can be planned becomes a `notify` operation (title from
 * SUMMARY, message from DESCRIPTION) that repeats by its RRULE in its time
 * zone, its EXDATEs skipped (OCC5); what cannot be imported is listed with
 * the reason. Pure: previewIcsImport reads the file into a preview the
 * person confirms, and reminderOperation makes each reminder's operation.
 *
 * The file is hostile input: icalendarReader.ts bounds its size and
 * shape, this module the number of events, the work spent checking them,
 * and how far back a rule may start (a walk from its start to today is
 * paid by every member's device).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { InvalidFields } from './InvalidFields.ts'
import { readCalendarTime, readCalendarTimes, readICalendar, readText, type CalendarTime, type Component } from './icalendarReader.ts'
import { zoneOfTzid } from './icsTimeZones.ts'
import { formatMoment, instantAt } from './localCalendar.ts'
import { MAX_SKIPPED } from './occurrenceExceptions.ts'
import { nextOccurrence, occurrencesBetween, parseRule, type Timing } from './occurrences.ts'
import { CatchUp, validateOperation, type NewOperation, type OperationId } from './operations.ts'
import { RRule, type RRuleOptions } from './rrule.ts'
import { LATEST_TIME, type SchedulerId } from './schedulers.ts'
import { instantOf, wallAsUtc, wallTimeFromUtcFields, wallTimeOf } from './zonedTime.ts'

/** Events an import reads at most: a year of a busy calendar; more is an export of everything, better split. */
export const MAX_IMPORTED_EVENTS = 500
/** Checking rules (OP3) can cost a quarter second each for one that never happens: past this, the rest of the file is not read. */
const CHECK_BUDGET_MS = 2_000
/** Occurrences a rule may have between its start and now: about a quarter second of walking, paid once by every member's device. */
const MAX_OCCURRENCES_BEFORE_NOW = 10_000
/** An all-day event is a reminder at 09:00, as a day without a time is in the schedule box (NL2). */
const ALL_DAY_HOUR = 9
const MAX_RULE_CHARS = 500
/** notifyKind's limits: a reminder's title and message are its notification's. */
const MAX_NOTIFY_TITLE_CHARS = 200
const MAX_NOTIFY_BODY_CHARS = 2_000
const PREVIEW_OCCURRENCES = 3

export interface IcsImportContext {
  /** ms since the epoch. */
  readonly now: number
  /** The device's zone: floating times and all-day events are read in it. */
  readonly timeZone: string
  /** ms since the import began, to stop within CHECK_BUDGET_MS; no limit without. */
  readonly elapsed?: () => number
  /** Whether the space has this operation already: an event imported before is not imported twice (ICS4). */
  readonly exists?: (id: OperationId) => boolean
}

export interface ImportableReminder {
  /** From the event's UID (and RECURRENCE-ID), so importing the file again finds it (ICS4). */
  readonly id: OperationId
  readonly title: string
  readonly body?: string
  readonly timing: Timing & { readonly planFrom?: number }
  /** "Once", or the rule and its zone, for the preview. */
  readonly repeats: string
  /** Its next occurrences from now. */
  readonly next: readonly number[]
}

export interface NotImported {
  /** The event as the person knows it: its title, or what stands for it. */
  readonly title: string
  readonly reason: string
}

export interface IcsImportPreview {
  readonly reminders: readonly ImportableReminder[]
  readonly notImported: readonly NotImported[]
}

/** Why an event is not imported, said once and listed beside its title. */
class NotImportable extends Error {}
const refuse = (reason: string): never => {
  throw new NotImportable(reason)
}

/** Reads the file into what an import would create and what it leaves out. Throws IcsFileProblem for a file that cannot be read at all. */
export function previewIcsImport(text: string, context: IcsImportContext): IcsImportPreview {
  const calendars = readICalendar(text)
  const timeZones = calendars.flatMap((calendar) => calendar.components.filter((component) => component.name === 'VTIMEZONE'))
  const events = calendars.flatMap((calendar) => calendar.components.filter((component) => component.name === 'VEVENT'))
  const reminders: ImportableReminder[] = []
  const notImported: NotImported[] = []
  const ids = new Set<string>()
  // A RECURRENCE-ID event replaces one occurrence of its series: the series skips it, and it is imported on its own.
  const replaced = new Map<string, CalendarTime[]>()
  for (const event of events) {
    const recurrence = property(event, 'RECURRENCE-ID')
    const uid = property(event, 'UID')?.value.trim()
    const time = recurrence && readCalendarTime(recurrence.value, recurrence.params.get('TZID'))
    if (uid && time) replaced.set(uid, [...(replaced.get(uid) ?? []), time])
  }
  for (const [position, event] of events.entries()) {
    const left = events.length - position
    if (position >= MAX_IMPORTED_EVENTS || (context.elapsed?.() ?? 0) > CHECK_BUDGET_MS) {
      const why = position >= MAX_IMPORTED_EVENTS ? `an import reads at most ${MAX_IMPORTED_EVENTS} events` : `checking them took longer than ${CHECK_BUDGET_MS / 1_000} s`
      notImported.push({ title: `${left} more event${left === 1 ? '' : 's'}`, reason: `were not read: ${why}. Import the rest from a file of its own.` })
      break
    }
    const title = titleOf(event)
    try {
      if (property(event, 'STATUS')?.value.trim().toUpperCase() === 'CANCELLED') refuse('it is cancelled in the calendar.')
      const reminder = readEvent(event, title, timeZones, replaced, context)
      if (ids.has(reminder.id)) refuse('it is in the file twice (the same UID).')
      ids.add(reminder.id)
      if (context.exists?.(reminder.id)) refuse('it was imported into this space before.')
      reminders.push(reminder)
      if (properties(event, 'RDATE').length > 0) notImported.push({ title, reason: 'its extra dates (RDATE) are left out; its other dates are imported.' })
    } catch (error) {
      // A rule the rrule library chokes on in a way no check above foresaw is this event's problem, not the file's.
      notImported.push({ title, reason: error instanceof NotImportable ? error.message : `its dates could not be read (${error instanceof Error ? error.message : String(error)}).` })
    }
  }
  return { reminders: reminders.sort((a, b) => (a.next[0] ?? 0) - (b.next[0] ?? 0)), notImported }
}

/** The operation a reminder becomes, on `schedulerId` (chosen by OP6 for its timing). */
export function reminderOperation(reminder: ImportableReminder, schedulerId: SchedulerId): NewOperation {
  const input = { title: reminder.title, ...(reminder.body === undefined ? {} : { body: reminder.body }) }
  return { schedulerId, title: reminder.title, kind: 'notify', input, catchUp: CatchUp.latest, ...reminder.timing }
}

function property(component: Component, name: string) {
  return component.properties.find((candidate) => candidate.name === name)
}

function properties(component: Component, name: string) {
  return component.properties.filter((candidate) => candidate.name === name)
}

function titleOf(event: Component): string {
  const summary = property(event, 'SUMMARY')
  const title = summary ? readText(summary.value).replace(/\s+/g, ' ').trim() : ''
  return shorten(title || 'Untitled event', MAX_NOTIFY_TITLE_CHARS)
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

function readEvent(event: Component, title: string, timeZones: readonly Component[], replaced: ReadonlyMap<string, readonly CalendarTime[]>, context: IcsImportContext): ImportableReminder {
  const dtstart = property(event, 'DTSTART')
  if (!dtstart) refuse('it has no start (DTSTART).')
  const start = readCalendarTime(dtstart!.value, dtstart!.params.get('TZID'))
  if (!start) refuse(`its start “${dtstart!.value}” is not a date or time.`)
  const zone = zoneOf(start!, timeZones, context)
  let dueAt = instantOfTime(start!, zone, context)
  if (!(dueAt >= 0 && dueAt <= LATEST_TIME)) refuse('its start is outside the years 1970 to 9999.')
  const rules = properties(event, 'RRULE')
  if (rules.length > 1) refuse('it has more than one repeat rule (RRULE); one is all a reminder can follow.')
  const recurrence = property(event, 'RECURRENCE-ID')
  const uid = property(event, 'UID')?.value.trim()
  const id = idOf(uid, recurrence?.value, event)
  let timing: Timing & { planFrom?: number } = { dueAt, repeat: { kind: 'none' } }
  if (rules[0] && !recurrence) {
    const rrule = ruleOf(rules[0].value, start!, zone)
    dueAt = rebasedStart(dueAt, rrule.options, zone, context.now)
    timing = { dueAt, repeat: { kind: 'rrule', rrule: rrule.text, timeZone: zone } }
    if (dueAt < context.now) timing.planFrom = context.now
    const excluded = [...properties(event, 'EXDATE').flatMap(readCalendarTimes), ...(uid ? (replaced.get(uid) ?? []) : [])]
    const skipped = skippedIndexes(id, timing, excluded, timeZones, context)
    if (skipped.length > 0) timing = { ...timing, exceptions: { skipped } }
  }
  check(id, title, timing)
  const next = occurrencesBetween(id, timing, Math.max(context.now, timing.planFrom ?? 0), Number.POSITIVE_INFINITY, PREVIEW_OCCURRENCES).map((occurrence) => occurrence.dueAt)
  if (next.length === 0) refuse(timing.repeat.kind === 'none' ? `it is already past (${formatMoment(dueAt, zone)}).` : 'all its dates are past.')
  const description = property(event, 'DESCRIPTION')
  const body = description ? shorten(readText(description.value).trim(), MAX_NOTIFY_BODY_CHARS) : ''
  const repeats = timing.repeat.kind === 'rrule' ? `${timing.repeat.rrule} (${zone})${timing.exceptions ? `, ${timing.exceptions.skipped?.length} date${timing.exceptions.skipped?.length === 1 ? '' : 's'} left out` : ''}` : 'Once'
  return { id, title, ...(body === '' ? {} : { body }), timing, repeats, next }
}

/** The zone a start is read in: its TZID's, UTC for a UTC time, the device's for a floating time or a date. */
function zoneOf(start: CalendarTime, timeZones: readonly Component[], context: IcsImportContext): string {
  if (start.kind === 'utc') return 'UTC'
  if (start.kind === 'date' || start.tzid === undefined) return context.timeZone
  const zone = zoneOfTzid(start.tzid, timeZones)
  return zone ?? refuse(`its time zone “${start.tzid}” is not one this device knows; export the calendar with IANA zone names (such as Europe/Paris) or in UTC.`)
}

function instantOfTime(time: CalendarTime, zone: string, context: IcsImportContext): number {
  if (time.kind === 'utc') return time.instant
  if (time.kind === 'date') return instantAt(time.date, { hour: ALL_DAY_HOUR, minute: 0, second: 0 }, context.timeZone)
  return instantOf(time.wall, zone)
}

/**
 * The RRULE as an operation keeps it: upper case, without `RRULE:`, an
 * all-day UNTIL (a date) at the end of its day, and the parts rrule would
 * take from the start written out (the time of day, a weekly rule's day),
 * so moving the start forward (rebasedStart) cannot change them.
 */
function ruleOf(value: string, start: CalendarTime, zone: string): { readonly text: string; readonly options: Partial<RRuleOptions> } {
  let text = value.trim().toUpperCase().replace(/^RRULE:/, '')
  if (text.length > MAX_RULE_CHARS) refuse(`its repeat rule is longer than ${MAX_RULE_CHARS} characters.`)
  text = text.replace(/UNTIL=(\d{8})(?=;|$)/, 'UNTIL=$1T235959')
  let options: Partial<RRuleOptions>
  try {
    options = parseRule(text)
  } catch {
    return refuse(`its repeat rule “${shorten(value, 80)}” cannot be read.`)
  }
  if (options.freq === undefined) refuse(`its repeat rule “${shorten(value, 80)}” has no FREQ.`)
  const wall = start.kind === 'date' ? { ...start.date, hour: ALL_DAY_HOUR, minute: 0, second: 0 } : start.kind === 'utc' ? wallTimeOf(start.instant, zone) : start.wall
  const freq = options.freq ?? RRule.DAILY
  const parts: string[] = []
  if (freq === RRule.WEEKLY && !options.byweekday) parts.push(`BYDAY=${['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][(new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay() + 6) % 7]}`)
  if (freq <= RRule.DAILY && options.byhour == null) parts.push(`BYHOUR=${wall.hour}`)
  if (freq <= RRule.HOURLY && options.byminute == null) parts.push(`BYMINUTE=${wall.minute}`)
  if (freq <= RRule.HOURLY && options.bysecond == null) parts.push(`BYSECOND=${wall.second}`)
  if (parts.length > 0) text = `${text};${parts.join(';')}`
  return { text, options: parseRule(text) }
}

const PERIOD_MS: Partial<Record<number, number>> = { [RRule.HOURLY]: 3_600_000, [RRule.DAILY]: 86_400_000, [RRule.WEEKLY]: 604_800_000, [RRule.MONTHLY]: 2_629_800_000, [RRule.YEARLY]: 31_557_600_000 }

/**
 * A rule that started long ago (a daily stand-up since 2015) moved to start
 * a period before today: its occurrences from today are the same, and no
 * device walks ten years of them first. Only whole periods of an hourly,
 * daily or weekly rule without COUNT, BYSETPOS, BYWEEKNO or BYYEARDAY keep
 * their phase that way; another rule too far back is refused.
 */
function rebasedStart(dueAt: number, options: Partial<RRuleOptions>, zone: string, now: number): number {
  const freq = options.freq ?? RRule.DAILY
  const period = (PERIOD_MS[freq] ?? 1) * (options.interval ?? 1)
  const shiftable = freq >= RRule.WEEKLY && options.count == null && !options.bysetpos && !options.byweekno && !options.byyearday
  const start = wallAsUtc(wallTimeOf(dueAt, zone))
  const periods = Math.floor((wallAsUtc(wallTimeOf(now, zone)) - start) / period) - 1
  if (shiftable) return periods > 0 ? instantOf(wallTimeFromUtcFields(new Date(start + periods * period)), zone) : dueAt
  const perPeriod = [options.byweekday, options.bymonthday, options.byhour, options.byminute, options.bymonth].reduce<number>((product, part) => product * (Array.isArray(part) ? Math.max(part.length, 1) : 1), 1)
  const spread = freq === RRule.MONTHLY && options.byweekday ? 5 : freq === RRule.YEARLY && options.byweekday ? 53 : 1
  const before = Math.min(options.count ?? Number.POSITIVE_INFINITY, Math.max(0, periods) * perPeriod * spread)
  if (before > MAX_OCCURRENCES_BEFORE_NOW) refuse(`it repeats since ${formatMoment(dueAt, zone).split(' at ')[0]}, about ${Math.round(before).toLocaleString('en')} times before today, too far back to follow; plan it again from today.`)
  return dueAt
}

/** The indexes of the occurrences still to come that EXDATE (or a replaced occurrence) takes out: a date without a time takes out that day's. */
function skippedIndexes(id: string, timing: Timing, excluded: ReadonlyArray<CalendarTime | undefined>, timeZones: readonly Component[], context: IcsImportContext): number[] {
  const zone = timing.repeat.kind === 'rrule' ? timing.repeat.timeZone : context.timeZone
  const skipped = new Set<number>()
  const horizon = timing.dueAt + MAX_OCCURRENCES_BEFORE_NOW * (PERIOD_MS[parseRule(timing.repeat.kind === 'rrule' ? timing.repeat.rrule : '').freq ?? RRule.DAILY] ?? 0)
  const times = excluded
    .filter((time): time is CalendarTime => time !== undefined)
    .map((time) => (time.kind === 'date' ? { from: instantAt(time.date, { hour: 0, minute: 0, second: 0 }, zone), day: true } : { from: instantOfTime(time, time.kind === 'local' && time.tzid ? (zoneOfTzid(time.tzid, timeZones) ?? zone) : zone, context), day: false }))
    // Those past are before the plan; those beyond what a walk may cover are dropped rather than walked to.
    .filter(({ from }) => from >= context.now - 86_400_000 && from <= horizon)
    .sort((a, b) => a.from - b.from)
  let index = 0
  for (const { from, day } of times) {
    const found = nextOccurrence(id, timing, from, index)
    if (!found) break
    index = found.index
    const sameDay = day && wallTimeOf(found.dueAt, zone).day === wallTimeOf(from, zone).day && found.dueAt - from < 86_400_000 + 3_600_000
    if (found.dueAt === from || sameDay) skipped.add(found.index)
  }
  if (skipped.size > MAX_SKIPPED) refuse(`it leaves out more than ${MAX_SKIPPED.toLocaleString('en')} dates (EXDATE) still to come, more than a reminder keeps.`)
  return [...skipped].sort((a, b) => a - b)
}

/** OP3's checks, as a save would make them: a rule that repeats more often than hourly, or never happens, is refused here. */
function check(id: OperationId, title: string, timing: Timing): void {
  try {
    validateOperation({ ...reminderOperation({ id, title, timing, repeats: '', next: [] }, 'import' as SchedulerId), id, status: 'active', createdBy: 'did:key:import', createdAt: 0 }, new Set(['notify']))
  } catch (error) {
    if (!(error instanceof InvalidFields)) throw error
    refuse(error.problems.map((problem) => problem.message).join(' '))
  }
}

/** `ics-` and a hash of the UID and RECURRENCE-ID: the same event gets the same id in every import; an operation id allows no `@` or `#`, which UIDs hold. */
function idOf(uid: string | undefined, recurrenceId: string | undefined, event: Component): OperationId {
  const key = uid ? `${uid}\n${recurrenceId ?? ''}` : `no-uid\n${['DTSTART', 'SUMMARY', 'RRULE'].map((name) => property(event, name)?.value ?? '').join('\n')}`
  return `ics-${bytesToHex(sha256(utf8ToBytes(key))).slice(0, 32)}` as OperationId
}
