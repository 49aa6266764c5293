import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../../../src/core/scheduler/claims.ts'
import type { OccurrenceId } from '../../../../src/core/scheduler/occurrenceIds.ts'
import { describeOutcome } from '../../../../src/ui/features/schedule/RunHistory.tsx'

const record: RunRecord = { occurrence: 'hook#0' as OccurrenceId, by: 'p1', startedAt: 1_000, doneAt: 11_100, outcome: 'ok', detail: 'HTTP 200' }

describe('a run’s outcome in the history', () => {
  it('[K5] says on which attempt a retried run ended, how far apart the attempts started, and why the earlier ones failed', () => {
    expect(describeOutcome(record)).toBe('HTTP 200')
    const retried: RunRecord = { ...record, failedAttempts: [{ startedAt: 1_000, error: 'The server answered HTTP 503.' }, { startedAt: 3_000, error: 'The server answered HTTP 503.' }], lastAttemptAt: 11_000 }
    expect(describeOutcome(retried)).toBe('HTTP 200 on attempt 3, 2.0 s and 8.0 s apart (before: The server answered HTTP 503.)')
    expect(describeOutcome({ ...retried, outcome: 'failed', error: 'Could not reach example.com.' })).toBe('failed: Could not reach example.com. on attempt 3, 2.0 s and 8.0 s apart (before: The server answered HTTP 503.)')
    // A peer's malformed attempts are left out, not shown or thrown on.
    expect(describeOutcome({ ...record, failedAttempts: [{ startedAt: -1, error: 3 }] as never })).toBe('HTTP 200')
  })
})
