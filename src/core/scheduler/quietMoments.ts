/**
 * Lets background upkeep (a signed log's checkpoint, storage compaction)
 * wait for a gap in the device's schedule. Such upkeep costs tens of ms of
 * the host's thread, growing with a space's history; started at a random
 * moment, it lands on a 100 ms scheduler's tick now and then and makes it
 * late. Started right after a wake-up that leaves a long enough gap, it is
 * done before the next one.
 *
 * With no scheduler hosted in this context, every moment is quiet. Upkeep
 * never waits longer than MAX_WAIT_MS: a schedule dense enough to leave no
 * gap must not stop a log from being compacted.
 */

/** Upkeep of a large space takes up to a few tens of ms; a gap this long holds it. */
export const MIN_GAP_MS = 40
export const MAX_WAIT_MS = 2_000

interface Waiting {
  readonly resolve: () => void
  readonly since: number
}

export class QuietMoments {
  private nextWakeAt = Number.POSITIVE_INFINITY
  private waiting: Waiting[] = []

  /** `clock`: ms, the same clock the scheduler plans its wake-ups with. */
  constructor(private readonly clock: () => number) {}

  /** Resolves at once if no wake-up is due within MIN_GAP_MS, otherwise after the next wake-up that leaves such a gap. */
  readonly wait = (): Promise<void> => {
    const now = this.clock()
    if (now + MIN_GAP_MS <= this.nextWakeAt) return Promise.resolve()
    return new Promise((resolve) => this.waiting.push({ resolve, since: now }))
  }

  /** The scheduler's next wake-up, whenever it changes (infinity once it stops); upkeep that the gap allows, or that waited long enough, starts now. */
  plannedWake(at: number): void {
    this.nextWakeAt = at
    if (this.waiting.length === 0) return
    const now = this.clock()
    const gap = at - now >= MIN_GAP_MS
    const due = gap ? this.waiting : this.waiting.filter((waiting) => now - waiting.since >= MAX_WAIT_MS)
    if (due.length === 0) return
    this.waiting = gap ? [] : this.waiting.filter((waiting) => !due.includes(waiting))
    for (const waiting of due) waiting.resolve()
  }
}
