/**
 * Wall-clock time in a named (IANA) time zone, and back to an instant, with
 * the platform's own zone data (Intl), so a repeat like "Tuesdays 10:00
 * Europe/Paris" stays at 10:00 in Paris across DST changes (SPEC OCC3).
 */

/** A local date and time; month 1–12. */
export interface WallTime {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly millisecond: number
}

/** Far wider than any DST or zone change, and narrower than two of them. */
const TRANSITION_SEARCH_MS = 24 * 60 * 60 * 1000

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let known = formatters.get(timeZone)
  if (!known) {
    // Throws RangeError for a zone the platform does not know.
    known = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    formatters.set(timeZone, known)
  }
  return known
}

/** Whether the platform knows this IANA zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}

export function wallTimeOf(instant: number, timeZone: string): WallTime {
  const fields: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(instant)) if (part.type !== 'literal') fields[part.type] = Number(part.value)
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    millisecond: ((instant % 1000) + 1000) % 1000,
  }
}

/** The wall time read as if it were UTC: what rrule computes with, and a way to compare wall times. */
export function wallAsUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond)
}

export function wallTimeFromUtcFields(date: Date): WallTime {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  }
}

/** How far the zone's wall clock is ahead of UTC at this instant, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  return wallAsUtc(wallTimeOf(instant, timeZone)) - instant
}

/**
 * The instant at which the zone's clocks show `wall`. A wall time that
 * exists twice (the autumn overlap) gives the earlier instant; one that
 * does not exist (the spring gap) is read with the offset from before the
 * gap, which moves it forward by the gap's length (RFC 5545, 3.3.5).
 */
export function instantOf(wall: WallTime, timeZone: string): number {
  const local = wallAsUtc(wall)
  const offsetBefore = offsetAt(local - TRANSITION_SEARCH_MS, timeZone)
  const offsetAfter = offsetAt(local + TRANSITION_SEARCH_MS, timeZone)
  // No transition near: the one candidate is the answer whether or not it checks out (nearly every call; half the Intl work).
  if (offsetAfter === offsetBefore) return local - offsetBefore
  const candidates = [local - offsetBefore, local - offsetAfter].filter((instant) => offsetAt(instant, timeZone) === local - instant)
  if (candidates.length > 0) return Math.min(...candidates)
  return local - offsetBefore
}
