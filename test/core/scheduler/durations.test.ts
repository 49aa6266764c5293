import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from '../../../src/core/scheduler/durations.ts'

describe('durations', () => {
  it('reads the intervals people type, in any common unit', () => {
    expect(parseDuration('500 ms')).toBe(500)
    expect(parseDuration('1.5 s')).toBe(1_500)
    expect(parseDuration('2 min')).toBe(120_000)
    expect(parseDuration(' 3 Hours ')).toBe(3 * 3_600_000)
    expect(parseDuration('10 y')).toBe(10 * 365.25 * 86_400_000)
    expect(parseDuration('250')).toBe(250)
  })

  it('refuses what is not an interval', () => {
    for (const text of ['', 'soon', '-5 s', '5 parsecs', '1e3 ms']) expect(parseDuration(text)).toBeUndefined()
  })

  it('shows an interval in the largest exact unit, so it reads back unchanged', () => {
    for (const ms of [100, 1_000, 1_500, 60_000, 90_000, 3_600_000, 86_400_000, 7 * 86_400_000, 365.25 * 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms)
    }
    expect(formatDuration(60_000)).toBe('1 min')
    expect(formatDuration(1_500)).toBe('1500 ms')
  })
})
