/**
 * The contract every DocStore keeps, run against each implementation
 * (memory, IndexedDB, and later LevelDB on the personal node).
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocStore } from '../../src/core/space/DocStore.ts'

function docWith(text: string): Y.Doc {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return doc
}

/** What a fresh attach of `name` loads, read and then let go of (so no test leaves connections open). */
async function storedText(store: DocStore, name: string): Promise<string> {
  const doc = new Y.Doc()
  const stored = store.attach(name, doc)
  await stored.loaded
  const text = doc.getText('t').toString()
  await stored.discard()
  return text
}

export function runDocStoreContract(name: string, makeStore: () => DocStore): void {
  describe(`${name} (DocStore contract)`, () => {
    it('[DS1] a doc attached again gets back every change saved before', async () => {
      const store = makeStore()
      const first = new Y.Doc()
      const stored = store.attach('doc-a', first)
      await stored.loaded
      first.getText('t').insert(0, 'hello')
      first.getText('t').insert(5, ' world')
      await stored.close()

      expect(await storedText(store, 'doc-a')).toBe('hello world')
    })

    it('[DS2] content written before loading finishes is kept too', async () => {
      const store = makeStore()
      const doc = docWith('early')
      const stored = store.attach('doc-b', doc)
      await stored.loaded
      await stored.close()
      expect(await storedText(store, 'doc-b')).toBe('early')
    })

    it('[DS3] compacting keeps the content', async () => {
      const store = makeStore()
      const doc = new Y.Doc()
      const stored = store.attach('doc-c', doc)
      await stored.loaded
      for (let i = 0; i < 50; i++) doc.getText('t').insert(i, 'x')
      await stored.compact()
      doc.getText('t').insert(0, 'after ')
      await stored.close()
      expect(await storedText(store, 'doc-c')).toBe('after ' + 'x'.repeat(50))
    })

    it('[DS4] removing a doc forgets it; other docs are untouched', async () => {
      const store = makeStore()
      for (const name of ['doc-d', 'doc-e']) {
        const stored = store.attach(name, docWith(name))
        await stored.loaded
        await stored.close()
      }
      await store.remove('doc-d')
      expect(await storedText(store, 'doc-d')).toBe('')
      expect(await storedText(store, 'doc-e')).toBe('doc-e')
    })

    it('[DS5] after discard, changes are no longer saved', async () => {
      const store = makeStore()
      const doc = new Y.Doc()
      const stored = store.attach('doc-f', doc)
      await stored.loaded
      doc.getText('t').insert(0, 'kept')
      await stored.close()
      const again = new Y.Doc()
      const reopened = store.attach('doc-f', again)
      await reopened.loaded
      await reopened.discard()
      again.getText('t').insert(0, 'not kept ')
      expect(await storedText(store, 'doc-f')).toBe('kept')
    })

    it('[DS6] replacing a doc stores exactly the given update, whatever was there', async () => {
      const store = makeStore()
      const stored = store.attach('doc-g', docWith('old content'))
      await stored.loaded
      await stored.close()
      await store.replace('doc-g', Y.encodeStateAsUpdate(docWith('new content')))
      expect(await storedText(store, 'doc-g')).toBe('new content')
      await store.replace('doc-h', Y.encodeStateAsUpdate(docWith('a doc never stored before')))
      expect(await storedText(store, 'doc-h')).toBe('a doc never stored before')
    })
  })
}
