/**
 * Which envelopes of a space are authentic, and in what order to apply them.
 * Keeps, per chain (an author's lane), the hash of every envelope accepted
 * since its latest checkpoint.
 *
 * An envelope is accepted when it extends its chain (seq is the next one,
 * prev is the hash of the accepted envelope before it) and a valid signature
 * covers it: its own, or that of a later envelope in the same batch, since a
 * signature over a chain head authenticates everything before it. So a cold
 * sync of 100,000 updates verifies one signature per chain; only when a
 * head's signature fails are earlier ones tried, to keep the longest
 * authentic prefix.
 *
 * A validly signed checkpoint is accepted without its predecessors: it holds
 * its lane's whole contribution, so a newcomer starts the chain there.
 *
 * A signature only says who wrote an envelope; what it writes is checked
 * too: every struct section of its update must be under one of its lane's
 * own clientIDs (clientIds.ts). An envelope that writes under another's is
 * refused, and its lane goes no further: its later envelopes chain to it.
 */
import { LaneClientIds } from './clientIds.ts'
import { authorKey, chainKey, envelopeBody, EnvelopeKind, GENESIS_PREV, openEnvelope, sameBytes, verifyEnvelopeSignature, type Digest, type Envelope, type Verifier } from './envelope.ts'
import type { SpaceId } from './ids.ts'
import { readUpdateShape, type UpdateShape } from './joinUpdates.ts'

export const EnvelopeRejection = {
  /** Not an envelope at all (truncated, garbage, unknown version). */
  malformed: 'malformed',
  /** An envelope of another space. */
  wrongSpace: 'wrong-space',
  /** No valid signature of its author covers it: forged or tampered. */
  badSignature: 'bad-signature',
  /** Its prev is not the hash of the author's envelope before it. */
  brokenChain: 'broken-chain',
  /** A different envelope than the accepted one at that author and seq. */
  conflict: 'conflict',
  /** So far past the author's accepted chain that holding it would let anyone fill memory. */
  tooFarAhead: 'too-far-ahead',
  /** Authentic, but its update is not a Yjs update: a member's buggy or hostile client wrote it. */
  unreadableUpdate: 'unreadable-update',
  /** Authentic, but it writes structs under a Yjs clientID its lane does not own (another member's). */
  foreignClient: 'foreign-client',
  /** From a lane that an earlier refusal stopped: it chains to what no peer applies. */
  laneStopped: 'lane-stopped',
  /** Waiting for predecessors while more than a peer holds already wait: someone is inventing lanes or gaps. */
  tooManyWaiting: 'too-many-waiting',
} as const
export type EnvelopeRejection = (typeof EnvelopeRejection)[keyof typeof EnvelopeRejection]

/** How far past an author's accepted chain an envelope may be held while its predecessors arrive. */
export const MAX_SEQ_AHEAD = 100_000
/**
 * Envelopes held while their predecessors have not arrived, across all
 * lanes, and their bytes. An honest newcomer receives a lane's checkpoint
 * and tail in one batch, so almost nothing ever waits; beyond these, what
 * waits is someone's invention, and holding it would let them fill memory.
 */
export const MAX_WAITING_ENVELOPES = 4_096
export const MAX_WAITING_BYTES = 16 * 1024 * 1024
/** A batch this large (a cold sync) is hashed by the platform's digest, off the main thread; a live edit is hashed at once. */
const PLATFORM_HASH_BYTES = 256 * 1024

/** An accepted envelope with its update read once (which clients it writes), for joining without a second walk. */
export interface CheckedEnvelope extends Envelope {
  readonly shape: UpdateShape
}

export interface Rejected {
  readonly reason: EnvelopeRejection
  readonly author?: string
  readonly seq?: number
  /** What was refused, exactly as it came: its copies in the transport doc are junk. */
  readonly wire: Uint8Array
}

export interface Admission {
  /** Newly authentic envelopes, in an order that applies each author's chain in sequence. */
  readonly accepted: readonly CheckedEnvelope[]
  /** Envelopes already accepted before: harmless repeats (one copy in the transport is enough). */
  readonly duplicates: readonly Envelope[]
  /** Envelopes that an accepted checkpoint of their lane supersedes: it carries them, so no copy is needed. */
  readonly superseded: readonly Envelope[]
  /** Envelopes waiting for an earlier one of their author's chain. */
  readonly waiting: number
  readonly rejected: readonly Rejected[]
}

interface Chain {
  readonly author: string
  /** The seq of `hashes[0]`: 0, or that of the latest accepted checkpoint. */
  base: number
  hashes: Uint8Array[]
}

function hasCheckpoint(early: ReadonlyMap<number, readonly Envelope[]>): boolean {
  for (const rivals of early.values()) if (rivals.some((envelope) => envelope.kind === EnvelopeKind.checkpoint)) return true
  return false
}

function nextSeqOf(chain: Chain | undefined): number {
  return chain ? chain.base + chain.hashes.length : 0
}

export class EnvelopeLog {
  private readonly chains = new Map<string, Chain>()
  /** Per author: envelopes accepted across all its lanes, which is what a peer acknowledges having seen. */
  private readonly authored = new Map<string, number>()
  /** Envelopes whose predecessors have not arrived yet, per chain, by seq (several when someone sends rivals). */
  private readonly early = new Map<string, Map<number, Envelope[]>>()
  readonly rejections = new Map<EnvelopeRejection, number>()
  /** Lanes whose author certificate has been checked: a lane's later envelopes need only the lane's signature. */
  private readonly certifiedLanes = new Set<string>()
  private readonly laneClientIds: LaneClientIds
  /**
   * Which lane each clientID seen so far belongs to. Derivation already
   * gives every id one lane; this keeps the first one should two lane keys
   * ever hash to the same id (only a search of ~2^52 keys finds such a pair).
   */
  private readonly clientOwners = new Map<number, string>()
  /** Lanes stopped by a refusal (see stop), with the seq from which nothing of theirs is accepted. */
  private readonly stopped = new Map<string, number>()

  constructor(
    readonly space: SpaceId,
    private readonly verify: Verifier,
    /** Without it every envelope is hashed in JS. */
    private readonly digest?: Digest,
  ) {
    this.laneClientIds = new LaneClientIds(space)
  }

  /** The next seq expected in an author's lane (0 for one never seen). */
  nextSeq(author: Uint8Array, lane: Uint8Array): number {
    return nextSeqOf(this.chains.get(chainKey(author, lane)))
  }

  /** The hash of a lane's latest accepted envelope, or the genesis zeros. */
  head(author: Uint8Array, lane: Uint8Array): Uint8Array {
    return this.chains.get(chainKey(author, lane))?.hashes.at(-1) ?? GENESIS_PREV
  }

  /** How many envelopes of this author (all lanes) are accepted: the "seen" count a peer reports. */
  authoredCount(author: Uint8Array | string): number {
    return this.authored.get(typeof author === 'string' ? author : authorKey(author)) ?? 0
  }

  /** Every author with accepted envelopes, with its count, as `authoredCount` keys them. */
  authorCounts(): ReadonlyMap<string, number> {
    return this.authored
  }

  /** Whether an accepted checkpoint supersedes this seq of the lane (its envelope may be dropped). */
  isSuperseded(author: Uint8Array, lane: Uint8Array, seq: number): boolean {
    return seq < (this.chains.get(chainKey(author, lane))?.base ?? 0)
  }

  /** Records an envelope this session sealed itself: it extends its own lane, so there is nothing to verify. */
  append(envelope: Envelope): void {
    const key = chainKey(envelope.author, envelope.lane)
    const chain = this.chains.get(key) ?? { author: authorKey(envelope.author), base: 0, hashes: [] }
    if (envelope.seq !== nextSeqOf(chain)) throw new Error(`Envelope seq ${envelope.seq} does not extend its lane at ${nextSeqOf(chain)}.`)
    if (chain.hashes.length === 0) for (const client of this.laneClientIds.of(key, envelope.lane)) this.clientOwners.set(client, key)
    this.accept(key, chain, envelope)
  }

  /** The lane that owns a content clientID, as far as this log has seen (an author's key via chainKey), or undefined. */
  ownerOfClient(client: number): string | undefined {
    return this.clientOwners.get(client)
  }

  private accept(key: string, chain: Chain, envelope: Envelope, shape?: UpdateShape): void {
    if (shape) for (const section of shape.sections) this.clientOwners.set(section.client, key)
    const gained = envelope.seq + 1 - nextSeqOf(chain)
    if (envelope.kind === EnvelopeKind.checkpoint) {
      chain.base = envelope.seq
      chain.hashes = [envelope.hash]
    } else {
      chain.hashes.push(envelope.hash)
    }
    this.chains.set(key, chain)
    this.authored.set(chain.author, this.authoredCount(chain.author) + gained)
  }

  /** Counts a refusal made after admission (see SignedLog.apply). */
  countRejection(reason: EnvelopeRejection): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1)
  }

  /** Checks a batch of envelopes in wire form; see the module comment for the rules. */
  async admit(wires: Iterable<Uint8Array>): Promise<Admission> {
    const rejected: Rejected[] = []
    const reject = (reason: EnvelopeRejection, envelope: Envelope | undefined, wire: Uint8Array | undefined = envelope?.wire): void => {
      this.countRejection(reason)
      if (wire) rejected.push(envelope ? { reason, author: authorKey(envelope.author), seq: envelope.seq, wire } : { reason, wire })
    }
    const duplicates: Envelope[] = []
    const superseded: Envelope[] = []
    const byChain = new Map<string, Envelope[]>()
    const batch = [...wires]
    // Awaited only for a large batch: a live edit's check must start in the task that received it (see authenticRun).
    const hashing = this.platformHashes(batch)
    const hashes = hashing ? await hashing : undefined
    for (const [index, wire] of batch.entries()) {
      const envelope = openEnvelope(wire, hashes?.[index])
      if (!envelope) {
        reject(EnvelopeRejection.malformed, undefined, wire)
        continue
      }
      if (envelope.space !== this.space) {
        reject(EnvelopeRejection.wrongSpace, envelope)
        continue
      }
      const key = chainKey(envelope.author, envelope.lane)
      const chain = this.chains.get(key)
      if (envelope.seq >= nextSeqOf(chain) + MAX_SEQ_AHEAD) {
        reject(EnvelopeRejection.tooFarAhead, envelope)
        continue
      }
      if (envelope.seq < nextSeqOf(chain)) {
        const known = chain?.hashes[envelope.seq - chain.base]
        // Below the latest checkpoint is history the checkpoint already carries: a harmless repeat.
        if (!known) superseded.push(envelope)
        else if (sameBytes(known, envelope.hash)) duplicates.push(envelope)
        else reject(EnvelopeRejection.conflict, envelope)
        continue
      }
      const list = byChain.get(key) ?? []
      list.push(envelope)
      byChain.set(key, list)
    }

    // Lanes are independent chains: their signature checks run side by side, not one lane after another.
    const lanes = await Promise.all([...byChain].map(([key, arrivals]) => this.admitLane(key, arrivals, reject)))
    const accepted: CheckedEnvelope[] = []
    for (const lane of lanes) for (const envelope of lane.accepted) accepted.push(envelope)
    const waiting = this.capWaiting(reject)
    return { accepted, duplicates, superseded, waiting, rejected }
  }

  /**
   * Drops waiting envelopes beyond MAX_WAITING_ENVELOPES and
   * MAX_WAITING_BYTES, the most recently started lanes' and the highest
   * seqs first (an honest lane waits briefly, from its earliest seq);
   * returns how many still wait.
   */
  private capWaiting(reject: (reason: EnvelopeRejection, envelope: Envelope) => void): number {
    let count = 0
    let bytes = 0
    for (const early of this.early.values()) {
      for (const rivals of early.values()) {
        count += rivals.length
        for (const rival of rivals) bytes += rival.wire.length
      }
    }
    const lanes = [...this.early].reverse()
    for (const [key, early] of lanes) {
      if (count <= MAX_WAITING_ENVELOPES && bytes <= MAX_WAITING_BYTES) break
      for (const seq of [...early.keys()].sort((a, b) => b - a)) {
        if (count <= MAX_WAITING_ENVELOPES && bytes <= MAX_WAITING_BYTES) break
        for (const rival of early.get(seq) ?? []) {
          reject(EnvelopeRejection.tooManyWaiting, rival)
          count--
          bytes -= rival.wire.length
        }
        early.delete(seq)
      }
      if (early.size === 0) this.early.delete(key)
    }
    return count
  }

  /** One lane's arrivals: what extends its chain authentically, in order, and how many still wait. */
  private async admitLane(
    key: string,
    arrivals: readonly Envelope[],
    reject: (reason: EnvelopeRejection, envelope: Envelope) => void,
  ): Promise<{ readonly accepted: readonly CheckedEnvelope[] }> {
    const accepted: CheckedEnvelope[] = []
    const stoppedAt = this.stopped.get(key)
    const early = this.early.get(key) ?? new Map<number, Envelope[]>()
    for (const envelope of arrivals) {
      if (stoppedAt !== undefined && envelope.seq >= stoppedAt) {
        reject(EnvelopeRejection.laneStopped, envelope)
        continue
      }
      const rivals = early.get(envelope.seq) ?? []
      if (!rivals.some((rival) => sameBytes(rival.hash, envelope.hash))) rivals.push(envelope)
      early.set(envelope.seq, rivals)
    }
    const chain = this.chains.get(key) ?? { author: authorKey(arrivals[0]!.author), base: 0, hashes: [] }
    // No await unless there is a checkpoint: a live edit's signature check must start in this task (see authenticRun).
    const checkpoint = hasCheckpoint(early) ? await this.latestCheckpoint(early, reject) : undefined
    const authentic = checkpoint ? [checkpoint] : []
    for (const envelope of await this.authenticRun(chain, early, reject, checkpoint)) authentic.push(envelope)
    for (const [index, envelope] of authentic.entries()) {
      const shape = this.checkWrites(key, envelope)
      if (typeof shape === 'string') {
        // Whatever follows in the lane chains to this: nobody applies any of it.
        reject(shape, envelope)
        for (const later of authentic.slice(index + 1)) reject(EnvelopeRejection.laneStopped, later)
        this.stop(key, envelope.seq, early, reject)
        break
      }
      this.accept(key, chain, envelope, shape)
      accepted.push({ ...envelope, shape })
    }
    if (early.size > 0) this.early.set(key, early)
    else this.early.delete(key)
    return { accepted }
  }

  /**
   * The envelope's update as read, if every struct section in it is under
   * one of its lane's own clientIDs (and no other lane had the id first);
   * otherwise why it is refused.
   */
  private checkWrites(key: string, envelope: Envelope): UpdateShape | EnvelopeRejection {
    const shape = readUpdateShape(envelope.update)
    if (!shape) return EnvelopeRejection.unreadableUpdate
    if (shape.sections.length === 0) return shape
    const own = this.laneClientIds.of(key, envelope.lane)
    for (const { client } of shape.sections) {
      const owner = this.clientOwners.get(client)
      if (!own.includes(client) || (owner !== undefined && owner !== key)) return EnvelopeRejection.foreignClient
    }
    return shape
  }

  /** Stops a lane at `seq`: that envelope was refused, so nothing from it on is applied; what waits of it goes. */
  private stop(key: string, seq: number, early: Map<number, Envelope[]>, reject: (reason: EnvelopeRejection, envelope: Envelope) => void): void {
    this.stopped.set(key, Math.min(seq, this.stopped.get(key) ?? seq))
    for (const [waitingSeq, rivals] of early) {
      if (waitingSeq < seq) continue
      for (const rival of rivals) reject(EnvelopeRejection.laneStopped, rival)
      early.delete(waitingSeq)
    }
  }

  /**
   * For a large batch, its bodies' hashes by the platform (undefined where
   * it failed: openEnvelope then hashes in JS); for a small one, nothing to
   * wait for.
   */
  private platformHashes(batch: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> | undefined {
    const digest = this.digest
    let bytes = 0
    for (const wire of batch) bytes += wire instanceof Uint8Array ? wire.length : 0
    if (!digest || bytes < PLATFORM_HASH_BYTES) return undefined
    return Promise.all(
      batch.map((wire) => {
        const body = envelopeBody(wire)
        return body ? digest(body).catch(() => undefined) : Promise.resolve(undefined)
      }),
    )
  }

  /**
   * The highest validly signed checkpoint waiting in a chain, if any; it and
   * everything it supersedes leave the waiting room. Checking from the top
   * down makes a newcomer verify one checkpoint, not every one the lane made.
   */
  private async latestCheckpoint(
    early: Map<number, Envelope[]>,
    reject: (reason: EnvelopeRejection, envelope: Envelope) => void,
  ): Promise<Envelope | undefined> {
    const checkpoints = [...early.values()]
      .flat()
      .filter((envelope) => envelope.kind === EnvelopeKind.checkpoint)
      .sort((a, b) => b.seq - a.seq)
    for (const checkpoint of checkpoints) {
      const rivals = early.get(checkpoint.seq) ?? []
      if (!(await verifyEnvelopeSignature(checkpoint, this.verify, this.certifiedLanes))) {
        reject(EnvelopeRejection.badSignature, checkpoint)
        early.set(checkpoint.seq, rivals.filter((rival) => rival !== checkpoint))
        if (early.get(checkpoint.seq)?.length === 0) early.delete(checkpoint.seq)
        continue
      }
      for (const seq of [...early.keys()]) if (seq < checkpoint.seq) early.delete(seq)
      for (const rival of rivals) if (rival !== checkpoint) reject(EnvelopeRejection.conflict, rival)
      early.delete(checkpoint.seq)
      return checkpoint
    }
    return undefined
  }

  /**
   * The authentic part of the run of envelopes that continues the author's
   * chain: consecutive seqs, each prev the hash before it. Rivals for one seq
   * (only an attacker or a misbehaving author sends them) are settled by their
   * signatures; envelopes past the authentic prefix are rejected.
   *
   * Without rivals nothing is awaited before the first signature check, so a
   * live edit's verification reaches WebCrypto in the task that received it,
   * ahead of the work that task queues next (y-webrtc re-encrypting the
   * update for other tabs), and its answer comes back first.
   */
  private async authenticRun(
    chain: Chain,
    early: Map<number, Envelope[]>,
    reject: (reason: EnvelopeRejection, envelope: Envelope) => void,
    /** A checkpoint of this batch that the run continues, not yet accepted into the chain. */
    after?: Envelope,
  ): Promise<readonly Envelope[]> {
    const segment: Envelope[] = []
    let seq = after ? after.seq + 1 : nextSeqOf(chain)
    let prev = after?.hash ?? chain.hashes.at(-1) ?? GENESIS_PREV
    for (let rivals = early.get(seq); rivals; rivals = early.get(seq)) {
      early.delete(seq)
      const linked = rivals.filter((rival) => sameBytes(rival.prev, prev))
      // Whatever claims this seq without following the chain is dropped, so a genuine one can take its place.
      for (const rival of rivals) if (!linked.includes(rival)) reject(EnvelopeRejection.brokenChain, rival)
      const next = linked.length === 1 ? linked[0] : await this.settleRivals(linked, reject)
      if (!next) break
      segment.push(next)
      prev = next.hash
      seq++
    }
    const authentic = await this.authenticPrefix(segment)
    for (const envelope of segment.slice(authentic.length)) reject(EnvelopeRejection.badSignature, envelope)
    return authentic
  }

  /** Keeps the one validly signed rival; two valid ones are the author equivocating, and neither is applied. */
  private async settleRivals(rivals: readonly Envelope[], reject: (reason: EnvelopeRejection, envelope: Envelope) => void): Promise<Envelope | undefined> {
    const signed: Envelope[] = []
    for (const rival of rivals) {
      if (await verifyEnvelopeSignature(rival, this.verify, this.certifiedLanes)) signed.push(rival)
      else reject(EnvelopeRejection.badSignature, rival)
    }
    if (signed.length === 1) return signed[0]
    for (const rival of signed) reject(EnvelopeRejection.conflict, rival)
    return undefined
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
      return envelope !== undefined && verifyEnvelopeSignature(envelope, this.verify, this.certifiedLanes)
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
