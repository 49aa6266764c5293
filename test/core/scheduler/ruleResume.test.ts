import { describe, expect, it } from 'vitest'
import { nextOccurrence, parseRule, type Timing } from '../../../src/core/scheduler/occurrences.ts'
import { RRule } from '../../../src/core/scheduler/rrule.ts'
import { instantOf, wallAsUtc, wallTimeFromUtcFields, wallTimeOf } from '../../../src/core/scheduler/zonedTime.ts'
import { seededRandom } from '../../helpers/seededRandom.ts'

const ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'UTC']

/** Random rules from the parts people use: frequencies, intervals, weekdays, month days, months, hours, counts. */
function randomRule(random: () => number): string {
  const pick = <T,>(from: readonly T[]): T => from[Math.floor(random() * from.length)]!
  const freq = pick(['MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY'])
  const parts = [`FREQ=${freq}`]
  if (random() < 0.5) parts.push(`INTERVAL=${1 + Math.floor(random() * 3)}`)
  // Only parts that always meet, so every rule keeps coming (one that never does is another matter: see the closing note).
  if (random() < 0.4) parts.push(`BYDAY=${pick(freq === 'MONTHLY' ? ['MO', 'TU,TH', '1MO', '-1FR'] : ['MO', 'TU,TH', 'SA,SU', 'MO,WE,FR'])}`)
  else if (freq === 'MONTHLY' && random() < 0.5) parts.push(`BYMONTHDAY=${pick(['1', '15', '-1', '1,15'])}`)
  if (freq !== 'HOURLY' && random() < 0.3) parts.push(`BYHOUR=${pick(['9', '2,3', '0,12'])}`)
  if (random() < 0.2) parts.push(`COUNT=${150 + Math.floor(random() * 300)}`)
  return parts.join(';')
}

/** The reference: rrule expanded from the start with nothing but the rule, each wall time placed in the zone. */
function reference(timing: Timing & { repeat: { kind: 'rrule' } }, limit: number): number[] {
  const start = new Date(wallAsUtc(wallTimeOf(timing.dueAt, timing.repeat.timeZone)))
  const rule = new RRule({ ...parseRule(timing.repeat.rrule), dtstart: start, tzid: null })
  return rule.all((_date, index) => index < limit).map((date) => instantOf(wallTimeFromUtcFields(date), timing.repeat.timeZone))
}

/**
 * Expanding 40 rules 600 occurrences deep through rrule takes 2 to 3 s on a
 * 2-core machine, and over 5 s (vitest's default) beside other test files
 * on a busy one: a minute leaves a wide margin.
 */
const EXPANSION_TIMEOUT_MS = 60_000

describe('resuming an RRULE from a checkpoint', () => {
  it('[OCC1] finds the same occurrence at every index as expanding the rule from its start', () => {
    const random = seededRandom(77)
    for (let sample = 0; sample < 40; sample++) {
      const timing = { dueAt: Date.UTC(2020, Math.floor(random() * 12), 1 + Math.floor(random() * 28), Math.floor(random() * 24)), repeat: { kind: 'rrule' as const, rrule: randomRule(random), timeZone: ZONES[sample % ZONES.length]! } }
      const expected = reference(timing, 600)
      // Walk far first (leaving checkpoints), then ask at random indexes, before and after them.
      const probes = [expected.length - 1, ...Array.from({ length: 30 }, () => Math.floor(random() * expected.length))]
      for (const index of probes) {
        if (index < 0) continue
        expect(nextOccurrence('op', timing, -Infinity, index)?.dueAt, `${timing.repeat.rrule} from ${new Date(timing.dueAt).toISOString()} in ${timing.repeat.timeZone}, #${index}`).toBe(expected[index])
      }
    }
  }, EXPANSION_TIMEOUT_MS)
})
