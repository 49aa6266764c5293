/**
 * Per-occurrence records kept in chunks, so that dropping them frees them
 * (SPEC RET2). A deleted entry of a top-level Yjs map stays in the doc for
 * good as a tombstone that names its key (about 60 bytes here), so a
 * record per occurrence, even deleted, grew a space by ~100 MB a day at
 * 100 ms. Entries of a nested map whose map is deleted are garbage-
 * collected instead: a run of them shrinks to one (client, clock, length)
 * range. So each occurrence's record sits in a chunk, one nested map per
 * CHUNK_SPAN occurrences of a series, and a chunk is deleted whole once
 * nothing in it is needed: one tombstone per chunk, not per occurrence.
 *
 * A chunk's key is `<series>#<span>\n<owner>\n<client>`, its fields the
 * occurrences' indexes. The owner is whose records they are (a peer, or a
 * counter's name); the client is the Yjs client that made the chunk, and
 * only it writes there. Two writers making the same nested map at once
 * would lose one of them with everything written into it (Yjs keeps one
 * value per key), which a key per client rules out: two contexts of one
 * device hosting in turn each have their own. A chunk whose key names
 * another client than the one that wrote it is ignored: a peer cannot
 * stand in for someone else's chunk.
 */
import * as Y from 'yjs'
import { occurrenceId, parseOccurrenceId, type OccurrenceId } from './occurrenceIds.ts'

/** Occurrences per chunk: a chunk's tombstone is shared by this many, and a day of a 100 ms operation leaves 864 of them per map. */
export const CHUNK_SPAN = 1000

interface ChunkName {
  readonly series: string
  readonly span: number
  readonly owner: string
  readonly client: number
}

/** The chunk a place's records sit in, as this peer knows them: its map by writing client. */
type ClientChunks = Map<number, Y.Map<unknown>>

export const spanOf = (index: number): number => Math.floor(index / CHUNK_SPAN)

const placeKey = (series: string, span: number, owner: string): string => `${series}#${span}\n${owner}`

function parseChunkKey(key: string): ChunkName | undefined {
  const [where, owner, clientText, ...rest] = key.split('\n')
  if (where === undefined || !owner || clientText === undefined || rest.length > 0) return undefined
  const hash = where.lastIndexOf('#')
  const span = Number(where.slice(hash + 1))
  const client = Number(clientText)
  if (hash <= 0 || !Number.isSafeInteger(span) || span < 0 || String(span) !== where.slice(hash + 1)) return undefined
  if (!Number.isSafeInteger(client) || client < 0 || String(client) !== clientText) return undefined
  return { series: where.slice(0, hash), span, owner, client }
}

/** A field is an occurrence index written as Yjs and this module write it; anything else is a peer's junk. */
function indexOfField(field: string): number | undefined {
  const index = Number(field)
  return Number.isSafeInteger(index) && index >= 0 && String(index) === field ? index : undefined
}

/** One client's value of an entry, with the Yjs client that really wrote it (for the signed log to name). */
export interface ChunkValue {
  readonly value: unknown
  readonly writer: number
}

export class OccurrenceChunks {
  /** Valid chunks by key, and the fields each held when last read: a chunk deleted whole reports each of them gone. */
  private readonly chunks = new Map<string, { readonly name: ChunkName; readonly map: Y.Map<unknown>; readonly fields: Set<string> }>()
  /** The same chunks by place (series, span, owner), then client. */
  private readonly byPlace = new Map<string, ClientChunks>()
  /** Spans with chunks, by series: what retention drops and an operation's deletion clears. */
  private readonly spansOfSeries = new Map<string, Map<number, Set<string>>>()

  constructor(
    readonly root: Y.Map<unknown>,
    /** Told, after each transaction, of every (occurrence, owner) whose values may have changed, and whether this replica made the change. */
    private readonly onChange: (occurrence: OccurrenceId, owner: string, local: boolean) => void,
  ) {
    for (const key of root.keys()) this.reindex(key, undefined)
    root.observeDeep(this.onEvents)
  }

  destroy(): void {
    this.root.unobserveDeep(this.onEvents)
  }

  private readonly onEvents = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    for (const event of events) {
      if (event.target === this.root) {
        for (const key of (event as Y.YMapEvent<unknown>).keysChanged as Set<string>) this.reindex(key, event.transaction.local)
        continue
      }
      const key = event.target._item?.parentSub
      const chunk = key ? this.chunks.get(key) : undefined
      if (!key || !chunk || chunk.map !== event.target) continue
      for (const field of (event as Y.YMapEvent<unknown>).keysChanged as Set<string>) {
        if (chunk.map.has(field)) chunk.fields.add(field)
        else chunk.fields.delete(field)
        this.report(chunk.name, field, event.transaction.local)
      }
    }
  }

  /** Files the chunk now under `key` (or its absence), and reports what it held and holds (not when first read: `local` undefined). */
  private reindex(key: string, local: boolean | undefined): void {
    const before = this.chunks.get(key)
    if (before) this.unfile(key, before.name)
    const name = parseChunkKey(key)
    const value = this.root.get(key)
    const map = name && value instanceof Y.Map && this.root._map.get(key)?.id.client === name.client ? value : undefined
    const fields = new Set<string>(map ? map.keys() : [])
    if (name && map) this.file(key, name, map, fields)
    if (local === undefined) return
    for (const field of before?.fields ?? []) if (!fields.has(field)) this.report(before!.name, field, local)
    if (name) for (const field of fields) this.report(name, field, local)
  }

  private file(key: string, name: ChunkName, map: Y.Map<unknown>, fields: Set<string>): void {
    this.chunks.set(key, { name, map, fields })
    const place = placeKey(name.series, name.span, name.owner)
    const clients = this.byPlace.get(place) ?? new Map<number, Y.Map<unknown>>()
    clients.set(name.client, map)
    this.byPlace.set(place, clients)
    const spans = this.spansOfSeries.get(name.series) ?? new Map<number, Set<string>>()
    spans.set(name.span, (spans.get(name.span) ?? new Set<string>()).add(key))
    this.spansOfSeries.set(name.series, spans)
  }

  private unfile(key: string, name: ChunkName): void {
    this.chunks.delete(key)
    const place = placeKey(name.series, name.span, name.owner)
    const clients = this.byPlace.get(place)
    clients?.delete(name.client)
    if (clients?.size === 0) this.byPlace.delete(place)
    const spans = this.spansOfSeries.get(name.series)
    const keys = spans?.get(name.span)
    keys?.delete(key)
    if (keys?.size === 0) spans!.delete(name.span)
    if (spans?.size === 0) this.spansOfSeries.delete(name.series)
  }

  private report(name: ChunkName, field: string, local: boolean): void {
    const index = indexOfField(field)
    // A field outside its chunk's span would let one chunk hold any occurrence: ignored, as junk.
    if (index !== undefined && spanOf(index) === name.span) this.onChange(occurrenceId(name.series, index), name.owner, local)
  }

  /** Every occurrence and owner with an entry, for a reader indexing what was there before it started following. */
  *entries(): Generator<{ readonly occurrence: OccurrenceId; readonly owner: string }> {
    for (const { name, fields } of this.chunks.values()) {
      for (const field of fields) {
        const index = indexOfField(field)
        if (index !== undefined && spanOf(index) === name.span) yield { occurrence: occurrenceId(name.series, index), owner: name.owner }
      }
    }
  }

  /** Every client's value of an occurrence's entry for `owner`. */
  values(occurrence: OccurrenceId, owner: string): ChunkValue[] {
    const { series, index } = parseOccurrenceId(occurrence)
    const found: ChunkValue[] = []
    for (const map of this.byPlace.get(placeKey(series, spanOf(index), owner))?.values() ?? []) {
      const item = map._map.get(String(index))
      if (item && !item.deleted) found.push({ value: map.get(String(index)), writer: item.id.client })
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
    const chunk = this.ownChunk(occurrence, owner, true)!
    chunk.set(field, value)
    return chunk._map.get(field)!.id
  }

  /** Deletes every client's entry of an occurrence for `owner`. */
  delete(occurrence: OccurrenceId, owner: string): void {
    const { series, index } = parseOccurrenceId(occurrence)
    for (const map of this.byPlace.get(placeKey(series, spanOf(index), owner))?.values() ?? []) if (map.has(String(index))) map.delete(String(index))
  }

  /** The spans of a series that have chunks. */
  spans(series: string): number[] {
    return [...(this.spansOfSeries.get(series)?.keys() ?? [])]
  }

  /** Whether any chunk of the span still holds an entry. */
  spanHoldsEntries(series: string, span: number): boolean {
    for (const key of this.spansOfSeries.get(series)?.get(span) ?? []) if ((this.chunks.get(key)?.map.size ?? 0) > 0) return true
    return false
  }

  /** Deletes every chunk of a span, whoever made it: its entries are garbage-collected. */
  dropSpan(series: string, span: number): void {
    for (const key of [...(this.spansOfSeries.get(series)?.get(span) ?? [])]) this.root.delete(key)
  }

  /** The series with chunks of an operation (its plans). */
  seriesOf(operationId: string): string[] {
    return [...this.spansOfSeries.keys()].filter((series) => parseOccurrenceId(`${series}#0`).operationId === operationId)
  }

  private ownChunk(occurrence: OccurrenceId, owner: string, make: boolean): Y.Map<unknown> | undefined {
    const { series, index } = parseOccurrenceId(occurrence)
    const client = this.root.doc!.clientID
    const span = spanOf(index)
    const existing = this.byPlace.get(placeKey(series, span, owner))?.get(client)
    // Dropped earlier in this transaction (its observers have not run yet): writing there would be lost with it.
    if ((existing && !existing._item?.deleted) || !make) return existing
    const key = `${series}#${span}\n${owner}\n${client}`
    const made = new Y.Map<unknown>()
    this.root.set(key, made)
    // Filed at once: a second write in the same transaction, before the observers run, must find it.
    this.file(key, { series, span, owner, client }, made, new Set())
    return made
  }
}
