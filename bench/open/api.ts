/**
 * What the seeding page (seed.ts) exposes on `window` for bench/open.ts, and
 * the cases both sides agree on. Shared so the Node script and the pages
 * cannot drift apart on names or counts.
 */

/** Mark the bare page sets once its items are on screen (the app's is `pii:items-rendered`). */
export const BARE_MARK = 'bare:items-rendered'
/** Elements the bare page fills, read back to check it rendered the right data. */
export const BARE_COUNT_ID = 'count'

export type CaseKey = 'items5k' | 'updates50k' | 'rows50k'

export interface CaseSpec {
  readonly key: CaseKey
  readonly label: string
  /** Items in the final doc. */
  readonly items: number
  /** Updates made to build the doc (one transaction each), or 0 for "one per item". */
  readonly updates: number
  /** Rows in the space's `updates` store: 1 is one compacted snapshot; fewer than `updates` is a snapshot plus the newest updates as rows. */
  readonly rows: number
  /** Counts toward the target; informational cases are reported but not gated. */
  readonly gated: boolean
}

/** Rows left after the last compaction: Pii compacts once history outgrows the snapshot or passes 500 rows. */
const PII_TAIL_ROWS = 300

export const CASES: readonly CaseSpec[] = [
  { key: 'items5k', label: '5,000 items, one snapshot row', items: 5_000, updates: 0, rows: 1, gated: true },
  {
    key: 'updates50k',
    label: `50,000 updates (2,000 items), stored as Pii keeps them: a snapshot plus the newest ${PII_TAIL_ROWS} as rows`,
    items: 2_000,
    updates: 50_000,
    rows: PII_TAIL_ROWS + 1,
    gated: true,
  },
  {
    key: 'rows50k',
    label: '50,000 updates as 50,000 rows (y-indexeddb worst case; Pii never leaves a space like this), informational',
    items: 2_000,
    updates: 50_000,
    rows: 50_000,
    gated: false,
  },
]

/** What seeding produced for one case, as stored. */
export interface SeededCase {
  readonly key: CaseKey
  readonly spaceId: string
  readonly rows: number
  readonly items: number
  readonly bytes: number
}

export interface SeedApi {
  /** Builds every case's rows in memory (once per run; generating 50k updates takes a while). */
  prepare(): Promise<SeededCase[]>
  /** Restores the device registry and this case's space database to the prepared rows; resolves to the space's row count. */
  reseed(key: CaseKey): Promise<number>
}

declare global {
  interface Window {
    piiBench?: SeedApi
  }
}
