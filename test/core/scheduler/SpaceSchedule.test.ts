import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docKind } from '../../../src/core/scheduler/docKind.ts'
import { InvalidFields } from '../../../src/core/scheduler/InvalidFields.ts'
import { KindRegistry } from '../../../src/core/scheduler/kinds.ts'
import { nextOccurrence } from '../../../src/core/scheduler/occurrences.ts'
import { occurrenceId, seriesOf, type OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import { SpaceSchedule, type NewOperation } from '../../../src/core/scheduler/SpaceSchedule.ts'
import { deviceBudget, type SchedulerId } from '../../../src/core/scheduler/schedulers.ts'

const ALICE = 'did:key:z6MkAlice'
const kinds = new KindRegistry([docKind])
let ids = 0
const schedule = (doc = new Y.Doc(), now = 0): SpaceSchedule => new SpaceSchedule({ doc, kinds, now: () => now, actor: ALICE, newId: () => `op${++ids}` })
const SECOND = 'every-second' as SchedulerId

const tickOp = (fields: Partial<NewOperation> = {}): NewOperation => ({
  schedulerId: SECOND,
  title: 'Tick',
  kind: 'doc',
  input: { action: 'increment', counter: 'ticks', by: 1 },
  dueAt: 1_000,
  repeat: { kind: 'every', everyMs: 1_000 },
  catchUp: 'all',
  ...fields,
})

const queued = (space: SpaceSchedule, scheduler = SECOND): string[] => space.queue(scheduler).upcoming(100).map((entry) => entry.occurrence.id)

describe('a space’s schedule', () => {
  it('[SCH4] gives a space its two default schedulers once, even when two peers add them at once', () => {
    const [one, two] = [new Y.Doc(), new Y.Doc()]
    schedule(one).ensureDefaultSchedulers()
    schedule(two).ensureDefaultSchedulers()
    Y.applyUpdate(one, Y.encodeStateAsUpdate(two))
    expect(schedule(one).schedulers().map((scheduler) => [scheduler.id, scheduler.everyMs])).toEqual([
      ['every-second', 1_000],
      ['every-minute', 60_000],
    ])
  })

  it('[SCH3] changes, pauses and deletes schedulers, but not one an active operation uses', () => {
    const space = schedule()
    space.ensureDefaultSchedulers()
    const second = space.scheduler(SECOND)!
    space.saveScheduler({ ...second, everyMs: 500, paused: true })
    expect(space.scheduler(SECOND)).toMatchObject({ everyMs: 500, paused: true })
    expect(() => space.saveScheduler({ ...second, everyMs: 5 })).toThrow(InvalidFields)
    const op = space.createOperation(tickOp())
    expect(() => space.deleteScheduler(SECOND)).toThrow(/1 active operation uses this scheduler/)
    space.cancelOperation(op.id)
    space.deleteScheduler(SECOND)
    expect(space.scheduler(SECOND)).toBeUndefined()
  })

  it('[OP1] [OP5] records who created and who cancelled; paused and cancelled operations leave the queue', () => {
    const space = schedule(new Y.Doc(), 42)
    space.ensureDefaultSchedulers()
    const op = space.createOperation(tickOp())
    expect(op).toMatchObject({ status: 'active', createdBy: ALICE, createdAt: 42 })
    expect(queued(space)).toEqual([`${op.id}#0`])
    space.setPaused(op.id, true)
    expect(queued(space)).toEqual([])
    space.setPaused(op.id, false)
    expect(queued(space)).toEqual([`${op.id}#0`])
    expect(space.cancelOperation(op.id)).toMatchObject({ status: 'cancelled', cancelledBy: ALICE, cancelledAt: 42 })
    expect(queued(space)).toEqual([])
    expect(() => space.editOperation(op.id, { schedulerId: 'nope' as SchedulerId })).toThrow(/That scheduler does not exist/)
  })

  it('[OP4] a new timing replaces the old one whole, its count and end included; other edits keep them', () => {
    const space = schedule()
    space.ensureDefaultSchedulers()
    const op = space.createOperation(tickOp({ times: 5, until: 100_000 }))
    expect(space.editOperation(op.id, { title: 'Renamed' })).toMatchObject({ title: 'Renamed', times: 5, until: 100_000 })
    const retimed = space.editOperation(op.id, { dueAt: 2_000, repeat: { kind: 'every', everyMs: 500 } })
    expect(retimed.times).toBeUndefined()
    expect(retimed.until).toBeUndefined()
    expect(space.editOperation(op.id, { dueAt: 3_000, repeat: { kind: 'none' }, times: 1 }).times).toBe(1)
  })

  it('[OP4] two devices retiming one operation at once (one offline) make two distinct plans: the runs of the timing that loses the merge mark nothing of the winner’s', () => {
    const [phone, laptop] = [new Y.Doc(), new Y.Doc()]
    const onPhone = schedule(phone, 1_000)
    onPhone.ensureDefaultSchedulers()
    const op = onPhone.createOperation(tickOp())
    Y.applyUpdate(laptop, Y.encodeStateAsUpdate(phone))
    const onLaptop = schedule(laptop, 2_000)
    const minutely = onPhone.editOperation(op.id, { dueAt: 60_000, repeat: { kind: 'every', everyMs: 60_000 } })
    const daily = onLaptop.editOperation(op.id, { dueAt: 86_400_000, repeat: { kind: 'every', everyMs: 86_400_000 } })
    expect(seriesOf(minutely)).not.toBe(seriesOf(daily))
    // The phone ran the first of its plan before the two met.
    onPhone.runs.putRun({ occurrence: occurrenceId(seriesOf(minutely), 0), by: 'phone', startedAt: 60_000, doneAt: 60_001, outcome: 'ok' })
    Y.applyUpdate(laptop, Y.encodeStateAsUpdate(phone))
    Y.applyUpdate(phone, Y.encodeStateAsUpdate(laptop))
    const winner = onPhone.operation(op.id)!
    expect(onLaptop.operation(op.id)).toEqual(winner)
    // Whichever timing won, its first occurrence is still to run.
    expect(onPhone.runs.run(occurrenceId(seriesOf(winner), 0))?.by === 'phone').toBe(seriesOf(winner) === seriesOf(minutely))
    if (seriesOf(winner) === seriesOf(daily)) expect(onPhone.firstUnfinished(winner, 0)?.index).toBe(0)
  })

  it('[Q1] keeps each scheduler’s queue in step with local and remote edits, without a rebuild', () => {
    const [here, there] = [new Y.Doc(), new Y.Doc()]
    const local = schedule(here)
    const remote = schedule(there)
    local.ensureDefaultSchedulers()
    Y.applyUpdate(there, Y.encodeStateAsUpdate(here))
    const op = local.createOperation(tickOp())
    Y.applyUpdate(there, Y.encodeStateAsUpdate(here))
    expect(queued(remote)).toEqual([`${op.id}#0`])
    // Moved to the other scheduler, on the other peer: it leaves one queue and joins the other.
    const edited = remote.editOperation(op.id, { schedulerId: 'every-minute' as SchedulerId, dueAt: 5_000 })
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    expect(queued(local)).toEqual([])
    // A new due time is a new plan (OP4): its occurrences are numbered afresh, under ids that name it.
    expect(local.queue('every-minute' as SchedulerId).peek()?.occurrence).toMatchObject({ id: `${op.id}@${edited.plan}#0`, dueAt: 5_000 })
    // A peer's junk in the table is not an operation.
    there.getMap('ops').set('junk', { id: 'junk', title: 42 })
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    expect(local.operations().map((operation) => operation.id)).toEqual([op.id])
  })

  it('[Q1] starts a rebuilt queue at the operation’s progress mark, past every finished occurrence', () => {
    const doc = new Y.Doc()
    const space = schedule(doc)
    space.ensureDefaultSchedulers()
    const op = space.createOperation(tickOp())
    const record = (index: number): void => space.runs.putRun({ occurrence: `${op.id}#${index}` as OccurrenceId, by: 'p', startedAt: 1, doneAt: 2, outcome: 'ok' })
    for (const index of [1, 0, 2, 4]) record(index)
    // 0, 1 and 2 are done (in any order); 4 is done but 3 is not: the mark stops at 3.
    expect(space.finishedThrough(op.id)).toBe(3)
    expect(queued(space)).toEqual([`${op.id}#3`])
    const rebuilt = schedule(doc)
    expect(queued(rebuilt)).toEqual([`${op.id}#3`])
    record(3)
    expect(rebuilt.finishedThrough(op.id)).toBe(5)
    expect(queued(rebuilt)).toEqual([`${op.id}#5`])
  })

  // Before, a peer's record for the next one sent the queue back to an occurrence taken here but not yet recorded
  // (its claimer had just gone away); a tick then saw it as missed, and `latest` skipped it for good.
  it('[Q1] [CU2] never puts back in the queue an occurrence a tick here took, until the operation gets a new plan', () => {
    const space = schedule()
    space.ensureDefaultSchedulers()
    const op = space.createOperation(tickOp({ catchUp: 'latest' }))
    const record = (index: number): void => space.runs.putRun({ occurrence: `${op.id}#${index}` as OccurrenceId, by: 'peer', startedAt: 1, doneAt: 2, outcome: 'ok' })
    // A tick here takes #0 and #1 and moves the queue on to #2, as tick.ts does.
    space.markTaken(op.id, 0)
    space.markTaken(op.id, 1)
    space.queue(SECOND).set(op, nextOccurrence(op.id, op, -Infinity, 2))
    // A peer records #1 and #2; #0's claimer went away, so #0 is still the runner's to take over.
    record(1)
    record(2)
    expect(queued(space)).toEqual([`${op.id}#3`])
    // Only a new plan (here: a pause and a resume) starts the queue over from the progress mark.
    space.setPaused(op.id, true)
    space.setPaused(op.id, false)
    expect(queued(space)).toEqual([`${op.id}#0`])
  })

  it('[Q1] a view of the schedule reads progress marks but leaves writing them to the host', () => {
    const doc = new Y.Doc()
    const host = schedule(doc)
    host.ensureDefaultSchedulers()
    const op = host.createOperation(tickOp())
    const viewDoc = new Y.Doc()
    Y.applyUpdate(viewDoc, Y.encodeStateAsUpdate(doc))
    const view = new SpaceSchedule({ doc: viewDoc, kinds, now: () => 0, actor: ALICE, newId: () => 'unused', recordsProgress: false })
    view.runs.putRun({ occurrence: occurrenceId(op.id, 0), by: 'peer', startedAt: 1, doneAt: 2, outcome: 'ok' })
    expect(viewDoc.getMap('progress').size).toBe(0)
    // The host, told of the same record, moves the mark.
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(viewDoc))
    expect(host.finishedThrough(op.id)).toBe(1)
  })

  it('[CAP4] keeps running a scheduler whose stored budget is above this device’s caps, limited to them', () => {
    const doc = new Y.Doc()
    const space = schedule(doc)
    space.ensureDefaultSchedulers()
    // Written by a hostile member (or a build with other caps): no local save would accept it.
    doc.getMap('schedulers').set(SECOND, { ...space.scheduler(SECOND)!, budget: { maxOpsPerTick: 50_000, maxMsPerTick: 600_000 } })
    const stored = space.scheduler(SECOND)
    expect(stored?.budget).toEqual({ maxOpsPerTick: 50_000, maxMsPerTick: 600_000 })
    expect(deviceBudget(stored!.budget)).toEqual({ maxOpsPerTick: 1_000, maxMsPerTick: 250 })
    expect(deviceBudget({ maxOpsPerTick: 7, maxMsPerTick: 20 })).toEqual({ maxOpsPerTick: 7, maxMsPerTick: 20 })
  })
})
