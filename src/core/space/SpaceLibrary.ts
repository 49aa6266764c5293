/**
 * Opens, creates, renames and deletes this device's spaces. One live Y.Doc
 * per open space, shared by every view that asks for it (reference counted),
 * attached to storage and to the other tabs.
 *
 * Storage and tab sync arrive as ports, so the same logic runs over
 * IndexedDB in a browser, memory in tests, and LevelDB on the personal node.
 */
import * as Y from 'yjs'
import type { Did } from '../identity/didKey.ts'
import type { DocStore, StoredDoc } from './DocStore.ts'
import type { DocConnection, DocTransport } from './DocTransport.ts'
import { newSpaceId, type SpaceId } from './ids.ts'
import { initialiseSpace, metaMap, normaliseSpaceName, readSpaceMeta, renameSpace } from './schema.ts'
import { findSpace, observeSpaceList, putSpaceEntry, removeSpaceEntry } from './spaceList.ts'

export interface SpaceSession {
  readonly id: SpaceId
  readonly doc: Y.Doc
  readonly undo: Y.UndoManager
  /** Resolves once the stored content is in `doc`. */
  readonly loaded: Promise<void>
  /** True once `loaded` has resolved, for renderers that cannot wait on a promise. */
  readonly isLoaded: boolean
  /** True once the space was deleted (here or in another tab); the doc no longer saves. */
  readonly removed: boolean
  /** Applies one user action (add, delete, move, toggle) as its own undo step; typing merges by time instead. */
  edit(change: (doc: Y.Doc) => void): void
  /** Every `open` needs one `release`. */
  release(): void
}

export interface SpaceLibraryDeps {
  readonly deviceDoc: Y.Doc
  readonly store: DocStore
  readonly tabs: DocTransport
  readonly now: () => number
}

/** Storage name of a space's doc; stable, since renaming it would orphan stored data. */
export function spaceDocName(id: SpaceId): string {
  return `pii-space-${id}`
}

class OpenSpace implements SpaceSession {
  readonly doc = new Y.Doc()
  readonly undo: Y.UndoManager
  readonly loaded: Promise<void>
  removed = false
  isLoaded = false
  references = 1
  private readonly stored: StoredDoc
  private connection: DocConnection | undefined
  private readonly stopNameSync: () => void

  constructor(
    readonly id: SpaceId,
    private readonly deps: SpaceLibraryDeps,
    private readonly onRelease: (space: OpenSpace) => void,
  ) {
    // Undo covers this tab's own edits only; a collaborator's change is never undone from here.
    this.undo = new Y.UndoManager([this.doc.getMap('items'), metaMap(this.doc)], { captureTimeout: 500 })
    this.stored = deps.store.attach(spaceDocName(id), this.doc)
    this.loaded = this.stored.loaded.then(() => {
      this.isLoaded = true
      // Connecting after the load keeps the whole stored history from being re-sent to every other tab.
      if (!this.removed) this.connection = deps.tabs.connect(spaceDocName(id), this.doc)
    })
    const meta = metaMap(this.doc)
    const syncName = (): void => this.copyNameToList()
    meta.observe(syncName)
    this.stopNameSync = () => meta.unobserve(syncName)
  }

  private copyNameToList(): void {
    const entry = findSpace(this.deps.deviceDoc, this.id)
    const { name } = readSpaceMeta(this.doc)
    if (entry && name && entry.name !== name) putSpaceEntry(this.deps.deviceDoc, { ...entry, name })
  }

  edit(change: (doc: Y.Doc) => void): void {
    this.undo.stopCapturing()
    this.doc.transact(() => change(this.doc))
    this.undo.stopCapturing()
  }

  release(): void {
    if (--this.references === 0) this.onRelease(this)
  }

  /**
   * Storage closes first: while it is still retrying a failed save, the doc
   * stays alive and connected, so reopening the space in this tab gets the
   * unsaved changes back over the tab transport instead of losing them.
   */
  async close(): Promise<void> {
    await (this.removed ? this.stored.discard() : this.stored.close())
    this.stopNameSync()
    this.connection?.close()
    this.undo.destroy()
    this.doc.destroy()
  }
}

export class SpaceLibrary {
  private readonly open = new Map<SpaceId, OpenSpace>()
  private readonly closing = new Map<SpaceId, Promise<void>>()

  constructor(private readonly deps: SpaceLibraryDeps) {
    // Another tab deleting a space removes its entry; stop saving our copy so it stays deleted.
    observeSpaceList(deps.deviceDoc, (event) => {
      for (const [id, change] of event.changes.keys) {
        if (change.action === 'delete') void this.forget(id as SpaceId)
      }
    })
  }

  has(id: SpaceId): boolean {
    return findSpace(this.deps.deviceDoc, id) !== undefined
  }

  /** The space if some view already holds it open and loaded; takes no reference. */
  loadedSession(id: SpaceId): SpaceSession | undefined {
    const space = this.open.get(id)
    return space?.isLoaded ? space : undefined
  }

  openSpace(id: SpaceId): SpaceSession {
    const existing = this.open.get(id)
    if (existing) {
      existing.references++
      return existing
    }
    const space = new OpenSpace(id, this.deps, (released) => void this.closeSpace(released))
    this.open.set(id, space)
    return space
  }

  /** Creates a space owned by this device and returns an open session on it. */
  async create(name: string, owner: Did): Promise<SpaceSession> {
    const id = newSpaceId()
    const createdAt = this.deps.now()
    const session = this.openSpace(id)
    await session.loaded
    initialiseSpace(session.doc, { name, createdAt, owner })
    // Creating the space is not an edit anyone should be able to undo.
    session.undo.clear()
    putSpaceEntry(this.deps.deviceDoc, { id, name: normaliseSpaceName(name), createdAt })
    return session
  }

  async rename(id: SpaceId, name: string): Promise<void> {
    const session = this.openSpace(id)
    try {
      await session.loaded
      renameSpace(session.doc, name)
    } finally {
      session.release()
    }
  }

  /** Deletes the space from this device: its list entry, its open copies in every tab, its stored data. */
  async remove(id: SpaceId): Promise<void> {
    removeSpaceEntry(this.deps.deviceDoc, id)
    await this.forget(id)
    await this.deps.store.remove(spaceDocName(id))
  }

  private async forget(id: SpaceId): Promise<void> {
    const space = this.open.get(id)
    if (space) {
      space.removed = true
      await this.closeSpace(space)
    }
    await this.closing.get(id)
  }

  private closeSpace(space: OpenSpace): Promise<void> {
    if (this.open.get(space.id) !== space) return this.closing.get(space.id) ?? Promise.resolve()
    this.open.delete(space.id)
    const closed = space.close().finally(() => this.closing.delete(space.id))
    this.closing.set(space.id, closed)
    return closed
  }
}
