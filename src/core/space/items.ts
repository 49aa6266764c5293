/**
 * The `items` list: a Y.Map from item id to a Y.Map of fields. Order lives in
 * each item's `order` key (see fractionalOrder.ts) so reorders never re-create
 * an item, and titles and notes are Y.Text so two people typing in the same
 * title merge instead of one overwriting the other.
 */
import * as Y from 'yjs'
import { isOrderKey, orderKeyBetween, type OrderKey } from './fractionalOrder.ts'
import { newItemId, type ItemId } from './ids.ts'
import { SpaceRoot } from './schema.ts'

export interface ItemView {
  readonly id: ItemId
  /** Read from the shared text when asked: listing 5,000 items must not build 5,000 strings only ~30 rows show. */
  readonly title: string
  /** The shared text the title is read from (undefined if a peer wrote something else there): a changed title is the same text, a replaced one is not. */
  readonly titleText: Y.Text | undefined
  readonly done: boolean
  readonly hasNotes: boolean
  /** Undefined when a peer wrote the key missing, malformed or over-long (see readItems). */
  readonly order: OrderKey | undefined
}

export type ItemTextField = 'title' | 'notes'

export const MAX_TITLE_LENGTH = 1_000

export function itemsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(SpaceRoot.items)
}

class ListedItem implements ItemView {
  constructor(
    readonly id: ItemId,
    readonly titleText: Y.Text | undefined,
    readonly done: boolean,
    readonly hasNotes: boolean,
    readonly order: OrderKey | undefined,
  ) {}

  get title(): string {
    return this.titleText?.toString() ?? ''
  }
}

/**
 * Items sorted for display. Entries that are not items at all are skipped. An
 * item whose order key a buggy or hostile peer wrote missing, malformed or
 * over-long is still shown, after every valid key, by id: hidden, it would sit
 * in the space where nobody could see, move or delete it, and every peer
 * sorting it the same way keeps everyone's list identical. Moving it gives it a
 * valid key.
 */
export function readItems(doc: Y.Doc): ItemView[] {
  const views: ItemView[] = []
  itemsMap(doc).forEach((item, id) => {
    const view = itemView(id as ItemId, item)
    if (view) views.push(view)
  })
  return views.sort(compareItems)
}

/** The view of one entry of the items map, or undefined for an entry that is not an item at all. */
export function itemView(id: ItemId, item: unknown): ItemView | undefined {
  if (!(item instanceof Y.Map)) return undefined
  const map = item as Y.Map<unknown>
  const order = map.get('order')
  const title = map.get('title')
  const notes = map.get('notes')
  return new ListedItem(id, title instanceof Y.Text ? title : undefined, map.get('done') === true, notes instanceof Y.Text && notes.length > 0, isOrderKey(order) ? order : undefined)
}

/** The display order: valid keys first by key, then by id (see readItems). */
export function compareItems(a: ItemView, b: ItemView): number {
  if (a.order !== b.order) {
    if (a.order === undefined) return 1
    if (b.order === undefined) return -1
    return a.order < b.order ? -1 : 1
  }
  // Same key from a concurrent insert at one spot, or both invalid: any fixed tie-break works.
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** The count line under a space's name (benchmarks read the same wording). */
export function itemCountText(undone: number, total: number): string {
  return total === 0 ? 'Nothing here yet.' : `${undone} of ${total} to do`
}

/** Adds an item at the end, or right after `afterId` (items with invalid keys stay last: see keyNear). */
export function addItem(doc: Y.Doc, title: string, afterId?: ItemId): ItemId {
  const id = newItemId()
  const item = new Y.Map<unknown>()
  item.set('title', new Y.Text(title.slice(0, MAX_TITLE_LENGTH)))
  item.set('notes', new Y.Text())
  item.set('done', false)
  item.set('order', (afterId === undefined && keyAfterLast(doc)) || keyAfter(readItems(doc), afterId))
  itemsMap(doc).set(id, item)
  return id
}

/** A key after every valid key, found in one pass without sorting (the common case: typing items in at the end); undefined if none fits there. */
function keyAfterLast(doc: Y.Doc): OrderKey | undefined {
  let last: OrderKey | undefined
  for (const item of itemsMap(doc).values()) {
    const order = item instanceof Y.Map ? item.get('order') : undefined
    if (isOrderKey(order) && (last === undefined || order > last)) last = order
  }
  const key = orderKeyBetween(last, undefined)
  return isOrderKey(key) ? key : undefined
}

/** A key for the slot after `afterId` in the sorted `items` (the end without one, the start if it is gone). */
function keyAfter(items: readonly ItemView[], afterId: ItemId | undefined): OrderKey {
  const index = afterId === undefined ? items.length : items.findIndex((item) => item.id === afterId) + 1
  return keyNear(validKeys(items), index)
}

export function itemText(doc: Y.Doc, id: ItemId, field: ItemTextField): Y.Text | undefined {
  const text = itemsMap(doc).get(id)?.get(field)
  return text instanceof Y.Text ? text : undefined
}

export function setItemDone(doc: Y.Doc, id: ItemId, done: boolean): void {
  itemsMap(doc).get(id)?.set('done', done)
}

export function deleteItem(doc: Y.Doc, id: ItemId): void {
  itemsMap(doc).delete(id)
}

/** Moves an item so it sits at `toIndex` of the current display order. */
export function moveItem(doc: Y.Doc, id: ItemId, toIndex: number): void {
  const others = readItems(doc).filter((item) => item.id !== id)
  itemsMap(doc).get(id)?.set('order', keyNear(validKeys(others), toIndex))
}

/** The valid keys of a list readItems sorted: they come first, so list positions up to their count are the same. */
function validKeys(items: readonly ItemView[]): OrderKey[] {
  return items.flatMap((item) => (item.order === undefined ? [] : [item.order]))
}

/**
 * A valid key for slot `slot` of the sorted `keys` (before keys[slot]; past
 * the end, or among items with invalid keys, means after the last valid key),
 * or else for the nearest later, then earlier, slot with room. Equal
 * neighbours (a concurrent-insert tie) leave no room, nor do neighbours a
 * hostile peer crafted at the length cap. Some slot always has room:
 * orderKeyBetween only breaks the cap where no shorter key fits (its
 * fractions are as short as they can be), and no list holds every key.
 */
function keyNear(keys: readonly OrderKey[], slot: number): OrderKey {
  const wanted = Math.max(0, Math.min(slot, keys.length))
  for (let at = wanted; at <= keys.length; at++) {
    const key = keyInSlot(keys, at)
    if (key !== undefined) return key
  }
  for (let at = wanted - 1; at >= 0; at--) {
    const key = keyInSlot(keys, at)
    if (key !== undefined) return key
  }
  throw new Error('No order key fits anywhere in this list.')
}

function keyInSlot(keys: readonly OrderKey[], at: number): OrderKey | undefined {
  const before = keys[at - 1]
  const after = keys[at]
  if (before !== undefined && before === after) return undefined
  const key = orderKeyBetween(before, after)
  return isOrderKey(key) ? key : undefined
}

/**
 * The Yjs clients that wrote an item (its entry, and its "done" as it
 * stands): who added it and who ticked it, once SignedLog.writerOf says
 * which verified device each client belongs to. Nothing the item itself
 * says is trusted for this.
 */
export function itemWriters(doc: Y.Doc, id: ItemId): { readonly added?: number; readonly done?: number } {
  // Yjs keeps the item behind each key; its id names the client that wrote the value.
  const entries = (map: Y.Map<unknown>): ReadonlyMap<string, Y.Item> => (map as unknown as { readonly _map: ReadonlyMap<string, Y.Item> })._map
  const entry = entries(itemsMap(doc) as Y.Map<unknown>).get(id)
  const item = itemsMap(doc).get(id)
  const done = item instanceof Y.Map && item.get('done') === true ? entries(item).get('done') : undefined
  return { ...(entry && !entry.deleted ? { added: entry.id.client } : {}), ...(done ? { done: done.id.client } : {}) }
}
