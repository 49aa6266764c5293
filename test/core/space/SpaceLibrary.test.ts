import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Did } from '../../../src/core/identity/didKey.ts'
import type { DocConnection, DocTransport } from '../../../src/core/space/DocTransport.ts'
import { addItem, readItems } from '../../../src/core/space/items.ts'
import { readSpaceMeta } from '../../../src/core/space/schema.ts'
import { SpaceLibrary } from '../../../src/core/space/SpaceLibrary.ts'
import { listSpaces } from '../../../src/core/space/spaceList.ts'
import { MemoryDocStore } from '../../../src/storage/MemoryDocStore.ts'

const owner = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp' as Did

/** Docs connected under one name share every update at once, like tabs over BroadcastChannel. */
class InstantTransport implements DocTransport {
  private readonly docs = new Map<string, Set<Y.Doc>>()
  connect(name: string, doc: Y.Doc): DocConnection {
    const peers = this.docs.get(name) ?? new Set<Y.Doc>()
    this.docs.set(name, peers)
    for (const peer of peers) {
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer), this)
      Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc), this)
    }
    const forward = (update: Uint8Array, origin: unknown): void => {
      if (origin === this) return
      for (const peer of peers) if (peer !== doc) Y.applyUpdate(peer, update, this)
    }
    peers.add(doc)
    doc.on('update', forward)
    return { close: () => (peers.delete(doc), doc.off('update', forward)) }
  }
}

function library(store = new MemoryDocStore(), tabs: DocTransport = new InstantTransport(), deviceDoc = new Y.Doc()) {
  return new SpaceLibrary({ deviceDoc, store, tabs, now: () => 1_700_000_000_000 })
}

describe('SpaceLibrary', () => {
  it('creates a space listed on the device, owned by the creator, with nothing to undo', async () => {
    const spaces = library()
    const session = await spaces.create('  Groceries  ', owner)
    expect(readSpaceMeta(session.doc)).toMatchObject({ name: 'Groceries', formatVersion: 1 })
    expect(session.doc.getMap('members').get(owner)).toMatchObject({ role: 'owner' })
    expect(session.undo.canUndo()).toBe(false)
    expect(spaces.has(session.id)).toBe(true)
    session.release()
  })

  it('shares one doc between everyone who opens the same space, and keeps content after the last release', async () => {
    const store = new MemoryDocStore()
    const spaces = library(store)
    const created = await spaces.create('List', owner)
    const again = spaces.openSpace(created.id)
    expect(again.doc).toBe(created.doc)
    again.edit((doc) => addItem(doc, 'Milk'))
    created.release()
    again.release()

    const reopened = spaces.openSpace(created.id)
    await reopened.loaded
    expect(reopened.doc).not.toBe(created.doc)
    expect(readItems(reopened.doc).map((item) => item.title)).toEqual(['Milk'])
  })

  it('renaming updates the space and its entry in the list', async () => {
    const deviceDoc = new Y.Doc()
    const spaces = library(new MemoryDocStore(), new InstantTransport(), deviceDoc)
    const session = await spaces.create('Old', owner)
    await spaces.rename(session.id, 'New')
    expect(readSpaceMeta(session.doc).name).toBe('New')
    expect(listSpaces(deviceDoc).map((space) => space.name)).toEqual(['New'])
  })

  it('each edit is its own undo step', async () => {
    const session = await library().create('Undo', owner)
    session.edit((doc) => addItem(doc, 'one'))
    session.edit((doc) => addItem(doc, 'two'))
    session.undo.undo()
    expect(readItems(session.doc).map((item) => item.title)).toEqual(['one'])
  })

  it('deleting removes the entry and the stored data, and closes the space in other tabs', async () => {
    const store = new MemoryDocStore()
    const tabs = new InstantTransport()
    const deviceInTabOne = new Y.Doc()
    const deviceInTabTwo = new Y.Doc()
    tabs.connect('pii-device', deviceInTabOne)
    tabs.connect('pii-device', deviceInTabTwo)
    const tabOne = library(store, tabs, deviceInTabOne)
    const tabTwo = library(store, tabs, deviceInTabTwo)

    const session = await tabOne.create('Doomed', owner)
    session.edit((doc) => addItem(doc, 'gone soon'))
    const inTabTwo = tabTwo.openSpace(session.id)
    await inTabTwo.loaded

    await tabOne.remove(session.id)
    expect(tabOne.has(session.id)).toBe(false)
    expect(tabTwo.has(session.id)).toBe(false)
    await expect.poll(() => inTabTwo.removed).toBe(true)

    const fresh = library(store).openSpace(session.id)
    await fresh.loaded
    expect(readItems(fresh.doc)).toEqual([])
  })
})
