import { describe, expect, it } from 'vitest'
import { isHostStatsMessage } from '../../../src/core/scheduler/hostStats.ts'

const stats = { lastTickAt: 1_000, tickLate: { samples: 10, p50Ms: 1, p99Ms: 3, maxMs: 4 }, lagMs: 0, queueLength: 3, started: 5, skipped: 0 }
const message = (fields: Record<string, unknown> = {}) => ({ type: 'scheduler-stats', host: 'service-worker', spaces: { space: { 'every-second': stats } }, ...fields })

describe('host figures', () => {
  it('[H1] accepts the figures a host publishes for the schedulers panel', () => {
    expect(isHostStatsMessage(message())).toBe(true)
    expect(isHostStatsMessage(message({ spaces: {} }))).toBe(true)
    expect(isHostStatsMessage(message({ clockCorrections: { space: -20_000 } }))).toBe(true)
  })

  it('[H1] refuses a message from another context that is not one, before the panel shows it', () => {
    for (const bad of [null, 'scheduler-stats', message({ type: 'other' }), message({ host: 3 }), message({ spaces: null }), message({ spaces: { space: { s: { ...stats, lagMs: -1 } } } }), message({ spaces: { space: { s: { ...stats, tickLate: undefined } } } }), message({ clockCorrections: { space: 'soon' } }), message({ clockCorrections: { space: Number.NaN } })]) {
      expect(isHostStatsMessage(bad)).toBe(false)
    }
  })
})
