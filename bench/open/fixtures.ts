/**
 * Builds the stored form of the benchmark spaces with the app's own schema
 * code, as the rows y-indexeddb would hold: one Yjs update per row.
 */
import * as Y from 'yjs'
import { orderKeyBetween, type OrderKey } from '../../src/core/space/fractionalOrder.ts'
import { newItemId, type ItemId, type SpaceId } from '../../src/core/space/ids.ts'
import { itemsMap, itemText, readItems, setItemDone } from '../../src/core/space/items.ts'
import { initialiseSpace } from '../../src/core/space/schema.ts'
import { putSpaceEntry } from '../../src/core/space/spaceList.ts'
import type { CaseSpec } from './api.ts'

const WORDS = ['milk', 'bread', 'call', 'plan', 'fix', 'book', 'write', 'pay', 'check', 'order', 'clean', 'send']

/** A plausible title of 3–4 words, fixed per index so every run stores the same text. */
function titleFor(index: number): string {
  const word = (offset: number): string => WORDS[(index * 7 + offset * 5) % WORDS.length] ?? ''
  return `${word(0)} ${word(1)} ${word(2)} #${index + 1}`
}

/**
 * Appends items one transaction each, with the same fields addItem writes.
 * Not addItem itself: it re-reads and sorts the whole list per call, which
 * is O(n² log n) and would take seconds for 5,000 items. `verify` below
 * checks the result reads back through readItems, so the format is the app's.
 */
function appendItems(doc: Y.Doc, count: number): ItemId[] {
  const ids: ItemId[] = []
  let last: OrderKey | undefined
  for (let index = 0; index < count; index++) {
    const id = newItemId()
    const order = orderKeyBetween(last, undefined)
    doc.transact(() => {
      const item = new Y.Map<unknown>()
      item.set('title', new Y.Text(titleFor(index)))
      item.set('notes', new Y.Text())
      item.set('done', false)
      item.set('order', order)
      itemsMap(doc).set(id, item)
    })
    ids.push(id)
    last = order
  }
  return ids
}

/**
 * Small edits, one row each, cycling over the items the way a long-lived
 * list gets used: tick an item, type into its title, fix the typo.
 */
function editItems(doc: Y.Doc, ids: readonly ItemId[], edits: number): void {
  for (let step = 0; step < edits; step++) {
    const id = ids[step % ids.length]
    if (id === undefined) return
    const title = itemText(doc, id, 'title')
    doc.transact(() => {
      switch (step % 3) {
        case 0:
          setItemDone(doc, id, itemsMap(doc).get(id)?.get('done') !== true)
          break
        case 1:
          title?.insert(title.length, ' now')
          break
        default:
          title?.delete(title.length - 2, 2)
      }
    })
  }
}


/** The rows of one space, built to the case's item and row counts. */
export function buildSpaceRows(spec: CaseSpec, name: string): Uint8Array[] {
  const doc = new Y.Doc()
  const rows: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => rows.push(update))
  initialiseSpace(doc, { name, createdAt: Date.now() })
  const ids = appendItems(doc, spec.items)
  if (spec.updates > rows.length) editItems(doc, ids, spec.updates - rows.length)
  verify(doc, spec, ids)
  const stored = storedForm(doc, rows, spec.rows)
  if (stored.length !== spec.rows) throw new Error(`${spec.key}: built ${stored.length} rows, wanted ${spec.rows}.`)
  doc.destroy()
  return stored
}

/** The history as `rowCount` rows: all updates as rows, or a snapshot of the older ones followed by the newest as rows. */
function storedForm(doc: Y.Doc, updates: readonly Uint8Array[], rowCount: number): Uint8Array[] {
  if (rowCount >= updates.length) return [...updates]
  if (rowCount === 1) return [Y.encodeStateAsUpdate(doc)]
  const tailStart = updates.length - (rowCount - 1)
  const older = new Y.Doc()
  Y.transact(older, () => updates.slice(0, tailStart).forEach((update) => Y.applyUpdate(older, update)))
  const snapshot = Y.encodeStateAsUpdate(older)
  older.destroy()
  return [snapshot, ...updates.slice(tailStart)]
}

/** The app's reader must see every item, in the order they were added. */
function verify(doc: Y.Doc, spec: CaseSpec, ids: readonly ItemId[]): void {
  const items = readItems(doc)
  if (items.length !== spec.items) throw new Error(`${spec.key}: readItems sees ${items.length} items, wanted ${spec.items}.`)
  if (items[0]?.id !== ids[0] || items.at(-1)?.id !== ids.at(-1)) throw new Error(`${spec.key}: items read back out of order.`)
}

/** The device registry listing the spaces, as one compacted row. */
export function buildDeviceRows(spaces: ReadonlyArray<{ readonly id: SpaceId; readonly name: string }>): Uint8Array[] {
  const doc = new Y.Doc()
  const createdAt = Date.now()
  spaces.forEach((space, index) => putSpaceEntry(doc, { id: space.id, name: space.name, createdAt: createdAt + index }))
  const row = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return [row]
}
