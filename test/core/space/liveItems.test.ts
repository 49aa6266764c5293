import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { ItemId } from '../../../src/core/space/ids.ts'
import { addItem, deleteItem, itemsMap, itemText, moveItem, readItems, setItemDone, type ItemView } from '../../../src/core/space/items.ts'
import { liveItemsOf, type ItemsSnapshot } from '../../../src/core/space/liveItems.ts'

/** What a list shows of each item, in order: LiveItems must agree with a full readItems on all of it. */
const shown = (items: readonly ItemView[]) => items.map(({ id, title, done, hasNotes, order }) => ({ id, title, done, hasNotes, order }))

function expectSameAsRead(doc: Y.Doc, snapshot: ItemsSnapshot): void {
  const read = readItems(doc)
  expect(shown(snapshot.items)).toEqual(shown(read))
  expect(snapshot.undone).toBe(read.filter((item) => !item.done).length)
}

/** A small deterministic generator, so a failure names the seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0
    return state / 2 ** 32
  }
}

function syncBoth(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
}

/** One random edit of the kinds people and peers make, including what a hostile peer may write. */
function randomEdit(doc: Y.Doc, next: () => number, step: number): void {
  const items = readItems(doc)
  const pick = (): ItemId | undefined => items[Math.floor(next() * items.length)]?.id
  const id = pick()
  const choice = Math.floor(next() * 10)
  if (choice <= 1 || id === undefined) addItem(doc, `item ${step}`, next() < 0.5 ? undefined : id)
  else if (choice === 2) deleteItem(doc, id)
  else if (choice === 3) moveItem(doc, id, Math.floor(next() * items.length))
  else if (choice === 4) setItemDone(doc, id, next() < 0.5)
  else if (choice === 5) itemText(doc, id, 'title')?.insert(0, 'x')
  else if (choice === 6) {
    const notes = itemText(doc, id, 'notes')
    if (notes && notes.length > 0) notes.delete(0, notes.length)
    else notes?.insert(0, 'a note')
  } else if (choice === 7) itemsMap(doc).get(id)?.set('order', ['a0', 'a00', 42, undefined][Math.floor(next() * 4)])
  else if (choice === 8) (itemsMap(doc) as unknown as Y.Map<unknown>).set(`junk-${step}`, 'not an item')
  else itemsMap(doc).get(id)?.set('title', new Y.Text(`replaced ${step}`))
}

describe('LiveItems', () => {
  it('is the list readItems gives after every kind of local edit (seeded runs)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const doc = new Y.Doc()
      for (let index = 0; index < 5; index++) addItem(doc, `start ${index}`)
      const live = liveItemsOf(doc)
      const next = random(seed)
      for (let step = 0; step < 300; step++) {
        randomEdit(doc, next, step)
        expectSameAsRead(doc, live.getSnapshot())
      }
    }
  })

  it('is the list readItems gives after peers edit concurrently and sync, a few changes or hundreds at once', () => {
    for (const seed of [11, 12, 13]) {
      const [alice, bob] = [new Y.Doc(), new Y.Doc()]
      const live = liveItemsOf(alice)
      const next = random(seed)
      for (let round = 0; round < 20; round++) {
        // Some rounds are bigger than LiveItems places one by one, and it reads everything instead.
        const edits = round % 5 === 4 ? 400 : 5
        for (let step = 0; step < edits; step++) randomEdit(next() < 0.5 ? alice : bob, next, round * 1_000 + step)
        syncBoth(alice, bob)
        expectSameAsRead(alice, live.getSnapshot())
      }
    }
  })

  it('makes a new snapshot, and tells its subscribers, only when the list changes', () => {
    const doc = new Y.Doc()
    const live = liveItemsOf(doc)
    let calls = 0
    const unsubscribe = live.subscribe(() => calls++)
    const milk = addItem(doc, 'Milk')
    addItem(doc, 'Bread')
    const afterAdds = live.getSnapshot()
    expect(calls).toBe(2)

    doc.getMap('meta').set('name', 'Groceries')
    expect(live.getSnapshot()).toBe(afterAdds)

    // Typing in a title changes only its row, which watches the title itself: a key press copies and renders no list.
    itemText(doc, milk, 'title')?.insert(4, '!')
    expect(live.getSnapshot()).toBe(afterAdds)
    expect(live.getSnapshot().items[0]?.title).toBe('Milk!')
    expect(calls).toBe(2)

    setItemDone(doc, milk, true)
    expect(live.getSnapshot()).not.toBe(afterAdds)
    expect(calls).toBe(3)

    unsubscribe()
    setItemDone(doc, milk, false)
    expect(calls).toBe(3)
    expect(live.getSnapshot().undone).toBe(2)
  })

  it('is one per doc', () => {
    const doc = new Y.Doc()
    expect(liveItemsOf(doc)).toBe(liveItemsOf(doc))
    expect(liveItemsOf(new Y.Doc())).not.toBe(liveItemsOf(doc))
  })
})
