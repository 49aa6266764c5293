/**
 * What the seeding page (seed.ts) exposes on `window` for bench/open.ts, and
 * the cases both sides agree on. Shared so the Node script and the pages
 * cannot drift apart on names or counts.
 */

/** Mark the bare page sets once its items are on screen (the app's is `pii:items-rendered`). */
export const BARE_MARK = 'bare:items-rendered'
/** Elements the bare page fills, read back to check it rendered the right data. */
export const BARE_COUNT_ID = 'count'

export type CaseKey = 'items5k' | 'updates50k'

export interface CaseSpec {
  readonly key: CaseKey
  readonly label: string
  /** Items in the final doc. */
  readonly items: number
  /** Rows in the space's `updates` store: 1 means one compacted snapshot. */
  readonly rows: number
}

export const CASES: readonly CaseSpec[] = [
  { key: 'items5k', label: '5,000 items, one snapshot row', items: 5_000, rows: 1 },
  { key: 'updates50k', label: '50,000 update rows (2,000 items)', items: 2_000, rows: 50_000 },
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
  /** Rewrites the device registry and this case's space database exactly as prepared. */
  reseed(key: CaseKey): Promise<void>
}

declare global {
  interface Window {
    piiBench?: SeedApi
  }
}
