import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DocResults, LOGS, readCounter, readLog } from '../../../src/core/scheduler/docResults.ts'
import { OCCURRENCE_RECORDS, RecordKind } from '../../../src/core/scheduler/occurrenceChunks.ts'
import type { OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'

const occurrence = (id: string): OccurrenceId => id as OccurrenceId

describe('what doc operations wrote', () => {
  it('[K7] keeps each counter’s value and each log’s entries in step with every change, local or a peer’s, and knows who wrote each entry', () => {
    const here = new Y.Doc()
    const there = new Y.Doc()
    const results = new DocResults(here)
    const thereResults = new DocResults(there)
    results.increment('ticks', occurrence('op#0'), 1)
    results.increment('ticks', occurrence('op#1'), 1)
    thereResults.increment('ticks', occurrence('op#2'), 5)
    there.getMap(LOGS).set('moves\nop#1', 'e4')
    there.getMap(LOGS).set('moves\nop@1#0', 'd4')
    there.getMap(LOGS).set('moves\nop#0', 'e2')
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    expect(results.counter('ticks')).toBe(7)
    expect(results.counterNames()).toEqual([{ name: 'ticks', value: 7, entries: 3 }])
    // In occurrence order: the first plan's, then the next plan's.
    expect(results.entries('log', 'moves').map((entry) => entry.value)).toEqual(['e2', 'e4', 'd4'])
    expect(results.entries('counter', 'ticks').map((entry) => entry.writer)).toEqual([here.clientID, here.clientID, there.clientID])
    // A repeat that rewrites an entry (G3) and a removal change the value once, not by adding up.
    results.increment('ticks', occurrence('op#2'), 5)
    expect(results.counter('ticks')).toBe(7)
    // A peer's junk adds nothing: a value that is no whole number, a key that names no chunk, a field outside its chunk's span.
    results.increment('ticks', occurrence('op#9'), 'lots' as unknown as number)
    const junk = new Y.Doc()
    junk.getMap(OCCURRENCE_RECORDS).set('no separator', 100)
    junk.getMap(OCCURRENCE_RECORDS).set(`op#0\n${junk.clientID}x`, new Y.Map<unknown>())
    const book = new Y.Map<unknown>()
    junk.getMap(OCCURRENCE_RECORDS).set(`op#0\n${junk.clientID}`, book)
    const outside = new Y.Map<unknown>()
    book.set(`5\n${RecordKind.increment}\nticks`, outside)
    outside.set('3', 100)
    Y.applyUpdate(here, Y.encodeStateAsUpdate(junk))
    expect(results.counter('ticks')).toBe(7)
    expect(readCounter(here, 'ticks')).toBe(7)
    expect(readLog(here, 'moves')).toEqual([{ occurrence: 'op#0', value: 'e2' }, { occurrence: 'op#1', value: 'e4' }, { occurrence: 'op@1#0', value: 'd4' }])
    expect(results.entries('log', 'moves', 1).map((entry) => entry.value)).toEqual(['d4'])
    results.destroy()
    thereResults.destroy()
  })
})
