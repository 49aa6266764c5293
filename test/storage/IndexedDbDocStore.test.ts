import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { IndexedDbDocStore, type SaveStatus } from '../../src/storage/IndexedDbDocStore.ts'
import { runDocStoreContract } from '../helpers/docStoreContract.ts'

/** Saves are asynchronous: ample for a busy machine (a wait ends once its condition holds). */
const BUSY_MACHINE = { timeout: 15_000 }

let n = 0
// Each store gets its own database names: fake-indexeddb is one global per test file.
runDocStoreContract('IndexedDbDocStore', () => {
  const prefix = `t${n++}-`
  const store = new IndexedDbDocStore()
  return { attach: (name, doc) => store.attach(prefix + name, doc), remove: (name) => store.remove(prefix + name), replace: (name, update) => store.replace(prefix + name, update) }
})

function countRows(name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name)
    open.onerror = () => reject(open.error ?? new Error('open failed'))
    open.onsuccess = () => {
      const count = open.result.transaction('updates').objectStore('updates').count()
      count.onsuccess = () => {
        open.result.close()
        resolve(count.result)
      }
    }
  })
}

describe('IndexedDbDocStore', () => {
  it('writes what is queued as the page goes away (pagehide), not in a next task that never comes', async () => {
    const page = new EventTarget()
    const store = new IndexedDbDocStore({ pageEvents: page })
    const doc = new Y.Doc()
    const stored = store.attach('leaving', doc)
    await stored.loaded
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction')
    try {
      doc.getArray('list').push(['typed just before the reload'])
      expect(transaction).not.toHaveBeenCalled()
      page.dispatchEvent(new Event('pagehide'))
      // Started in the event itself, synchronously.
      expect(transaction).toHaveBeenCalledTimes(1)
    } finally {
      transaction.mockRestore()
    }
    await stored.close()
    expect(await countRows('leaving')).toBeGreaterThan(0)
  })

  it('after pagehide, writes a change at once (a typed edit sealed as the page goes away), and batches again once the page stays', async () => {
    const page = new EventTarget()
    const store = new IndexedDbDocStore({ pageEvents: page })
    const doc = new Y.Doc()
    const stored = store.attach('sealed-while-leaving', doc)
    await stored.loaded
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction')
    try {
      page.dispatchEvent(new Event('pagehide'))
      doc.getArray('list').push(['sealed in a later pagehide listener'])
      expect(transaction).toHaveBeenCalledTimes(1)
      page.dispatchEvent(new Event('pageshow'))
      doc.getArray('list').push(['back from the cache'])
      expect(transaction).toHaveBeenCalledTimes(1)
    } finally {
      transaction.mockRestore()
    }
    await stored.close()
    expect(await countRows('sealed-while-leaving')).toBeGreaterThan(1)
  })

  it('reports a failed write, keeps the change, and saves everything once writing works again, even after close was asked', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const statuses: SaveStatus[] = []
      const store = new IndexedDbDocStore({ onSaveStatus: (status) => statuses.push(status) })
      const doc = new Y.Doc()
      const stored = store.attach('failing', doc)
      await stored.loaded

      const add = vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(() => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      })
      doc.getText('t').insert(0, 'typed while full')
      await vi.waitFor(() => expect(statuses.at(-1)?.saved).toBe(false), BUSY_MACHINE)
      expect(statuses.at(-1)?.error?.reason).toBe('quota')

      // Closing while the disk is full must wait for the retry, not drop the change.
      let closed = false
      const closing = stored.close().then(() => (closed = true))
      await vi.advanceTimersByTimeAsync(12_000)
      expect(closed).toBe(false)

      add.mockRestore()
      await vi.advanceTimersByTimeAsync(10_000)
      await vi.waitFor(() => expect(statuses.at(-1)?.saved).toBe(true), BUSY_MACHINE)
      await closing

      const again = new Y.Doc()
      await store.attach('failing', again).loaded
      expect(again.getText('t').toString()).toBe('typed while full')
    } finally {
      vi.useRealTimers()
    }
  })

  it('folds a long history into one snapshot instead of keeping every keystroke', async () => {
    const store = new IndexedDbDocStore()
    const doc = new Y.Doc()
    const stored = store.attach('history', doc)
    await stored.loaded
    for (let i = 0; i < 600; i++) doc.getText('t').insert(i, 'k')
    await vi.waitFor(async () => expect(await countRows('history')).toBeLessThan(100), { timeout: 5_000 })
    await stored.close()
  })

  it('[H6] a compaction waits for a quiet moment in the device’s schedule', async () => {
    let quiet: () => void = () => {}
    let asked = 0
    const quietMoment = (): Promise<void> => {
      asked++
      return new Promise((resolve) => (quiet = resolve))
    }
    const store = new IndexedDbDocStore({ quietMoment })
    const doc = new Y.Doc()
    const stored = store.attach('quiet', doc)
    await stored.loaded
    for (let i = 0; i < 600; i++) doc.getText('t').insert(i, 'k')
    // The compaction is due (a second after the burst) and asks for its moment; the rows stay until it comes.
    await vi.waitFor(() => expect(asked).toBe(1), { timeout: 5_000 })
    expect(await countRows('quiet')).toBeGreaterThan(600)
    quiet()
    await vi.waitFor(async () => expect(await countRows('quiet')).toBeLessThan(100), { timeout: 5_000 })
    await stored.close()
  })

  it('a compaction keeps what another tab wrote meanwhile (it skips decoding only its own rows)', async () => {
    const mine = new Y.Doc()
    const theirs = new Y.Doc()
    const here = new IndexedDbDocStore().attach('shared', mine)
    const there = new IndexedDbDocStore().attach('shared', theirs)
    await Promise.all([here.loaded, there.loaded])
    const rowsAtLoad = await countRows('shared')
    // Not connected: each tab's rows reach the other only through the store.
    mine.getArray('list').push(['mine'])
    theirs.getArray('list').push(['theirs'])
    // Both rows are written (each after its task) before the compaction reads them.
    await vi.waitFor(async () => expect(await countRows('shared')).toBe(rowsAtLoad + 2), BUSY_MACHINE)
    await (here as unknown as { compact(): Promise<void> }).compact()
    // The other tab's row, which this doc never saw, is in the snapshot that replaced the rows.
    expect(mine.getArray('list').toArray().sort()).toEqual(['mine', 'theirs'])
    await Promise.all([here.close(), there.close()])
    const reopened = new Y.Doc()
    const again = new IndexedDbDocStore().attach('shared', reopened)
    await again.loaded
    expect(reopened.getArray('list').toArray().sort()).toEqual(['mine', 'theirs'])
    await again.close()
  })

  it('writes the updates of one task in one transaction, after the task, and close writes what is still queued', async () => {
    const store = new IndexedDbDocStore()
    const doc = new Y.Doc()
    const stored = store.attach('burst', doc)
    await stored.loaded
    const rowsBefore = await countRows('burst')
    const transactions = vi.spyOn(IDBDatabase.prototype, 'transaction')
    for (let i = 0; i < 20; i++) doc.getText('t').insert(i, 'k')
    // Nothing touched IndexedDB while the edits ran: listeners after storage (peers, the UI) are not kept waiting.
    expect(transactions).not.toHaveBeenCalled()
    await vi.waitFor(async () => expect(await countRows('burst')).toBe(rowsBefore + 20), BUSY_MACHINE)
    expect(transactions.mock.calls.filter(([, mode]) => mode === 'readwrite')).toHaveLength(1)
    transactions.mockRestore()

    doc.getText('t').insert(0, 'last')
    await stored.close()
    const reopened = new Y.Doc()
    const again = store.attach('burst', reopened)
    await again.loaded
    expect(reopened.getText('t').toString()).toBe(`last${'k'.repeat(20)}`)
    await again.close()
  })

  it('close also writes a change that arrives while it is waiting for earlier writes', async () => {
    const store = new IndexedDbDocStore()
    const doc = new Y.Doc()
    const stored = store.attach('closing', doc)
    await stored.loaded
    doc.getText('t').insert(0, 'before')
    const closing = stored.close()
    // Another tab's change can still arrive: the doc stays connected while close waits.
    doc.getText('t').insert(0, 'during ')
    await closing
    const reopened = new Y.Doc()
    const again = store.attach('closing', reopened)
    await again.loaded
    expect(reopened.getText('t').toString()).toBe('during before')
    await again.close()
  })
})
