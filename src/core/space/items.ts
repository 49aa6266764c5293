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
  readonly done: boolean
  readonly hasNotes: boolean
  readonly order: OrderKey
}

export type ItemTextField = 'title' | 'notes'

export const MAX_TITLE_LENGTH = 1_000

export function itemsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(SpaceRoot.items)
}

class ListedItem implements ItemView {
  constructor(
    readonly id: ItemId,
    private readonly titleText: Y.Text | undefined,
    readonly done: boolean,
    readonly hasNotes: boolean,
    readonly order: OrderKey,
  ) {}

  get title(): string {
    return this.titleText?.toString() ?? ''
  }
}

/** Items sorted for display; entries a buggy or hostile peer wrote malformed are skipped. */
export function readItems(doc: Y.Doc): ItemView[] {
  const views: ItemView[] = []
  itemsMap(doc).forEach((item, id) => {
    if (!(item instanceof Y.Map)) return
    const order = item.get('order')
    const title = item.get('title')
    const notes = item.get('notes')
    if (!isOrderKey(order)) return
    views.push(new ListedItem(id as ItemId, title instanceof Y.Text ? title : undefined, item.get('done') === true, notes instanceof Y.Text && notes.length > 0, order))
  })
  return views.sort(compareItems)
}

function compareItems(a: ItemView, b: ItemView): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1
  // Same key from a concurrent insert at one spot: any fixed tie-break works.
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** The count line under a space's name (benchmarks read the same wording). */
export function itemCountText(undone: number, total: number): string {
  return total === 0 ? 'Nothing here yet.' : `${undone} of ${total} to do`
}

/** Adds an item at the end, or right after `afterId`. */
export function addItem(doc: Y.Doc, title: string, afterId?: ItemId): ItemId {
  const items = readItems(doc)
  const index = afterId === undefined ? items.length - 1 : items.findIndex((item) => item.id === afterId)
  const before = index >= 0 ? items[index]?.order : undefined
  const after = afterId === undefined ? undefined : items[index + 1]?.order
  const id = newItemId()
  const item = new Y.Map<unknown>()
  item.set('title', new Y.Text(title.slice(0, MAX_TITLE_LENGTH)))
  item.set('notes', new Y.Text())
  item.set('done', false)
  item.set('order', orderKeyBetween(before, after))
  itemsMap(doc).set(id, item)
  return id
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
  const index = Math.max(0, Math.min(toIndex, others.length))
  const before = others[index - 1]?.order
  const after = others[index]?.order
  // Equal neighbours (a concurrent-insert tie) leave no key between them;
  // landing just after the tied group keeps the move valid instead of throwing.
  const upper = before !== undefined && before === after ? nextDistinctOrder(others, index) : after
  itemsMap(doc).get(id)?.set('order', orderKeyBetween(before, upper))
}

function nextDistinctOrder(items: ItemView[], from: number): OrderKey | undefined {
  const tied = items[from]?.order
  return items.slice(from).find((item) => item.order !== tied)?.order
}
