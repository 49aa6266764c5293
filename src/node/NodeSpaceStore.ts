/**
 * Where the node's keyed spaces are kept: in the node's one LevelDB
 * database, except their content docs, which live in memory and are built
 * again from each space's signed log when it opens (SpaceLibrary's
 * reconcile does that for any copy).
 *
 * Why not the content too: a content doc's rows and the log's envelope of
 * the same change are two writes, and a `kill -9` between them would leave
 * the node with a change (a run record, a counter's increment) in its
 * content that no envelope carries, that no other lane may ever sign, and
 * that peers therefore never get: the node would believe an occurrence ran
 * that, for everyone else, never did, and nobody would run it. With the log
 * as the only thing on disk, what the node holds after a kill is exactly
 * what it signed and wrote, the same as what its peers may have.
 *
 * It also keeps the handles of what it stores, for the node's rooms (which
 * wait for a doc's writes, DurableRooms), for its backups (which read a
 * space's log from the copy that writes it, never from a second one) and for
 * a stop that must not close the database under a space still writing.
 */
import * as Y from 'yjs'
import type { DocStore, StoredDoc } from '../core/space/DocStore.ts'
import { MemoryDocStore } from '../storage/MemoryDocStore.ts'
import type { LevelDbDocStore, LevelStoredDoc } from '../storage/LevelDbDocStore.ts'

const CONTENT_PREFIX = 'pii-space-'
/** How long a stop waits for spaces that are closing to write what they hold, before closing their storage itself. */
const CLOSE_WAIT_MS = 10_000

interface Tracked {
  readonly stored: LevelStoredDoc
  readonly closed: Promise<void>
}

export class NodeSpaceStore implements DocStore {
  private readonly memory = new MemoryDocStore()
  private readonly byDoc = new WeakMap<Y.Doc, LevelStoredDoc>()
  private readonly byName = new Map<string, { readonly stored: LevelStoredDoc; readonly doc: Y.Doc }>()
  private readonly open = new Set<Tracked>()

  constructor(private readonly disk: LevelDbDocStore) {}

  attach(name: string, doc: Y.Doc): StoredDoc {
    if (name.startsWith(CONTENT_PREFIX)) return this.memory.attach(name, doc)
    const stored = this.disk.attach(name, doc)
    this.byDoc.set(doc, stored)
    const attached = { stored, doc }
    this.byName.set(name, attached)
    let done: () => void = () => {}
    const tracked: Tracked = { stored, closed: new Promise((resolve) => (done = resolve)) }
    this.open.add(tracked)
    const finish = (work: Promise<void>): Promise<void> =>
      work.finally(() => {
        this.open.delete(tracked)
        if (this.byName.get(name) === attached) this.byName.delete(name)
        done()
      })
    return { loaded: stored.loaded, compact: () => stored.compact(), close: () => finish(stored.close()), discard: () => finish(stored.discard()) }
  }

  /** The handle of a doc kept on disk (undefined for content docs, and for docs never attached: a beacon room's). */
  storedOf(doc: Y.Doc): LevelStoredDoc | undefined {
    return this.byDoc.get(doc)
  }

  /** The handle of the doc attached under `name`, while it is. */
  storedNamed(name: string): LevelStoredDoc | undefined {
    return this.byName.get(name)?.stored
  }

  /** The doc attached under `name` (a space's live log), while it is. */
  docNamed(name: string): Y.Doc | undefined {
    return this.byName.get(name)?.doc
  }

  /**
   * The doc stored under `name`, as one update: the attached copy's once
   * what it holds is written, or else what the disk holds, read by a copy
   * that writes nothing (two copies writing one doc's rows would overwrite
   * each other's).
   */
  async written(name: string): Promise<Uint8Array> {
    const attached = this.byName.get(name)
    if (attached) {
      await attached.stored.saved()
      return Y.encodeStateAsUpdate(attached.doc)
    }
    const doc = new Y.Doc()
    const reader = this.disk.attach(name, doc)
    try {
      await reader.loaded
      return Y.encodeStateAsUpdate(doc)
    } finally {
      await reader.close()
      doc.destroy()
    }
  }

  remove(name: string): Promise<void> {
    return name.startsWith(CONTENT_PREFIX) ? this.memory.remove(name) : this.disk.remove(name)
  }

  replace(name: string, update: Uint8Array): Promise<void> {
    return name.startsWith(CONTENT_PREFIX) ? this.memory.replace(name, update) : this.disk.replace(name, update)
  }

  /**
   * Waits for every doc still attached to be closed by its owner (spaces
   * released a moment ago close on their own, sealing what they hold);
   * what is still open after CLOSE_WAIT_MS is written and closed here.
   */
  async closeAll(): Promise<void> {
    const waiting = [...this.open]
    const gaveUp = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())
    await Promise.race([Promise.all(waiting.map((tracked) => tracked.closed)), gaveUp])
    await Promise.all([...this.open].map((tracked) => tracked.stored.close()))
    this.open.clear()
  }
}
