/**
 * One peer hosting a space's schedule on a fake clock, as a device's host
 * runs it (SpaceSchedule, OccurrenceRunner, SchedulerHost and the `doc`
 * kind), for tests of the layers above the claim protocol. `runFor`
 * advances the clock the way a host's timer would: to each wake-up asked
 * for, in steps of at most `maxStepMs`, letting runs settle between.
 */
import * as Y from 'yjs'
import { docKind } from '../../src/core/scheduler/docKind.ts'
import { HlcClock } from '../../src/core/scheduler/hlc.ts'
import { KindRegistry } from '../../src/core/scheduler/kinds.ts'
import { OccurrenceRunner } from '../../src/core/scheduler/OccurrenceRunner.ts'
import { SchedulerHost } from '../../src/core/scheduler/SchedulerHost.ts'
import type { SchedulerId } from '../../src/core/scheduler/schedulers.ts'
import { SpaceSchedule, type NewOperation } from '../../src/core/scheduler/SpaceSchedule.ts'

export const HOST_PEER = 'alice'
/** The default 1 s scheduler every space gets (SCH4). */
export const SECOND = 'every-second' as SchedulerId
/** A fake clock's start, ms. */
export const START = 1_000_000
const kinds = new KindRegistry([docKind])

/** A `doc` operation adding 1 to counter `n` every second from START + 2 s, 5 times, unless `fields` say otherwise. */
export function counting(fields: Partial<NewOperation> = {}): NewOperation {
  return { schedulerId: SECOND, title: 'Count', kind: 'doc', input: { action: 'increment', counter: 'n', by: 1 }, dueAt: START + 2_000, repeat: { kind: 'every', everyMs: 1_000 }, times: 5, catchUp: 'all', ...fields }
}

export function hostedSchedule({ now, maxStepMs = 100, doc = new Y.Doc() }: { readonly now: number; readonly maxStepMs?: number; readonly doc?: Y.Doc }) {
  const clock = { now }
  let ids = 0
  const schedule = new SpaceSchedule({ doc, kinds, now: () => clock.now, actor: 'did:key:z6MkAlice', newId: () => `op${++ids}` })
  schedule.ensureDefaultSchedulers()
  const runner = new OccurrenceRunner({
    peer: HOST_PEER,
    table: schedule.runs,
    hlc: new HlcClock(HOST_PEER, () => clock.now),
    clock: () => clock.now,
    capablePeers: () => [HOST_PEER],
    // As DeviceScheduler does: an occurrence offered ahead of its time is dropped if its operation changed meanwhile.
    isCurrent: (entry) => schedule.isCurrent(entry.occurrence, entry.operation.id),
    execute: (entry, signal) => docKind.execute(entry.operation.input, { operation: entry.operation, occurrence: entry.occurrence, idempotencyKey: entry.occurrence.id, doc, peer: HOST_PEER, now: () => clock.now, signal }),
  })
  const host = new SchedulerHost({ schedule, runner, clock: () => clock.now })
  const runFor = async (ms: number): Promise<void> => {
    const end = clock.now + ms
    while (clock.now < end) {
      const sleep = host.advance() - clock.now
      await new Promise((resolve) => setTimeout(resolve, 0))
      clock.now = Math.min(end, clock.now + Math.min(sleep, maxStepMs))
    }
  }
  return { clock, doc, schedule, runner, host, runFor }
}
