import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DocResults } from '../../../src/core/scheduler/docResults.ts'
import { CHUNK_SPAN, OCCURRENCE_RECORDS, OccurrenceChunks, RecordKind, SPANS_PER_BOOK } from '../../../src/core/scheduler/occurrenceChunks.ts'
import { occurrenceId, type OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import { RecordRetention } from '../../../src/core/scheduler/recordRetention.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { PROGRESS_WRITE_STEP } from '../../../src/core/scheduler/SpaceSchedule.ts'
import { YjsRunTable } from '../../../src/core/scheduler/YjsRunTable.ts'
import { HOST_PEER, hostedSchedule, START } from '../../helpers/hostedSchedule.ts'

/** A host running a `doc` increment every 100 ms, with retention, as a device runs it; `advance` lets runs settle in microtasks (the kind is synchronous). */
function gameTick() {
  const hosted = hostedSchedule({ now: START })
  const { schedule, doc, clock, host } = hosted
  schedule.saveScheduler({ id: 'fast' as SchedulerId, name: 'Game tick', everyMs: 100, budget: { maxOpsPerTick: 100, maxMsPerTick: 50 }, paused: false })
  const op = schedule.createOperation({ schedulerId: 'fast' as SchedulerId, title: 'tick', kind: 'doc', input: { action: 'increment', counter: 'ticks', by: 1 }, dueAt: START + 1_000, repeat: { kind: 'every', everyMs: 100 }, catchUp: 'all' })
  const retention = new RecordRetention(doc, schedule, () => clock.now, HOST_PEER)
  const runOccurrences = async (count: number): Promise<void> => {
    const end = Math.max(clock.now, START + 1_000) + count * 100
    while (clock.now < end) {
      const wakeAt = host.advance()
      for (let turn = 0; turn < 4; turn++) await Promise.resolve()
      clock.now = Math.min(end, Math.max(clock.now + 1, Math.min(wakeAt, clock.now + 100)))
    }
  }
  return { ...hosted, op, retention, runOccurrences }
}

describe('records in chunks', () => {
  it('[RET2] [RET4] a 100 ms operation grows its space by a few bytes an occurrence, and its counter keeps every increment', async () => {
    const { doc, op, schedule, runOccurrences, retention } = gameTick()
    const results = new DocResults(doc)
    // A book of chunks, then another: the second adds what a book leaves behind once dropped.
    const book = CHUNK_SPAN * SPANS_PER_BOOK
    await runOccurrences(book)
    const before = Y.encodeStateAsUpdate(doc).length
    const finishedBefore = schedule.finishedThrough(op.id)
    await runOccurrences(book)
    const grown = Y.encodeStateAsUpdate(doc).length - before
    const finished = schedule.finishedThrough(op.id) - finishedBefore
    expect(finished).toBeGreaterThanOrEqual(book - 10)
    // Each occurrence left a claim, a run record, an increment and a mark; flat, their tombstones cost ~116 bytes an occurrence.
    expect(grown / finished).toBeLessThan(2)
    // Folded (RET4) or not, the counter is every occurrence's increment, once.
    const counted = new Set(Array.from({ length: schedule.finishedThrough(op.id) }, (_, index) => index))
    expect(results.counter('ticks')).toBe(counted.size)
    // A fresh replica opening the compacted state reads the same.
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    expect(new DocResults(replica).counter('ticks')).toBe(counted.size)
    expect(new YjsRunTable(replica, () => 0).recordsOf(op.id).length).toBe(schedule.runs.recordsOf(op.id).length)
    retention.destroy()
  }, 60_000)

  it('[RET4] an increment that arrives after its span was folded (a peer back from a partition ran it again) is not counted twice', async () => {
    const { doc, op, runOccurrences, retention } = gameTick()
    const results = new DocResults(doc)
    // A peer cut off from the start holds its own copy of the space, and runs occurrence 5 too.
    const away = new Y.Doc()
    Y.applyUpdate(away, Y.encodeStateAsUpdate(doc))
    new DocResults(away).increment('ticks', occurrenceId(op.id, 5), 1)
    await runOccurrences(20 * CHUNK_SPAN)
    const counted = results.counter('ticks')
    // Most increments are folded into a total by now (RET4): only the latest spans' are listed one by one.
    expect(results.entries('counter', 'ticks').length).toBeLessThan(counted / 2)
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(away))
    expect(results.counter('ticks')).toBe(counted)
    retention.destroy()
  }, 60_000)

  it('[RET4] two peers that fold at once agree on the total, whichever fold each saw first', () => {
    const [a, b] = [new Y.Doc(), new Y.Doc()]
    const [inA, inB] = [new DocResults(a), new DocResults(b)]
    for (let index = 0; index < 3 * CHUNK_SPAN; index++) inA.increment('n', occurrenceId('op', index), 2)
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    // Both fold the first span; b, a span further.
    inA.fold('op', 1, 'alice')
    inB.fold('op', 2, 'bob')
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    expect(inA.counter('n')).toBe(6 * CHUNK_SPAN)
    expect(inB.counter('n')).toBe(6 * CHUNK_SPAN)
  })

  it('[RET2] two contexts of one device writing the same span at once (a host handing over) keep both their records', () => {
    const [tab, worker] = [new Y.Doc(), new Y.Doc()]
    const [inTab, inWorker] = [new YjsRunTable(tab, () => 0), new YjsRunTable(worker, () => 0)]
    const record = (index: number) => ({ occurrence: occurrenceId('op', index), by: 'device', startedAt: index, doneAt: index + 1, outcome: 'ok' as const })
    // The same peer, two Yjs clients, neither seeing the other's chunk yet: one nested map per key would keep only one of them.
    inTab.putRun(record(1))
    inWorker.putRun(record(2))
    Y.applyUpdate(tab, Y.encodeStateAsUpdate(worker))
    Y.applyUpdate(worker, Y.encodeStateAsUpdate(tab))
    for (const table of [inTab, inWorker]) expect(table.recordsOf('op').map((kept) => kept.occurrence).sort()).toEqual(['op#1', 'op#2'])
  })

  it('[RET3] the progress mark is the largest any peer wrote, so a smaller one written at the same time never sets it back', () => {
    const [here, there] = [hostedSchedule({ now: START }), hostedSchedule({ now: START })]
    const op = here.schedule.createOperation({ schedulerId: 'every-second' as SchedulerId, title: 'slow', kind: 'doc', input: { action: 'increment', counter: 'n', by: 1 }, dueAt: START + 120_000, repeat: { kind: 'every', everyMs: 120_000 }, catchUp: 'all' })
    Y.applyUpdate(there.doc, Y.encodeStateAsUpdate(here.doc))
    const record = (table: YjsRunTable, index: number) => table.putRun({ occurrence: occurrenceId(op.id, index), by: 'p', startedAt: 1, doneAt: 2, outcome: 'ok' })
    // A slow operation's mark is written at every move: here past 0–2, there (concurrently) past 0 only.
    for (const index of [0, 1, 2]) record(here.schedule.runs, index)
    record(there.schedule.runs, 0)
    Y.applyUpdate(there.doc, Y.encodeStateAsUpdate(here.doc))
    Y.applyUpdate(here.doc, Y.encodeStateAsUpdate(there.doc))
    for (const { schedule } of [here, there]) {
      expect(schedule.markedThrough(op.id)).toBe(3)
      expect(schedule.finishedThrough(op.id)).toBe(3)
    }
  })

  it('[RET3] a fast operation’s mark is written every PROGRESS_WRITE_STEP occurrences, and the records above it stay for a restart to walk', async () => {
    const { doc, op, schedule, runOccurrences, retention } = gameTick()
    await runOccurrences(1_000)
    const finished = schedule.finishedThrough(op.id)
    const marked = schedule.markedThrough(op.id)
    expect(finished - marked).toBeLessThan(PROGRESS_WRITE_STEP)
    for (let index = marked; index < finished; index++) expect(schedule.runs.run(occurrenceId(op.id, index))).toBeDefined()
    // A restart reads the written mark and walks the records above it to the same place.
    const restarted = hostedSchedule({ now: START, doc })
    expect(restarted.schedule.queue('fast' as SchedulerId).peek()?.occurrence.index).toBe(finished)
    retention.destroy()
  }, 60_000)

  it('[RET2] sees each entry the moment it is written and forgets each chunk once dropped, over books of occurrences', () => {
    const doc = new Y.Doc()
    const changed: OccurrenceId[] = []
    const chunks = new OccurrenceChunks(doc, RecordKind.claim, (occurrence) => changed.push(occurrence))
    const occurrences = 2 * CHUNK_SPAN * SPANS_PER_BOOK + 10
    for (let index = 0; index < occurrences; index++) {
      const occurrence = occurrenceId('op', index)
      // Outside any transaction, as a runner writes them: the write itself makes the chunk (and the book).
      chunks.set(occurrence, 'p', { index })
      expect(chunks.values(occurrence, 'p')).toEqual([{ value: { index }, writer: doc.clientID }])
      expect(changed.at(-1)).toBe(occurrence)
      chunks.delete(occurrence, 'p')
      if (index % CHUNK_SPAN === 0) chunks.dropBelow('op', Math.floor(index / CHUNK_SPAN))
    }
    // Before, a chunk made outside a transaction was filed twice, and one copy stayed in the index for good.
    expect(chunks.spans('op').length).toBeLessThanOrEqual(2)
    expect(doc.getMap(OCCURRENCE_RECORDS).size).toBeLessThanOrEqual(1)
  })

  it('[RET2] a book a peer forged under this replica’s key is replaced, not written into: what it writes stays visible as its own', () => {
    const [doc, mallory] = [new Y.Doc(), new Y.Doc()]
    const forged = new Y.Map<unknown>()
    mallory.getMap(OCCURRENCE_RECORDS).set(`op#0\n${doc.clientID}`, forged)
    forged.set(`0\n${RecordKind.claim}\np`, new Y.Map<unknown>())
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(mallory))
    const chunks = new OccurrenceChunks(doc, RecordKind.claim, () => undefined)
    chunks.set(occurrenceId('op', 1), 'p', 'mine')
    expect(chunks.values(occurrenceId('op', 1), 'p')).toEqual([{ value: 'mine', writer: doc.clientID }])
  })
})

describe('a space written before records were kept in books', () => {
  it('[RET2] keeps its progress, run history and counts: nothing runs again and no increment is lost', async () => {
    // As the build before RET2 stored them: flat entries.
    const doc = new Y.Doc()
    const op = hostedSchedule({ now: START, doc }).schedule.createOperation({ schedulerId: 'every-second' as SchedulerId, title: 'count', kind: 'doc', input: { action: 'increment', counter: 'n', by: 1 }, dueAt: START + 1_000, repeat: { kind: 'every', everyMs: 1_000 }, times: 10, catchUp: 'all' })
    doc.transact(() => {
      for (let index = 0; index < 5; index++) {
        doc.getMap('runs').set(`${op.id}#${index}\nalice`, { occurrence: `${op.id}#${index}`, by: 'alice', startedAt: START + 1_000 * (index + 1), doneAt: START + 1_000 * (index + 1), outcome: 'ok' })
        doc.getMap('counters').set(`n\n${op.id}#${index}`, 1)
      }
      doc.getMap('progress').set(op.id, { through: 5 })
    })
    const reopened = hostedSchedule({ now: START + 5_500, doc })
    expect(reopened.schedule.finishedThrough(op.id)).toBe(5)
    expect(reopened.schedule.runs.recordsOf(op.id)).toHaveLength(5)
    expect(new DocResults(doc).counter('n')).toBe(5)
    await reopened.runFor(6_000)
    // Occurrences 5–9 ran, once each, and the count went on from 5.
    expect(new DocResults(doc).counter('n')).toBe(10)
    expect(reopened.schedule.runs.recordsOf(op.id).map((record) => record.occurrence).sort()).toEqual(Array.from({ length: 10 }, (_, index) => `${op.id}#${index}`).sort())
  })
})
