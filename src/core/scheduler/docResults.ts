/**
 * What `doc` operations have written, as the space shows it (SPEC K7): each
 * counter's value and each log's entries, with the Yjs client that wrote
 * each entry (the signed log knows whose lane that is, so the view can say
 * which device added it). Kept in step with the two maps from each change,
 * so reading a counter costs nothing however long it has been counting.
 */
import type * as Y from 'yjs'
import { parseOccurrenceId } from './occurrenceIds.ts'

/** Top-level names in a space's doc, written by the `doc` kind (docKind.ts): part of its stored format. */
export const COUNTERS = 'counters'
export const LOGS = 'logs'

export interface ResultEntry {
  /** The occurrence that wrote it (its key, G3). */
  readonly occurrence: string
  readonly value: unknown
  /** The Yjs client that wrote it, to ask the signed log whose it is. */
  readonly writer: number | undefined
}

interface NamedResults {
  /** By occurrence. */
  readonly entries: Map<string, ResultEntry>
  /** For a counter: the sum of its whole-number entries. */
  total: number
}

/** A counter's increments are whole numbers; anything else a peer wrote there adds nothing. */
const amountOf = (value: unknown): number => (typeof value === 'number' && Number.isSafeInteger(value) ? value : 0)

/** `<name>\n<occurrence>`, as docKind writes it. */
function splitEntryKey(key: string): { readonly name: string; readonly occurrence: string } | undefined {
  const separator = key.indexOf('\n')
  return separator > 0 ? { name: key.slice(0, separator), occurrence: key.slice(separator + 1) } : undefined
}

export class DocResults {
  private readonly counters = new Map<string, NamedResults>()
  private readonly logs = new Map<string, NamedResults>()
  private readonly counterMap: Y.Map<unknown>
  private readonly logMap: Y.Map<unknown>

  constructor(doc: Y.Doc) {
    this.counterMap = doc.getMap(COUNTERS)
    this.logMap = doc.getMap(LOGS)
    for (const key of this.counterMap.keys()) this.index(this.counterMap, this.counters, key)
    for (const key of this.logMap.keys()) this.index(this.logMap, this.logs, key)
    this.counterMap.observe(this.onCounters)
    this.logMap.observe(this.onLogs)
  }

  destroy(): void {
    this.counterMap.unobserve(this.onCounters)
    this.logMap.unobserve(this.onLogs)
  }

  private readonly onCounters = (event: Y.YMapEvent<unknown>): void => {
    for (const key of event.keysChanged as Set<string>) this.index(this.counterMap, this.counters, key)
  }

  private readonly onLogs = (event: Y.YMapEvent<unknown>): void => {
    for (const key of event.keysChanged as Set<string>) this.index(this.logMap, this.logs, key)
  }

  /** Files one entry under its name, replacing what was there (and its part of the total). */
  private index(map: Y.Map<unknown>, byName: Map<string, NamedResults>, key: string): void {
    const named = splitEntryKey(key)
    if (!named) return
    const results = byName.get(named.name) ?? { entries: new Map<string, ResultEntry>(), total: 0 }
    const before = results.entries.get(named.occurrence)
    if (before) results.total -= amountOf(before.value)
    if (map.has(key)) {
      const value = map.get(key)
      results.entries.set(named.occurrence, { occurrence: named.occurrence, value, writer: map._map.get(key)?.id.client })
      results.total += amountOf(value)
    } else results.entries.delete(named.occurrence)
    if (results.entries.size > 0) byName.set(named.name, results)
    else byName.delete(named.name)
  }

  /** A counter's value: the sum of what each occurrence added. */
  counter(name: string): number {
    return this.counters.get(name)?.total ?? 0
  }

  /** Every counter, by name, with its value and how many occurrences added to it. */
  counterNames(): Array<{ readonly name: string; readonly value: number; readonly entries: number }> {
    return [...this.counters].map(([name, results]) => ({ name, value: results.total, entries: results.entries.size })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  logNames(): string[] {
    return [...this.logs.keys()].sort()
  }

  /** A counter's or log's entries in occurrence order (operation, plan, then n), the last `limit` of them. */
  entries(kind: 'counter' | 'log', name: string, limit = Number.POSITIVE_INFINITY): ResultEntry[] {
    const found = [...((kind === 'counter' ? this.counters : this.logs).get(name)?.entries.values() ?? [])]
    const ordered = found
      .map((entry) => ({ entry, ...parseOccurrenceId(entry.occurrence) }))
      .sort((a, b) => (a.operationId === b.operationId ? a.plan - b.plan || a.index - b.index : a.operationId < b.operationId ? -1 : 1))
      .map(({ entry }) => entry)
    return limit < ordered.length ? ordered.slice(ordered.length - limit) : ordered
  }
}

/** One index per doc, made when first asked for: readCounter is asked at every look at a counter. */
const indexes = new WeakMap<Y.Doc, DocResults>()

export function docResultsOf(doc: Y.Doc): DocResults {
  let results = indexes.get(doc)
  if (!results) {
    results = new DocResults(doc)
    indexes.set(doc, results)
  }
  return results
}

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
