/**
 * Reads a schedule a person types in English ("in half an hour", "tomorrow
 * morning", "every other tuesday", "the last friday of the month at 5pm",
 * "every 2 hours from 8am until 6pm", "at 9am Europe/Paris") into an
 * operation's Timing, with a short normalised summary for the operation
 * editor's preview. Pure: the current time and the person's zone come in
 * as context; a zone named in the text replaces it.
 *
 * The work is split: phraseWords.ts reads single words (numbers, times of
 * day, units), phraseReader.ts puts them into a Reading in any order,
 * phrasePlans.ts decides what the Reading means (with phraseMoments.ts for
 * dates and phraseRules.ts for RRULEs), and this module adds the limits
 * ("until …", "10 times", "for 2 weeks") and the summary. Every error
 * quotes the phrase as typed and says what would work.
 *
 * Hand-written rather than built on a date parser such as chrono-node:
 * most of what people type here are repeats, which such parsers do not
 * read, and the one-off forms they do read come back with other defaults
 * ("morning" 06:00, "17h" as 17 hours from now, "next week" as 7 days from
 * now) and without IANA zones, so they would need as many rules again.
 */
import type { Timing } from './occurrences.ts'
import { later, resolveMoment, type ScheduleContext } from './phraseMoments.ts'
import { planSchedule, type Plan } from './phrasePlans.ts'
import { readPhrase, type Reading } from './phraseReader.ts'
import { extractZone, normalise, PhraseProblem, PhraseProblemReason, refused, unreadable } from './phraseWords.ts'
import { formatDate, formatMoment } from './localCalendar.ts'
import { isTimeZone, wallTimeOf } from './zonedTime.ts'

export type { ScheduleContext } from './phraseMoments.ts'

export type ParsedSchedule = { readonly ok: true; readonly timing: Timing; readonly summary: string } | { readonly ok: false; readonly error: string }

/** A schedule is a short phrase; the cap also bounds the work of the readers' patterns. */
const MAX_TEXT_CHARS = 200
/** How much of an over-long phrase an error quotes. */
const QUOTED_PREFIX_CHARS = 40
const EXAMPLES = '"in 20 minutes", "tomorrow at 9am", "every weekday at 8" or "every other Tuesday at 10am"'

/** Reads `text` as a schedule; an error quotes the text, says what was not understood and gives an example that works. */
export function parseSchedule(text: string, context: ScheduleContext): ParsedSchedule {
  if (!isTimeZone(context.timeZone)) return { ok: false, error: `"${context.timeZone}" is not a time zone this device knows; choose an IANA name such as Europe/Paris.` }
  if (!Number.isFinite(context.now)) return { ok: false, error: 'The current time is unknown, so a schedule cannot be placed; try again.' }
  const typed = text.trim().replace(/\s+/g, ' ')
  if (typed === '') return { ok: false, error: `Type when it should run, e.g. ${EXAMPLES}.` }
  if (typed.length > MAX_TEXT_CHARS) return { ok: false, error: `"${typed.slice(0, QUOTED_PREFIX_CHARS)}…" is longer than a schedule needs (${MAX_TEXT_CHARS} characters at most); write e.g. ${EXAMPLES}.` }
  try {
    const { text: phrase, zone } = extractZone(normalise(typed))
    const timeZone = zone ?? context.timeZone
    return { ok: true, ...read(readPhrase(phrase), { now: Math.round(context.now), timeZone }) }
  } catch (error) {
    if (error instanceof PhraseProblem) return { ok: false, error: explain(typed, error) }
    throw error
  }
}

/** `I could not read "<as typed>": …`, with the words the message quotes in the case the person typed them. */
function explain(typed: string, problem: PhraseProblem): string {
  const restored = problem.message.replace(/"([^"]+)"/g, (_quoted, words: string) => `"${asTyped(typed, words) ?? words}"`)
  // The phrase is quoted once, in front: `"every quarter" is …` reads as `it is …` after it.
  const reason = restored.startsWith(`"${typed}": `) ? restored.slice(typed.length + 4) : restored.startsWith(`"${typed}" `) ? `it ${restored.slice(typed.length + 3)}` : restored
  return problem.reason === PhraseProblemReason.unreadable ? `I could not read "${typed}": ${reason}` : `I cannot plan "${typed}": ${reason}`
}

/** The part of the typed text that reads as `words` once normalised (same letters, any case, commas for spaces). */
function asTyped(typed: string, words: string): string | undefined {
  const pattern = words
    .split(' ')
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s,;]+')
  return new RegExp(pattern, 'i').exec(typed)?.[0]
}

function read(reading: Reading, context: ScheduleContext): { timing: Timing; summary: string } {
  const plan = planSchedule(reading, context)
  const repeats = plan.repeat.kind !== 'none'
  const untilMoment = plan.usedUntil ? undefined : reading.until
  if (!repeats && (reading.count !== undefined || untilMoment || reading.lasting)) {
    unreadable(`"until", "for …" and "N times" go with a repeat, e.g. "every day at 9am until 2027-01-31" or "every 2 weeks on Tuesday at 10am 6 times".`)
  }
  if (untilMoment && reading.lasting) unreadable(`give one end, "until …" or "for …", e.g. "every day at 9am for 2 weeks".`)
  let summary = plan.summary
  let until = plan.until
  if (untilMoment) {
    until = resolveMoment(untilMoment, context, 'end').instant
    if (until < plan.dueAt) refused(`"until ${untilMoment.said}" is before the first time it runs (${formatMoment(plan.dueAt, context.timeZone)}); choose a later end.`)
    summary += ` until ${untilMoment.time ? formatMoment(until, context.timeZone) : formatDate(wallTimeOf(until, context.timeZone))}`
  }
  if (reading.lasting) {
    // "for 2 weeks" from the first run: its end is excluded, so "every day for 3 days" runs three times.
    until = later(plan.dueAt, reading.lasting, context.timeZone, `for ${reading.lastingSaid ?? ''}`) - 1
    summary += `, for ${reading.lastingSaid ?? ''}`
  }
  const times = reading.count
  if (times !== undefined) summary += times === 1 ? ', once' : `, ${times} times`
  const timing: Timing = { dueAt: plan.dueAt, repeat: plan.repeat, ...(times === undefined ? {} : { times }), ...(until === undefined ? {} : { until }) }
  return { timing, summary: `${summary} (${context.timeZone}${noteOf(plan)})` }
}

function noteOf(plan: Plan): string {
  return plan.note === undefined ? '' : `; ${plan.note}`
}
