import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { OCCURRENCE_RECORDS } from '../../../src/core/scheduler/occurrenceChunks.ts'
import { occurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import { KEPT_FAILURES_MS, KEPT_RUNS_PER_OPERATION, RecordRetention } from '../../../src/core/scheduler/recordRetention.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { PROGRESS_WRITE_STEP } from '../../../src/core/scheduler/SpaceSchedule.ts'
import { YjsRunTable } from '../../../src/core/scheduler/YjsRunTable.ts'
import { HOST_PEER, hostedSchedule } from '../../helpers/hostedSchedule.ts'

const START = Date.UTC(2026, 10, 23, 8)

describe('record retention', () => {
  it('[RET1] a host keeps an operation’s last 100 runs (and a few more between prunings) and no claims of finished occurrences, however long it runs', async () => {
    const { clock, doc, schedule, runFor } = hostedSchedule({ now: START })
    schedule.saveScheduler({ id: 'fast' as SchedulerId, name: 'Game tick', everyMs: 100, budget: { maxOpsPerTick: 100, maxMsPerTick: 50 }, paused: false })
    const op = schedule.createOperation({ schedulerId: 'fast' as SchedulerId, title: 'tick', kind: 'doc', input: { action: 'increment', counter: 'n', by: 1 }, dueAt: START + 1_000, repeat: { kind: 'every', everyMs: 100 }, catchUp: 'all' })
    const retention = new RecordRetention(doc, schedule, () => clock.now, HOST_PEER)
    await runFor(1_000 + 500 * 100)
    expect(schedule.finishedThrough(op.id)).toBeGreaterThan(450)
    const kept = schedule.runs.recordsOf(op.id)
    expect(kept.length).toBeGreaterThanOrEqual(KEPT_RUNS_PER_OPERATION)
    // Above the written mark (RET3) every record stays, and pruning waits for 20 more.
    expect(kept.length).toBeLessThanOrEqual(KEPT_RUNS_PER_OPERATION + PROGRESS_WRITE_STEP + 21)
    // The newest are the ones kept.
    expect(schedule.runs.run(occurrenceId(op.id, schedule.finishedThrough(op.id) - 1))).toBeDefined()
    expect(schedule.runs.run(occurrenceId(op.id, 0))).toBeUndefined()
    const claimed = Array.from({ length: 500 }, (_, index) => schedule.runs.claims(occurrenceId(op.id, index)).length).reduce((sum, count) => sum + count, 0)
    expect(claimed).toBeLessThanOrEqual(PROGRESS_WRITE_STEP + 21)
    // RET2: the books emptied are gone whole; what is left is the current one's (and perhaps the one before).
    expect(doc.getMap(OCCURRENCE_RECORDS).size).toBeLessThanOrEqual(2)
    retention.destroy()
  })

  it('[RET1] keeps failures for 30 days, and every record above the progress mark, whatever their number', () => {
    const now = START + 40 * 24 * 60 * 60_000
    const table = new YjsRunTable(new Y.Doc(), () => now)
    const record = (index: number, outcome: 'ok' | 'failed', doneAt = now) => table.putRun({ occurrence: occurrenceId('op', index), by: 'alice', startedAt: doneAt, doneAt, outcome })
    // 0–199 recorded, one failed 10 days ago (kept) and one 35 days ago (pruned); the progress mark is stuck at 150 (150 never finished).
    for (let index = 0; index < 200; index++) if (index !== 150) record(index, index === 5 ? 'failed' : index === 6 ? 'failed' : 'ok', index === 5 ? now - 10 * 86_400_000 : index === 6 ? now - 35 * 86_400_000 : now)
    table.prune('op', { keepRuns: 100, keepFailuresSince: now - KEPT_FAILURES_MS, series: 'op', finishedBelow: 150, slack: 20 })
    const kept = table.recordsOf('op').map((kept) => Number(kept.occurrence.split('#')[1])).sort((a, b) => a - b)
    // Above the mark (151–199) all stay, whatever the count; below it, the newest to make up 100, and the recent failure.
    expect(kept.filter((index) => index > 150)).toHaveLength(49)
    expect(kept).toContain(5)
    expect(kept).not.toContain(6)
    expect(kept).not.toContain(0)
    expect(kept.filter((index) => index < 150 && index !== 5)).toHaveLength(100 - 49)
  })

  it('[RET1] keeps a live claim with no record, though catch-up passed its occurrence: deleted, a run in progress would be run again', () => {
    const clock = { now: START }
    const table = new YjsRunTable(new Y.Doc(), () => clock.now)
    // Occurrences 0–29 were passed (catch-up skipped them on another peer); bob still runs #5, carol's claim on #7 ran out long ago.
    table.putClaim({ occurrence: occurrenceId('op', 7), peer: 'carol', hlc: { wallMs: START, counter: 0, peer: 'carol' }, renewal: 0 })
    clock.now += 60_000
    table.putClaim({ occurrence: occurrenceId('op', 5), peer: 'bob', hlc: { wallMs: clock.now, counter: 0, peer: 'bob' }, renewal: 0 })
    table.prune('op', { keepRuns: 100, keepFailuresSince: 0, series: 'op', finishedBelow: 30, slack: 1 })
    expect(table.claims(occurrenceId('op', 5)).map((claim) => claim.peer)).toEqual(['bob'])
    expect(table.claims(occurrenceId('op', 7))).toEqual([])
  })
})
