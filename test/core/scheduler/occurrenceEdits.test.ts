import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docKind } from '../../../src/core/scheduler/docKind.ts'
import { readCounter } from '../../../src/core/scheduler/docResults.ts'
import { InvalidFields } from '../../../src/core/scheduler/InvalidFields.ts'
import { KindRegistry } from '../../../src/core/scheduler/kinds.ts'
import { movedFrom, moveWindow } from '../../../src/core/scheduler/occurrenceEdits.ts'
import { occurrenceId, seriesOf, type OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import type { OperationId } from '../../../src/core/scheduler/operations.ts'
import { counting, hostedSchedule, SECOND, START } from '../../helpers/hostedSchedule.ts'
import { SpaceSchedule } from '../../../src/core/scheduler/SpaceSchedule.ts'

const kinds = new KindRegistry([docKind])

/** One peer hosting a space's schedule on a fake clock (test/helpers/hostedSchedule.ts). */
function hostedSpace(doc = new Y.Doc()) {
  const { clock, schedule, runFor } = hostedSchedule({ now: START, doc })
  /** Which occurrences ran, and when each started. */
  const ran = (id: OperationId, count: number): Array<[string, number | undefined]> => {
    const series = seriesOf(schedule.operation(id)!)
    return Array.from({ length: count }, (_, index) => [`#${index}`, schedule.runs.run(occurrenceId(series, index))?.startedAt])
  }
  return { clock, doc, schedule, runFor, ran }
}


describe('editing single occurrences', () => {
  it('[OP8] a skipped occurrence does not run, and every other keeps its id and time: no new plan', async () => {
    const { doc, schedule, runFor, ran } = hostedSpace()
    const op = schedule.createOperation(counting())
    const skipped = schedule.skipOccurrence(op.id, 2)
    expect(skipped.plan).toBeUndefined()
    expect(skipped.exceptions).toEqual({ skipped: [2] })
    await runFor(10_000)
    expect(readCounter(doc, 'n')).toBe(4)
    expect(ran(op.id, 5)).toEqual([
      ['#0', START + 2_000],
      ['#1', START + 3_000],
      ['#2', undefined],
      ['#3', START + 5_000],
      ['#4', START + 6_000],
    ])
    expect(schedule.finishedThrough(op.id)).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('[OP8] skipping the occurrence a tick has already offered (it is due within the look-ahead) still keeps it from running', async () => {
    const { doc, schedule, runFor, ran } = hostedSpace()
    const op = schedule.createOperation(counting({ times: 3 }))
    // The first tick offers #0 and #1 ahead of their time (Q2); #1 is skipped after that.
    await runFor(500)
    schedule.skipOccurrence(op.id, 1)
    await runFor(10_000)
    expect(readCounter(doc, 'n')).toBe(2)
    expect(ran(op.id, 3).map(([, at]) => at)).toEqual([START + 2_000, undefined, START + 4_000])
  })

  it('[OP8] [Q1] the progress mark moves past an occurrence skipped once the mark had reached it', async () => {
    const { schedule, runFor } = hostedSpace()
    const op = schedule.createOperation(counting({ times: 4, repeat: { kind: 'every', everyMs: 10_000 } }))
    await runFor(13_000)
    expect(schedule.finishedThrough(op.id)).toBe(2)
    // #2 never gets a record: the mark moves on when #3 does.
    schedule.skipOccurrence(op.id, 2)
    await runFor(30_000)
    expect(schedule.finishedThrough(op.id)).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('[OP8] a moved occurrence runs once at its new time under its id; taken at its old time first, it is put back', async () => {
    const { doc, schedule, runFor, ran } = hostedSpace()
    const op = schedule.createOperation(counting({ times: 3, repeat: { kind: 'every', everyMs: 10_000 } }))
    // #1 is due at START + 12 s; a tick at START + 11.x s offers it, and then it moves to 15 s.
    await runFor(11_500)
    schedule.moveOccurrence(op.id, 1, START + 15_000)
    expect(movedFrom(schedule.operation(op.id)!, op.id, 1)).toBe(START + 12_000)
    await runFor(20_000)
    expect(readCounter(doc, 'n')).toBe(3)
    expect(ran(op.id, 3)).toEqual([
      ['#0', START + 2_000],
      ['#1', START + 15_000],
      ['#2', START + 22_000],
    ])
  })

  it('[OP8] refuses to move an occurrence past its neighbours, into the past, or one that ran, saying why', async () => {
    const { schedule, runFor } = hostedSpace()
    const op = schedule.createOperation(counting({ repeat: { kind: 'every', everyMs: 10_000 } }))
    const windowOf = (index: number) => moveWindow(schedule.operation(op.id)!, index, schedule.planFacts(schedule.operation(op.id)!))
    expect(windowOf(2)).toEqual({ after: START + 12_000, before: START + 32_000 })
    expect(() => schedule.moveOccurrence(op.id, 2, START + 32_000)).toThrow(/moves only to a time after the one before it and before the one after it/)
    expect(() => schedule.moveOccurrence(op.id, 2, START - 1)).toThrow(/Choose a time from now on/)
    await runFor(3_000)
    expect(() => schedule.moveOccurrence(op.id, 0, START + 5_000)).toThrow(/has run already/)
    expect(() => schedule.skipOccurrence(op.id, 0)).toThrow(InvalidFields)
    expect(() => schedule.skipOccurrence(op.id, 5)).toThrow(/no such occurrence/)
    // Skipping a neighbour widens the window; moving back to the rule's time removes the exception.
    schedule.skipOccurrence(op.id, 3)
    expect(windowOf(2)).toEqual({ after: START + 12_000, before: START + 42_000 })
    schedule.moveOccurrence(op.id, 2, START + 35_000)
    expect(schedule.operation(op.id)?.exceptions).toEqual({ skipped: [3], moved: [{ index: 2, dueAt: START + 35_000 }] })
    schedule.moveOccurrence(op.id, 2, START + 22_000)
    expect(schedule.operation(op.id)?.exceptions).toEqual({ skipped: [3] })
    expect(() => schedule.skipOccurrence(op.id, 3)).toThrow(/skipped already/)
    schedule.restoreOccurrence(op.id, 3)
    expect(schedule.operation(op.id)?.exceptions).toBeUndefined()
  })

  it('[OP8] [OP3] a skip made on another peer reaches its host’s queue, and a peer’s junk exceptions make no operation', () => {
    const [here, there] = [new Y.Doc(), new Y.Doc()]
    const host = hostedSpace(here).schedule
    const op = host.createOperation(counting())
    const peer = new SpaceSchedule({ doc: there, kinds, now: () => START, actor: 'did:key:z6MkBob', newId: () => 'unused' })
    Y.applyUpdate(there, Y.encodeStateAsUpdate(here))
    peer.skipOccurrence(op.id, 0)
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    expect(host.queue(SECOND).peek()?.occurrence.id).toBe(`${op.id}#1`)
    for (const junk of [{ skipped: [3, 1] }, { skipped: 'all' }, { moved: [{ index: 1 }] }, { skipped: [1], moved: [{ index: 1, dueAt: 5 }] }]) {
      there.getMap('ops').set(op.id, { ...peer.operation(op.id), exceptions: junk })
      Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
      expect(host.operation(op.id)).toBeUndefined()
      expect(host.queue(SECOND).size).toBe(0)
    }
  })

  it('[OP9] “cancel this and all following” ends the plan before it, keeping the ids before; from its first occurrence, it cancels', async () => {
    const { doc, schedule, runFor, ran } = hostedSpace()
    const op = schedule.createOperation(counting({ times: undefined as never }))
    const ended = schedule.endSeriesAt(op.id, 3)
    expect(ended).toMatchObject({ times: 3, status: 'active' })
    expect(ended.plan).toBeUndefined()
    await runFor(10_000)
    expect(readCounter(doc, 'n')).toBe(3)
    expect(ran(op.id, 4).map(([, at]) => at)).toEqual([START + 2_000, START + 3_000, START + 4_000, undefined])
    const other = schedule.createOperation(counting({ dueAt: START + 20_000 }))
    expect(schedule.endSeriesAt(other.id, 0)).toMatchObject({ status: 'cancelled' })
  })

  it('[OP9] “this and all following” ends the plan there and continues its work in a new operation with the new timing', async () => {
    const { doc, schedule, runFor, ran } = hostedSpace()
    const op = schedule.createOperation(counting({ times: 10, title: 'Water plants' }))
    // Starting before the last occurrence it keeps (#1, at 3 s), the two would overlap: refused, and nothing changes.
    expect(() => schedule.changeFollowing(op.id, 2, { dueAt: START + 2_500, repeat: { kind: 'none' } })).toThrow(/must first run after the one before it/)
    expect(schedule.operations()).toHaveLength(1)
    const next = schedule.changeFollowing(op.id, 2, { dueAt: START + 5_500, repeat: { kind: 'every', everyMs: 2_000 }, times: 2 })
    expect(next.id).not.toBe(op.id)
    expect(next).toMatchObject({ title: 'Water plants', kind: 'doc', schedulerId: SECOND, dueAt: START + 5_500, times: 2 })
    expect(schedule.operation(op.id)).toMatchObject({ times: 2 })
    await runFor(12_000)
    expect(ran(op.id, 3).map(([, at]) => at)).toEqual([START + 2_000, START + 3_000, undefined])
    expect(ran(next.id, 2).map(([, at]) => at)).toEqual([START + 5_500, START + 7_500])
    expect(readCounter(doc, 'n')).toBe(4)
    // From the plan's first occurrence, it is an edit of the whole timing: a new plan of the same operation.
    const whole = schedule.createOperation(counting({ dueAt: START + 60_000 }))
    const changed = schedule.changeFollowing(whole.id, 0, { dueAt: START + 70_000, repeat: { kind: 'none' } })
    expect(changed).toMatchObject({ id: whole.id, dueAt: START + 70_000 })
    expect(changed.plan).toBeGreaterThan(0)
  })

  it('[OP10] “run now” runs one copy at once, through the claims, labelled, and leaves the plan as it was', async () => {
    const { doc, schedule, runFor } = hostedSpace()
    const op = schedule.createOperation(counting({ dueAt: START + 3_600_000, title: 'Backup' }))
    const copy = schedule.runNow(op.id, SECOND)
    expect(copy).toMatchObject({ title: 'Backup (run now)', dueAt: START, repeat: { kind: 'none' }, kind: 'doc', input: op.input })
    await runFor(3_000)
    expect(readCounter(doc, 'n')).toBe(1)
    expect(schedule.runs.run(`${copy.id}#0` as OccurrenceId)?.startedAt).toBeLessThanOrEqual(START + 1_000)
    expect(schedule.runs.recordsOf(op.id)).toEqual([])
    expect(schedule.operation(op.id)?.exceptions).toBeUndefined()
  })

  it('[OP4] a new timing starts its plan without the old plan’s exceptions', () => {
    const { schedule } = hostedSpace()
    const op = schedule.createOperation(counting())
    schedule.skipOccurrence(op.id, 1)
    expect(schedule.editOperation(op.id, { title: 'Renamed' }).exceptions).toEqual({ skipped: [1] })
    expect(schedule.editOperation(op.id, { dueAt: START + 50_000 }).exceptions).toBeUndefined()
  })
})
