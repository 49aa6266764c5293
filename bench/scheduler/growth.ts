/**
 * bench:scheduler (d): what a 100 ms operation leaves in its space. One host
 * (SpaceSchedule, OccurrenceRunner, SchedulerHost, RecordRetention and the
 * `doc` kind, as a device runs them) runs a `doc` increment every 100 ms on a fake clock for
 * a number of occurrences; every update it writes is kept, as the space's
 * signed log keeps its lane's updates. Reported, side by side with a fresh
 * space holding the same operation:
 *   - the content doc's encoded state (what storage compacts to),
 *   - the log's bytes (the lane's updates joined, what a checkpoint carries),
 *   - the time to open it: apply the state to an empty doc and index the
 *     schedule, as opening a space does;
 * and each extrapolated to a day (864,000 occurrences). Targets (issue 14):
 * ≤ 2 MB after compaction, open ≤ 1.2× the fresh space's.
 */
import * as Y from 'yjs'
import { HlcClock } from '../../src/core/scheduler/hlc.ts'
import { docKind } from '../../src/core/scheduler/docKind.ts'
import { KindRegistry } from '../../src/core/scheduler/kinds.ts'
import { OccurrenceRunner } from '../../src/core/scheduler/OccurrenceRunner.ts'
import type { SchedulerId } from '../../src/core/scheduler/schedulers.ts'
import { RecordRetention } from '../../src/core/scheduler/recordRetention.ts'
import { SchedulerHost } from '../../src/core/scheduler/SchedulerHost.ts'
import { SpaceSchedule } from '../../src/core/scheduler/SpaceSchedule.ts'
import { median } from '../stats.ts'

const START = Date.UTC(2026, 10, 23, 8)
const PEER = 'did:key:z6MkBench'
const OCCURRENCES_PER_DAY = 864_000
const kinds = new KindRegistry([docKind])

export interface GrowthResult {
  readonly occurrences: number
  /** Bytes of the content doc's encoded state: ours after the run, and a fresh space's. */
  readonly stateBytes: number
  readonly freshStateBytes: number
  /** Bytes of the lane's updates joined (a checkpoint's payload). */
  readonly logBytes: number
  /** Median ms to open (apply + index the schedule), ours and fresh. */
  readonly openMs: number
  readonly freshOpenMs: number
}

/** A space with the default schedulers, a 100 ms scheduler and one doc operation every 100 ms; and the updates it was written with. */
function plannedSpace(clock: { now: number }): { doc: Y.Doc; schedule: SpaceSchedule; log: Y.Doc } {
  const doc = new Y.Doc()
  // Every update as written, nothing collected: the lane's updates joined, as its checkpoint carries them.
  const log = new Y.Doc({ gc: false })
  doc.on('update', (update: Uint8Array) => Y.applyUpdate(log, update))
  let ids = 0
  const schedule = new SpaceSchedule({ doc, kinds, now: () => clock.now, actor: PEER, newId: () => `op${++ids}` })
  schedule.ensureDefaultSchedulers()
  schedule.saveScheduler({ id: 'fast' as SchedulerId, name: 'Game tick', everyMs: 100, budget: { maxOpsPerTick: 100, maxMsPerTick: 50 }, paused: false })
  schedule.createOperation({ schedulerId: 'fast' as SchedulerId, title: 'tick', kind: 'doc', input: { action: 'increment', counter: 'ticks', by: 1 }, dueAt: START + 1_000, repeat: { kind: 'every', everyMs: 100 }, catchUp: 'all' })
  return { doc, schedule, log }
}

export async function runFor(occurrences: number): Promise<{ doc: Y.Doc; log: Y.Doc }> {
  const clock = { now: START }
  const { doc, schedule, log } = plannedSpace(clock)
  const runner = new OccurrenceRunner({
    peer: PEER,
    table: schedule.runs,
    hlc: new HlcClock(PEER, () => clock.now),
    clock: () => clock.now,
    capablePeers: () => [PEER],
    isCurrent: (entry) => schedule.isCurrent(entry.occurrence, entry.operation.id),
    execute: (entry, signal) => docKind.execute(entry.operation.input, { operation: entry.operation, occurrence: entry.occurrence, idempotencyKey: entry.occurrence.id, doc, peer: PEER, now: () => clock.now, signal }),
  })
  const host = new SchedulerHost({ schedule, runner, clock: () => clock.now })
  // As a device's host keeps them (RET1).
  const retention = new RecordRetention(doc, schedule, () => clock.now, PEER)
  const end = START + 1_000 + occurrences * 100
  while (clock.now < end) {
    const wakeAt = host.advance()
    // Runs settle in microtasks.
    for (let turn = 0; turn < 4; turn++) await Promise.resolve()
    clock.now = Math.min(end, Math.max(clock.now + 1, Math.min(wakeAt, clock.now + 100)))
  }
  retention.destroy()
  schedule.destroy()
  return { doc, log }
}

/** Median ms, over `runs`, to open a space from its state: apply it to an empty doc and index its schedule. */
function openTime(state: Uint8Array, runs: number): number {
  const times: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, state)
    const schedule = new SpaceSchedule({ doc, kinds, now: () => START, actor: PEER, newId: () => 'x' })
    schedule.queue('fast' as SchedulerId).peek()
    times.push(performance.now() - started)
    schedule.destroy()
    doc.destroy()
  }
  return median(times)
}

export async function measureGrowth(occurrences: number): Promise<GrowthResult> {
  const { doc, log } = await runFor(occurrences)
  const state = Y.encodeStateAsUpdate(doc)
  const fresh = Y.encodeStateAsUpdate(plannedSpace({ now: START }).doc)
  return {
    occurrences,
    stateBytes: state.length,
    freshStateBytes: fresh.length,
    logBytes: Y.encodeStateAsUpdate(log).length,
    openMs: openTime(state, 9),
    freshOpenMs: openTime(fresh, 9),
  }
}

/** Bytes a day of occurrences would take, growing as this run did. */
export function perDay(bytes: number, freshBytes: number, occurrences: number): number {
  return freshBytes + ((bytes - freshBytes) / occurrences) * OCCURRENCES_PER_DAY
}
