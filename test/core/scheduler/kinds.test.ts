import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docKind } from '../../../src/core/scheduler/docKind.ts'
import { readCounter, readLog } from '../../../src/core/scheduler/docResults.ts'
import { HostKind, KindRegistry, type Kind, type KindContext } from '../../../src/core/scheduler/kinds.ts'
import { occurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'

const OP: Operation = {
  id: 'clock' as OperationId,
  schedulerId: 's' as SchedulerId,
  title: 'Chess clock',
  kind: 'doc',
  input: { action: 'increment', counter: 'white', by: -1 },
  dueAt: 0,
  repeat: { kind: 'every', everyMs: 1000 },
  catchUp: 'all',
  status: 'active',
  createdBy: 'did:key:z6Mk',
  createdAt: 0,
}

const contextFor = (doc: Y.Doc, index: number): KindContext => {
  const id = occurrenceId(OP.id, index)
  return { operation: OP, occurrence: { id, index, dueAt: index * 1000 }, idempotencyKey: id, doc, peer: 'p', now: () => 0, signal: new AbortController().signal }
}

describe('kinds', () => {
  it('[K1] registers kinds by name, says which a host can run, and refuses two of one name', () => {
    const browserOnly: Kind = { name: 'notify', runsOn: [HostKind.page, HostKind.serviceWorker], checkInput: () => [], execute: () => Promise.resolve() }
    const registry = new KindRegistry([docKind, browserOnly])
    expect([...registry.names()].sort()).toEqual(['doc', 'notify'])
    expect(registry.runnableOn(HostKind.node)).toEqual(['doc'])
    expect(registry.runnableOn(HostKind.serviceWorker).sort()).toEqual(['doc', 'notify'])
    expect(() => new KindRegistry([docKind, docKind])).toThrow(/Two kinds are called "doc"/)
  })

  it('[K2] [G3] doc: increments and appends once per occurrence, however many times it runs, and on every replica alike', async () => {
    const here = new Y.Doc()
    const there = new Y.Doc()
    for (const index of [0, 1, 2]) await docKind.execute(OP.input, contextFor(here, index))
    // The same occurrences run again elsewhere (a partition), plus one more.
    for (const index of [1, 2, 3]) await docKind.execute(OP.input, contextFor(there, index))
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    Y.applyUpdate(there, Y.encodeStateAsUpdate(here))
    expect(readCounter(here, 'white')).toBe(-4)
    expect(readCounter(there, 'white')).toBe(-4)
    for (const index of [2, 0]) await docKind.execute({ action: 'append', log: 'moves', value: { move: `m${index}` } }, contextFor(here, index))
    expect(readLog(here, 'moves')).toEqual([
      { occurrence: 'clock#0', value: { move: 'm0' } },
      { occurrence: 'clock#2', value: { move: 'm2' } },
    ])
  })

  it('[K2] doc: names the input field that is wrong, and fails the run instead of writing junk', async () => {
    expect(docKind.checkInput({ action: 'increment', counter: '', by: 1.5 }).map((problem) => problem.field)).toEqual(['input.counter', 'input.by'])
    expect(docKind.checkInput({ action: 'teleport' }).map((problem) => problem.field)).toEqual(['input.action'])
    expect(docKind.checkInput(null).map((problem) => problem.field)).toEqual(['input'])
    const doc = new Y.Doc()
    await expect(docKind.execute({ action: 'append', log: 'x', value: 'y'.repeat(20_000) }, contextFor(doc, 0))).rejects.toThrow(/at most 10,000 characters/)
    expect(readLog(doc, 'x')).toEqual([])
  })
})
