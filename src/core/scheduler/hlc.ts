/**
 * Hybrid logical clocks (Kulkarni et al., 2014) order the claims peers make
 * on an occurrence (SPEC CL3): close to wall-clock time, never backwards on
 * one peer, and always after anything the peer has seen, so "the earliest
 * claim wins" means the same on every peer even when their clocks disagree.
 */

export interface Hlc {
  /** Physical part: ms since the epoch, as the peer's clock (or a later peer's) had it. */
  readonly wallMs: number
  /** Orders events within one `wallMs`. */
  readonly counter: number
  /** Breaks the last ties: two peers never share an id. */
  readonly peer: string
}

/**
 * A remote timestamp further ahead of our clock than this is not merged
 * (it is still ordered, and loses to every honest claim): a peer with a
 * wrong clock, or a hostile one, cannot drag everyone's clock into the future.
 */
export const MAX_CLOCK_AHEAD_MS = 60_000

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs - b.wallMs
  if (a.counter !== b.counter) return a.counter - b.counter
  return a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0
}

export function isHlc(value: unknown): value is Hlc {
  if (typeof value !== 'object' || value === null) return false
  const { wallMs, counter, peer } = value as Record<string, unknown>
  return Number.isSafeInteger(wallMs) && Number.isSafeInteger(counter) && (counter as number) >= 0 && typeof peer === 'string' && peer.length > 0 && peer.length <= 200
}

export class HlcClock {
  private wallMs = 0
  private counter = 0

  constructor(
    readonly peer: string,
    /** Physical time, ms since the epoch. */
    private readonly physicalNow: () => number,
  ) {}

  /** A timestamp for an event here (a claim): later than every one before it on this peer. */
  now(): Hlc {
    const physical = this.physicalNow()
    if (physical > this.wallMs) {
      this.wallMs = physical
      this.counter = 0
    } else {
      this.counter++
    }
    return { wallMs: this.wallMs, counter: this.counter, peer: this.peer }
  }

  /** Takes in a timestamp seen from another peer, so what this peer stamps next comes after it. */
  receive(remote: Hlc): void {
    const physical = this.physicalNow()
    if (remote.wallMs > physical + MAX_CLOCK_AHEAD_MS) return
    if (remote.wallMs > this.wallMs) {
      this.wallMs = remote.wallMs
      this.counter = remote.counter
    } else if (remote.wallMs === this.wallMs) {
      this.counter = Math.max(this.counter, remote.counter)
    }
  }
}
