import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { KindContext } from '../../../src/core/scheduler/kinds.ts'
import { INBOX, isAddressedTo, notifyKind, readInbox } from '../../../src/core/scheduler/notifyKind.ts'
import { occurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'

const ALICE = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
const BOB = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG'

const OP: Operation = {
  id: 'remind' as OperationId,
  schedulerId: 's' as SchedulerId,
  title: 'Bins out',
  kind: 'notify',
  input: { title: 'Bins out tonight', body: 'Green bin this week.', to: [ALICE] },
  dueAt: 0,
  repeat: { kind: 'every', everyMs: 604_800_000 },
  catchUp: 'latest',
  status: 'active',
  createdBy: ALICE,
  createdAt: 0,
}

const contextFor = (doc: Y.Doc, index: number, peer = 'p', now = index * 1000): KindContext => {
  const id = occurrenceId(OP.id, index)
  return { operation: OP, occurrence: { id, index, dueAt: index * 1000 }, idempotencyKey: id, doc, peer, now: () => now, signal: new AbortController().signal }
}

describe('notify kind', () => {
  it('[K2] names the input field that is wrong, and fails the run instead of writing', async () => {
    expect(notifyKind.checkInput({ title: 'ok' })).toEqual([])
    expect(notifyKind.checkInput({ title: 'ok', body: '', to: [] })).toEqual([])
    expect(notifyKind.checkInput({ title: '  ', body: 'b'.repeat(2001), to: ['bob'] }).map((problem) => problem.field)).toEqual(['input.title', 'input.body', 'input.to'])
    expect(notifyKind.checkInput({ title: 't'.repeat(201) }).map((problem) => problem.field)).toEqual(['input.title'])
    expect(notifyKind.checkInput({ title: 'ok', to: ALICE }).map((problem) => problem.field)).toEqual(['input.to'])
    expect(notifyKind.checkInput('hello').map((problem) => problem.field)).toEqual(['input'])
    const doc = new Y.Doc()
    await expect(notifyKind.execute({ title: '' }, contextFor(doc, 0))).rejects.toThrow(/title must be text of 1 to 200/)
    expect(doc.getMap(INBOX).size).toBe(0)
  })

  it('[G3] writes one inbox entry per occurrence, however many times and on however many peers it runs', async () => {
    const here = new Y.Doc()
    const there = new Y.Doc()
    await notifyKind.execute(OP.input, contextFor(here, 0, 'p1', 1000))
    await notifyKind.execute(OP.input, contextFor(here, 0, 'p1', 5000))
    // The repeat kept the first entry rather than moving it up the inbox.
    expect(readInbox(here).map((entry) => [entry.occurrence, entry.createdAt])).toEqual([['remind#0', 1000]])
    // A partition: another peer runs the same occurrence, and the next one.
    await notifyKind.execute(OP.input, contextFor(there, 0, 'p2', 2000))
    await notifyKind.execute(OP.input, contextFor(there, 1, 'p2', 3000))
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    Y.applyUpdate(there, Y.encodeStateAsUpdate(here))
    const inbox = readInbox(here)
    expect(inbox).toEqual(readInbox(there))
    expect(inbox.map((entry) => entry.occurrence)).toEqual(['remind#1', 'remind#0'])
    expect(inbox[0]).toEqual({ occurrence: 'remind#1', title: 'Bins out tonight', body: 'Green bin this week.', to: [ALICE], createdAt: 3000, by: 'p2' })
    expect([1000, 2000]).toContain(inbox[1]?.createdAt)
  })

  it('addresses an entry to the members it names, or to every member when it names none', async () => {
    const doc = new Y.Doc()
    await notifyKind.execute({ title: 'For Alice', to: [ALICE, ALICE] }, contextFor(doc, 0))
    await notifyKind.execute({ title: 'For everyone' }, contextFor(doc, 1))
    const [everyone, forAlice] = readInbox(doc)
    expect(forAlice?.to).toEqual([ALICE])
    expect(everyone?.to).toEqual([])
    expect(everyone?.body).toBeUndefined()
    expect(forAlice && isAddressedTo(forAlice, ALICE)).toBe(true)
    expect(forAlice && isAddressedTo(forAlice, BOB)).toBe(false)
    expect(everyone && isAddressedTo(everyone, BOB)).toBe(true)
  })

  it('skips what a peer wrote into the inbox that is not an entry, and lists the rest newest first', async () => {
    const doc = new Y.Doc()
    await notifyKind.execute({ title: 'Older' }, contextFor(doc, 0, 'p', 100))
    await notifyKind.execute({ title: 'Newer' }, contextFor(doc, 1, 'p', 200))
    const valid = { occurrence: 'x#0', title: 'Fine', to: [], createdAt: 150, by: 'q' }
    const inbox = doc.getMap<unknown>(INBOX)
    inbox.set('x#0', valid)
    inbox.set('junk#1', 'not an entry')
    inbox.set('junk#2', { ...valid, occurrence: 'junk#2', title: 42 })
    inbox.set('junk#3', { ...valid, occurrence: 'someone-else#0' })
    inbox.set('junk#4', { ...valid, occurrence: 'junk#4', to: ['bob'] })
    inbox.set('junk#5', { ...valid, occurrence: 'junk#5', createdAt: 'yesterday' })
    inbox.set('junk#6', { ...valid, occurrence: 'junk#6', body: 'b'.repeat(5000) })
    inbox.set('junk#7', new Y.Map())
    inbox.set('junk#8', [valid])
    // A peer's junk reaches every replica; the read there is the same.
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    expect(readInbox(replica).map((entry) => entry.title)).toEqual(['Newer', 'Fine', 'Older'])
  })
})
