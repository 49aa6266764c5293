/**
 * Y.Docs in LevelDB (classic-level), for the personal node: a key range per
 * doc, a row per saved update (`<name>\0<seq>`, seq as 16 hex digits so rows
 * sort in the order written), folded into one snapshot row once history
 * outgrows the doc.
 *
 * A change counts as kept once its row is written (`saved()` resolves):
 * LevelDB has appended it to its write-ahead log by then, so a process killed
 * with SIGKILL at any later moment reopens with it (the write is in the
 * operating system's hands; only losing the machine's power could lose it).
 * A compaction writes the snapshot and deletes the rows it folds in one
 * atomic batch, so a kill in the middle leaves one or the other, never
 * neither. A write that fails (a full disk) is retried until it succeeds:
 * a change is never dropped.
 */
import { ClassicLevel, type BatchOperation } from 'classic-level'
import * as Y from 'yjs'
import type { DocStore, StoredDoc } from '../core/space/DocStore.ts'

/** Past this many rows, a doc's history is folded into one snapshot (as y-indexeddb's trim point in the browser). */
export const MAX_ROWS_BEFORE_COMPACT = 500
/** After a failed write, how soon to try again. */
const RETRY_AFTER_FAILURE_MS = 2_000
const SEPARATOR = '\u0000'
const SEQ_DIGITS = 16

export interface LevelStoredDoc extends StoredDoc {
  /** Resolves once every change the doc made so far is written: from then on it survives a kill. */
  saved(): Promise<void>
}

export interface LevelDbDocStoreOptions {
  /** Called when a write fails (it is retried) and when writing works again. */
  readonly onWriteProblem?: (problem: { readonly name: string; readonly error?: unknown }) => void
}

const rowKey = (name: string, seq: number): string => `${name}${SEPARATOR}${seq.toString(16).padStart(SEQ_DIGITS, '0')}`
const rangeOf = (name: string): { gte: string; lt: string } => ({ gte: `${name}${SEPARATOR}`, lt: `${name}\u0001` })
const seqOf = (key: string): number => Number.parseInt(key.slice(key.lastIndexOf(SEPARATOR) + 1), 16)

function checkName(name: string): void {
  if (name.length === 0 || name.includes(SEPARATOR) || name.includes('\u0001')) {
    throw new Error(`A stored doc's name must be non-empty text without control characters \\0 or \\1; got ${JSON.stringify(name)}.`)
  }
}

export class LevelDbDocStore implements DocStore {
  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly options: LevelDbDocStoreOptions,
  ) {}

  /** Opens (or creates) the database in `folder`; fails with LevelDB's reason if another process holds it. */
  static async open(folder: string, options: LevelDbDocStoreOptions = {}): Promise<LevelDbDocStore> {
    const db = new ClassicLevel<string, Uint8Array>(folder, { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)
      throw new Error(`Cannot open the data folder ${folder} (${cause}). Is another Pii node running on it?`, { cause: error })
    }
    return new LevelDbDocStore(db, options)
  }

  attach(name: string, doc: Y.Doc): LevelStoredDoc {
    checkName(name)
    return new LevelDoc(this.db, name, doc, this.options)
  }

  async remove(name: string): Promise<void> {
    checkName(name)
    await this.db.clear(rangeOf(name))
  }

  async replace(name: string, update: Uint8Array): Promise<void> {
    checkName(name)
    const keys = await this.db.keys(rangeOf(name)).all()
    const next = keys.length > 0 ? seqOf(keys.at(-1)!) + 1 : 0
    await this.db.batch([...keys.map((key) => ({ type: 'del' as const, key })), { type: 'put' as const, key: rowKey(name, next), value: update }])
  }

  /** How many rows a doc has: its snapshot and the updates written since. */
  async rowCount(name: string): Promise<number> {
    checkName(name)
    return (await this.db.keys(rangeOf(name)).all()).length
  }

  /** Closes the database: close every attached doc first, so their changes are written. */
  close(): Promise<void> {
    return this.db.close()
  }
}

class LevelDoc implements LevelStoredDoc {
  readonly loaded: Promise<void>
  /** Every write, one after another: rows, then any snapshot folding them, in the order they were asked for. */
  private chain: Promise<void>
  private writeScheduled = false
  private pending: Uint8Array[] = []
  private nextSeq = 0
  private rows = 0
  private failing = false
  private discarded = false

  constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly name: string,
    private readonly doc: Y.Doc,
    private readonly options: LevelDbDocStoreOptions,
  ) {
    // Whatever the doc held before attaching is saved too, as the other stores do.
    if (doc.store.clients.size > 0) this.pending.push(Y.encodeStateAsUpdate(doc))
    this.loaded = this.load()
    this.chain = this.loaded.catch(() => {})
    doc.on('update', this.onUpdate)
    if (this.pending.length > 0) this.scheduleWrite()
  }

  async saved(): Promise<void> {
    await this.loaded
    do await this.chain
    while ((this.pending.length > 0 || this.writeScheduled) && !this.discarded)
  }

  async compact(): Promise<void> {
    await this.loaded
    await this.enqueue(() => this.writeSnapshot())
    await this.saved()
  }

  async close(): Promise<void> {
    this.doc.off('update', this.onUpdate)
    await this.saved()
  }

  async discard(): Promise<void> {
    this.doc.off('update', this.onUpdate)
    this.pending = []
    this.discarded = true
    // A write already under way lands first: the doc's rows removed after this resolves stay removed.
    await this.chain
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    this.pending.push(update)
    this.scheduleWrite()
  }

  private async load(): Promise<void> {
    const rows = await this.db.iterator(rangeOf(this.name)).all()
    Y.transact(this.doc, () => rows.forEach(([, value]) => Y.applyUpdate(this.doc, value)), this, false)
    this.rows = rows.length
    this.nextSeq = rows.length > 0 ? seqOf(rows.at(-1)![0]) + 1 : 0
  }

  private scheduleWrite(): void {
    if (this.writeScheduled) return
    this.writeScheduled = true
    void this.enqueue(async () => {
      this.writeScheduled = false
      await this.writePending()
    })
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const run = this.chain.then(write)
    this.chain = run.catch(() => {})
    return run
  }

  /** Writes every pending update as rows, retrying until it works; folds history into a snapshot when it is due. */
  private async writePending(): Promise<void> {
    while (this.pending.length > 0 && !this.discarded) {
      // A copy: what arrives while LevelDB writes this batch is pushed onto `pending`, and must stay there for the next.
      const updates = this.pending.slice()
      const first = this.nextSeq
      const operations = updates.map((value, index) => ({ type: 'put' as const, key: rowKey(this.name, first + index), value }))
      if (!(await this.tryWrite(operations))) continue
      this.pending = this.pending.slice(updates.length)
      this.nextSeq = first + updates.length
      this.rows += updates.length
      if (this.rows > MAX_ROWS_BEFORE_COMPACT) await this.writeSnapshot()
    }
  }

  /** Replaces every row written so far with one snapshot of the doc, in one atomic batch. */
  private async writeSnapshot(): Promise<void> {
    const snapshot = Y.encodeStateAsUpdate(this.doc)
    const doomed = await this.db.keys(rangeOf(this.name)).all()
    const operations = [...doomed.map((key) => ({ type: 'del' as const, key })), { type: 'put' as const, key: rowKey(this.name, this.nextSeq), value: snapshot }]
    while (!this.discarded) {
      if (!(await this.tryWrite(operations))) continue
      this.nextSeq++
      this.rows = 1
      return
    }
  }

  /** One attempt; on failure, reports it and waits before the caller tries again. */
  private async tryWrite(operations: Array<BatchOperation<ClassicLevel<string, Uint8Array>, string, Uint8Array>>): Promise<boolean> {
    try {
      await this.db.batch(operations)
    } catch (error) {
      this.failing = true
      this.options.onWriteProblem?.({ name: this.name, error })
      await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_FAILURE_MS))
      return false
    }
    if (this.failing) this.options.onWriteProblem?.({ name: this.name })
    this.failing = false
    return true
  }
}
