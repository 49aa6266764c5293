/**
 * Time zones a person can pick for an operation (SPEC OP11): the device's
 * by default, so "at 10am" means 10:00 on the clock beside them, and any
 * IANA zone this browser knows, for a reminder kept on another place's
 * clock ("9am in New York" from Paris).
 */

/** The zone this device's wall clock is in. */
export const deviceZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone

let known: readonly string[] | undefined

/** Every IANA zone the browser knows, sorted, with UTC (which `supportedValuesOf` leaves out) and `current` (an alias such as Asia/Calcutta) included. */
export function timeZoneOptions(current: string): readonly string[] {
  known ??= [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].sort()
  return known.includes(current) ? known : [current, ...known]
}

/** The zone an operation's times are read and shown in: its rule's, or the device's for a one-off or an interval. */
export function zoneOf(timing: { readonly repeat: { readonly kind: string; readonly timeZone?: string } }): string {
  return timing.repeat.kind === 'rrule' && timing.repeat.timeZone !== undefined ? timing.repeat.timeZone : deviceZone()
}
