/**
 * What `doc` operations have written, as the space shows it (SPEC K7): each
 * counter's value and each log's entries, with the Yjs client that wrote
 * each entry (the signed log knows whose lane that is, so the view can say
 * which device added it). Kept in step with the maps from each change, so
 * reading a counter costs nothing however long it has been counting.
 *
 * A counter's increments sit in chunks (occurrenceChunks.ts: one nested map
 * per CHUNK_SPAN occurrences of an operation's plan, the counter's name as
 * owner), one entry per occurrence, so a repeat (G2) adds nothing (G3).
 * Retention folds a plan's old spans into one total (RET4): a peer's fold
 * `{ total, count }`, kept as the entry for occurrence `through ×
 * CHUNK_SPAN` in its chunk of the folds map (owner `<peer>\n<name>`, the
 * fold before deleted as it is written, so folds are collected too), says
 * the spans below `through` added `total` in `count` increments, and the
 * chunks of those spans are dropped. The fold with the highest `through`
 * counts (ties: the greater peer id), and entries below it are ignored, so
 * an increment arriving after its span was folded (a peer back from a
 * partition) is not counted twice. Logs are kept whole, flat, one
 * entry per occurrence: a log is what a person asked to keep.
 */
import type * as Y from 'yjs'
import { onePerDoc } from '../space/onePerDoc.ts'
import { followKeys } from './followKeys.ts'
import { CHUNK_SPAN, OccurrenceChunks, RecordKind, spanOf } from './occurrenceChunks.ts'
import { occurrenceId, parseOccurrenceId, type OccurrenceId } from './occurrenceIds.ts'

/** Top-level name in a space's doc of the `doc` kind's logs (docKind.ts): part of its stored format. */
export const LOGS = 'logs'
/** Where increments sat, flat (`<name>\n<occurrence>`), before RET2: still read, so an upgraded space keeps its counts. */
const LEGACY_COUNTERS = 'counters'

export interface ResultEntry {
  /** The occurrence that wrote it (its key, G3). */
  readonly occurrence: string
  readonly value: unknown
  /** The Yjs client that wrote it, to ask the signed log whose it is. */
  readonly writer: number | undefined
}

interface CounterFold {
  readonly through: number
  readonly total: number
  readonly count: number
  readonly peer: string
}

/** One counter's part from one plan of one operation: its fold and its entries not yet folded. */
interface SeriesCount {
  readonly entries: Map<number, ResultEntry>
  /** Each peer's fold; the best one counts. */
  readonly folds: Map<string, CounterFold>
  best: CounterFold | undefined
  /** The sum of the entries at or above the best fold. */
  live: number
}

interface LogResults {
  readonly entries: Map<string, ResultEntry>
}

/** A counter's increments are whole numbers; anything else a peer wrote there adds nothing. */
const amountOf = (value: unknown): number => (typeof value === 'number' && Number.isSafeInteger(value) ? value : 0)

/** `<name>\n<occurrence>`, as docKind writes a log entry. */
function splitEntryKey(key: string): { readonly name: string; readonly occurrence: string } | undefined {
  const separator = key.indexOf('\n')
  return separator > 0 ? { name: key.slice(0, separator), occurrence: key.slice(separator + 1) } : undefined
}

function readFold(value: unknown, through: number, peer: string): CounterFold | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { total, count } = value as Record<string, unknown>
  if (!Number.isSafeInteger(total) || !Number.isSafeInteger(count) || (count as number) < 0) return undefined
  return { through, total: total as number, count: count as number, peer }
}

/** A fold's owner in the folds map: the peer first, which holds no line break, then the counter's name. */
const foldOwner = (peer: string, name: string): string => `${peer}\n${name}`

const better = (a: CounterFold, b: CounterFold | undefined): boolean => !b || a.through > b.through || (a.through === b.through && a.peer > b.peer)

export class DocResults {
  /** By counter name, then series. */
  private readonly counters = new Map<string, Map<string, SeriesCount>>()
  private readonly logs = new Map<string, LogResults>()
  private readonly counterChunks: OccurrenceChunks
  private readonly foldChunks: OccurrenceChunks
  private readonly logMap: Y.Map<unknown>
  private readonly legacyCounterMap: Y.Map<unknown>
  private readonly stopFollowing: Array<() => void>

  constructor(doc: Y.Doc) {
    this.counterChunks = new OccurrenceChunks(doc, RecordKind.increment, (occurrence, name) => this.indexIncrement(occurrence, name))
    this.foldChunks = new OccurrenceChunks(doc, RecordKind.fold, (occurrence, owner) => this.indexFold(occurrence, owner))
    this.logMap = doc.getMap(LOGS)
    this.legacyCounterMap = doc.getMap(LEGACY_COUNTERS)
    for (const { occurrence, owner } of this.counterChunks.entries()) this.indexIncrement(occurrence, owner)
    for (const { occurrence, owner } of this.foldChunks.entries()) this.indexFold(occurrence, owner)
    this.stopFollowing = [followKeys(this.legacyCounterMap, (key) => this.indexLegacyIncrement(key)), followKeys(this.logMap, (key) => this.indexLog(key))]
  }

  destroy(): void {
    this.counterChunks.destroy()
    this.foldChunks.destroy()
    for (const stop of this.stopFollowing) stop()
  }

  private indexLegacyIncrement(key: string): void {
    const named = splitEntryKey(key)
    if (named && Number.isSafeInteger(parseOccurrenceId(named.occurrence).index)) this.indexIncrement(named.occurrence as OccurrenceId, named.name)
  }

  private seriesCount(name: string, series: string): SeriesCount {
    const ofName = this.counters.get(name) ?? new Map<string, SeriesCount>()
    this.counters.set(name, ofName)
    let count = ofName.get(series)
    if (!count) {
      count = { entries: new Map(), folds: new Map(), best: undefined, live: 0 }
      ofName.set(series, count)
    }
    return count
  }

  /** Files one occurrence's increment (the one written by the smallest client, if a repeat wrote two), replacing what was there. */
  private indexIncrement(occurrence: OccurrenceId, name: string): void {
    const { series, index } = parseOccurrenceId(occurrence)
    const count = this.seriesCount(name, series)
    const counted = (at: number): boolean => spanOf(at) >= (count.best?.through ?? 0)
    const before = count.entries.get(index)
    if (before && counted(index)) count.live -= amountOf(before.value)
    const values = this.counterChunks.values(occurrence, name).sort((a, b) => a.writer - b.writer)
    const legacyKey = `${name}\n${occurrence}`
    const legacy = this.legacyCounterMap.has(legacyKey) ? { value: this.legacyCounterMap.get(legacyKey), writer: this.legacyCounterMap._map.get(legacyKey)!.id.client } : undefined
    const first = values[0] ?? legacy
    if (first) {
      count.entries.set(index, { occurrence, value: first.value, writer: first.writer })
      if (counted(index)) count.live += amountOf(first.value)
    } else count.entries.delete(index)
  }

  /** Files a peer's fold of a counter in a series: its entry with the highest `through`. */
  private indexFold(occurrence: OccurrenceId, owner: string): void {
    const separator = owner.indexOf('\n')
    if (separator <= 0) return
    const [peer, name] = [owner.slice(0, separator), owner.slice(separator + 1)]
    const { series } = parseOccurrenceId(occurrence)
    const count = this.seriesCount(name, series)
    let fold: CounterFold | undefined
    for (const index of this.foldChunks.indexes(series, owner)) {
      if (index % CHUNK_SPAN !== 0 || (fold && index / CHUNK_SPAN <= fold.through)) continue
      const value = this.foldChunks.values(occurrenceId(series, index), owner)[0]?.value
      fold = readFold(value, index / CHUNK_SPAN, peer) ?? fold
    }
    if (fold) count.folds.set(peer, fold)
    else count.folds.delete(peer)
    let best: CounterFold | undefined
    for (const candidate of count.folds.values()) if (better(candidate, best)) best = candidate
    if (best === count.best) return
    count.best = best
    count.live = 0
    for (const [index, entry] of count.entries) if (spanOf(index) >= (best?.through ?? 0)) count.live += amountOf(entry.value)
  }

  private indexLog(key: string): void {
    const named = splitEntryKey(key)
    if (!named) return
    const results = this.logs.get(named.name) ?? { entries: new Map<string, ResultEntry>() }
    if (this.logMap.has(key)) results.entries.set(named.occurrence, { occurrence: named.occurrence, value: this.logMap.get(key), writer: this.logMap._map.get(key)?.id.client })
    else results.entries.delete(named.occurrence)
    if (results.entries.size > 0) this.logs.set(named.name, results)
    else this.logs.delete(named.name)
  }

  /** Writes an occurrence's increment of a counter (docKind); a repeat of the occurrence writes the same entry again. */
  increment(name: string, occurrence: OccurrenceId, by: number): void {
    if (!Number.isSafeInteger(parseOccurrenceId(occurrence).index)) throw new Error(`"${occurrence}" is not an occurrence id: a counter is kept per occurrence.`)
    this.counterChunks.set(occurrence, name, by)
  }

  /** RET4 for an operation: its current plan's spans below `throughSpan`, and its earlier plans' whole. */
  foldOperation(operationId: string, currentSeries: string, throughSpan: number, peer: string): void {
    for (const series of this.counterChunks.seriesOf(operationId)) {
      this.fold(series, series === currentSeries ? throughSpan : Math.max(...this.counterChunks.spans(series)) + 1, peer)
    }
  }

  /**
   * RET4: folds every counter's increments from a plan's spans below
   * `throughSpan` into `peer`'s fold, and drops those spans' chunks. Call it
   * only for spans whose occurrences are all finished.
   */
  fold(series: string, throughSpan: number, peer: string): void {
    const doc = this.foldChunks.root.doc!
    doc.transact(() => {
      for (const [name, ofName] of this.counters) {
        const count = ofName.get(series)
        const from = count?.best?.through ?? 0
        if (!count || from >= throughSpan) continue
        let total = count.best?.total ?? 0
        let increments = count.best?.count ?? 0
        for (const [index, entry] of count.entries) {
          const span = spanOf(index)
          if (span < from || span >= throughSpan) continue
          total += amountOf(entry.value)
          increments++
        }
        if (increments === (count.best?.count ?? 0)) continue
        const before = count.folds.get(peer)
        this.foldChunks.set(occurrenceId(series, throughSpan * CHUNK_SPAN), foldOwner(peer, name), { total, count: increments })
        if (before && before.through !== throughSpan) this.foldChunks.delete(occurrenceId(series, before.through * CHUNK_SPAN), foldOwner(peer, name))
      }
      this.counterChunks.dropBelow(series, throughSpan, ({ span }) => this.foldedThrough(series, span))
      // The chunks of superseded folds are empty now (each fold deletes the one before it).
      this.foldChunks.dropBelow(series, throughSpan)
    })
  }

  /** Whether every counter with entries in the span has folded it (its chunks may go). */
  private foldedThrough(series: string, span: number): boolean {
    for (const ofName of this.counters.values()) {
      const count = ofName.get(series)
      if (!count) continue
      const pending = (count.best?.through ?? 0) <= span && [...count.entries.keys()].some((index) => spanOf(index) === span)
      if (pending) return false
    }
    return true
  }

  /** A counter's value: its folds' totals, and what each occurrence above them added. */
  counter(name: string): number {
    let total = 0
    for (const count of this.counters.get(name)?.values() ?? []) total += (count.best?.total ?? 0) + count.live
    return total
  }

  /** Every counter, by name, with its value and how many occurrences added to it. */
  counterNames(): Array<{ readonly name: string; readonly value: number; readonly entries: number }> {
    const names: Array<{ readonly name: string; readonly value: number; readonly entries: number }> = []
    for (const [name, ofName] of this.counters) {
      let entries = 0
      for (const count of ofName.values()) {
        const folded = count.best?.through ?? 0
        entries += count.best?.count ?? 0
        for (const index of count.entries.keys()) if (spanOf(index) >= folded) entries++
      }
      if (entries > 0) names.push({ name, value: this.counter(name), entries })
    }
    return names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  logNames(): string[] {
    return [...this.logs.keys()].sort()
  }

  /** A counter's (not yet folded) or log's entries in occurrence order (operation, plan, then n), the last `limit` of them. */
  entries(kind: 'counter' | 'log', name: string, limit = Number.POSITIVE_INFINITY): ResultEntry[] {
    const found: ResultEntry[] = []
    if (kind === 'log') found.push(...(this.logs.get(name)?.entries.values() ?? []))
    else {
      for (const count of this.counters.get(name)?.values() ?? []) {
        for (const [index, entry] of count.entries) if (spanOf(index) >= (count.best?.through ?? 0)) found.push(entry)
      }
    }
    const ordered = found
      .map((entry) => ({ entry, ...parseOccurrenceId(entry.occurrence) }))
      .sort((a, b) => (a.operationId === b.operationId ? a.plan - b.plan || a.index - b.index : a.operationId < b.operationId ? -1 : 1))
      .map(({ entry }) => entry)
    return limit < ordered.length ? ordered.slice(ordered.length - limit) : ordered
  }
}

/** One index per doc, made when first asked for: readCounter is asked at every look at a counter. */
export const docResultsOf = onePerDoc((doc) => new DocResults(doc))

/** A counter's value: the sum of what each occurrence added. */
export function readCounter(doc: Y.Doc, counter: string): number {
  return docResultsOf(doc).counter(counter)
}

/** A log's entries in occurrence order (`<operation>@<plan>#<n>` by operation, then plan, then n). */
export function readLog(doc: Y.Doc, log: string): Array<{ readonly occurrence: string; readonly value: unknown }> {
  return docResultsOf(doc)
    .entries('log', log)
    .map(({ occurrence, value }) => ({ occurrence, value }))
}
