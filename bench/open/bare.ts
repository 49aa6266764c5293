/**
 * The baseline "ours" is compared with: the least a page can do to show a
 * space's items. It replays the space's IndexedDB rows with plain
 * y-indexeddb, reads the items the way the app does (readItems: validate and
 * sort), puts the count and the first screenful of titles into the DOM, and
 * marks the next frame. No React, no device registry, no key, no service
 * worker, so the gap to the app is the app's own overhead.
 *
 * URL: /bench-open/#<space id>.
 */
import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import type { SpaceId } from '../../src/core/space/ids.ts'
import { readItems, type ItemView } from '../../src/core/space/items.ts'
import { spaceDocName } from '../../src/core/space/SpaceLibrary.ts'
import { BARE_COUNT_ID, BARE_MARK } from './api.ts'

/** About what the app's virtual list renders on first paint (800 px / 48 px rows + 8 overscan). */
const FIRST_SCREEN_ROWS = 25

async function main(): Promise<void> {
  const id = location.hash.slice(1) as SpaceId
  const doc = new Y.Doc()
  await new IndexeddbPersistence(spaceDocName(id), doc).whenSynced
  render(readItems(doc))
  requestAnimationFrame(() => performance.mark(BARE_MARK))
}

function render(items: readonly ItemView[]): void {
  const count = document.getElementById(BARE_COUNT_ID)
  const list = document.getElementById('items')
  if (!count || !list) throw new Error('index.html lacks #count or #items.')
  count.textContent = String(items.length)
  const rows = items.slice(0, FIRST_SCREEN_ROWS).map((item) => {
    const row = document.createElement('li')
    row.textContent = item.done ? `✓ ${item.title}` : item.title
    return row
  })
  list.replaceChildren(...rows)
}

main().catch((error: unknown) => {
  document.body.textContent = `bare page failed: ${String(error)}`
  throw error
})
