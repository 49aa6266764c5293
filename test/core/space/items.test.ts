import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { isOrderKey, MAX_ORDER_KEY_LENGTH } from '../../../src/core/space/fractionalOrder.ts'
import type { ItemId } from '../../../src/core/space/ids.ts'
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

  it('skips entries a buggy or hostile peer wrote that are not items at all', () => {
    const doc = new Y.Doc()
    addItem(doc, 'good')
    const items = itemsMap(doc) as unknown as Y.Map<unknown>
    items.set('not-a-map', 'oops')
    expect(titles(doc)).toEqual(['good'])
  })

  it('[ORD2] adds right after either of two items that tied on one key', () => {
    const doc = new Y.Doc()
    const [first, second] = [hostileItem(doc, 'tie-a', 'first', 'a0'), hostileItem(doc, 'tie-b', 'second', 'a0')]
    addItem(doc, 'last')
    addItem(doc, 'after first', first)
    addItem(doc, 'after second', second)
    // No key sorts between the tied pair, so an item added after the first lands after both.
    expect(titles(doc)).toEqual(['first', 'second', 'after second', 'after first', 'last'])
  })
})

/** Writes an item straight into the shared map, as a buggy or hostile peer could: `order` is whatever it chose. */
function hostileItem(doc: Y.Doc, id: string, title: string, order?: unknown): ItemId {
  const item = new Y.Map<unknown>()
  item.set('title', new Y.Text(title))
  if (order !== undefined) item.set('order', order)
  itemsMap(doc).set(id, item)
  return id as ItemId
}

const ids = (doc: Y.Doc): string[] => readItems(doc).map((item) => item.id)

describe('items with an order key a peer got wrong', () => {
  it('[ORD3] are shown after the valid ones, sorted by id, whether the key is missing, malformed or too long', () => {
    const doc = new Y.Doc()
    addItem(doc, 'good')
    hostileItem(doc, 'd-too-long', 'too long', 'a0' + 'V'.repeat(MAX_ORDER_KEY_LENGTH))
    hostileItem(doc, 'b-malformed', 'malformed', 'a00')
    hostileItem(doc, 'c-not-a-string', 'not a string', 42)
    hostileItem(doc, 'a-missing', 'missing')
    expect(titles(doc)).toEqual(['good', 'missing', 'malformed', 'not a string', 'too long'])
    expect(readItems(doc).at(-1)?.order).toBeUndefined()
  })

  it('[ORD3] a 200,000-character key breaks neither adding nor the order two peers agree on', () => {
    const hostile = new Y.Doc()
    hostileItem(hostile, 'hostile-long', 'long key', 'z'.repeat(200_000))
    hostileItem(hostile, 'hostile-missing', 'no key')
    const honest = new Y.Doc()
    addItem(honest, 'one')
    addItem(honest, 'two')
    const updates = [Y.encodeStateAsUpdate(hostile), Y.encodeStateAsUpdate(honest)]

    const [alice, bob] = [new Y.Doc(), new Y.Doc()]
    for (const update of updates) Y.applyUpdate(alice, update)
    for (const update of updates.toReversed()) Y.applyUpdate(bob, update)
    addItem(alice, 'three')
    addItem(bob, 'after the long one', 'hostile-long' as ItemId)
    syncBoth(alice, bob)

    // Both new items land after the last valid key: they tie on it and sort by their random ids.
    expect(titles(alice).slice(0, 2)).toEqual(['one', 'two'])
    expect(titles(alice).slice(2, 4).toSorted()).toEqual(['after the long one', 'three'])
    expect(titles(alice).slice(4)).toEqual(['long key', 'no key'])
    expect(ids(bob)).toEqual(ids(alice))
  })

  it('[ORD3] moving such an item gives it a valid key, and moves and deletes around it keep working', () => {
    const doc = new Y.Doc()
    const [one, two] = [addItem(doc, 'one'), addItem(doc, 'two')]
    const long = hostileItem(doc, 'hostile-long', 'long key', 'z'.repeat(200_000))
    moveItem(doc, two, 5)
    expect(titles(doc)).toEqual(['one', 'two', 'long key'])
    deleteItem(doc, one)
    moveItem(doc, long, 0)
    expect(titles(doc)).toEqual(['long key', 'two'])
    expect(isOrderKey(itemsMap(doc).get(long)?.get('order'))).toBe(true)
  })

  it('[ORD3] a move between neighbours crafted at the cap with no key between them still lands, on a valid key', () => {
    const doc = new Y.Doc()
    // No key of at most MAX_ORDER_KEY_LENGTH characters sorts between these two.
    hostileItem(doc, 'low', 'low', 'a0y' + 'z'.repeat(MAX_ORDER_KEY_LENGTH - 3))
    const high = hostileItem(doc, 'high', 'high', 'a0z')
    const honest = addItem(doc, 'honest')
    moveItem(doc, honest, 1)
    expect(titles(doc)).toEqual(['low', 'high', 'honest'])
    addItem(doc, 'after low', 'low' as ItemId)
    expect(titles(doc)).toEqual(['low', 'high', 'after low', 'honest'])
    moveItem(doc, high, 0)
    expect(titles(doc)).toEqual(['high', 'low', 'after low', 'honest'])
    for (const item of readItems(doc)) expect(isOrderKey(item.order)).toBe(true)
  })
})
