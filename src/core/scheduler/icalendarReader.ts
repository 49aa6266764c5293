/**
 * Reads an iCalendar file (RFC 5545) into its components and properties:
 * unfolds lines, splits each content line into name, parameters and value,
 * nests BEGIN/END blocks, and reads the value types an import needs (TEXT,
 * DATE, DATE-TIME). What the components mean is icsImport.ts's.
 *
 * The file comes from anywhere: a line it cannot read is left out (a
 * calendar app's private extension must not sink the file), and its size,
 * nesting and number of components are bounded, so a hostile file costs a
 * bounded amount of work and never an exception other than IcsFileProblem.
 */
import type { LocalDate } from './localCalendar.ts'
import type { WallTime } from './zonedTime.ts'

export interface Property {
  /** Upper case: DTSTART, RRULE… */
  readonly name: string
  /** Parameters by upper-case name (TZID, VALUE…), values unquoted; a list's values joined by commas. */
  readonly params: ReadonlyMap<string, string>
  readonly value: string
}

export interface Component {
  /** Upper case: VCALENDAR, VEVENT, VTIMEZONE… */
  readonly name: string
  readonly properties: Property[]
  readonly components: Component[]
}

/** Characters an import reads at most: 1 MiB of text, far more than a year of anyone's calendar. */
export const MAX_ICS_CHARS = 1_048_576
/** Nested BEGIN blocks at most: VCALENDAR > VEVENT > VALARM is three; anything much deeper is not a calendar. */
const MAX_DEPTH = 8
/** Components at most (events, their alarms, time zones and their rules): bounds the tree a hostile file builds. */
const MAX_COMPONENTS = 20_000

export const IcsFileReason = { tooLarge: 'too-large', notCalendar: 'not-calendar', malformed: 'malformed' } as const
export type IcsFileReason = (typeof IcsFileReason)[keyof typeof IcsFileReason]

/** The file as a whole cannot be read; the message says what to do. */
export class IcsFileProblem extends Error {
  constructor(
    readonly reason: IcsFileReason,
    message: string,
  ) {
    super(message)
    this.name = 'IcsFileProblem'
  }
}

/** The file's VCALENDAR components. Throws IcsFileProblem for a file that is too large, not a calendar, or whose blocks do not nest. */
export function readICalendar(text: string): Component[] {
  if (text.length > MAX_ICS_CHARS) throw new IcsFileProblem(IcsFileReason.tooLarge, `This file is larger than ${MAX_ICS_CHARS / 1_048_576} MB; export a shorter range of the calendar and import that.`)
  const root: Component = { name: '', properties: [], components: [] }
  const open: Component[] = [root]
  let count = 0
  for (const [lineNumber, line] of unfold(text)) {
    const property = readContentLine(line)
    if (!property) continue
    const top = open[open.length - 1]!
    if (property.name === 'BEGIN') {
      const name = property.value.trim().toUpperCase()
      if (open.length > MAX_DEPTH || ++count > MAX_COMPONENTS) throw new IcsFileProblem(IcsFileReason.malformed, `This file nests or repeats blocks far beyond a calendar’s (line ${lineNumber}); it cannot be imported.`)
      const component: Component = { name, properties: [], components: [] }
      top.components.push(component)
      open.push(component)
    } else if (property.name === 'END') {
      if (open.length === 1 || top.name !== property.value.trim().toUpperCase()) {
        throw new IcsFileProblem(IcsFileReason.malformed, `Line ${lineNumber} ends a block (“END:${property.value.trim()}”) that was not begun there; the file is damaged. Export it again.`)
      }
      open.pop()
    } else top.properties.push(property)
  }
  const calendars = root.components.filter((component) => component.name === 'VCALENDAR')
  if (calendars.length === 0) throw new IcsFileProblem(IcsFileReason.notCalendar, 'This is not an iCalendar (.ics) file: it has no BEGIN:VCALENDAR. Export the calendar from its app as .ics and import that.')
  return calendars
}

/** Content lines with their first physical line's number: CRLF, LF or CR endings; a line starting with a space or tab continues the one before (RFC 5545 3.1). */
function* unfold(text: string): Generator<[number, string]> {
  let current: string | undefined
  let start = 0
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  for (const [index, line] of lines.entries()) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== undefined) {
      current += line.slice(1)
      continue
    }
    if (current !== undefined && current !== '') yield [start + 1, current]
    current = line
    start = index
  }
  if (current !== undefined && current !== '') yield [start + 1, current]
}

/** `NAME;PARAM=a,"b;c":value`, or undefined for a line that is not one. */
export function readContentLine(line: string): Property | undefined {
  const name = /^[A-Za-z0-9-]+/.exec(line)?.[0]
  if (!name) return undefined
  const params = new Map<string, string>()
  let at = name.length
  while (line[at] === ';') {
    const paramName = /^[A-Za-z0-9-]+/.exec(line.slice(at + 1))?.[0]
    if (!paramName || line[at + 1 + paramName.length] !== '=') return undefined
    at += paramName.length + 2
    const values: string[] = []
    for (;;) {
      if (line[at] === '"') {
        const end = line.indexOf('"', at + 1)
        if (end < 0) return undefined
        values.push(line.slice(at + 1, end))
        at = end + 1
      } else {
        const match = /^[^";:,]*/.exec(line.slice(at))![0]
        values.push(match)
        at += match.length
      }
      if (line[at] !== ',') break
      at++
    }
    params.set(paramName.toUpperCase(), values.join(','))
  }
  if (line[at] !== ':') return undefined
  return { name: name.toUpperCase(), params, value: line.slice(at + 1) }
}

/** A TEXT value (RFC 5545 3.3.11): `\n` is a line break, `\,` `\;` `\\` the character itself. */
export function readText(value: string): string {
  return value.replace(/\\([nN,;\\])/g, (_escape, char: string) => (char === 'n' || char === 'N' ? '\n' : char))
}

/** A DATE or DATE-TIME value: a day, a wall time (with the TZID it names, if any: floating without), or an instant in UTC. */
export type CalendarTime = { readonly kind: 'date'; readonly date: LocalDate } | { readonly kind: 'local'; readonly wall: WallTime; readonly tzid?: string } | { readonly kind: 'utc'; readonly instant: number }

/** `20270315`, `20270315T093000` or `20270315T093000Z`; undefined for anything else, or a date that does not exist. */
export function readCalendarTime(value: string, tzid?: string): CalendarTime | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value.trim())
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)))
  const date = { year: year!, month: month!, day: day! }
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day))
  if (check.getUTCFullYear() !== date.year || check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) return undefined
  if (hour === undefined) return { kind: 'date', date }
  if (hour > 23 || minute! > 59 || second! > 60) return undefined
  // A leap second (:60) is read as the second before it: no clock here shows one.
  const wall: WallTime = { ...date, hour, minute: minute!, second: Math.min(second!, 59), millisecond: 0 }
  if (match[7] === 'Z') return { kind: 'utc', instant: Date.UTC(date.year, date.month - 1, date.day, hour, wall.minute, wall.second) }
  return tzid === undefined ? { kind: 'local', wall } : { kind: 'local', wall, tzid }
}

/** The values of a property that may list several (EXDATE, RDATE): each line's comma-separated values. */
export function readCalendarTimes(property: Property): Array<CalendarTime | undefined> {
  const tzid = property.params.get('TZID')
  return property.value
    .split(',')
    .filter((value) => value.trim() !== '')
    .map((value) => readCalendarTime(value, tzid))
}
