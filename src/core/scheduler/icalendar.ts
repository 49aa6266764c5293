/**
 * An agenda as an RFC 5545 iCalendar file, so a person can see what their
 * spaces plan to run in any calendar app. One VEVENT per occurrence: the
 * caller expands repeats (agenda.ts). Exporting the RRULE instead would ask
 * every calendar app to expand it exactly as occurrences.ts does, DST gaps
 * included, and they do not all agree. Exceptions (OCC5, OCC6) need no
 * EXDATE or RECURRENCE-ID either: a skipped occurrence is not in the list,
 * and a moved one is its own event at its new time, under its usual uid.
 */

/** One occurrence, as a calendar event. */
export interface AgendaEvent {
  /** Globally unique and the same in every export of this occurrence, so re-importing updates the event instead of doubling it. */
  readonly uid: string
  readonly title: string
  /** ms since the epoch. */
  readonly start: number
  /** Absent: the event is a moment (it ends when it starts). */
  readonly durationMs?: number
  readonly description?: string
}

export interface ICalendarContext {
  /** When the export is made (DTSTAMP), ms since the epoch. */
  readonly now: number
  /** PRODID: who made the file, as a formal public identifier. */
  readonly productId?: string
}

const DEFAULT_PRODUCT_ID = '-//Pii//Scheduler//EN'
/** RFC 5545 3.1: a content line is at most 75 octets, not counting its CRLF; a longer one is folded. */
const MAX_LINE_OCTETS = 75
const CRLF = '\r\n'
/** The DATE-TIME form has a 4-digit year. */
const LATEST_START = Date.UTC(9999, 11, 31, 23, 59, 59)

/** The events as one VCALENDAR, CRLF line endings, lines folded at 75 octets of UTF-8. Throws RangeError for an event that cannot be written. */
export function agendaToICalendar(events: readonly AgendaEvent[], context: ICalendarContext): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${escapeText(context.productId ?? DEFAULT_PRODUCT_ID)}`, 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH']
  const stamp = utcDateTime(context.now, 'The export time (now)')
  for (const event of events) {
    if (event.uid === '') throw new RangeError(`The event "${event.title}" has no uid; a calendar needs one to tell events apart.`)
    lines.push('BEGIN:VEVENT', `UID:${escapeText(event.uid)}`, `DTSTAMP:${stamp}`, `DTSTART:${utcDateTime(event.start, `The start of "${event.uid}"`)}`)
    if (event.durationMs !== undefined) {
      if (!(event.durationMs >= 0)) throw new RangeError(`The duration of "${event.uid}" must be 0 ms or more; got ${event.durationMs}.`)
      lines.push(`DTEND:${utcDateTime(event.start + event.durationMs, `The end of "${event.uid}"`)}`)
    }
    lines.push(`SUMMARY:${escapeText(event.title)}`)
    if (event.description !== undefined) lines.push(`DESCRIPTION:${escapeText(event.description)}`)
    lines.push('END:VEVENT')
  }
  lines.push('END:VCALENDAR')
  return lines.map(fold).join(CRLF) + CRLF
}

/** `YYYYMMDDTHHMMSSZ`: UTC, so no VTIMEZONE is needed; iCalendar has no milliseconds, they are dropped. */
function utcDateTime(instant: number, what: string): string {
  if (!(instant >= 0 && instant <= LATEST_START)) throw new RangeError(`${what} must be a time from 1970 to 9999; got ${instant}.`)
  return new Date(instant).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '')
}

/**
 * TEXT values (RFC 5545 3.3.11): backslash, semicolon and comma are
 * escaped, a line break becomes `\n`. Other control characters are not
 * allowed in TEXT at all, and are dropped.
 */
function escapeText(value: string): string {
  const escaped = value.replace(/[\\;,]/g, (char) => `\\${char}`).replace(/\r\n|\r|\n/g, '\\n')
  return [...escaped].filter((char) => !isControl(char)).join('')
}

function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0
  return (code < 0x20 && char !== '\t') || code === 0x7f
}

/**
 * Folds a line at 75 octets of UTF-8 (RFC 5545 3.1): each continuation
 * starts with a space, which counts towards its 75. It breaks between
 * characters (code points), never inside one: a character split across
 * lines would reach the reader as two invalid bytes.
 */
function fold(line: string): string {
  const chunks: string[] = []
  let chunk = ''
  let octets = 0
  for (const char of line) {
    const size = utf8Length(char)
    const room = chunks.length === 0 ? MAX_LINE_OCTETS : MAX_LINE_OCTETS - 1
    if (octets + size > room) {
      chunks.push(chunk)
      chunk = ''
      octets = 0
    }
    chunk += char
    octets += size
  }
  chunks.push(chunk)
  return chunks.join(`${CRLF} `)
}

function utf8Length(char: string): number {
  const code = char.codePointAt(0) ?? 0
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
}
