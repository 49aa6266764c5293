import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { InvalidFields } from '../../../../src/core/scheduler/InvalidFields.ts'
import { occurrencesBetween } from '../../../../src/core/scheduler/occurrences.ts'
import { validateOperation, type Operation, type OperationId } from '../../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../../src/core/scheduler/schedulers.ts'
import type { SpaceSchedule } from '../../../../src/core/scheduler/SpaceSchedule.ts'
import { readAdvancedRule } from '../../../../src/ui/features/schedule/advancedRule.ts'
import { OperationEditor } from '../../../../src/ui/features/schedule/OperationEditor.tsx'
import { wallClock } from '../../../core/scheduler/schedulePhrases.ts'

const PARIS = 'Europe/Paris'
/** Monday 11 Oct 2027, 12:00 in Paris. */
const NOW = Date.parse('2027-10-11T10:00:00Z')

function problemsOf(rrule: string, start = '2027-10-11T09:00'): string[] {
  const reading = readAdvancedRule({ rrule, start }, PARIS, NOW)
  return reading.ok ? [] : reading.problems.map((problem) => `${problem.field}: ${problem.message}`)
}

describe('[NL4] the advanced RRULE field', () => {
  it('[NL4] takes a raw rule and its first run, and previews the occurrences it gives', () => {
    const reading = readAdvancedRule({ rrule: 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1', start: '2027-10-11T09:00' }, PARIS, NOW)
    if (!reading.ok) throw new Error(reading.problems.map((problem) => problem.message).join(' '))
    expect(reading.timing).toEqual({ dueAt: Date.parse('2027-10-11T07:00:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1', timeZone: PARIS } })
    expect(reading.summary).toBe('RRULE FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1, starting 2027-10-11 at 09:00 (Europe/Paris)')
    const firstThree = occurrencesBetween('preview', reading.timing, NOW, Infinity, 3).map((occurrence) => wallClock(occurrence.dueAt, PARIS))
    expect(firstThree).toEqual(['Mon 2027-11-01 09:00', 'Mon 2027-12-06 09:00', 'Mon 2028-01-03 09:00'])
  })

  it('[NL4] shows the messages operations.ts gives when saving, field by field', () => {
    const timing = { dueAt: Date.parse('2027-10-11T07:00:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1', timeZone: PARIS } } as const
    const operation: Operation = { id: 'op' as OperationId, schedulerId: 's' as SchedulerId, title: 'T', kind: 'notify', input: {}, catchUp: 'skip', status: 'active', createdBy: 'did:key:z6Mk', createdAt: 0, ...timing }
    let saved: string[] = []
    try {
      validateOperation(operation, new Set(['notify']))
    } catch (error) {
      if (error instanceof InvalidFields) saved = error.problems.map((problem) => `${problem.field}: ${problem.message}`)
    }
    expect(saved).toHaveLength(1)
    expect(problemsOf('FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1')).toEqual(saved)
  })

  it('[NL4] refuses what operations.ts refuses: finer than hourly, a rule that never happens, DTSTART, text that is no RRULE', () => {
    expect(problemsOf('FREQ=MINUTELY')).toEqual(['repeat.rrule: A rule repeats at most hourly; for shorter intervals repeat every N ms instead.'])
    expect(problemsOf('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30')).toEqual(['repeat.rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" never happens (like February 30th); check its BYMONTH, BYMONTHDAY and INTERVAL.'])
    expect(problemsOf('FREQ=DAILY;INTERVAL=2;BYMONTHDAY=1')[0]).toMatch(/^repeat\.rrule: A weekly, daily or hourly rule with an INTERVAL cannot also pick dates/)
    expect(problemsOf('DTSTART:20271011T090000\nRRULE:FREQ=DAILY')[0]).toMatch(/^repeat\.rrule: .* is not an RFC 5545 RRULE/s)
    expect(problemsOf('every monday')[0]).toMatch(/^repeat\.rrule: "every monday" is not an RFC 5545 RRULE; write e\.g\. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU/)
  })

  it('[NL4] asks for the first run, and refuses a rule with nothing left to run', () => {
    expect(problemsOf('FREQ=DAILY', '')).toEqual(['dueAt: Choose when it first runs (the rule’s start, as DTSTART would give it).'])
    expect(problemsOf('FREQ=DAILY;COUNT=3', '2027-01-01T09:00')).toEqual(['repeat.rrule: This rule has no occurrence from now on (its COUNT or UNTIL has passed); change them or the first run.'])
    expect(problemsOf('RRULE:FREQ=DAILY;BYHOUR=8,20')).toEqual([])
  })

  it('[NL4] sits in the operation editor as a disclosure, beside the schedule box', () => {
    const markup = renderToStaticMarkup(createElement(OperationEditor, { schedule: {} as SpaceSchedule, schedulers: [] }))
    expect(markup).toMatch(/<details class="advanced-rule"><summary>Advanced: RRULE<\/summary>/)
    expect(markup).toContain('placeholder="FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1"')
    expect(markup).toMatch(/First run \([A-Za-z_/]+\)/)
  })
})
