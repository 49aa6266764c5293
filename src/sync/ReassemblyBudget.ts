/**
 * What one room may hold of messages still arriving in pieces (relay
 * `part`s, data-channel frames), whoever sends them. A member of a room can
 * invent as many peer ids, or open as many WebRTC connections, as it likes,
 * so a bound per peer or per channel bounds nothing: the bound is per room.
 *
 * When a piece would take the room over its bytes, or a new message over
 * its count, the message that has waited longest for a piece is dropped to
 * make room. A sender that is streaming honestly delivers pieces steadily,
 * so to push it out a flooder must outpace it with fresh pieces of its own,
 * which the relay's per-connection rate limit and the sender's own pace
 * make slow; stalled decoys, the cheap attack, are what goes first.
 */

/** One message being reassembled, as the budget accounts for it. */
export interface HeldMessage {
  /** Accounts for `bytes` more of it; false (and nothing held) when the message alone would pass the room's bound. */
  add(bytes: number): boolean
  /** The message is complete or abandoned: its bytes are free again. */
  release(): void
}

interface Holding {
  bytes: number
  readonly evicted: () => void
}

export class ReassemblyBudget {
  /** In order of last activity: the first has waited longest for a piece. */
  private readonly holdings = new Set<Holding>()
  private heldBytes = 0

  constructor(
    private readonly maxBytes: number,
    private readonly maxMessages: number,
  ) {}

  /** Bytes of unfinished messages held now. */
  get bytes(): number {
    return this.heldBytes
  }

  /** Unfinished messages held now. */
  get messages(): number {
    return this.holdings.size
  }

  /**
   * Starts accounting for a message, dropping the least recently active one
   * if the room already holds as many as it may. `evicted` is called if the
   * budget later drops this message to make room for another; the holder
   * must then let go of its pieces.
   */
  hold(evicted: () => void): HeldMessage {
    while (this.holdings.size >= this.maxMessages) this.evictOldest(undefined)
    const holding: Holding = { bytes: 0, evicted }
    this.holdings.add(holding)
    return {
      add: (bytes) => this.add(holding, bytes),
      release: () => this.release(holding),
    }
  }

  private add(holding: Holding, bytes: number): boolean {
    if (!this.holdings.has(holding)) return false
    if (holding.bytes + bytes > this.maxBytes) {
      this.release(holding)
      return false
    }
    // Most recently active goes last.
    this.holdings.delete(holding)
    this.holdings.add(holding)
    while (this.heldBytes + bytes > this.maxBytes) this.evictOldest(holding)
    holding.bytes += bytes
    this.heldBytes += bytes
    return true
  }

  private release(holding: Holding): void {
    if (!this.holdings.delete(holding)) return
    this.heldBytes -= holding.bytes
  }

  private evictOldest(except: Holding | undefined): void {
    for (const holding of this.holdings) {
      if (holding === except) continue
      this.release(holding)
      holding.evicted()
      return
    }
  }
}
