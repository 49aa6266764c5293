import { describe, expect, it } from 'vitest'
import { nextOccurrence } from '../../../src/core/scheduler/occurrences.ts'
import { OccurrenceQueue } from '../../../src/core/scheduler/OccurrenceQueue.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { Scheduler, SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { MAX_CATCH_UP_GRACE_MS, tick, type TickResult } from '../../../src/core/scheduler/tick.ts'
import { seededRandom } from '../../helpers/seededRandom.ts'

const SECOND: Scheduler = { id: 's1' as SchedulerId, name: 'Every second', everyMs: 1000, budget: { maxOpsPerTick: 100, maxMsPerTick: 50 }, paused: false }

function operation(id: string, fields: Partial<Operation> = {}): Operation {
  return {
    id: id as OperationId,
    schedulerId: SECOND.id,
    title: id,
    kind: 'doc',
    input: null,
    dueAt: 0,
    repeat: { kind: 'none' },
    catchUp: 'all',
    status: 'active',
    createdBy: 'did:key:z6Mk',
    createdAt: 0,
    ...fields,
  }
}

function queueOf(operations: readonly Operation[], from = -Infinity): OccurrenceQueue {
  const queue = new OccurrenceQueue()
  for (const op of operations) queue.set(op, nextOccurrence(op.id, op, from))
  return queue
}

const run = (queue: OccurrenceQueue, now: number, scheduler = SECOND, elapsed = () => 0): TickResult => tick(scheduler, queue, { now, elapsed, start: () => {} })
const ids = (result: TickResult): string[] => result.started.map((entry) => entry.occurrence.id)

describe('queue and ticks', () => {
  it('[Q1] keeps the next occurrence of each operation in due order, updated one operation at a time', () => {
    const random = seededRandom(3)
    const operations = Array.from({ length: 500 }, (_, index) => operation(`op${index}`, { dueAt: Math.floor(random() * 10_000) }))
    const queue = queueOf(operations)
    const expected = (ops: readonly Operation[]): string[] => [...ops].sort((a, b) => a.dueAt - b.dueAt || (`${a.id}#0` < `${b.id}#0` ? -1 : 1)).map((op) => `${op.id}#0`)
    expect(queue.upcoming(500).map((entry) => entry.occurrence.id)).toEqual(expected(operations))
    // Move, remove and add: the order follows without a rebuild.
    const changed = [...operations]
    for (let step = 0; step < 300; step++) {
      const index = Math.floor(random() * changed.length)
      const roll = random()
      if (roll < 0.4) changed[index] = operation(changed[index]!.id, { dueAt: Math.floor(random() * 10_000) })
      else if (roll < 0.7) {
        queue.delete(changed[index]!.id)
        changed.splice(index, 1)
        continue
      } else changed.push(operation(`new${step}`, { dueAt: Math.floor(random() * 10_000) }))
      const op = roll < 0.4 ? changed[index]! : changed.at(-1)!
      queue.set(op, nextOccurrence(op.id, op, -Infinity))
    }
    expect(queue.size).toBe(changed.length)
    expect(queue.upcoming(changed.length).map((entry) => entry.occurrence.id)).toEqual(expected(changed))
  })

  it('[Q2] takes due occurrences in order until the operations budget is spent; the rest waits for the next tick', () => {
    const queue = queueOf(Array.from({ length: 5 }, (_, index) => operation(`op${index}`, { dueAt: 100 * index })))
    const small = { ...SECOND, budget: { maxOpsPerTick: 2, maxMsPerTick: 50 } }
    expect(ids(run(queue, 350, small))).toEqual(['op0#0', 'op1#0'])
    expect(ids(run(queue, 350, small))).toEqual(['op2#0', 'op3#0'])
    // op4 is not due yet at 350.
    expect(ids(run(queue, 350, small))).toEqual([])
    expect(ids(run(queue, 400, small))).toEqual(['op4#0'])
  })

  it('[Q2] stops starting occurrences once the tick has used its milliseconds', () => {
    const queue = queueOf([operation('repeat', { repeat: { kind: 'every', everyMs: 100 } })])
    let clock = 0
    const result = tick(SECOND, queue, { now: 999, elapsed: () => clock, start: () => (clock += 20) })
    // 0, 20, 40 ms elapsed when starting the first three; at 60 ms the 50 ms budget is spent.
    expect(ids(result)).toEqual(['repeat#0', 'repeat#1', 'repeat#2'])
  })

  it('[Q2] with a look-ahead, also takes what falls due within it, while catch-up and lag count from now', () => {
    const queue = queueOf([operation('soon', { dueAt: 1_400 }), operation('later', { dueAt: 2_500 })])
    const result = tick(SECOND, queue, { now: 1_000, lookAheadMs: 1_000, elapsed: () => 0, start: () => {} })
    expect(ids(result)).toEqual(['soon#0'])
    expect(result.lagMs).toBe(0)
    expect(queue.peek()?.occurrence.id).toBe('later#0')
  })

  it('[Q3] reports as lag how long the oldest due occurrence left behind has waited', () => {
    const queue = queueOf([operation('a', { dueAt: 100 }), operation('b', { dueAt: 300 }), operation('c', { dueAt: 5000 })])
    const one = { ...SECOND, budget: { maxOpsPerTick: 1, maxMsPerTick: 50 } }
    expect(run(queue, 1000, one).lagMs).toBe(700)
    expect(run(queue, 1000, one).lagMs).toBe(0)
  })

  it('[CU1] skip: records what nobody ran in time as skipped, and runs only from now on', () => {
    const op = operation('skip', { repeat: { kind: 'every', everyMs: 100 }, catchUp: 'skip' })
    const queue = queueOf([op])
    // Asleep until 10,000: occurrences 0..89 were due before 10,000 − 1,000; 90..100 are due within the last tick.
    const result = run(queue, 10_000)
    expect(result.skipped).toEqual([{ operationId: 'skip', fromIndex: 0, toIndex: 90, reason: 'catch-up' }])
    expect(ids(result)).toEqual(Array.from({ length: 11 }, (_, index) => `skip#${90 + index}`))
  })

  it('[CU2] [CU0] latest: runs only the most recent missed occurrence and records the earlier ones as skipped; one late by less than its cadence is not missed', () => {
    const op = operation('latest', { dueAt: 0, repeat: { kind: 'rrule', rrule: 'FREQ=HOURLY', timeZone: 'UTC' }, catchUp: 'latest' })
    const queue = queueOf([op])
    const now = 5.5 * 3600_000
    const result = run(queue, now)
    // Hourly: #0–#4 are over an hour late, missed; #5 (half an hour late) is within its cadence, and runs as usual.
    expect(result.skipped).toEqual([{ operationId: 'latest', fromIndex: 0, toIndex: 4, reason: 'catch-up' }])
    expect(ids(result)).toEqual(['latest#4', 'latest#5'])
    expect(queue.peek()?.occurrence.id).toBe('latest#6')
  })

  it('[CU0] a daily reminder due seconds before a host’s first tick runs, under skip; one that a host slept through for over an hour is skipped', () => {
    const daily = operation('daily', { dueAt: 0, repeat: { kind: 'every', everyMs: 86_400_000 }, catchUp: 'skip' })
    const fresh = queueOf([daily])
    expect(ids(run(fresh, 3_000))).toEqual(['daily#0'])
    const stale = queueOf([daily])
    const late = run(stale, MAX_CATCH_UP_GRACE_MS + 1)
    expect(ids(late)).toEqual([])
    expect(late.skipped).toEqual([{ operationId: 'daily', fromIndex: 0, toIndex: 1, reason: 'catch-up' }])
    // An every-second operation slept through for a minute: missed but for the last second's.
    const fast = queueOf([operation('fast', { dueAt: 0, repeat: { kind: 'every', everyMs: 1_000 }, catchUp: 'skip' })])
    expect(run(fast, 60_000).skipped).toEqual([{ operationId: 'fast', fromIndex: 0, toIndex: 59, reason: 'catch-up' }])
  })

  it('[CU0] what fell due while the host was starting is not missed: the first tick runs it, under every policy', () => {
    for (const catchUp of ['skip', 'latest', 'all'] as const) {
      // The host began starting at 10,000 (space opened, room joined); an every-second operation was planned at 11,000; the first tick comes 5 s later.
      const queue = queueOf([operation('early', { dueAt: 11_000, repeat: { kind: 'every', everyMs: 1_000 }, catchUp })])
      const result = tick(SECOND, queue, { now: 15_000, notMissedFrom: 10_000, elapsed: () => 0, start: () => {} })
      expect(result.skipped, catchUp).toEqual([])
      expect(ids(result), catchUp).toEqual(['early#0', 'early#1', 'early#2', 'early#3', 'early#4'])
    }
  })

  it('[CU2] latest: runs the last occurrence nobody ran in time, then those due within the last tick as usual', () => {
    const op = operation('fast', { dueAt: 0, repeat: { kind: 'every', everyMs: 100 }, catchUp: 'latest' })
    const queue = queueOf([op])
    // Asleep until 10,000 on a 1 s scheduler: 0..89 were missed; 90..100 fell due within the last second.
    const result = run(queue, 10_000)
    expect(result.skipped).toEqual([{ operationId: 'fast', fromIndex: 0, toIndex: 89, reason: 'catch-up' }])
    expect(ids(result)).toEqual(['fast#89', ...Array.from({ length: 11 }, (_, index) => `fast#${90 + index}`)])
  })

  it('[OCC3] [Q2] loses no occurrence when a DST gap moves one after the next', () => {
    // Paris skips 02:00–03:00 on 29 Mar 2026: 02:00 and 02:30 become 03:00 and 03:30, so #5 (02:30→03:30) is due after #6 (03:00).
    const op = operation('night', { dueAt: Date.UTC(2026, 2, 28, 1), repeat: { kind: 'rrule', rrule: 'FREQ=DAILY;BYHOUR=2,3;BYMINUTE=0,30', timeZone: 'Europe/Paris' }, times: 12 })
    const queue = queueOf([op])
    const taken: string[] = []
    for (let now = Date.UTC(2026, 2, 28); now <= Date.UTC(2026, 2, 31); now += 1000 * 60 * 15) taken.push(...ids(run(queue, now)))
    expect(taken.sort((a, b) => Number(a.split('#')[1]) - Number(b.split('#')[1]))).toEqual(Array.from({ length: 12 }, (_, index) => `night#${index}`))
  })

  it('[CU3] all: runs every missed occurrence, oldest first, within each tick’s budget', () => {
    const op = operation('all', { repeat: { kind: 'every', everyMs: 1000 }, catchUp: 'all', times: 30 })
    const queue = queueOf([op])
    const budget = { ...SECOND, budget: { maxOpsPerTick: 20, maxMsPerTick: 50 } }
    const first = run(queue, 100_000, budget)
    expect(ids(first)).toEqual(Array.from({ length: 20 }, (_, index) => `all#${index}`))
    expect(first.lagMs).toBe(100_000 - 20_000)
    expect(ids(run(queue, 100_000, budget))).toEqual(Array.from({ length: 10 }, (_, index) => `all#${20 + index}`))
    expect(queue.size).toBe(0)
  })

  it('[CAP4] a budget above this device’s caps (another build’s, or a hostile member’s) starts at most 1,000 occurrences or 250 ms per tick', () => {
    const unbounded = { ...SECOND, budget: { maxOpsPerTick: 1_000_000, maxMsPerTick: 1_000_000 } }
    const many = Array.from({ length: 1_500 }, (_, index) => operation(`op${String(index).padStart(4, '0')}`))
    expect(run(queueOf(many), 0, unbounded).started).toHaveLength(1_000)
    // One ms per start: the tick stops once 250 ms are spent.
    let clock = 0
    const timed = tick(unbounded, queueOf(many), { now: 0, elapsed: () => clock, start: () => (clock += 1) })
    expect(timed.started).toHaveLength(250)
  })

  it('[CAP3] [CU3] all: replays at most the last 100 missed occurrences, oldest first, and records the older ones as skipped by the limit', () => {
    const op = operation('flood', { repeat: { kind: 'every', everyMs: 100 }, catchUp: 'all' })
    const queue = queueOf([op])
    const roomy = { ...SECOND, budget: { maxOpsPerTick: 1_000, maxMsPerTick: 50 } }
    // Asleep until 60,000: 0..589 were missed (due before 59,000); the last 100 of them, 490..589, run, then 590..600 as usual.
    const result = run(queue, 60_000, roomy)
    expect(result.skipped).toEqual([{ operationId: 'flood', fromIndex: 0, toIndex: 490, reason: 'catch-up-limit' }])
    expect(ids(result)).toEqual(Array.from({ length: 111 }, (_, index) => `flood#${490 + index}`))
  })

  it('[CAP3] all: a budget too small for the backlog still never leaves more than the last 100 missed waiting', () => {
    const queue = queueOf([operation('flood', { repeat: { kind: 'every', everyMs: 100 }, catchUp: 'all' })])
    const tight = { ...SECOND, budget: { maxOpsPerTick: 5, maxMsPerTick: 50 } }
    expect(ids(run(queue, 60_000, tight))).toEqual(['flood#490', 'flood#491', 'flood#492', 'flood#493', 'flood#494'])
    // A second later 10 more were missed: the window of the last 100 moved past 495..499.
    const next = run(queue, 61_000, tight)
    expect(next.skipped).toEqual([{ operationId: 'flood', fromIndex: 495, toIndex: 500, reason: 'catch-up-limit' }])
    expect(ids(next)).toEqual(['flood#500', 'flood#501', 'flood#502', 'flood#503', 'flood#504'])
  })

  it('[CU1] skip: an operation whose occurrences all passed while asleep ends with all of them skipped', () => {
    const queue = queueOf([operation('gone', { repeat: { kind: 'every', everyMs: 100 }, times: 5, catchUp: 'skip' })])
    const result = run(queue, 60_000)
    expect(result.skipped).toEqual([{ operationId: 'gone', fromIndex: 0, toIndex: 5, reason: 'catch-up' }])
    expect(result.started).toEqual([])
    expect(queue.size).toBe(0)
  })
})
