import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, deleteItem, itemsMap, itemText, moveItem, readItems, setItemDone } from '../../../src/core/space/items.ts'

const titles = (doc: Y.Doc): string[] => readItems(doc).map((item) => item.title)

function syncBoth(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
}

describe('items', () => {
  it('adds at the end or after a given item, toggles, deletes', () => {
    const doc = new Y.Doc()
    const milk = addItem(doc, 'Milk')
    addItem(doc, 'Bread')
    addItem(doc, 'Eggs', milk)
    expect(titles(doc)).toEqual(['Milk', 'Eggs', 'Bread'])

    setItemDone(doc, milk, true)
    expect(readItems(doc)[0]).toMatchObject({ title: 'Milk', done: true })
    deleteItem(doc, milk)
    expect(titles(doc)).toEqual(['Eggs', 'Bread'])
  })

  it('moves an item to any index without re-creating it', () => {
    const doc = new Y.Doc()
    const ids = ['a', 'b', 'c', 'd'].map((title) => addItem(doc, title))
    const itemBefore = itemsMap(doc).get(ids[3] ?? '')
    moveItem(doc, ids[3]!, 0)
    expect(titles(doc)).toEqual(['d', 'a', 'b', 'c'])
    moveItem(doc, ids[3]!, 2)
    expect(titles(doc)).toEqual(['a', 'b', 'd', 'c'])
    moveItem(doc, ids[0]!, 99)
    expect(titles(doc)).toEqual(['b', 'd', 'c', 'a'])
    expect(itemsMap(doc).get(ids[3] ?? '')).toBe(itemBefore)
  })

  it('keeps a concurrent title edit made while another peer moves the item', () => {
    const alice = new Y.Doc()
    const bob = new Y.Doc()
    const [, , third] = ['one', 'two', 'three'].map((title) => addItem(alice, title))
    syncBoth(alice, bob)

    moveItem(alice, third!, 0)
    itemText(bob, third!, 'title')?.insert(5, '!')
    syncBoth(alice, bob)

    expect(titles(alice)).toEqual(['three!', 'one', 'two'])
    expect(titles(bob)).toEqual(titles(alice))
  })

  it('orders concurrent inserts at the same spot identically on every peer', () => {
    const alice = new Y.Doc()
    const bob = new Y.Doc()
    addItem(alice, 'base')
    syncBoth(alice, bob)
    addItem(alice, 'from alice')
    addItem(bob, 'from bob')
    syncBoth(alice, bob)
    expect(titles(alice)).toHaveLength(3)
    expect(titles(bob)).toEqual(titles(alice))
    // A move into the tie still lands somewhere valid instead of throwing.
    const [, tiedA] = readItems(alice)
    moveItem(alice, readItems(alice)[0]!.id, 2)
    expect(readItems(alice).map((item) => item.id)).toContain(tiedA!.id)
  })

  it('skips entries a buggy or hostile peer wrote in the wrong shape', () => {
    const doc = new Y.Doc()
    addItem(doc, 'good')
    const items = itemsMap(doc) as unknown as Y.Map<unknown>
    items.set('not-a-map', 'oops')
    const badOrder = new Y.Map<unknown>()
    items.set('bad-order', badOrder)
    badOrder.set('order', 'a00')
    expect(titles(doc)).toEqual(['good'])
  })
})
