import { describe, expect, it } from 'vitest'
import { MAX_WAIT_MS, MIN_GAP_MS, QuietMoments } from '../../../src/core/scheduler/quietMoments.ts'

/** Whether the promise has settled once pending microtasks have run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false
  void promise.then(() => (done = true))
  await new Promise((resolve) => setTimeout(resolve, 0))
  return done
}

describe('quiet moments', () => {
  it('[H6] with no scheduler hosted here, upkeep runs at once', async () => {
    const quiet = new QuietMoments(() => 1_000)
    expect(await settled(quiet.wait())).toBe(true)
  })

  it('[H6] upkeep asked for just before a wake-up waits for one that leaves a gap', async () => {
    let now = 1_000
    const quiet = new QuietMoments(() => now)
    quiet.plannedWake(now + 10)
    const upkeep = quiet.wait()
    expect(await settled(upkeep)).toBe(false)
    // The wake-up came and the next one is close too: still waiting.
    now += 10
    quiet.plannedWake(now + MIN_GAP_MS - 1)
    expect(await settled(upkeep)).toBe(false)
    now += MIN_GAP_MS - 1
    quiet.plannedWake(now + MIN_GAP_MS)
    expect(await settled(upkeep)).toBe(true)
    // Between wake-ups, upkeep goes at once if the next leaves it the gap, and waits if not.
    now += 1
    expect(await settled(quiet.wait())).toBe(false)
    quiet.plannedWake(now + 100)
    expect(await settled(quiet.wait())).toBe(true)
  })

  it('[H6] a schedule that leaves no gap delays upkeep by at most MAX_WAIT_MS', async () => {
    let now = 1_000
    const quiet = new QuietMoments(() => now)
    quiet.plannedWake(now + 5)
    const upkeep = quiet.wait()
    while (now < 1_000 + MAX_WAIT_MS - 10) {
      now += 10
      quiet.plannedWake(now + 10)
    }
    expect(await settled(upkeep)).toBe(false)
    now += 10
    quiet.plannedWake(now + 10)
    expect(await settled(upkeep)).toBe(true)
  })

  it('[H6] a host that stops lets every waiting upkeep run', async () => {
    let now = 1_000
    const quiet = new QuietMoments(() => now)
    quiet.plannedWake(now + 1)
    const upkeep = quiet.wait()
    now += 1
    quiet.plannedWake(Number.POSITIVE_INFINITY)
    expect(await settled(upkeep)).toBe(true)
  })
})
