/**
 * What the schedulers panel says when this device's clock disagrees with
 * the other devices in the space (SPEC CL7): the schedule already runs on
 * theirs, but a wrong clock shows wrong times elsewhere (the agenda, due
 * times), and only the person can set it right.
 */
import { formatDuration } from '../../../core/scheduler/durations.ts'
import { CLOCK_TOLERANCE_MS } from '../../../core/scheduler/roomClock.ts'

/** The warning for a room time `correctionMs` ahead of this device's clock (negative: behind), or undefined within the tolerance. */
export function clockWarning(correctionMs: number): string | undefined {
  if (Math.abs(correctionMs) <= CLOCK_TOLERANCE_MS) return undefined
  const by = formatDuration(Math.round(Math.abs(correctionMs) / 1_000) * 1_000)
  // Room time ahead of this clock means this clock is behind the others.
  const direction = correctionMs > 0 ? 'behind' : 'ahead of'
  return `This device’s clock is ${by} ${direction} the other devices in this space. Its schedule runs on their time, so nothing runs early because of it; set this device’s clock (or turn on automatic time) to see the right times.`
}
