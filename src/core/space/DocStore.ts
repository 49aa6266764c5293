import type * as Y from 'yjs'

/** Keeps Y.Docs on this device (IndexedDB in a browser, memory when it has none). */
export interface DocStore {
  /** Loads what is stored under `name` into `doc`, then saves each change to it until closed. */
  attach(name: string, doc: Y.Doc): StoredDoc
  /** Deletes everything stored under `name`. Close any attached copy first. */
  remove(name: string): Promise<void>
  /**
   * Replaces everything stored under `name` with one update: for a doc that
   * must lose content (Yjs cannot take structs out of a doc, so it is
   * rebuilt and its storage rewritten). Close this context's attached copy
   * first; a copy still attached elsewhere may add rows on top.
   */
  replace(name: string, update: Uint8Array): Promise<void>
}

export interface StoredDoc {
  /** Resolves once everything stored has been applied to the doc. */
  readonly loaded: Promise<void>
  /** Replaces the stored update history with one snapshot of the doc. */
  compact(): Promise<void>
  /**
   * Stops saving once every change is written. While writing fails (a full
   * disk) it keeps retrying and does not resolve, so a change is never dropped.
   */
  close(): Promise<void>
  /** Stops saving at once, dropping anything unsaved: for a doc being deleted. */
  discard(): Promise<void>
}
