import { describe, expect, it } from 'vitest'
import { CLOCK_TOLERANCE_MS } from '../../../../src/core/scheduler/roomClock.ts'
import { clockWarning } from '../../../../src/ui/features/schedule/clockWarning.ts'

describe('the wrong-clock warning', () => {
  it('[CL7] says nothing within the tolerance, and says by how much and which way beyond it', () => {
    expect(clockWarning(0)).toBeUndefined()
    expect(clockWarning(CLOCK_TOLERANCE_MS)).toBeUndefined()
    expect(clockWarning(-CLOCK_TOLERANCE_MS)).toBeUndefined()
    // Room time 20 s behind this device's clock: this clock is fast.
    expect(clockWarning(-20_000)).toMatch(/^This device’s clock is 20 s ahead of the other devices in this space\. .*runs on their time/)
    expect(clockWarning(125_000)).toMatch(/^This device’s clock is 125 s behind the other devices/)
  })
})
