/**
 * How far a page's epoch clock (`performance.timeOrigin + performance.now()`)
 * is from Node's. Latency from A to B subtracts a time read in one Chromium
 * process from one read in another; both derive it from the system clock,
 * but each converts its monotonic clock once, so this checks that the two
 * agree instead of assuming it. NTP-style: the sample with the shortest
 * round trip bounds the offset to ± half that round trip.
 */
import type { Page } from '@playwright/test'
import { epochNow } from './probe.ts'

const SAMPLES = 30

export interface ClockOffset {
  /** Page clock minus Node clock, ms. */
  readonly offsetMs: number
  /** Half the shortest round trip: the offset is known to within this. */
  readonly uncertaintyMs: number
}

export async function clockOffset(page: Page): Promise<ClockOffset> {
  let best: ClockOffset | undefined
  for (let sample = 0; sample < SAMPLES; sample++) {
    const before = performance.timeOrigin + performance.now()
    const pageAt = await page.evaluate(epochNow)
    const after = performance.timeOrigin + performance.now()
    const half = (after - before) / 2
    if (!best || half < best.uncertaintyMs) best = { offsetMs: pageAt - (before + half), uncertaintyMs: half }
  }
  if (!best) throw new Error('No clock samples.')
  return best
}
