import type * as Y from 'yjs'

/** Keeps a Y.Doc in step with other replicas of the same name (other tabs, later other peers). */
export interface DocTransport {
  /** Starts exchanging updates for `doc` under `name`; the result stops it. */
  connect(name: string, doc: Y.Doc): DocConnection
}

export interface DocConnection {
  close(): void
}
