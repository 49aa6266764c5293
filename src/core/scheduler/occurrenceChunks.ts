/**
 * Per-occurrence records kept in chunks, so that dropping them frees them
 * (SPEC RET2). A deleted entry of a Yjs map stays in the doc for good, as
 * a tombstone that names its key (about 60 bytes here), as long as the map
 * itself lives: a record per occurrence, even deleted, grew a space by
 * ~100 MB a day at 100 ms, and every tombstone is read again at each open.
 * Entries of a map that is itself deleted are garbage-collected instead: a
 * run of them shrinks to one (client, clock, length) range. So records sit
 * two levels down, and each level is dropped whole once nothing in it is
 * needed:
 *
 *   records[`<series>#<epoch>\n<client>`]      a book: SPANS_PER_BOOK spans,
 *     book[`<span>\n<kind>\n<owner>`]          a chunk: CHUNK_SPAN occurrences,
 *       chunk[`<index>`] = the record          one entry per occurrence.
 *
 * A dropped chunk leaves a short tombstone in its book until the book goes;
 * a dropped book leaves one in the root: a day of a 100 ms operation leaves
 * 173 of them, and an open reads the live book's at most. Every kind of
 * record (claims, run records, progress marks, counters' increments and
 * folds) shares the books, so they share those tombstones too.
 *
 * The owner is whose records they are (a peer, a counter's name, a mark's
 * writer); the client is the Yjs client that made the book, and only it
 * writes there. Two writers making the same nested map at once would lose
 * one of them with everything written into it (Yjs keeps one value per
 * key), which a book per client rules out: two contexts of one device
 * hosting in turn each have their own. A book or chunk that another client
 * wrote, or that sits where its key says it does not, is ignored: a peer
 * cannot stand in for someone else's records.
 */
import * as Y from 'yjs'
import { occurrenceId, parseOccurrenceId, type OccurrenceId } from './occurrenceIds.ts'

/** Occurrences per chunk: the most records (and tombstones) an open reads of a live chunk. */
export const CHUNK_SPAN = 50
/** Chunks per book: the most chunk tombstones an open reads of a live book. */
export const SPANS_PER_BOOK = 100

/** The top-level map of a space's doc the books sit in: part of its stored format. */
export const OCCURRENCE_RECORDS = 'records'

/** What a chunk holds; a chunk's key names it. */
export const RecordKind = { claim: 'claim', run: 'run', mark: 'mark', increment: 'increment', fold: 'fold' } as const
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind]

export const spanOf = (index: number): number => Math.floor(index / CHUNK_SPAN)
const epochOf = (span: number): number => Math.floor(span / SPANS_PER_BOOK)

interface BookName {
  readonly series: string
  readonly epoch: number
  readonly client: number
}

interface ChunkName {
  readonly series: string
  readonly span: number
  readonly owner: string
  readonly client: number
}

interface HeldChunk {
  readonly name: ChunkName
  readonly map: Y.Map<unknown>
  /** The book that holds it, under `key`. */
  readonly book: Y.Map<unknown>
  readonly key: string
  /** The fields it held when last read: a chunk dropped whole reports each of them gone. */
  readonly fields: Set<string>
}

interface HeldBook {
  readonly name: BookName
  readonly map: Y.Map<unknown>
  /** Its valid chunks, by their key in the book. */
  readonly chunks: Map<string, HeldChunk>
}

const wholeNumber = (text: string): number | undefined => {
  const value = Number(text)
  return Number.isSafeInteger(value) && value >= 0 && String(value) === text ? value : undefined
}

function parseBookKey(key: string): BookName | undefined {
  const [where, clientText, ...rest] = key.split('\n')
  const hash = where?.lastIndexOf('#') ?? -1
  const epoch = where === undefined ? undefined : wholeNumber(where.slice(hash + 1))
  const client = clientText === undefined ? undefined : wholeNumber(clientText)
  if (where === undefined || hash <= 0 || epoch === undefined || client === undefined || rest.length > 0) return undefined
  return { series: where.slice(0, hash), epoch, client }
}

/** A chunk of `kind` in `book`, or undefined for another kind's chunk or junk. */
function parseChunkKey(key: string, book: BookName, kind: RecordKind): ChunkName | undefined {
  const first = key.indexOf('\n')
  const second = key.indexOf('\n', first + 1)
  const span = wholeNumber(key.slice(0, first))
  const owner = key.slice(second + 1)
  if (first <= 0 || second < 0 || key.slice(first + 1, second) !== kind || span === undefined || owner === '' || epochOf(span) !== book.epoch) return undefined
  return { series: book.series, span, owner, client: book.client }
}

const placeKey = (series: string, span: number, owner: string): string => `${series}#${span}\n${owner}`

/** The occurrence index a chunk's field names, or undefined for one outside the chunk's span (which would let one chunk hold any occurrence: a peer's junk). */
function indexInChunk(name: ChunkName, field: string): number | undefined {
  const index = wholeNumber(field)
  return index !== undefined && spanOf(index) === name.span ? index : undefined
}

/** One client's value of an entry, with the Yjs client that really wrote it (for the signed log to name). */
export interface ChunkValue {
  readonly value: unknown
  readonly writer: number
}

/** One kind of record in a space's books. */
export class OccurrenceChunks {
  readonly root: Y.Map<unknown>
  /** Valid books by key. */
  private readonly books = new Map<string, HeldBook>()
  /** Valid chunks by place (series, span, owner), then client. */
  private readonly byPlace = new Map<string, Map<number, HeldChunk>>()
  /** Spans with chunks, by series, then the chunks of each. */
  private readonly spansOfSeries = new Map<string, Map<number, Set<HeldChunk>>>()

  constructor(
    doc: Y.Doc,
    private readonly kind: RecordKind,
    /** Told, after each transaction, of every (occurrence, owner) whose values may have changed, and whether this replica made the change. */
    private readonly onChange: (occurrence: OccurrenceId, owner: string, local: boolean) => void,
  ) {
    this.root = doc.getMap(OCCURRENCE_RECORDS)
    for (const key of this.root.keys()) this.reindexBook(key, undefined)
    this.root.observeDeep(this.onEvents)
  }

  destroy(): void {
    this.root.unobserveDeep(this.onEvents)
  }

  private readonly onEvents = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    for (const event of events) {
      const local = event.transaction.local
      const keys = (event as Y.YMapEvent<unknown>).keysChanged as Set<string>
      if (event.target === this.root) {
        for (const key of keys) this.reindexBook(key, local)
        continue
      }
      const parent = event.target._item?.parent
      const key = event.target._item?.parentSub
      if (!key) continue
      if (parent === this.root) {
        const book = this.books.get(key)
        if (book?.map === event.target) for (const chunkKey of keys) this.reindexChunk(book, chunkKey, local)
        continue
      }
      const bookKey = (parent as Y.AbstractType<unknown> | null)?._item?.parentSub
      const chunk = bookKey ? this.books.get(bookKey)?.chunks.get(key) : undefined
      if (!chunk || chunk.map !== event.target) continue
      for (const field of keys) {
        if (chunk.map.has(field)) chunk.fields.add(field)
        else chunk.fields.delete(field)
        this.report(chunk.name, field, local)
      }
    }
  }

  /** Files the book now under `key` (or its absence) with its chunks, and reports what they held and hold (not when first read: `local` undefined). */
  private reindexBook(key: string, local: boolean | undefined): void {
    const before = this.books.get(key)
    if (before) {
      this.books.delete(key)
      for (const chunkKey of [...before.chunks.keys()]) this.reindexChunk(before, chunkKey, local, true)
    }
    const name = parseBookKey(key)
    const value = this.root.get(key)
    if (!name || !(value instanceof Y.Map) || this.root._map.get(key)?.id.client !== name.client) return
    const book: HeldBook = { name, map: value, chunks: new Map() }
    this.books.set(key, book)
    for (const chunkKey of value.keys()) this.reindexChunk(book, chunkKey, local)
  }

  /** Files a book's chunk now under `key` (or its absence, or the book's: `gone`), and reports what it held and holds. */
  private reindexChunk(book: HeldBook, key: string, local: boolean | undefined, gone = false): void {
    const before = book.chunks.get(key)
    if (before) this.unfile(book, before)
    const name = parseChunkKey(key, book.name, this.kind)
    const value = gone ? undefined : book.map.get(key)
    const map = name && value instanceof Y.Map && book.map._map.get(key)?.id.client === name.client ? value : undefined
    const fields = new Set<string>(map ? map.keys() : [])
    if (name && map) this.file(book, { name, map, book: book.map, key, fields })
    if (local === undefined) return
    for (const field of before?.fields ?? []) if (!fields.has(field)) this.report(before!.name, field, local)
    if (name) for (const field of fields) this.report(name, field, local)
  }

  private file(book: HeldBook, chunk: HeldChunk): void {
    const { series, span, owner, client } = chunk.name
    book.chunks.set(chunk.key, chunk)
    const place = placeKey(series, span, owner)
    const clients = this.byPlace.get(place) ?? new Map<number, HeldChunk>()
    clients.set(client, chunk)
    this.byPlace.set(place, clients)
    const spans = this.spansOfSeries.get(series) ?? new Map<number, Set<HeldChunk>>()
    spans.set(span, (spans.get(span) ?? new Set<HeldChunk>()).add(chunk))
    this.spansOfSeries.set(series, spans)
  }

  private unfile(book: HeldBook, chunk: HeldChunk): void {
    const { series, span, owner, client } = chunk.name
    book.chunks.delete(chunk.key)
    const place = placeKey(series, span, owner)
    const clients = this.byPlace.get(place)
    if (clients?.get(client) === chunk) clients.delete(client)
    if (clients?.size === 0) this.byPlace.delete(place)
    const spans = this.spansOfSeries.get(series)
    const chunks = spans?.get(span)
    chunks?.delete(chunk)
    if (chunks?.size === 0) spans!.delete(span)
    if (spans?.size === 0) this.spansOfSeries.delete(series)
  }

  private report(name: ChunkName, field: string, local: boolean): void {
    const index = indexInChunk(name, field)
    if (index !== undefined) this.onChange(occurrenceId(name.series, index), name.owner, local)
  }

  /** Every occurrence and owner with an entry, for a reader indexing what was there before it started following. */
  *entries(): Generator<{ readonly occurrence: OccurrenceId; readonly owner: string }> {
    for (const book of this.books.values()) {
      for (const { name, fields } of book.chunks.values()) {
        for (const field of fields) {
          const index = indexInChunk(name, field)
          if (index !== undefined) yield { occurrence: occurrenceId(name.series, index), owner: name.owner }
        }
      }
    }
  }

  /** Every client's value of an occurrence's entry for `owner`. */
  values(occurrence: OccurrenceId, owner: string): ChunkValue[] {
    const { series, index } = parseOccurrenceId(occurrence)
    const found: ChunkValue[] = []
    for (const { map } of this.byPlace.get(placeKey(series, spanOf(index), owner))?.values() ?? []) {
      const item = map._map.get(String(index))
      if (item && !item.deleted) found.push({ value: map.get(String(index)), writer: item.id.client })
    }
    return found
  }

  /** The indexes an owner has entries for in a series, over all its chunks. */
  indexes(series: string, owner: string): number[] {
    const found: number[] = []
    for (const chunks of this.spansOfSeries.get(series)?.values() ?? []) {
      for (const { name, fields } of chunks) {
        if (name.owner !== owner) continue
        for (const field of fields) {
          const index = indexInChunk(name, field)
          if (index !== undefined) found.push(index)
        }
      }
    }
    return found
  }

  /** Whether this replica's own chunk holds an entry for it. */
  hasOwn(occurrence: OccurrenceId, owner: string): boolean {
    return this.ownChunk(occurrence, owner, false)?.has(String(parseOccurrenceId(occurrence).index)) ?? false
  }

  /** Writes an entry into this replica's own chunk (made if need be); returns the write's Yjs id. */
  set(occurrence: OccurrenceId, owner: string, value: unknown): Y.ID {
    const field = String(parseOccurrenceId(occurrence).index)
    // One transaction: the observers that file what ownChunk made run after it, not halfway through (see ownChunk).
    return this.root.doc!.transact(() => {
      const chunk = this.ownChunk(occurrence, owner, true)!
      chunk.set(field, value)
      return chunk._map.get(field)!.id
    })
  }

  /** Deletes every client's entry of an occurrence for `owner`. */
  delete(occurrence: OccurrenceId, owner: string): void {
    const { series, index } = parseOccurrenceId(occurrence)
    for (const { map } of this.byPlace.get(placeKey(series, spanOf(index), owner))?.values() ?? []) if (map.has(String(index))) map.delete(String(index))
  }

  /** The spans of a series that have chunks. */
  spans(series: string): number[] {
    return [...(this.spansOfSeries.get(series)?.keys() ?? [])]
  }

  /** The series with chunks of an operation (its plans). */
  seriesOf(operationId: string): string[] {
    return [...this.spansOfSeries.keys()].filter((series) => parseOccurrenceId(`${series}#0`).operationId === operationId)
  }

  /**
   * Drops, whoever made them, the chunks of a series's spans below `below`
   * that `droppable` allows (by default, those that hold no entry any
   * more); then every book of the series whose spans all lie below and
   * that holds no chunk, so its chunks' tombstones go with it. Dropped, an
   * entry is gone for every peer: only what no one needs is dropped.
   */
  dropBelow(series: string, below: number, droppable: (chunk: { readonly span: number; readonly entries: number }) => boolean = (chunk) => chunk.entries === 0): void {
    for (const [span, chunks] of [...(this.spansOfSeries.get(series) ?? [])]) {
      if (span >= below) continue
      for (const chunk of [...chunks]) if (droppable({ span, entries: chunk.map.size })) chunk.book.delete(chunk.key)
    }
    for (const [key, book] of this.books) {
      // Map sizes count this transaction's deletions already; the observers that refile the chunks run after it.
      if (book.name.series === series && (book.name.epoch + 1) * SPANS_PER_BOOK <= below && book.map.size === 0) this.root.delete(key)
    }
  }

  /** Drops every chunk of this kind in a series, whoever made it, and the books that leaves empty: its operation is gone. */
  dropSeries(series: string): void {
    this.dropBelow(series, Number.POSITIVE_INFINITY, () => true)
  }

  /**
   * This replica's chunk for an occurrence and owner; when `make`, made
   * (with its book) if need be, inside the caller's transaction. Read from
   * the doc, not the index: another kind may have made the book earlier in
   * the transaction, and a second book under its key would replace it.
   */
  private ownChunk(occurrence: OccurrenceId, owner: string, make: boolean): Y.Map<unknown> | undefined {
    const { series, index } = parseOccurrenceId(occurrence)
    const client = this.root.doc!.clientID
    const span = spanOf(index)
    const bookKey = `${series}#${epochOf(span)}\n${client}`
    const chunkKey = `${span}\n${this.kind}\n${owner}`
    // Only what this client wrote counts: a book or chunk a peer forged under its key is replaced, not written into.
    const existingBook: unknown = this.root.get(bookKey)
    let bookMap = existingBook instanceof Y.Map && this.root._map.get(bookKey)?.id.client === client ? (existingBook as Y.Map<unknown>) : undefined
    const existingChunk: unknown = bookMap?._map.get(chunkKey)?.id.client === client ? bookMap.get(chunkKey) : undefined
    if (existingChunk instanceof Y.Map || !make) return existingChunk instanceof Y.Map ? (existingChunk as Y.Map<unknown>) : undefined
    if (!bookMap) {
      bookMap = new Y.Map<unknown>()
      this.root.set(bookKey, bookMap)
    }
    // Filed at once: a second write in the same transaction, before the observers run, must find it.
    let book = this.books.get(bookKey)
    if (book?.map !== bookMap) {
      book = { name: { series, epoch: epochOf(span), client }, map: bookMap, chunks: new Map() }
      this.books.set(bookKey, book)
    }
    const made = new Y.Map<unknown>()
    bookMap.set(chunkKey, made)
    this.file(book, { name: { series, span, owner, client }, map: made, book: bookMap, key: chunkKey, fields: new Set() })
    return made
  }
}
