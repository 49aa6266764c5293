import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { capablePeers, DeviceScheduler, type PresentPeer } from '../../../src/core/scheduler/DeviceScheduler.ts'
import { docKind } from '../../../src/core/scheduler/docKind.ts'
import { readCounter } from '../../../src/core/scheduler/docResults.ts'
import { HostKind, KindRegistry, type Kind } from '../../../src/core/scheduler/kinds.ts'
import { MIN_GAP_MS, QuietMoments } from '../../../src/core/scheduler/quietMoments.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { SpaceSchedule, type NewOperation } from '../../../src/core/scheduler/SpaceSchedule.ts'
import { seriesOf } from '../../../src/core/scheduler/occurrenceIds.ts'

const START = 1_000_000
const SECOND = 'every-second' as SchedulerId
const ALICE = 'did:key:z6MkAlice'
const nodeOnly: Kind = { name: 'node-only', runsOn: [HostKind.node], checkInput: () => [], execute: () => Promise.resolve() }
const ANSWER_OK = (): Promise<string> => Promise.resolve('HTTP 200')
let answer: () => Promise<string> = ANSWER_OK
const reporting: Kind = { name: 'reporting', runsOn: [HostKind.page], checkInput: () => [], execute: () => answer() }
const kinds = new KindRegistry([docKind, nodeOnly, reporting])

/**
 * A fake clock with one pending timer at a time, as the port promises: `runFor` jumps to each
 * wake-up the scheduler asked for, so a start late by even 1 ms shows.
 */
function fakeTime() {
  const time = { now: START, wakeAt: undefined as number | undefined, callback: undefined as (() => void) | undefined, wakes: 0 }
  const timers = {
    after: (ms: number, callback: () => void) => {
      time.wakeAt = time.now + ms
      time.callback = callback
      return () => {
        if (time.callback === callback) time.callback = undefined
      }
    },
  }
  const runFor = async (ms: number): Promise<void> => {
    const end = time.now + ms
    while (time.callback && time.wakeAt! <= end) {
      time.now = Math.max(time.now, time.wakeAt!)
      const callback = time.callback
      time.callback = undefined
      time.wakes++
      callback()
      // Runs settle in microtasks; records are written before the next wake-up.
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    time.now = end
  }
  return { time, timers, runFor }
}

function spaceWithOperation(fields: Partial<NewOperation> = {}) {
  const doc = new Y.Doc()
  const schedule = new SpaceSchedule({ doc, kinds, now: () => START, actor: ALICE, newId: () => 'op' })
  schedule.ensureDefaultSchedulers()
  const operation = schedule.createOperation({
    schedulerId: SECOND,
    title: 'Count',
    kind: 'doc',
    input: { action: 'increment', counter: 'n', by: 1 },
    dueAt: START + 2_500,
    repeat: { kind: 'every', everyMs: 1_000 },
    times: 5,
    catchUp: 'all',
    ...fields,
  })
  return { doc, schedule, operation }
}

describe('device scheduler', () => {
  it('[K3] records what the kind reported: its note when it succeeded, its error when it failed', async () => {
    const { time, timers, runFor } = fakeTime()
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x' })
    const { doc, schedule, operation } = spaceWithOperation({ kind: 'reporting', input: {}, times: 2 })
    device.add({ id: 'space', doc, peers: () => [] })
    await runFor(3_000)
    answer = () => Promise.reject(new Error('The server answered HTTP 503 Service Unavailable.'))
    await runFor(2_000).finally(() => (answer = ANSWER_OK))
    expect(schedule.runs.run(`${operation.id}#0` as never)).toMatchObject({ outcome: 'ok', detail: 'HTTP 200' })
    expect(schedule.runs.run(`${operation.id}#1` as never)).toMatchObject({ outcome: 'failed', error: 'The server answered HTTP 503 Service Unavailable.' })
    device.stop()
  })

  it('[H4] [CL2a] [Q2] runs a space’s occurrences exactly at their due times, sleeping in between', async () => {
    const { time, timers, runFor } = fakeTime()
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x' })
    const { doc, schedule, operation } = spaceWithOperation()
    device.add({ id: 'space', doc, peers: () => [] })
    await runFor(10_000)
    expect(readCounter(doc, 'n')).toBe(5)
    for (let index = 0; index < 5; index++) expect(schedule.runs.run(`${operation.id}#${index}` as never)?.startedAt).toBe(START + 2_500 + index * 1_000)
    // Ticks, claims, settles and starts: a bounded number of wake-ups, not a poll every few ms.
    expect(time.wakes).toBeLessThan(60)
    device.stop()
  })

  it('[H4] the work of one wake-up does not make the next tick late by as long', async () => {
    const { time, timers, runFor } = fakeTime()
    const late: number[] = []
    const onTick = (_space: string, scheduler: SchedulerId, plannedAt: number, ranAt: number): void => {
      if (scheduler !== SECOND) return
      late.push(ranAt - plannedAt)
      // Each tick's work (claims, records, signing) takes 5 ms of the clock.
      time.now += 5
    }
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x', onTick })
    const { doc } = spaceWithOperation()
    device.add({ id: 'space', doc, peers: () => [] })
    await runFor(5_000)
    expect(late.length).toBeGreaterThanOrEqual(5)
    expect(late).toEqual(late.map(() => 0))
    device.stop()
  })

  it('[Q2] an occurrence taken ahead of its due time is dropped if its operation is paused meanwhile', async () => {
    const { time, timers, runFor } = fakeTime()
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x' })
    const { doc, schedule, operation } = spaceWithOperation({ dueAt: START + 1_800, times: 1 })
    device.add({ id: 'space', doc, peers: () => [] })
    // The first tick (at START) takes the occurrence due at +1.8 s and claims it; pause before it is due.
    await runFor(1_000)
    schedule.setPaused(operation.id, true)
    await runFor(5_000)
    expect(readCounter(doc, 'n')).toBe(0)
    expect(schedule.runs.run(`${operation.id}#0` as never)).toBeUndefined()
    device.stop()
  })

  it('[Q2] an occurrence taken ahead of its due time is dropped if its operation is retimed meanwhile', async () => {
    const { time, timers, runFor } = fakeTime()
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x' })
    const { doc, schedule, operation } = spaceWithOperation({ dueAt: START + 1_800, times: 1 })
    device.add({ id: 'space', doc, peers: () => [] })
    await runFor(1_000)
    const edited = schedule.editOperation(operation.id, { dueAt: START + 60_000 })
    await runFor(5_000)
    expect(schedule.runs.run(`${operation.id}#0` as never)).toBeUndefined()
    await runFor(60_000)
    // The new timing is a new plan, with ids of its own (OP4).
    expect(schedule.runs.run(`${seriesOf(edited)}#0` as never)?.startedAt).toBe(START + 60_000)
    device.stop()
  })

  it('[CU0] [H5] an operation planned while the host is starting (its 5 s wait for the room) loses none of its first occurrences, under "latest"', async () => {
    const { time, timers, runFor } = fakeTime()
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x' })
    // The space opened at START; its operation is planned at once, every second from START + 1 s; the host starts 5 s after opening.
    const { doc, schedule, operation } = spaceWithOperation({ dueAt: START + 1_000, catchUp: 'latest', times: 8 })
    time.now = START + 5_000
    device.add({ id: 'space', doc, peers: () => [], startingSince: START })
    await runFor(5_000)
    expect(schedule.skippedRanges(operation.id)).toEqual([])
    expect(readCounter(doc, 'n')).toBe(8)
    device.stop()
  })

  it('[H6] upkeep asked for while a wake-up is due runs right after it, in the gap before the next', async () => {
    const { time, timers, runFor } = fakeTime()
    const quiet = new QuietMoments(() => time.now)
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x', quiet })
    const { doc } = spaceWithOperation()
    device.add({ id: 'space', doc, peers: () => [] })
    let ranAt: number | undefined
    void quiet.wait().then(() => (ranAt = time.now))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(ranAt).toBeUndefined()
    await runFor(0)
    expect(ranAt).toBe(START)
    expect(time.wakeAt! - ranAt!).toBeGreaterThanOrEqual(MIN_GAP_MS)
    device.stop()
  })

  it('stops running a space once it is removed', async () => {
    const { time, timers, runFor } = fakeTime()
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x' })
    const { doc } = spaceWithOperation()
    device.add({ id: 'space', doc, peers: () => [] })
    await runFor(3_000)
    const ran = readCounter(doc, 'n')
    device.remove('space')
    await runFor(10_000)
    expect(readCounter(doc, 'n')).toBe(ran)
    expect(device.has('space')).toBe(false)
  })

  it('[CL1] ranks this device only for kinds its host can run, and present peers only for kinds they advertise', () => {
    const peers: PresentPeer[] = [
      { device: 'did:key:z6MkBob', kinds: ['doc', 'notify'] },
      { device: 'did:key:z6MkNode', kinds: ['doc', 'node-only'] },
      // Two tabs of one device count once.
      { device: 'did:key:z6MkBob', kinds: ['doc'] },
    ]
    expect(capablePeers(ALICE, true, peers, 'doc').sort()).toEqual([ALICE, 'did:key:z6MkBob', 'did:key:z6MkNode'].sort())
    expect(capablePeers(ALICE, false, peers, 'node-only')).toEqual(['did:key:z6MkNode'])
    expect(capablePeers(ALICE, true, peers, 'http')).toEqual([ALICE])
  })

  it('[K1] a page host leaves a kind it cannot run to the peers that can', async () => {
    const { time, timers, runFor } = fakeTime()
    const device = new DeviceScheduler({ device: ALICE, host: HostKind.page, kinds, clock: () => time.now, timers, newId: () => 'x' })
    const { doc, schedule, operation } = spaceWithOperation({ kind: 'node-only', input: {} })
    device.add({ id: 'space', doc, peers: () => [{ device: 'did:key:z6MkNode', kinds: ['node-only'] }] })
    await runFor(10_000)
    expect(schedule.runs.run(`${operation.id}#0` as never)).toBeUndefined()
    expect(schedule.runs.claims(`${operation.id}#0` as never)).toEqual([])
    // Nor does it hold (and poll) the occurrences it will never run.
    expect(time.wakes).toBeLessThan(30)
    device.stop()
  })
})
