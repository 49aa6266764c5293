/**
 * How one lane's arrivals are judged against what its chain holds: the
 * latest checkpoint to start from, the authentic run that continues the
 * chain, rivals for one seq settled by their signatures, and the proof of
 * a second history (LaneVoid) wherever one shows. EnvelopeLog keeps the
 * chains and the waiting room; this only reads and trims what it is given.
 *
 * `early` is a lane's waiting room: the envelopes of each seq that arrived
 * ahead of the chain (rivals, if more than one). Each step takes out of it
 * what it settles.
 */
import { EnvelopeKind, GENESIS_PREV, sameBytes, type Envelope } from './envelope.ts'
import { EnvelopeRejection } from './envelopeRejection.ts'
import type { UpdateCoverage } from './checkpointCoverage.ts'

export interface Chain {
  readonly author: string
  /** The seq of `accepted[0]`: 0, or that of the latest accepted checkpoint. */
  base: number
  /** What was accepted from `base` on: the latest checkpoint (or seq 0) and the tail after it. */
  accepted: Envelope[]
}

export type Reject = (reason: EnvelopeRejection, envelope: Envelope) => void

export function hasCheckpoint(early: ReadonlyMap<number, readonly Envelope[]>): boolean {
  for (const rivals of early.values()) if (rivals.some((envelope) => envelope.kind === EnvelopeKind.checkpoint)) return true
  return false
}

export function nextSeqOf(chain: Chain | undefined): number {
  return chain ? chain.base + chain.accepted.length : 0
}

/** Thrown inside a lane's admission once it is found void: nothing more of the batch's lane is looked at. */
export class LaneVoid extends Error {}

export class LaneJudge {
  /** `signed`: whether a valid signature of its lane covers the envelope (certificates checked once, by the caller's cache). */
  constructor(
    private readonly signed: (envelope: Envelope) => Promise<boolean>,
    /** What a checkpoint's update carries; undefined where a blind replica cannot read it. */
    private readonly coverageOf: (checkpoint: Envelope) => UpdateCoverage | undefined,
  ) {}

  /**
   * The highest validly signed checkpoint waiting in a chain, if any; it and
   * everything it supersedes leave the waiting room. Checking from the top
   * down makes a newcomer verify one checkpoint, not every one the lane made.
   * It must agree with what the lane already has: carry byte for byte
   * whatever accepted or waiting envelope it supersedes; otherwise the lane
   * is void (LaneVoid).
   */
  async latestCheckpoint(chain: Chain, early: Map<number, Envelope[]>, reject: Reject, superseded: Envelope[], forks: Array<readonly [Envelope, Envelope]>): Promise<Envelope | undefined> {
    const checkpoints = [...early.values()]
      .flat()
      .filter((envelope) => envelope.kind === EnvelopeKind.checkpoint)
      .sort((a, b) => b.seq - a.seq)
    for (const checkpoint of checkpoints) {
      const rivals = early.get(checkpoint.seq) ?? []
      if (!(await this.signed(checkpoint))) {
        reject(EnvelopeRejection.badSignature, checkpoint)
        early.set(checkpoint.seq, rivals.filter((rival) => rival !== checkpoint))
        if (early.get(checkpoint.seq)?.length === 0) early.delete(checkpoint.seq)
        continue
      }
      // What it supersedes, accepted or waiting, it must carry: else it is another history of the lane. (Its content
      // decides, not its prev: a newcomer given the checkpoint and one envelope it supersedes can check only that.)
      // A blind replica cannot read what it carries: below it, it judges only what needs no reading.
      const coverage = this.coverageOf(checkpoint)
      if (coverage) for (const held of chain.accepted) if (coverage.covers(held.update) !== true) throw new LaneVoid(undefined, { cause: [held, checkpoint] })
      for (const [seq, below] of early) {
        if (seq > checkpoint.seq) continue
        for (const envelope of below) {
          if (envelope === checkpoint) continue
          const carried = seq < checkpoint.seq && coverage?.covers(envelope.update) === true
          const unknown = seq < checkpoint.seq && !coverage
          if (carried) superseded.push(envelope)
          else if (await this.signed(envelope)) {
            // Left where it is, for peers that can read it to keep or tidy away.
            if (!unknown) forks.push([checkpoint, envelope])
          } else reject(seq === checkpoint.seq ? EnvelopeRejection.conflict : EnvelopeRejection.badSignature, envelope)
        }
        early.delete(seq)
      }
      return checkpoint
    }
    return undefined
  }

  /**
   * The authentic part of the run of envelopes that continues the author's
   * chain: consecutive seqs, each prev the hash before it. Rivals for one seq
   * (only an attacker or a misbehaving author sends them) are settled by their
   * signatures: two valid ones are the lane's two histories (LaneVoid).
   * Envelopes past the authentic prefix are rejected; one that claims a seq
   * without following the chain is rejected, unless its lane signed it: then
   * it is noted in `forks`, a second history if what it broke from is
   * accepted.
   *
   * Without rivals nothing is awaited before the first signature check, so a
   * live edit's verification reaches WebCrypto in the task that received it,
   * ahead of the work that task queues next (y-webrtc re-encrypting the
   * update for other tabs), and its answer comes back first.
   */
  async authenticRun(chain: Chain, early: Map<number, Envelope[]>, reject: Reject, forks: Array<readonly [Envelope, Envelope]>, after?: Envelope): Promise<readonly Envelope[]> {
    const segment: Envelope[] = []
    let seq = after ? after.seq + 1 : nextSeqOf(chain)
    let previous = after ?? chain.accepted.at(-1)
    const unlinked: Array<readonly [Envelope, Envelope]> = []
    for (let rivals = early.get(seq); rivals; rivals = early.get(seq)) {
      early.delete(seq)
      const prev = previous?.hash ?? GENESIS_PREV
      const linked = rivals.filter((rival) => sameBytes(rival.prev, prev))
      // Whatever claims this seq without following the chain is dropped, so a genuine one can take its place.
      for (const rival of rivals) if (!linked.includes(rival) && previous) unlinked.push([previous, rival])
      for (const rival of rivals) if (!linked.includes(rival) && !previous) reject(EnvelopeRejection.brokenChain, rival)
      const next = linked.length === 1 ? linked[0] : await this.settleRivals(linked, reject)
      if (!next) break
      segment.push(next)
      previous = next
      seq++
    }
    for (const [at, rival] of unlinked) {
      if (await this.signed(rival)) forks.push([at, rival])
      else reject(EnvelopeRejection.brokenChain, rival)
    }
    const authentic = await this.authenticPrefix(segment)
    for (const envelope of segment.slice(authentic.length)) reject(EnvelopeRejection.badSignature, envelope)
    return authentic
  }

  /**
   * Two validly signed envelopes waiting in a lane that no one history
   * holds: two of one seq, or one whose prev is not the hash of the one
   * before it. Only what waits is looked at (almost always nothing): a
   * proof kept in the log for newcomers waits there without its lane.
   */
  async contradictionWaiting(early: ReadonlyMap<number, readonly Envelope[]>): Promise<readonly [Envelope, Envelope] | undefined> {
    for (const [seq, rivals] of early) {
      if (rivals.length > 1) {
        const valid: Envelope[] = []
        for (const rival of rivals) if (await this.signed(rival)) valid.push(rival)
        const other = valid.find((rival) => !sameBytes(rival.hash, valid[0]!.hash))
        if (other) return [valid[0]!, other]
      }
      const next = early.get(seq + 1)
      const only = rivals.length === 1 ? rivals[0] : undefined
      const after = next?.length === 1 ? next[0] : undefined
      if (only && after && !sameBytes(after.prev, only.hash) && (await this.signed(only)) && (await this.signed(after))) return [only, after]
    }
    return undefined
  }

  /**
   * Keeps the validly signed rival; two valid ones of different bodies are
   * the author equivocating (LaneVoid). Two valid signatures of one body
   * are one envelope, signed twice by its own lane: the first is kept.
   */
  private async settleRivals(rivals: readonly Envelope[], reject: Reject): Promise<Envelope | undefined> {
    const signed: Envelope[] = []
    for (const rival of rivals) {
      if (await this.signed(rival)) signed.push(rival)
      else reject(EnvelopeRejection.badSignature, rival)
    }
    const second = signed.find((rival) => !sameBytes(rival.hash, signed[0]!.hash))
    if (second) throw new LaneVoid(undefined, { cause: [signed[0]!, second] })
    return signed[0]
  }

  /**
   * The longest prefix of a chained segment that a valid signature in it
   * covers. Honest authors sign every envelope, so in a segment that is an
   * honest prefix followed by forgeries the valid signatures come first: a
   * binary search finds the boundary in log(n) verifications, where trying
   * each from the head would let a run of forgeries cost one each.
   */
  private async authenticPrefix(segment: readonly Envelope[]): Promise<readonly Envelope[]> {
    const valid = async (index: number): Promise<boolean> => {
      const envelope = segment[index]
      return envelope !== undefined && this.signed(envelope)
    }
    if (segment.length === 0) return []
    if (await valid(segment.length - 1)) return segment
    let lastValid = -1
    let low = 0
    let high = segment.length - 2
    while (low <= high) {
      const middle = (low + high) >>> 1
      if (await valid(middle)) {
        lastValid = middle
        low = middle + 1
      } else {
        high = middle - 1
      }
    }
    return segment.slice(0, lastValid + 1)
  }
}
