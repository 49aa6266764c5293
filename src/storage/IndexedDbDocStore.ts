/**
 * Y.Docs in IndexedDB, in y-indexeddb's format (one database per doc, an
 * `updates` store of Yjs updates). y-indexeddb loads the doc; this class
 * takes over saving because y-indexeddb drops failed writes silently and
 * compacts only by row count, so a full disk lost typing without a word and
 * a small space could store a hundred times its size in keystroke history.
 */
import * as idb from 'lib0/indexeddb'
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { DocStore, StoredDoc } from '../core/space/DocStore.ts'
import { afterTask } from '../platform/afterTask.ts'

const UPDATES_STORE = 'updates'
/** y-indexeddb's own trim point: past it, every open replays that many rows. */
const MAX_ROWS_BEFORE_COMPACT = 500
/** History may grow to the snapshot's size (so stored bytes stay under ~2x the snapshot), but never compact a tiny space per keystroke. */
const MIN_HISTORY_BYTES_BEFORE_COMPACT = 16 * 1024
/** Rows left by earlier sessions are folded into one snapshot after opening, off the path to first render. */
const MAX_ROWS_AFTER_LOAD = 20
/** Lets a burst of typing finish before the snapshot is taken. */
const COMPACT_DELAY_MS = 1_000
/** After a failed write, how soon to try writing everything again. */
const RETRY_AFTER_FAILURE_MS = 5_000

/** Reported when a doc's changes stop being saved, and when they are saved again. */
export interface SaveStatus {
  readonly name: string
  /** False while some change exists only in memory. */
  readonly saved: boolean
  readonly error?: StorageWriteError
}

export class StorageWriteError extends Error {
  constructor(
    readonly reason: 'quota' | 'failed',
    cause: unknown,
  ) {
    super(
      reason === 'quota'
        ? 'This device is out of storage space for Pii, so recent changes are kept only in this tab. Free some space (or export the space) and they will be saved.'
        : `Saving to this browser's storage failed (${describe(cause)}). Recent changes are kept only in this tab; Pii keeps retrying.`,
    )
    this.name = 'StorageWriteError'
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError'
}

/** Where a page announces it is going away (`pagehide`): the window, in a page. */
type PageEvents = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>

export interface IndexedDbDocStoreOptions {
  readonly onSaveStatus?: (status: SaveStatus) => void
  /** Where the page announces it is going away; the window, by default. A service worker has none: it saves on the next task, as always. */
  readonly pageEvents?: PageEvents
  /**
   * Resolves when a compaction may take the thread (see QuietMoments): it
   * encodes the whole doc, tens of ms for a large one, and waits for a gap
   * in the device's schedule. Now, by default.
   */
  readonly quietMoment?: () => Promise<void>
}

export class IndexedDbDocStore implements DocStore {
  private readonly onSaveStatus: (status: SaveStatus) => void
  private readonly pageEvents: PageEvents | undefined
  private readonly quietMoment: () => Promise<void>

  constructor(options: IndexedDbDocStoreOptions = {}) {
    this.onSaveStatus = options.onSaveStatus ?? (() => {})
    this.pageEvents = options.pageEvents ?? (globalThis as { window?: PageEvents }).window
    this.quietMoment = options.quietMoment ?? (() => Promise.resolve())
  }

  attach(name: string, doc: Y.Doc): StoredDoc {
    return new IndexedDbStoredDoc(name, doc, this.onSaveStatus, this.pageEvents, this.quietMoment)
  }

  remove(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      // Other tabs' connections close on `versionchange` (y-indexeddb sets that up), so this is not blocked for long.
      const request = indexedDB.deleteDatabase(name)
      request.onsuccess = () => resolve()
      request.onerror = () => reject(request.error ?? new Error(`Could not delete ${name}`))
    })
  }

  async replace(name: string, update: Uint8Array): Promise<void> {
    // The stores y-indexeddb makes, should this be the first write of the doc.
    const db = await idb.openDB(name, (created) => idb.createStores(created, [[UPDATES_STORE, { autoIncrement: true }], ['custom']]))
    try {
      await writeInOneTransaction(db, (store) => {
        store.clear()
        store.add(update)
      })
    } finally {
      db.close()
    }
  }
}

class IndexedDbStoredDoc extends IndexeddbPersistence implements StoredDoc {
  readonly loaded: Promise<void>
  private rowsSinceSnapshot = 0
  private historyBytes = 0
  private snapshotBytes = 0
  private unsaved = false
  private compactTimer: ReturnType<typeof setTimeout> | undefined
  private compactDueAt = 0
  private writes: Promise<unknown> = Promise.resolve()
  /** Updates of this task, written together once it ends (see save). */
  private pending: Uint8Array[] = []
  private flushQueued = false
  /** Set on pagehide, until a pageshow says the page stayed (see save). */
  private leaving = false
  /** Keys of the rows this store wrote since its last snapshot (see compact). */
  private readonly ownRows = new Set<number>()
  private whenSavedAgain: (() => void) | undefined

  constructor(
    name: string,
    doc: Y.Doc,
    private readonly onSaveStatus: (status: SaveStatus) => void,
    private readonly pageEvents: PageEvents | undefined,
    private readonly quietMoment: () => Promise<void>,
  ) {
    super(name, doc)
    doc.off('update', this._storeUpdate)
    this._storeUpdate = (update: Uint8Array, origin: unknown) => this.save(update, origin)
    // Saving starts when loading ends. Yjs encodes each transaction's update
    // only when someone listens for it, and the load's would be the whole
    // stored doc, encoded just to be ignored. Nothing is missed: loading
    // stores the doc's earlier state itself, in the same task as 'synced'.
    this.on('synced', () => {
      if (!this._destroyed) doc.on('update', this._storeUpdate)
    })
    // A page going away never runs the next task: what is queued is written now, while the page can still start a write.
    pageEvents?.addEventListener('pagehide', this.flushNow)
    pageEvents?.addEventListener('pageshow', this.stayed)
    this.loaded = new Promise<void>((resolve, reject) => {
      this._db.catch(reject)
      void this.whenSynced.then(() => {
        resolve()
        void this.compactIfLongHistory()
      })
    })
  }

  /** y-indexeddb counts rows only after it reports `synced`, so count here. */
  private async compactIfLongHistory(): Promise<void> {
    const db = await this._db
    const rows = await new Promise<number>((resolve, reject) => {
      const count = db.transaction([UPDATES_STORE], 'readonly').objectStore(UPDATES_STORE).count()
      count.onsuccess = () => resolve(count.result)
      count.onerror = () => reject(count.error ?? new Error('Counting stored updates failed.'))
    }).catch(() => 0)
    this.rowsSinceSnapshot += rows
    if (rows > MAX_ROWS_AFTER_LOAD) this.scheduleCompact(COMPACT_DELAY_MS)
  }

  /**
   * Queues the update and writes the task's updates in one transaction from
   * the next task. Writing here would put an IndexedDB transaction between
   * an edit and everything else listening to it: sending it to peers,
   * rendering it. The write is not durable before its transaction commits
   * anyway, many milliseconds later, so one task changes nothing for safety.
   */
  private save(update: Uint8Array, origin: unknown): void {
    // Saving starts when loading ends (see the constructor), by which time the database is open.
    if (origin === this || this._destroyed || !this.db) return
    this.pending.push(update)
    // The page is going away: no next task will come for a change made now (a typed edit sealed on pagehide).
    if (this.leaving) return this.flush()
    if (this.flushQueued) return
    this.flushQueued = true
    afterTask(() => this.flush())
  }

  private readonly flushNow = (): void => {
    this.leaving = true
    if (this.flushQueued) this.flush()
  }

  /** Back from the back/forward cache: the page lives on, and writes are batched per task again. */
  private readonly stayed = (): void => {
    this.leaving = false
  }

  private flush(): void {
    this.flushQueued = false
    const updates = this.pending
    this.pending = []
    if (updates.length === 0 || this._destroyed || !this.db) return
    if (this.unsaved) {
      // A row now would sit on top of a gap; only a full snapshot restores what is missing.
      this.scheduleCompact(0)
      return
    }
    this.rowsSinceSnapshot += updates.length
    for (const update of updates) this.historyBytes += update.byteLength
    // Keys count as this store's only once committed: an aborted write (a full disk fails at commit)
    // hands its keys out again, to rows another tab may write, which a compaction must not skip.
    const keys: number[] = []
    const written = writeInOneTransaction(this.db, (store) =>
      updates.forEach((update) => {
        const added = store.add(update)
        added.onsuccess = () => keys.push(added.result as number)
      }),
    )
    this.track(written.then(() => keys.forEach((key) => this.ownRows.add(key))))
    const historyLimit = Math.max(MIN_HISTORY_BYTES_BEFORE_COMPACT, this.snapshotBytes)
    if (this.rowsSinceSnapshot >= MAX_ROWS_BEFORE_COMPACT || this.historyBytes > historyLimit) {
      this.scheduleCompact(COMPACT_DELAY_MS)
    }
  }

  /** Only changes of state are reported: a failure here, and the recovery in compact(). */
  private track(write: Promise<void>): void {
    this.writes = write.catch((error: unknown) => this.failed(error))
  }

  private failed(error: unknown): void {
    this.unsaved = true
    this.onSaveStatus({
      name: this.name,
      saved: false,
      error: new StorageWriteError(isQuotaError(error) ? 'quota' : 'failed', error),
    })
    this.scheduleCompact(RETRY_AFTER_FAILURE_MS)
  }

  /**
   * Throttled, not debounced: steady typing must not postpone compaction
   * forever, so a pending compaction is only ever brought forward.
   */
  private scheduleCompact(delayMs: number): void {
    if (this._destroyed) return
    const dueAt = Date.now() + delayMs
    if (this.compactTimer !== undefined) {
      if (this.compactDueAt <= dueAt) return
      clearTimeout(this.compactTimer)
    }
    this.compactDueAt = dueAt
    // The timer stays set while its compaction waits for a quiet moment: one brought forward meanwhile replaces it.
    const timer = setTimeout(() => {
      void this.quietMoment().then(() => {
        if (this.compactTimer !== timer || this._destroyed) return
        this.compactTimer = undefined
        this.compact().catch((error: unknown) => this.failed(error))
      })
    }, delayMs)
    this.compactTimer = timer
  }

  async compact(): Promise<void> {
    const db = await this._db
    let snapshotBytes = 0
    await writeInOneTransaction(db, (store) => {
      // Rows another tab wrote since this doc loaded, whose updates may not
      // have reached this tab yet, are merged first so replacing the rows
      // cannot drop them. Rows loaded at open are in the doc already, and
      // re-applying a long history would block the page for as long as loading did.
      // Rows this store wrote are this doc's own updates: only the others' are read and applied (decoding
      // them all made each compaction of a busy, large doc a stall as long as a load).
      const keys = store.getAllKeys(IDBKeyRange.lowerBound(this._dbref))
      keys.onsuccess = () => {
        const reads = (keys.result as number[]).filter((key) => !this.ownRows.has(key)).map((key) => store.get(key))
        const replace = (): void => {
          const others = reads.map((read) => read.result as Uint8Array)
          if (others.length > 0) Y.transact(this.doc, () => others.forEach((row) => Y.applyUpdate(this.doc, row)), this, false)
          const snapshot = Y.encodeStateAsUpdate(this.doc)
          snapshotBytes = snapshot.byteLength
          store.clear()
          this.ownRows.clear()
          const added = store.add(snapshot)
          added.onsuccess = () => {
            this._dbref = (added.result as number) + 1
          }
        }
        // Requests on one store complete in order: the last read's success means all are in.
        const last = reads.at(-1)
        if (last) last.onsuccess = replace
        else replace()
      }
    })
    this.snapshotBytes = snapshotBytes
    this.historyBytes = 0
    this.rowsSinceSnapshot = 1
    if (this.unsaved) {
      this.unsaved = false
      this.onSaveStatus({ name: this.name, saved: true })
      this.whenSavedAgain?.()
    }
  }

  async close(): Promise<void> {
    // The doc stays connected (other tabs) while this waits, so repeat until nothing new is queued.
    do {
      this.flush()
      await this.writes
      if (this.unsaved) {
        // Closing must not drop what the disk refused: retry now, and keep
        // retrying on the failure schedule until a snapshot is written.
        this.scheduleCompact(0)
        await new Promise<void>((resolve) => (this.whenSavedAgain = resolve))
      }
    } while (this.pending.length > 0)
    await this.discard()
  }

  async discard(): Promise<void> {
    if (this.compactTimer !== undefined) clearTimeout(this.compactTimer)
    this.pageEvents?.removeEventListener('pagehide', this.flushNow)
    this.pageEvents?.removeEventListener('pageshow', this.stayed)
    await this.destroy()
  }
}

function writeInOneTransaction(db: IDBDatabase, work: (store: IDBObjectStore) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction([UPDATES_STORE], 'readwrite')
    // Quota errors surface when the transaction commits, not on the request.
    transaction.oncomplete = () => resolve()
    transaction.onabort = () => reject(transaction.error ?? new Error('The IndexedDB transaction was aborted.'))
    work(transaction.objectStore(UPDATES_STORE))
  })
}
