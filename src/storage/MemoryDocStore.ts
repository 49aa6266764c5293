/**
 * Keeps docs only in this tab's memory. Used when the browser refuses
 * IndexedDB (some private modes, site data switched off) so Pii still works
 * for the session while the UI says plainly that nothing will be kept.
 */
import * as Y from 'yjs'
import type { DocStore, StoredDoc } from '../core/space/DocStore.ts'

export class MemoryDocStore implements DocStore {
  private readonly docs = new Map<string, Uint8Array[]>()

  attach(name: string, doc: Y.Doc): StoredDoc {
    const rows = this.docs.get(name) ?? []
    this.docs.set(name, rows)
    // Whatever the doc held before attaching is saved too, as IndexedDbDocStore does.
    rows.push(Y.encodeStateAsUpdate(doc))
    Y.transact(doc, () => rows.forEach((row) => Y.applyUpdate(doc, row)), this, false)
    const save = (update: Uint8Array, origin: unknown): void => {
      if (origin !== this) rows.push(update)
    }
    doc.on('update', save)
    // Memory writes cannot fail, so closing has nothing to wait for and is the same as discarding.
    const stopSaving = (): Promise<void> => {
      doc.off('update', save)
      return Promise.resolve()
    }
    return {
      loaded: Promise.resolve(),
      compact: () => {
        rows.splice(0, rows.length, Y.encodeStateAsUpdate(doc))
        return Promise.resolve()
      },
      close: stopSaving,
      discard: stopSaving,
    }
  }

  remove(name: string): Promise<void> {
    this.docs.delete(name)
    return Promise.resolve()
  }

  replace(name: string, update: Uint8Array): Promise<void> {
    const rows = this.docs.get(name)
    // Attached copies hold the same array: they go on appending to the new content.
    if (rows) rows.splice(0, rows.length, update)
    else this.docs.set(name, [update])
    return Promise.resolve()
  }
}
