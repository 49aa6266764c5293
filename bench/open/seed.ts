/**
 * The seeding page: builds the benchmark spaces once, then restores their
 * IndexedDB databases before every measured load. Restoring is needed
 * because opening a space changes what is stored: y-indexeddb adds a row on
 * every open and the app compacts long histories soon after, so without it
 * the 50,000-row case would be one row from the second load on.
 *
 * URL: /bench-open/seed.html. Same origin as the app, so same IndexedDB.
 */
import { newSpaceId, type SpaceId } from '../../src/core/space/ids.ts'
import { spaceDocName } from '../../src/core/space/SpaceLibrary.ts'
import { DEVICE_DOC_NAME } from '../../src/core/space/spaceList.ts'
import { CASES, type CaseKey, type SeedApi, type SeededCase } from './api.ts'
import { buildDeviceRows, buildSpaceRows } from './fixtures.ts'

/** y-indexeddb's stores; `custom` is unused but created so the schema matches exactly. */
const UPDATES_STORE = 'updates'
const CUSTOM_STORE = 'custom'

interface Prepared {
  readonly spaceId: SpaceId
  readonly rows: Uint8Array[]
}

const prepared = new Map<CaseKey, Prepared>()
let deviceRows: Uint8Array[] = []

function requestDone<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed.'))
  })
}

/** Opens (creating) a database with y-indexeddb's layout: version 1, autoIncrement `updates`, plain `custom`. */
function openDocDatabase(name: string): Promise<IDBDatabase> {
  const request = indexedDB.open(name)
  request.onupgradeneeded = () => {
    request.result.createObjectStore(UPDATES_STORE, { autoIncrement: true })
    request.result.createObjectStore(CUSTOM_STORE)
  }
  return requestDone(request)
}

function addAll(db: IDBDatabase, rows: readonly Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction([UPDATES_STORE], 'readwrite')
    transaction.oncomplete = () => resolve()
    transaction.onabort = () => reject(transaction.error ?? new Error('Writing rows was aborted.'))
    const store = transaction.objectStore(UPDATES_STORE)
    for (const row of rows) store.add(row)
  })
}

/**
 * Deletes and recreates the database, so keys restart at 1 as on a real
 * device. A page that still holds it open gets `versionchange` and closes
 * (y-indexeddb's connections do), so the delete only waits, never fails.
 */
async function replaceDatabase(name: string, rows: readonly Uint8Array[]): Promise<void> {
  await requestDone(indexedDB.deleteDatabase(name))
  const db = await openDocDatabase(name)
  try {
    await addAll(db, rows)
  } finally {
    db.close()
  }
}

/**
 * If keys 1..seeded are all still there, drops the rows a load added after
 * them (y-indexeddb writes one per open) and reports true. Rows are only
 * ever appended, or all cleared by the app's compaction, so an intact key
 * range means intact content.
 */
function trimToSeed(db: IDBDatabase, seeded: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction([UPDATES_STORE], 'readwrite')
    const store = transaction.objectStore(UPDATES_STORE)
    let intact = false
    const count = store.count(IDBKeyRange.bound(1, seeded))
    count.onsuccess = () => {
      intact = count.result === seeded
      if (intact) store.delete(IDBKeyRange.lowerBound(seeded, true))
    }
    transaction.oncomplete = () => resolve(intact)
    transaction.onabort = () => reject(transaction.error ?? new Error('Trimming rows was aborted.'))
  })
}

/**
 * Puts a space's database back to exactly the seeded rows. Rewriting 50,000
 * rows takes seconds of disk writes, and the storage engine's background
 * work after them would land in the next measured load; so rewrite only
 * when the app compacted the space, otherwise just trim what the load added.
 */
async function restoreSpace(name: string, rows: readonly Uint8Array[]): Promise<void> {
  const db = await openDocDatabase(name)
  let intact: boolean
  try {
    intact = await trimToSeed(db, rows.length)
  } finally {
    db.close()
  }
  if (!intact) await replaceDatabase(name, rows)
}

async function countRows(name: string): Promise<number> {
  const db = await openDocDatabase(name)
  try {
    return await requestDone(db.transaction([UPDATES_STORE], 'readonly').objectStore(UPDATES_STORE).count())
  } finally {
    db.close()
  }
}

function byteLength(rows: readonly Uint8Array[]): number {
  return rows.reduce((sum, row) => sum + row.byteLength, 0)
}

const api: SeedApi = {
  prepare() {
    const seeded: SeededCase[] = []
    for (const spec of CASES) {
      const spaceId = newSpaceId()
      const rows = buildSpaceRows(spec, `Bench ${spec.key}`)
      prepared.set(spec.key, { spaceId, rows })
      seeded.push({ key: spec.key, spaceId, rows: rows.length, items: spec.items, bytes: byteLength(rows) })
    }
    deviceRows = buildDeviceRows(seeded.map((entry) => ({ id: entry.spaceId as SpaceId, name: `Bench ${entry.key}` })))
    return Promise.resolve(seeded)
  },

  async reseed(key) {
    const space = prepared.get(key)
    if (!space) throw new Error(`reseed(${key}) before prepare().`)
    await replaceDatabase(DEVICE_DOC_NAME, deviceRows)
    await restoreSpace(spaceDocName(space.spaceId), space.rows)
    return countRows(spaceDocName(space.spaceId))
  },
}

window.piiBench = api
