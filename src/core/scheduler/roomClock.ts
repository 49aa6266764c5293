/**
 * Room time (SPEC CL7): the clock a host schedules a space by, its own
 * clock moved to the median of the clocks of the peers present in the
 * space's room. An acknowledgement carries its writer's own clock reading
 * (`at`); one of this peer's own latest claim, back within a round trip
 * (YjsRunTable), is compared with this peer's clock, and the largest
 * difference among a peer's recent readings (the one least delayed in
 * transit) is that peer's offset.
 *
 * Without it, a peer whose clock is 20 s fast reached every claim turn and
 * due time 20 s before the others: it ran occurrences 20 s early in real
 * time and, its turns opening first, took nearly all the work from the
 * rendezvous ranking. On room time it does neither.
 *
 * The median counts this peer as 0 and takes the lower middle of an even
 * count: with two peers whose clocks disagree there is no telling which is
 * right, and the later clock is the one that never runs early.
 */

/** Beyond this, a device says its clock disagrees with its peers' (the schedulers panel). */
export const CLOCK_TOLERANCE_MS = 2_000

/** Peers whose readings are kept: more than a space's devices, fewer than a member inventing peer names could make. */
const MAX_PEERS = 256

/** Readings kept per peer: enough to find one that crossed quickly, few enough that a clock set right is believed soon. */
const SAMPLES_PER_PEER = 16

/** A peer whose clock differs from ours by more than this is not believed (a clock a year off, or a forged reading) and is left out. */
const MAX_BELIEVED_OFFSET_MS = 24 * 60 * 60_000

export class RoomClock {
  /** By peer: its recent offsets (its reading minus ours when it arrived), newest last; least recently heard peer first. */
  private readonly samples = new Map<string, number[]>()
  /** By peer: the largest of its kept offsets, the reading that spent the least time in transit and so the nearest to the true offset. */
  private readonly offsets = new Map<string, number>()

  constructor(
    /** This device's own clock, ms since the epoch. */
    private readonly physical: () => number,
    /** The peers present in the room now, this one excepted: only their clocks count. */
    private readonly present: () => readonly string[],
  ) {}

  /** A peer's write carried its clock reading `at`; it arrives now. */
  readonly observe = (peer: string, at: number): void => {
    const offset = at - this.physical()
    if (!Number.isFinite(offset) || Math.abs(offset) > MAX_BELIEVED_OFFSET_MS) return
    const kept = this.samples.get(peer) ?? []
    kept.push(offset)
    if (kept.length > SAMPLES_PER_PEER) kept.shift()
    this.samples.delete(peer)
    this.samples.set(peer, kept)
    this.offsets.set(peer, Math.max(...kept))
    if (this.samples.size > MAX_PEERS) {
      const oldest = this.samples.keys().next().value!
      this.samples.delete(oldest)
      this.offsets.delete(oldest)
    }
  }

  /** How far room time is ahead of this device's clock (negative: behind), ms. */
  correction(): number {
    const offsets = [0]
    for (const peer of this.present()) {
      const offset = this.offsets.get(peer)
      if (offset !== undefined) offsets.push(offset)
    }
    offsets.sort((a, b) => a - b)
    return offsets[Math.floor((offsets.length - 1) / 2)]!
  }

  /** Room time now, ms since the epoch. */
  readonly now = (): number => this.physical() + this.correction()
}
