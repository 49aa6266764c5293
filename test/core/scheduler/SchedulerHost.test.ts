import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docKind } from '../../../src/core/scheduler/docKind.ts'
import { readCounter } from '../../../src/core/scheduler/docResults.ts'
import { HlcClock } from '../../../src/core/scheduler/hlc.ts'
import { KindRegistry } from '../../../src/core/scheduler/kinds.ts'
import { OCCURRENCE_RECORDS, RecordKind } from '../../../src/core/scheduler/occurrenceChunks.ts'
import { OccurrenceRunner } from '../../../src/core/scheduler/OccurrenceRunner.ts'
import { SchedulerHost } from '../../../src/core/scheduler/SchedulerHost.ts'
import { counting, hostedSchedule, SECOND, START } from '../../helpers/hostedSchedule.ts'
import { SpaceSchedule, type NewOperation } from '../../../src/core/scheduler/SpaceSchedule.ts'
import { occurrencesBetween } from '../../../src/core/scheduler/occurrences.ts'
import { occurrenceId, parseOccurrenceId, seriesOf } from '../../../src/core/scheduler/occurrenceIds.ts'

const kinds = new KindRegistry([docKind])

/** One peer hosting a space's schedule with a fake clock (test/helpers/hostedSchedule.ts). */
function hostedSpace(now = START, maxStepMs = 100) {
  return hostedSchedule({ now, maxStepMs })
}


/** counting() with no limit on how many times. */
function countingForever(fields: Partial<NewOperation> = {}): NewOperation {
  const forever = { ...counting(fields) } as { times?: number } & Omit<NewOperation, 'times'>
  delete forever.times
  return forever
}

describe('scheduler host', () => {
  it('[Q2] [CL2a] runs each occurrence once, on time, and keeps the panel’s figures', async () => {
    const { doc, schedule, host, runFor } = hostedSpace()
    const op = schedule.createOperation(counting())
    await runFor(10_000)
    expect(readCounter(doc, 'n')).toBe(5)
    for (let index = 0; index < 5; index++) {
      const run = schedule.runs.run(`${op.id}#${index}` as never)
      expect(run?.startedAt).toBeGreaterThanOrEqual(START + 2_000 + index * 1_000)
      expect(run!.startedAt - (START + 2_000 + index * 1_000)).toBeLessThanOrEqual(100)
    }
    expect(host.statsOf(SECOND)).toMatchObject({ started: 5, skipped: 0, lagMs: 0, queueLength: 0 })
  })

  it('[SCH3] a paused scheduler takes nothing from its queue, and resumes where it was', async () => {
    const { doc, schedule, runFor } = hostedSpace()
    schedule.createOperation(counting({ catchUp: 'all' }))
    schedule.saveScheduler({ ...schedule.scheduler(SECOND)!, paused: true })
    await runFor(10_000)
    expect(readCounter(doc, 'n')).toBe(0)
    schedule.saveScheduler({ ...schedule.scheduler(SECOND)!, paused: false })
    await runFor(5_000)
    expect(readCounter(doc, 'n')).toBe(5)
  })

  it('[CU1] records what a late start skipped, so no peer runs or re-skips it', async () => {
    const { doc, schedule, host, runFor } = hostedSpace(START + 60_000)
    const op = schedule.createOperation(counting({ times: 100, catchUp: 'skip' }))
    await runFor(3_000)
    // Due every second from START + 2 s; the host woke at START + 60 s: 57 missed, then every one from there.
    expect(schedule.skippedRanges(op.id)).toEqual([[0, 57]])
    expect(host.statsOf(SECOND).skipped).toBe(57)
    expect(readCounter(doc, 'n')).toBeGreaterThanOrEqual(3)
    expect(schedule.finishedThrough(op.id)).toBeGreaterThanOrEqual(57)
  })

  it('[CAP3] records what the catch-up limit skipped apart from what a policy skipped, for the operation list to say', async () => {
    const { doc, schedule, runFor } = hostedSpace(START + 200_000)
    const all = schedule.createOperation(counting({ times: 1_000, catchUp: 'all' }))
    const skip = schedule.createOperation(counting({ times: 1_000, catchUp: 'skip', input: { action: 'increment', counter: 'other', by: 1 } }))
    await runFor(3_000)
    // Due every second from START + 2 s, woken at START + 200 s: 0..196 were missed, and only the last 100 of them (97..196) replay.
    expect(schedule.skippedRanges(all.id)).toEqual([[0, 97]])
    expect(schedule.skippedByCatchUpLimit(all.id)).toBe(97)
    expect(readCounter(doc, 'n')).toBeGreaterThanOrEqual(100)
    expect(schedule.skippedRanges(skip.id)).toEqual([[0, 197]])
    expect(schedule.skippedByCatchUpLimit(skip.id)).toBe(0)
  })

  it('[OP4] editing a running operation’s timing starts a new plan: the next run is the preview’s first, none is skipped or repeated, and the old runs stay as history', async () => {
    // Steps of up to a minute: the host sleeps until its next occurrence, as it would between hourly runs.
    const { clock, doc, schedule, runFor } = hostedSpace(START, 60_000)
    const op = schedule.createOperation(countingForever())
    await runFor(101_500)
    // Due every second from START + 2 s: occurrences 0 to 99 have run.
    expect(readCounter(doc, 'n')).toBe(100)
    expect(schedule.finishedThrough(op.id)).toBe(100)
    // Hourly from the next whole hour after now; what the editor previews is what will run.
    const hourly = { dueAt: START + 3_600_000, repeat: { kind: 'every', everyMs: 3_600_000 } } as const
    const edited = schedule.editOperation(op.id, hourly)
    expect(edited).toMatchObject({ plan: clock.now, planFrom: clock.now })
    const preview = occurrencesBetween(seriesOf(edited), edited, clock.now, Number.POSITIVE_INFINITY, 3)
    expect(preview.map((occurrence) => occurrence.id)).toEqual([0, 1, 2].map((index) => `${op.id}@${edited.plan}#${index}`))
    expect(schedule.queue(SECOND).peek()?.occurrence).toEqual(preview[0])
    // Three hours later: exactly the three previewed occurrences ran, each once, at its time; nothing was skipped.
    await runFor(3 * 3_600_000 + 5_000 - (clock.now - START))
    expect(readCounter(doc, 'n')).toBe(103)
    for (const occurrence of preview) expect(schedule.runs.run(occurrence.id)?.startedAt).toBe(occurrence.dueAt)
    expect(schedule.skippedRanges(op.id)).toEqual([])
    // The first plan's 100 runs are still there, under their own ids.
    const history = schedule.runs.recordsOf(op.id)
    expect(history).toHaveLength(103)
    expect(history.filter((record) => parseOccurrenceId(record.occurrence).plan === 0)).toHaveLength(100)
  })

  it('[OP4] a run of the earlier plan recorded after the edit (by a peer that was still on it) moves nothing in the new plan', () => {
    const { clock, schedule } = hostedSpace()
    const op = schedule.createOperation(countingForever())
    const edited = schedule.editOperation(op.id, { dueAt: START + 2_000, repeat: { kind: 'every', everyMs: 2_000 } })
    clock.now += 10_000
    const late = { occurrence: occurrenceId(op.id, 0), by: 'bob', startedAt: START + 2_000, doneAt: START + 2_100, outcome: 'ok' as const }
    schedule.runs.putRun(late)
    expect(schedule.finishedThrough(op.id)).toBe(0)
    expect(schedule.queue(SECOND).peek()?.occurrence.id).toBe(`${op.id}@${edited.plan}#0`)
    // Nor is it taken for the same-numbered occurrence of the new plan.
    expect(schedule.runs.run(occurrenceId(seriesOf(edited), 0))).toBeUndefined()
  })

  it('[OP4] an edit that keeps a start in the past begins at the first occurrence due after the edit, not with a catch-up of the ones before', async () => {
    const { clock, doc, schedule, runFor } = hostedSpace()
    const op = schedule.createOperation(countingForever({ catchUp: 'all' }))
    await runFor(10_500)
    const ran = readCounter(doc, 'n')
    // Every 2 s from the same start: under `all`, the plan's occurrences before the edit would otherwise all be "missed".
    schedule.editOperation(op.id, { repeat: { kind: 'every', everyMs: 2_000 } })
    const from = clock.now
    await runFor(4_100)
    expect(readCounter(doc, 'n') - ran).toBe(2)
    const started = schedule.runs.recordsOf(op.id).filter((record) => parseOccurrenceId(record.occurrence).plan > 0)
    for (const record of started) expect(record.startedAt).toBeGreaterThanOrEqual(from)
  })

  it('[OP4] deleting an operation removes its progress, skips, claims and runs, of every plan', async () => {
    const { doc, schedule, runFor } = hostedSpace(START + 60_000)
    const op = schedule.createOperation(counting({ times: 100, catchUp: 'skip' }))
    await runFor(3_000)
    schedule.editOperation(op.id, { dueAt: START + 64_000, repeat: { kind: 'every', everyMs: 1_000 }, times: 100 })
    await runFor(3_000)
    expect(schedule.runs.recordsOf(op.id).length).toBeGreaterThan(0)
    const other = schedule.createOperation(counting({ input: { action: 'increment', counter: 'other', by: 1 } }))
    await runFor(1_000)
    schedule.deleteOperation(op.id)
    expect([...doc.getMap('skips').keys()].filter((key) => key.startsWith(op.id))).toEqual([])
    // Its books of claims, records and marks are gone (RET2); what is left is the other operation's, and the counter's.
    const books = (name: string): string[] => [...doc.getMap(OCCURRENCE_RECORDS).keys()].filter((key) => key.startsWith(`${name}#`) || key.startsWith(`${name}@`))
    const chunks = (name: string): string[] => books(name).flatMap((key) => [...(doc.getMap(OCCURRENCE_RECORDS).get(key) as Y.Map<unknown>).keys()])
    expect(chunks(op.id).filter((key) => !key.includes(`\n${RecordKind.increment}\n`) && !key.includes(`\n${RecordKind.fold}\n`))).toEqual([])
    expect(schedule.runs.recordsOf(op.id)).toEqual([])
    expect(schedule.finishedThrough(op.id)).toBe(0)
    // Another operation's records stay.
    expect(schedule.runs.recordsOf(other.id).length).toBeGreaterThan(0)
    expect(chunks(other.id).length).toBeGreaterThan(0)
  })

  it('[H4] ticks keep to a grid, so lateness never adds up; a pause is not counted as lateness', () => {
    const clock = { now: START }
    const doc = new Y.Doc()
    const schedule = new SpaceSchedule({ doc, kinds, now: () => clock.now, actor: 'did:key:z6MkAlice', newId: () => 'op' })
    schedule.ensureDefaultSchedulers()
    const runner = new OccurrenceRunner({ peer: 'alice', table: schedule.runs, hlc: new HlcClock('alice', () => clock.now), clock: () => clock.now, capablePeers: () => ['alice'], execute: () => Promise.resolve() })
    const ticks: Array<[number, number]> = []
    const host = new SchedulerHost({ schedule, runner, clock: () => clock.now, onTick: (id, plannedAt, ranAt) => id === SECOND && ticks.push([plannedAt - START, ranAt - plannedAt]) })
    // Each wake-up comes 30 ms after the time asked for.
    for (let wake = 0; wake < 5; wake++) clock.now = host.advance() + 30
    expect(ticks.slice(0, 4)).toEqual([[0, 0], [1_000, 30], [2_000, 30], [3_000, 30]])
    schedule.saveScheduler({ ...schedule.scheduler(SECOND)!, paused: true })
    clock.now += 10_000
    host.advance()
    schedule.saveScheduler({ ...schedule.scheduler(SECOND)!, paused: false })
    clock.now += 5
    host.advance()
    // Back on the grid, 5 ms after the grid point it had reached: not 10 s late.
    expect(ticks.at(-1)![1]).toBeLessThan(1_000)
    expect(host.statsOf(SECOND).tickLate.maxMs).toBeLessThan(1_000)
  })
})
