/**
 * The baseline the app's sync is compared with: the least a page can do to
 * share a space's items between browsers. A plain Y.Doc, stored with
 * y-indexeddb and replicated by unmodified y-webrtc through the same relay,
 * with a room password, and no envelopes, signatures, React or service
 * worker. It reads and writes items with the app's own core code (addItem,
 * readItems), so both pages hold the same doc shape and the gap to the app
 * is the app's own overhead.
 *
 * On every doc update it writes the count line (in the app's wording) and
 * the last screenful of titles into the DOM, synchronously, so "visible in
 * the DOM" means the same on both pages. URL: /?relay=…&room=…&password=….
 */
import { IndexeddbPersistence } from 'y-indexeddb'
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'
import { addItem, itemCountText, readItems } from '../../../src/core/space/items.ts'
import { BASELINE_COUNT_ID, BASELINE_ITEMS_ID } from '../api.ts'

/** About what the app's windowed list renders (a window of rows plus overscan). */
const SCREEN_ROWS = 25

const params = new URLSearchParams(location.search)
const relay = params.get('relay')
const room = params.get('room')
const password = params.get('password')
if (!relay || !room || !password) throw new Error('The baseline page needs ?relay=…&room=…&password=….')

const doc = new Y.Doc()
// Storage starts with the provider, as a minimal offline-first page would: neither waits for the other.
new IndexeddbPersistence(room, doc)
const provider = new WebrtcProvider(room, doc, { signaling: [relay], password })

const count = document.getElementById(BASELINE_COUNT_ID)
const list = document.getElementById(BASELINE_ITEMS_ID)
if (!count || !list) throw new Error('index.html lacks #count or #items.')

function render(): void {
  const items = readItems(doc)
  count!.textContent = itemCountText(items.filter((item) => !item.done).length, items.length)
  // The newest rows (the end of the list), where a live edit appears; a cold sync renders the same number.
  const rows = items.slice(-SCREEN_ROWS).map((item) => {
    const row = document.createElement('li')
    row.textContent = item.title
    return row
  })
  list!.replaceChildren(...rows)
}

// y-webrtc starts listening to the doc once it has derived the room key; listening after it
// sends an edit before this page repaints its own list, the strongest baseline for A → B.
void provider.key.then(() => {
  doc.on('update', render)
  render()
})

window.syncBaseline = {
  add: (title) => {
    const madeAt = performance.timeOrigin + performance.now()
    doc.transact(() => addItem(doc, title))
    return madeAt
  },
  webrtcPeers: () => [...(provider.room?.webrtcConns.values() ?? [])].filter((conn) => conn.connected).length,
}
