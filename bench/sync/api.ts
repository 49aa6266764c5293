/**
 * What the baseline page (baseline/page.ts) exposes on `window`, and the
 * names both sides agree on. Shared by bench/sync.ts and bench/coldsync.ts,
 * which drive the same page, so Node and page cannot drift apart.
 */

/** Element ids the baseline page fills; the app's equivalents are `.count` and the Items list. */
export const BASELINE_COUNT_ID = 'count'
export const BASELINE_ITEMS_ID = 'items'

/** The two pages every sync benchmark compares. */
export type Variant = 'ours' | 'baseline'

/** Query parameters of the baseline page's URL. */
export interface BaselineParams {
  /** The relay's WebSocket URL (y-webrtc signaling). */
  readonly relay: string
  readonly room: string
  readonly password: string
}

export interface BaselineControl {
  /** Adds an item titled `title` (addItem, as the app does); returns the epoch ms taken right before the edit. */
  add(title: string): number
  /** WebRTC connections open right now. */
  webrtcPeers(): number
}

declare global {
  interface Window {
    syncBaseline?: BaselineControl
  }
}

export function baselineUrl(origin: string, params: BaselineParams): string {
  const query = new URLSearchParams({ relay: params.relay, room: params.room, password: params.password })
  return `${origin.replace(/\/+$/, '')}/?${query.toString()}`
}
