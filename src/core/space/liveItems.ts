/**
 * A space's items kept in display order as the doc changes. readItems reads
 * and sorts every item (2–5 ms at 5,000 items, on every key press in a
 * title); here an edit costs what it touched: the items a transaction
 * changed are looked up, taken out and put back in place by binary search.
 * The order is readItems' exactly (compareItems, the same views), which the
 * tests check against it after every kind of change.
 */
import type * as Y from 'yjs'
import type { ItemId } from './ids.ts'
import { compareItems, itemsMap, itemView, readItems, type ItemView } from './items.ts'
import { onePerDoc } from './onePerDoc.ts'

/** What a list shows, as of one moment: replaced, never changed, so a new snapshot means something changed. */
export interface ItemsSnapshot {
  /** In display order. */
  readonly items: readonly ItemView[]
  /** How many are not done. */
  readonly undone: number
}

/**
 * Past this many items changed in one transaction (a peer's first sync, an
 * import), reading everything again is cheaper than placing each one.
 */
const REREAD_ABOVE = 256

/** The one LiveItems of a doc, made when first asked for; it lives as long as the doc. */
export const liveItemsOf = onePerDoc((doc) => new LiveItems(doc))

export class LiveItems {
  private readonly root: Y.Map<Y.Map<unknown>>
  private snapshot: ItemsSnapshot
  private readonly byId = new Map<ItemId, ItemView>()
  private readonly listeners = new Set<() => void>()

  constructor(doc: Y.Doc) {
    this.root = itemsMap(doc)
    this.snapshot = this.readAll()
    this.root.observeDeep(this.onEvents)
  }

  readonly getSnapshot = (): ItemsSnapshot => this.snapshot

  /**
   * Calls `onChange` after each transaction that changed the list, from
   * inside the transaction's cleanup: before the doc's update listeners
   * sign and send the edit, so a caller that renders defers its work.
   */
  readonly subscribe = (onChange: () => void): (() => void) => {
    this.listeners.add(onChange)
    return () => this.listeners.delete(onChange)
  }

  private readonly onEvents = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    const changed = new Set<ItemId>()
    for (const event of events) {
      if (event.target === this.root) {
        for (const key of (event as Y.YMapEvent<unknown>).keysChanged) changed.add(key as ItemId)
        continue
      }
      const id = this.itemIdOf(event.target)
      if (id !== undefined) changed.add(id)
    }
    if (changed.size === 0) return
    const next = (changed.size <= REREAD_ABOVE && this.place(changed)) || this.readAll()
    if (next === this.snapshot) return
    this.snapshot = next
    for (const listener of [...this.listeners]) listener()
  }

  /** The item a changed type belongs to: an item's map, or a text (title, notes) inside one. */
  private itemIdOf(type: Y.AbstractType<unknown>): ItemId | undefined {
    const item = type._item
    if (!item) return undefined
    if (item.parent === this.root) return item.parentSub as ItemId
    const parent = item.parent as Y.AbstractType<unknown> | null
    return parent?._item?.parent === this.root ? (parent._item.parentSub as ItemId) : undefined
  }

  private readAll(): ItemsSnapshot {
    const items = readItems(this.root.doc as Y.Doc)
    this.byId.clear()
    let undone = 0
    for (const view of items) {
      this.byId.set(view.id, view)
      if (!view.done) undone++
    }
    return { items, undone }
  }

  /**
   * A new snapshot with each changed item's view taken out and, if it is
   * still an item, put back where it now sorts; undefined if a view is not
   * where it should be (a bug, never seen), so the caller reads everything
   * instead of throwing inside the doc's transaction. A change only its row
   * shows (typing in a title: views read it live, rows watch it) keeps the
   * snapshot as it was, so a key press copies nothing and renders no list.
   */
  private place(changed: ReadonlySet<ItemId>): ItemsSnapshot | undefined {
    let items = this.snapshot.items
    let copied = false
    let undone = this.snapshot.undone
    for (const id of changed) {
      const before = this.byId.get(id)
      const after = itemView(id, this.root.get(id))
      if (before && after && sameListing(before, after)) continue
      if (!copied) {
        items = [...items]
        copied = true
      }
      const list = items as ItemView[]
      if (before) {
        const at = insertionPoint(list, before)
        if (list[at] !== before) return undefined
        list.splice(at, 1)
        this.byId.delete(id)
        if (!before.done) undone--
      }
      if (after) {
        list.splice(insertionPoint(list, after), 0, after)
        this.byId.set(id, after)
        if (!after.done) undone++
      }
    }
    return copied ? { items, undone } : this.snapshot
  }
}

/** Whether two views of one item list it the same: same place, same fields, the same shared title text. */
function sameListing(before: ItemView, after: ItemView): boolean {
  return before.order === after.order && before.done === after.done && before.hasNotes === after.hasNotes && before.titleText === after.titleText
}

/** The first index whose item sorts at or after `view`: where it is, if it is there (compareItems is a total order, ids being unique). */
function insertionPoint(items: readonly ItemView[], view: ItemView): number {
  let low = 0
  let high = items.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareItems(items[middle]!, view) < 0) low = middle + 1
    else high = middle
  }
  return low
}
