/**
 * bench:scheduler (d): what a 100 ms operation leaves in its space. One host
 * (SpaceSchedule, OccurrenceRunner, SchedulerHost, RecordRetention and the
 * `doc` kind, as a device runs them) runs a `doc` increment every 100 ms on a fake clock for
 * a number of occurrences; every update it writes is kept, as the space's
 * signed log keeps its lane's updates. Reported, side by side with a fresh
 * space holding the same operation:
 *   - the content doc's encoded state (what storage compacts to),
 *   - the log's bytes: the lane's checkpoint, built as SignedLog builds it
 *     (its updates joined, what Yjs collected carried as collected ranges),
 *   - the time to open it: apply the state to an empty doc and index the
 *     schedule, as opening a space does;
 * and each extrapolated to a day (864,000 occurrences) from its growth over
 * the run's second half (what is kept whole, the last spans of records, is
 * there after an hour as after a day). Targets (issue 14): ≤ 2 MB after
 * compaction, open ≤ 1.2× the fresh space's.
 */
import * as Y from 'yjs'
import { HlcClock } from '../../src/core/scheduler/hlc.ts'
import { collectCheckpoint } from '../../src/core/space/checkpointCoverage.ts'
import { joinUpdates, RepeatFilter } from '../../src/core/space/joinUpdates.ts'
import { docKind } from '../../src/core/scheduler/docKind.ts'
import { KindRegistry } from '../../src/core/scheduler/kinds.ts'
import { OccurrenceRunner } from '../../src/core/scheduler/OccurrenceRunner.ts'
import type { SchedulerId } from '../../src/core/scheduler/schedulers.ts'
import { docResultsOf } from '../../src/core/scheduler/docResults.ts'
import { occurrenceId, parseOccurrenceId } from '../../src/core/scheduler/occurrenceIds.ts'
import { KEPT_RUNS_PER_OPERATION, RecordRetention } from '../../src/core/scheduler/recordRetention.ts'
import { YjsRunTable } from '../../src/core/scheduler/YjsRunTable.ts'
import { SchedulerHost } from '../../src/core/scheduler/SchedulerHost.ts'
import { SpaceSchedule } from '../../src/core/scheduler/SpaceSchedule.ts'
import { median } from '../stats.ts'

const START = Date.UTC(2026, 10, 23, 8)
const PEER = 'did:key:z6MkBench'
const OCCURRENCES_PER_DAY = 864_000
const kinds = new KindRegistry([docKind])
/** Opens measured per state, after warm-up rounds that let the JIT settle. */
const OPEN_ROUNDS = 41
const WARM_UP_ROUNDS = 10

export interface GrowthResult {
  readonly occurrences: number
  /** Bytes of the content doc's encoded state: ours halfway and after the run, and a fresh space's. */
  readonly halfwayStateBytes: number
  readonly stateBytes: number
  readonly freshStateBytes: number
  /** Bytes of the lane's checkpoint, halfway and after the run. */
  readonly halfwayLogBytes: number
  readonly logBytes: number
  /** Bytes of the least a space with the operation holds once it has run (keptSpace). */
  readonly keptStateBytes: number
  /** Median ms to open (apply, index the schedule and results): ours, fresh, and the least it could hold. */
  readonly openMs: number
  readonly freshOpenMs: number
  readonly keptOpenMs: number
}

/** A space with the default schedulers, a 100 ms scheduler and one doc operation every 100 ms; and the updates it was written with. */
function plannedSpace(clock: { now: number }): { doc: Y.Doc; schedule: SpaceSchedule; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  // Every update as the signed log seals it (without what an earlier one held): the lane's envelopes.
  const updates: Uint8Array[] = []
  const repeats = new RepeatFilter()
  doc.on('update', (written: Uint8Array) => {
    const update = repeats.withoutRepeats(written)
    if (update) updates.push(update)
  })
  let ids = 0
  const schedule = new SpaceSchedule({ doc, kinds, now: () => clock.now, actor: PEER, newId: () => `op${++ids}` })
  schedule.ensureDefaultSchedulers()
  schedule.saveScheduler({ id: 'fast' as SchedulerId, name: 'Game tick', everyMs: 100, budget: { maxOpsPerTick: 100, maxMsPerTick: 50 }, paused: false })
  schedule.createOperation({ schedulerId: 'fast' as SchedulerId, title: 'tick', kind: 'doc', input: { action: 'increment', counter: 'ticks', by: 1 }, dueAt: START + 1_000, repeat: { kind: 'every', everyMs: 100 }, catchUp: 'all' })
  return { doc, schedule, updates }
}

/** The lane's checkpoint as SignedLog seals it (the updates' bytes joined, what the doc collected carried collected); then its tail starts afresh. */
function checkpoint(doc: Y.Doc, updates: Uint8Array[]): Uint8Array {
  const joined = joinUpdates(updates)
  if (!joined) throw new Error('The lane’s updates do not join.')
  const sealed = collectCheckpoint(joined, doc) ?? joined
  updates.splice(0, updates.length, sealed)
  return sealed
}

interface Sizes {
  readonly stateBytes: number
  readonly logBytes: number
}

export async function runFor(occurrences: number, halfway: (sizes: Sizes) => void = () => undefined): Promise<{ doc: Y.Doc; logBytes: number }> {
  const clock = { now: START }
  const { doc, schedule, updates } = plannedSpace(clock)
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
  const middle = START + 1_000 + (occurrences / 2) * 100
  let measuredHalfway = false
  let sinceCheckpoint = 0
  while (clock.now < end) {
    if (!measuredHalfway && clock.now >= middle) {
      measuredHalfway = true
      halfway({ stateBytes: Y.encodeStateAsUpdate(doc).length, logBytes: checkpoint(doc, updates).length })
    }
    // As often as a busy lane seals one (SignedLog: its tail at MAX_TAIL envelopes).
    if (++sinceCheckpoint >= 256) {
      sinceCheckpoint = 0
      checkpoint(doc, updates)
    }
    const wakeAt = host.advance()
    // Runs settle in microtasks.
    for (let turn = 0; turn < 4; turn++) await Promise.resolve()
    clock.now = Math.min(end, Math.max(clock.now + 1, Math.min(wakeAt, clock.now + 100)))
  }
  retention.destroy()
  schedule.destroy()
  return { doc, logBytes: checkpoint(doc, updates).length }
}

/** Opens a space from its state as a device does: apply it to an empty doc, index its schedule and its results. */
function open(state: Uint8Array): number {
  const started = performance.now()
  const doc = new Y.Doc()
  Y.applyUpdate(doc, state)
  const schedule = new SpaceSchedule({ doc, kinds, now: () => START, actor: PEER, newId: () => 'x' })
  schedule.queue('fast' as SchedulerId).peek()
  docResultsOf(doc).counter('ticks')
  const ms = performance.now() - started
  schedule.destroy()
  doc.destroy()
  return ms
}

/** Median ms to open each state, over `runs` rounds that take them in turn (after warm-up rounds), so drift hits all alike. */
function openTimes(states: readonly Uint8Array[], runs: number): number[] {
  const times = states.map((): number[] => [])
  for (let round = -WARM_UP_ROUNDS; round < runs; round++) {
    for (const [index, state] of states.entries()) {
      const ms = open(state)
      if (round >= 0) times[index]!.push(ms)
    }
  }
  return times.map((ms) => median(ms))
}

/**
 * The least a space with this operation can hold once it has run: a fresh
 * space with the same operation, the runs retention keeps (copied from
 * `doc`) and the counter's value, written afresh with nothing dropped.
 */
function keptSpace(doc: Y.Doc): Uint8Array {
  const kept = plannedSpace({ now: START })
  const ours = new YjsRunTable(doc, () => START)
  const operation = kept.schedule.operations()[0]!
  const newest = ours.recordsOf(operation.id).sort((a, b) => parseOccurrenceId(b.occurrence).index - parseOccurrenceId(a.occurrence).index)
  for (const record of newest.slice(0, KEPT_RUNS_PER_OPERATION)) kept.schedule.runs.putRun(record)
  docResultsOf(kept.doc).increment('ticks', occurrenceId(operation.id, 0), docResultsOf(doc).counter('ticks'))
  ours.destroy()
  return Y.encodeStateAsUpdate(kept.doc)
}

export async function measureGrowth(occurrences: number): Promise<GrowthResult> {
  let halfway: Sizes = { stateBytes: 0, logBytes: 0 }
  const { doc, logBytes } = await runFor(occurrences, (sizes) => (halfway = sizes))
  const state = Y.encodeStateAsUpdate(doc)
  const fresh = Y.encodeStateAsUpdate(plannedSpace({ now: START }).doc)
  const kept = keptSpace(doc)
  const [openMs, freshOpenMs, keptOpenMs] = openTimes([state, fresh, kept], OPEN_ROUNDS)
  return {
    occurrences,
    halfwayStateBytes: halfway.stateBytes,
    stateBytes: state.length,
    freshStateBytes: fresh.length,
    keptStateBytes: kept.length,
    halfwayLogBytes: halfway.logBytes,
    logBytes,
    openMs: openMs!,
    freshOpenMs: freshOpenMs!,
    keptOpenMs: keptOpenMs!,
  }
}

/** Bytes a day of occurrences would take, growing as this run did over its second half (not less than now). */
export function perDay(halfwayBytes: number, bytes: number, occurrences: number): number {
  return bytes + Math.max(0, (bytes - halfwayBytes) / (occurrences / 2)) * (OCCURRENCES_PER_DAY - occurrences)
}
