/**
 * Which envelopes of a space are authentic, and in what order to apply them.
 * Keeps, per chain (an author's lane), every envelope accepted since its
 * latest checkpoint.
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
 *
 * A lane that signs two histories (two envelopes of one seq, an envelope
 * whose prev is not the hash of the lane's envelope before it, or a
 * checkpoint that does not carry, byte for byte, an envelope it supersedes)
 * is void: none of its content is accepted, and the two envelopes are the
 * proof any peer can check (EQV1). Yjs keeps whichever struct of a name it
 * applied first, so accepting either history would split the peers that saw
 * them in different orders; voiding the lane is the one outcome that every
 * peer, and every newcomer, reaches whatever it saw first.
 *
 * Content is encrypted for the space (contentCipher.ts): each envelope is
 * opened with its epoch's key before anything reads its update. One whose
 * epoch this peer holds no key for yet (a rekey still being opened) waits,
 * within the same bounds as envelopes waiting for predecessors; one whose
 * content does not open is refused. Envelopes of version 2 (from before
 * encryption) carry their update in the clear; the owner's device re-seals
 * them as a `migration` (in a lane of its own, written once), which may
 * write under the clientIDs of version-2 lanes only, and after which peers
 * drop the version-2 copies it carries (`isMigrated`).
 *
 * A blind replica (the replica role: a personal node kept for availability)
 * holds no content key at all. It checks everything that needs no reading:
 * signatures, chains, equivocations that show without reading (two signed
 * envelopes of one seq, a broken chain), roles, the waiting bounds; it
 * keeps sealed envelopes as they are, never opened. What it cannot check
 * (what an update writes, whether it opens, whether a checkpoint or a
 * migration carries what it supersedes) it neither accepts as checked nor
 * refuses: it applies nothing, and it leaves what a sealed checkpoint or a
 * migration may supersede where it is, for keyed peers to judge and tidy
 * (SECURITY MEM10).
 *
 * Who may write is the membership's to say (EnvelopeGate): an authentic
 * envelope whose author's role does not write waits, unapplied, or is
 * refused for good (its lane stops there); `rejudge` takes back out of the
 * chains what a membership change no longer lets through.
 */
import { fromHexString, toHexString } from 'lib0/buffer'
import { LaneClientIds } from './clientIds.ts'
import { decryptContent, decryptContentByPlatform, type ContentKeyring } from './contentCipher.ts'
import {
  authorKey,
  chainKey,
  envelopeBody,
  EnvelopeKind,
  GENESIS_PREV,
  LEGACY_ENVELOPE_VERSION,
  openEnvelope,
  sameBytes,
  verifyEnvelopeSignature,
  withContent,
  type Digest,
  type Envelope,
  type Verifier,
} from './envelope.ts'
import { EnvelopeRejection } from './envelopeRejection.ts'
import { OPEN_GATE, type EnvelopeGate } from './envelopeGate.ts'
import type { SpaceId } from './ids.ts'
import { UpdateCoverage } from './checkpointCoverage.ts'
import { readUpdateShape, type UpdateShape } from './joinUpdates.ts'
import { hasCheckpoint, LaneJudge, LaneVoid, nextSeqOf, type Chain, type Reject } from './laneJudge.ts'


/** A blind replica's view of a sealed update: nothing it can read, so nothing it can check (see the module comment). */
const UNREAD: UpdateShape = { sections: [], deletions: new Map() }

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
/** A batch this large (a cold sync) is hashed and decrypted by the platform, off the main thread; a live edit at once, in JS. */
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

/** A lane that signed two histories, and the proof: two of its envelopes, both validly signed, that no one history holds. */
export interface Equivocation {
  /** The lane's chain key (chainKey). */
  readonly lane: string
  /** Its author's key (authorKey): the device that signed both. */
  readonly author: string
  readonly proof: readonly [Envelope, Envelope]
  /** Whether this log had accepted any of the lane's content: what was applied of it must now be undone. */
  readonly hadAccepted: boolean
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
  /** Lanes found, in this batch, to have signed two histories. */
  readonly equivocations: readonly Equivocation[]
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
  private readonly judge: LaneJudge
  /**
   * Which lane each clientID seen so far belongs to. Derivation already
   * gives every id one lane; this keeps the first one should two lane keys
   * ever hash to the same id (only a search of ~2^52 keys finds such a pair).
   */
  private readonly clientOwners = new Map<number, string>()
  /** Lanes stopped by a refusal (see stop), with the seq from which nothing of theirs is accepted. */
  private readonly stopped = new Map<string, number>()
  /** Lanes that signed two histories, with their proof (EQV1). */
  private readonly voided = new Map<string, Equivocation>()
  /** This session's own lanes: what it sealed itself is never judged again (its next seq must not move). */
  private readonly ownLanes = new Set<string>()
  /** Per lane, the highest seq counted as withheld: a withheld envelope is counted once, however often it is judged. */
  private readonly withheldCounted = new Map<string, number>()
  private gate: EnvelopeGate = OPEN_GATE
  /** Envelopes whose epoch this peer holds no key for yet, by hash: opened once the key comes (see admit). */
  private readonly sealedWaiting = new Map<string, Envelope>()
  /** Lanes that wrote envelopes of version 2: a migration may write under their clientIDs, and only theirs. */
  private readonly legacyLanes = new Set<string>()
  /** The content of accepted migrations: what version-2 envelopes it carries need no copy. */
  private readonly migrations: UpdateCoverage[] = []

  constructor(
    readonly space: SpaceId,
    private readonly verify: Verifier,
    /** The content keys this peer holds, by epoch; null for a blind replica, which holds none (see the module comment). */
    private readonly keys: ContentKeyring | null,
    /** Without it every envelope is hashed in JS. */
    private readonly digest?: Digest,
    /** Without it every envelope is decrypted in JS. */
    private readonly subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
  ) {
    this.laneClientIds = new LaneClientIds(space)
    this.judge = new LaneJudge(this.signed, this.coverageOf)
  }

  /** What a checkpoint or a migration carries; undefined where a blind replica cannot read it (see the module comment). */
  private readonly coverageOf = (envelope: Envelope): UpdateCoverage | undefined => (!this.keys && envelope.sealed ? undefined : new UpdateCoverage(envelope.update))

  /** Whether a valid signature of its lane covers the envelope; each lane's certificate is checked once. */
  private readonly signed = (envelope: Envelope): Promise<boolean> => verifyEnvelopeSignature(envelope, this.verify, this.certifiedLanes)

  /** The next seq expected in an author's lane (0 for one never seen). */
  nextSeq(author: Uint8Array, lane: Uint8Array): number {
    return nextSeqOf(this.chains.get(chainKey(author, lane)))
  }

  /** The hash of a lane's latest accepted envelope, or the genesis zeros. */
  head(author: Uint8Array, lane: Uint8Array): Uint8Array {
    return this.chains.get(chainKey(author, lane))?.accepted.at(-1)?.hash ?? GENESIS_PREV
  }

  /** The hash of a lane's accepted envelope at `seq`, if it is at or after the lane's latest checkpoint (earlier ones are not kept). */
  hashAt(author: Uint8Array, lane: Uint8Array, seq: number): Uint8Array | undefined {
    const chain = this.chains.get(chainKey(author, lane))
    return chain && seq >= chain.base ? chain.accepted[seq - chain.base]?.hash : undefined
  }

  /** How many envelopes of this author (all lanes) are accepted. */
  authoredCount(author: Uint8Array | string): number {
    return this.authored.get(typeof author === 'string' ? author : authorKey(author)) ?? 0
  }

  /** Every author with accepted envelopes, with its count, as `authoredCount` keys them. */
  authorCounts(): ReadonlyMap<string, number> {
    return this.authored
  }

  /** For each lane of an author with accepted envelopes: the lane's key and its last accepted seq. */
  lanesOf(author: Uint8Array): Array<{ readonly lane: Uint8Array; readonly seq: number }> {
    const prefix = `${authorKey(author)}.`
    const lanes: Array<{ lane: Uint8Array; seq: number }> = []
    for (const [key, chain] of this.chains) {
      const last = chain.accepted.at(-1)
      if (key.startsWith(prefix) && last) lanes.push({ lane: last.lane, seq: last.seq })
    }
    return lanes
  }

  /** Whether an accepted checkpoint supersedes this seq of the lane (its envelope may be dropped). */
  isSuperseded(author: Uint8Array, lane: Uint8Array, seq: number): boolean {
    return seq < (this.chains.get(chainKey(author, lane))?.base ?? 0)
  }

  /** Whether an accepted migration carries this version-2 envelope's content: its copy can go. */
  isMigrated(envelope: Pick<Envelope, 'version' | 'update'>): boolean {
    return envelope.version === LEGACY_ENVELOPE_VERSION && this.migrations.some((migration) => migration.covers(envelope.update) === true)
  }

  /** Envelopes that wait for the key of their epoch. */
  get waitingForKey(): number {
    return this.sealedWaiting.size
  }

  /** Lanes found to have signed two histories, by chain key. */
  get equivocations(): ReadonlyMap<string, Equivocation> {
    return this.voided
  }

  /** Records an envelope this session sealed itself: it extends its own lane, so there is nothing to verify. */
  append(envelope: Envelope): void {
    const key = chainKey(envelope.author, envelope.lane)
    const chain = this.chains.get(key) ?? { author: authorKey(envelope.author), base: 0, accepted: [] }
    if (envelope.seq !== nextSeqOf(chain)) throw new Error(`Envelope seq ${envelope.seq} does not extend its lane at ${nextSeqOf(chain)}.`)
    this.accept(key, chain, envelope)
  }

  /** Who may write: judged for every envelope that extends a lane from now on (see rejudge for those before). */
  setGate(gate: EnvelopeGate): void {
    this.gate = gate
  }

  /**
   * Judges again what the lanes (but this session's own) have accepted, as
   * the membership stands now: each lane loses its accepted envelopes from
   * the first one that would not be applied now. A refused one stops the
   * lane; the others may be admitted again (they will wait). Returns what
   * was taken out, all of it applied before: the content must be rebuilt.
   */
  rejudge(): Envelope[] {
    const dropped: Envelope[] = []
    for (const [key, chain] of this.chains) {
      if (this.ownLanes.has(key)) continue
      const index = chain.accepted.findIndex((envelope) => this.gate.verdict(envelope) !== 'apply')
      if (index < 0) continue
      const first = chain.accepted[index]!
      const removed = chain.accepted.splice(index)
      for (const envelope of removed) dropped.push(envelope)
      // Without its first envelope (or checkpoint) the lane starts over from whatever of it arrives again.
      if (chain.accepted.length === 0) this.chains.delete(key)
      this.authored.set(chain.author, Math.max(0, this.authoredCount(chain.author) - removed.length))
      if (this.gate.verdict(first) === 'refuse') this.stopped.set(key, Math.min(first.seq, this.stopped.get(key) ?? first.seq))
    }
    return dropped
  }

  /** This session's own lane: its clientIDs are its author's from the start, before it seals anything. */
  ownLane(author: Uint8Array, lane: Uint8Array): void {
    const key = chainKey(author, lane)
    this.ownLanes.add(key)
    for (const client of this.laneClientIds.of(key, lane)) this.clientOwners.set(client, key)
  }

  /** The device (its public key) whose lane owns a content clientID, as far as this log has seen; undefined if none. */
  authorOfClient(client: number): Uint8Array | undefined {
    const owner = this.clientOwners.get(client)
    // A chain key is the author's hex, then the lane's (chainKey).
    return owner === undefined ? undefined : fromHexString(owner.slice(0, owner.indexOf('.')))
  }

  private accept(key: string, chain: Chain, envelope: Envelope, shape?: UpdateShape): void {
    if (envelope.kind === EnvelopeKind.migration) {
      const coverage = this.coverageOf(envelope)
      if (coverage) this.migrations.push(coverage)
    }
    // A migration's clientIDs stay their version-2 writers' (who did what is theirs, not the owner's).
    else if (shape) for (const section of shape.sections) this.clientOwners.set(section.client, key)
    if (envelope.version === LEGACY_ENVELOPE_VERSION) this.legacyLanes.add(key)
    const gained = envelope.seq + 1 - nextSeqOf(chain)
    if (envelope.kind === EnvelopeKind.checkpoint) {
      chain.base = envelope.seq
      chain.accepted = [envelope]
    } else {
      chain.accepted.push(envelope)
    }
    this.chains.set(key, chain)
    this.authored.set(chain.author, this.authoredCount(chain.author) + gained)
  }

  /** Counts a refusal made after admission (see SignedLog.apply). */
  countRejection(reason: EnvelopeRejection): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1)
  }

  /**
   * Checks a batch of envelopes in wire form; see the module comment for the
   * rules. `again`: also judge once more every lane that has envelopes
   * waiting (after a membership change, for what waits on a role).
   */
  async admit(wires: Iterable<Uint8Array>, again = false): Promise<Admission> {
    const rejected: Rejected[] = []
    const reject = (reason: EnvelopeRejection, envelope: Envelope | undefined, wire: Uint8Array | undefined = envelope?.wire): void => {
      this.countRejection(reason)
      if (wire) rejected.push(envelope ? { reason, author: authorKey(envelope.author), seq: envelope.seq, wire } : { reason, wire })
    }
    const duplicates: Envelope[] = []
    const superseded: Envelope[] = []
    const equivocations: Equivocation[] = []
    const byChain = new Map<string, Envelope[]>()
    const behind: Envelope[] = []
    const batch = [...wires]
    for (const [hash, envelope] of this.sealedWaiting) {
      if (!this.keys?.key(envelope.sealed!.epoch)) continue
      this.sealedWaiting.delete(hash)
      batch.push(envelope.wire)
    }
    // Awaited only for a large batch: a live edit's check must start in the task that received it (see authenticRun).
    const hashing = this.platformHashes(batch)
    const hashes = hashing ? await hashing : undefined
    const unopened: Envelope[] = []
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
      const voided = this.voided.get(key)
      if (voided) {
        // The proof stays (every newcomer needs it); a copy of it is a repeat, anything else of the lane is refused.
        if (voided.proof.some((proof) => sameBytes(proof.hash, envelope.hash))) duplicates.push(envelope)
        else reject(EnvelopeRejection.laneVoid, envelope)
        continue
      }
      const chain = this.chains.get(key)
      if (envelope.seq >= nextSeqOf(chain) + MAX_SEQ_AHEAD) {
        reject(EnvelopeRejection.tooFarAhead, envelope)
        continue
      }
      const known = chain?.accepted[envelope.seq - chain.base]
      if (known && sameBytes(known.hash, envelope.hash)) duplicates.push(envelope)
      else unopened.push(envelope)
    }
    // Only what is new is decrypted: a peer's repeats cost a hash, not a decryption. Awaited only where the platform
    // decrypts (a large batch): a live edit's signature check must start in this task (see authenticRun).
    const opening = this.openContent(unopened, hashing !== undefined, reject)
    for (const envelope of Array.isArray(opening) ? opening : await opening) {
      if (this.isMigrated(envelope)) {
        superseded.push(envelope)
        continue
      }
      const key = chainKey(envelope.author, envelope.lane)
      const chain = this.chains.get(key)
      if (chain && envelope.seq < nextSeqOf(chain)) {
        behind.push(envelope)
        continue
      }
      const list = byChain.get(key) ?? []
      list.push(envelope)
      byChain.set(key, list)
    }

    if (again) for (const key of this.early.keys()) if (!byChain.has(key)) byChain.set(key, [])
    const found = (equivocation: Equivocation | undefined): void => {
      if (equivocation) equivocations.push(equivocation)
    }
    // Below what is accepted: a copy a checkpoint carries, a forgery, or the lane's second history.
    for (const envelope of behind) found(await this.judgeBehind(envelope, superseded, reject))
    // Lanes are independent chains: their signature checks run side by side, not one lane after another.
    const lanes = await Promise.all([...byChain].map(([key, arrivals]) => this.admitLane(key, arrivals, reject, superseded, duplicates)))
    const accepted: CheckedEnvelope[] = []
    for (const lane of lanes) {
      for (const envelope of lane.accepted) accepted.push(envelope)
      found(lane.equivocation)
    }
    const waiting = this.capWaiting(reject) + this.sealedWaiting.size
    // A lane voided by a later lane's batch may have had envelopes accepted earlier in this one: none of it counts.
    const live = equivocations.length === 0 ? accepted : accepted.filter((envelope) => !this.voided.has(chainKey(envelope.author, envelope.lane)))
    return { accepted: live, duplicates, superseded, waiting, rejected, equivocations }
  }

  /**
   * An envelope of a seq the lane has already accepted (or that its latest
   * checkpoint supersedes) that is not the accepted one: a harmless copy if
   * the checkpoint carries it, a refusal if its lane did not sign it, and
   * otherwise the lane's second history.
   */
  private async judgeBehind(envelope: Envelope, superseded: Envelope[], reject: Reject): Promise<Equivocation | undefined> {
    const key = chainKey(envelope.author, envelope.lane)
    const chain = this.chains.get(key)
    if (!chain || this.voided.has(key)) return undefined
    const known = chain.accepted[envelope.seq - chain.base]
    const base = chain.accepted[0]
    if (!known && base) {
      const coverage = this.coverageOf(base)
      // A blind replica cannot tell a copy the checkpoint carries from a second history: it leaves the envelope where it is.
      if (!coverage) return undefined
      if (coverage.covers(envelope.update) === true) {
        superseded.push(envelope)
        return undefined
      }
    }
    if (!(await this.signed(envelope))) {
      reject(EnvelopeRejection.conflict, envelope)
      return undefined
    }
    const other = known ?? base
    return other && this.voidLane(key, [other, envelope], reject, true)
  }

  /** Marks a lane void with its proof: nothing of it waits or is accepted from now on. */
  private voidLane(key: string, proof: readonly [Envelope, Envelope], reject: Reject, hadAccepted: boolean): Equivocation {
    const existing = this.voided.get(key)
    if (existing) return existing
    const equivocation: Equivocation = { lane: key, author: authorKey(proof[0].author), proof, hadAccepted }
    this.voided.set(key, equivocation)
    this.stopped.set(key, 0)
    for (const rivals of this.early.get(key)?.values() ?? []) for (const rival of rivals) if (!proof.includes(rival)) reject(EnvelopeRejection.laneVoid, rival)
    this.early.delete(key)
    return equivocation
  }

  /**
   * Drops waiting envelopes beyond MAX_WAITING_ENVELOPES and
   * MAX_WAITING_BYTES, the most recently started lanes' and the highest
   * seqs first (an honest lane waits briefly, from its earliest seq);
   * returns how many still wait.
   */
  private capWaiting(reject: Reject): number {
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

  /** One lane's arrivals: what extends its chain authentically, in order; or the proof that the lane is void. */
  private async admitLane(
    key: string,
    arrivals: readonly Envelope[],
    reject: Reject,
    superseded: Envelope[],
    duplicates: Envelope[],
  ): Promise<{ readonly accepted: readonly CheckedEnvelope[]; readonly equivocation?: Equivocation }> {
    const accepted: CheckedEnvelope[] = []
    const stoppedAt = this.stopped.get(key)
    const early = this.early.get(key) ?? new Map<number, Envelope[]>()
    for (const envelope of arrivals) {
      if (stoppedAt !== undefined && envelope.seq >= stoppedAt) {
        reject(this.voided.has(key) ? EnvelopeRejection.laneVoid : EnvelopeRejection.laneStopped, envelope)
        continue
      }
      const rivals = early.get(envelope.seq) ?? []
      // The same bytes twice is a repeat; the same body under another signature is a rival (a forgery, usually),
      // which the signatures settle: dropping it unseen could drop the genuine one, if the forgery came first.
      if (rivals.some((rival) => sameBytes(rival.wire, envelope.wire))) duplicates.push(envelope)
      else rivals.push(envelope)
      early.set(envelope.seq, rivals)
    }
    const someEnvelope = arrivals[0] ?? early.values().next().value?.[0]
    if (early.size === 0 || !someEnvelope) return { accepted }
    const chain = this.chains.get(key) ?? { author: authorKey(someEnvelope.author), base: 0, accepted: [] }
    // Content of the lane applied before this batch: if the lane turns out void, what was applied must be undone.
    const hadAccepted = chain.accepted.length > 0
    const forks: Array<readonly [Envelope, Envelope]> = []
    try {
      // No await unless there is a checkpoint: a live edit's signature check must start in this task (see authenticRun).
      const checkpoint = hasCheckpoint(early) ? await this.judge.latestCheckpoint(chain, early, reject, superseded, forks) : undefined
      const authentic = checkpoint ? [checkpoint] : []
      for (const envelope of await this.judge.authenticRun(chain, early, reject, forks, checkpoint)) authentic.push(envelope)
      for (const [index, envelope] of authentic.entries()) {
        const shape = this.checkWrites(key, envelope)
        if (typeof shape === 'string') {
          // Whatever follows in the lane chains to this: nobody applies any of it.
          reject(shape, envelope)
          for (const later of authentic.slice(index + 1)) reject(EnvelopeRejection.laneStopped, later)
          this.stop(key, envelope.seq, early, reject)
          break
        }
        const verdict = this.gate.verdict(envelope)
        if (verdict === 'refuse') {
          reject(EnvelopeRejection.notPermitted, envelope)
          for (const later of authentic.slice(index + 1)) reject(EnvelopeRejection.laneStopped, later)
          this.stop(key, envelope.seq, early, reject)
          break
        }
        if (verdict !== 'apply') {
          // Back to the waiting room, with what follows it: judged again when the membership changes.
          for (const waiting of authentic.slice(index)) early.set(waiting.seq, [waiting])
          if (verdict === 'withhold') this.countWithheld(key, authentic.slice(index))
          break
        }
        this.accept(key, chain, envelope, shape)
        accepted.push({ ...envelope, shape })
      }
      // A validly signed rival that broke from the chain at an envelope now accepted: a second history.
      for (const [at, rival] of forks) {
        const held = chain.accepted.find((envelope) => envelope.seq === at.seq && sameBytes(envelope.hash, at.hash))
        if (held) throw new LaneVoid(undefined, { cause: [held, rival] })
        reject(EnvelopeRejection.brokenChain, rival)
      }
      // What still waits must not contradict itself either: a newcomer given only the proof decides as the others did.
      const contradiction = await this.judge.contradictionWaiting(early)
      if (contradiction) throw new LaneVoid(undefined, { cause: contradiction })
    } catch (error) {
      if (!(error instanceof LaneVoid)) throw error
      for (const envelope of accepted) reject(EnvelopeRejection.laneVoid, envelope)
      const proof = error.cause as readonly [Envelope, Envelope]
      return { accepted: [], equivocation: this.voidLane(key, proof, reject, hadAccepted) }
    }
    if (early.size > 0) this.early.set(key, early)
    else this.early.delete(key)
    return { accepted }
  }

  /**
   * The envelopes with their content opened: version 2 as they are, version
   * 3 decrypted with their epoch's key (by the platform, in parallel, for a
   * large batch). Those whose epoch has no key here yet wait for it (up to
   * the waiting bounds); those that do not open are refused. A blind
   * replica opens nothing.
   */
  private openContent(envelopes: readonly Envelope[], large: boolean, reject: Reject): Envelope[] | Promise<Envelope[]> {
    if (!this.keys) return [...envelopes]
    const sources: Envelope[] = []
    const opening: Array<Envelope | undefined | Promise<Envelope | undefined>> = []
    for (const envelope of envelopes) {
      const sealed = envelope.sealed
      const key = sealed && this.keys.key(sealed.epoch)
      if (sealed && !key) {
        this.waitForKey(envelope, reject)
        continue
      }
      sources.push(envelope)
      if (!sealed || !key) opening.push(envelope)
      else if (large && this.subtle) {
        opening.push(decryptContentByPlatform(this.subtle, key, sealed.nonce, sealed.header, sealed.ciphertext).then((update) => update && withContent(envelope, update)))
      } else {
        const update = decryptContent(key, sealed.nonce, sealed.header, sealed.ciphertext)
        opening.push(update && withContent(envelope, update))
      }
    }
    const sort = (results: ReadonlyArray<Envelope | undefined>): Envelope[] => {
      const readable: Envelope[] = []
      for (const [index, result] of results.entries()) {
        if (result) readable.push(result)
        else reject(EnvelopeRejection.undecryptable, sources[index]!)
      }
      return readable
    }
    const platform = opening.some((entry) => entry instanceof Promise)
    return platform ? Promise.all(opening.map((entry) => Promise.resolve(entry))).then(sort) : sort(opening as Array<Envelope | undefined>)
  }

  /** Holds an envelope until its epoch's key is here; beyond the waiting bounds, the newest go. */
  private waitForKey(envelope: Envelope, reject: Reject): void {
    this.sealedWaiting.set(toHexString(envelope.hash), envelope)
    let bytes = 0
    for (const waiting of this.sealedWaiting.values()) bytes += waiting.wire.length
    for (const [hash, newest] of [...this.sealedWaiting].reverse()) {
      if (this.sealedWaiting.size <= MAX_WAITING_ENVELOPES && bytes <= MAX_WAITING_BYTES) break
      this.sealedWaiting.delete(hash)
      bytes -= newest.wire.length
      reject(EnvelopeRejection.tooManyWaiting, newest)
    }
  }

  /**
   * The envelope's update as read, if every struct section in it is under
   * one of its lane's own clientIDs (and no other lane had the id first);
   * otherwise why it is refused. A migration writes under version-2 lanes'
   * clientIDs instead (see the module comment). A blind replica cannot
   * read a sealed update, so it has nothing to check.
   */
  private checkWrites(key: string, envelope: Envelope): UpdateShape | EnvelopeRejection {
    if (!this.keys && envelope.sealed) return UNREAD
    const shape = readUpdateShape(envelope.update)
    if (!shape) return EnvelopeRejection.unreadableUpdate
    if (shape.sections.length === 0) return shape
    if (envelope.kind === EnvelopeKind.migration) {
      for (const { client } of shape.sections) {
        const owner = this.clientOwners.get(client)
        if (owner !== undefined && !this.legacyLanes.has(owner)) return EnvelopeRejection.foreignClient
      }
      return shape
    }
    const own = this.laneClientIds.of(key, envelope.lane)
    for (const { client } of shape.sections) {
      const owner = this.clientOwners.get(client)
      if (!own.includes(client) || (owner !== undefined && owner !== key)) return EnvelopeRejection.foreignClient
    }
    return shape
  }

  /** A member's envelopes their role does not let through count as refused, once each (SECURITY MEM2). */
  private countWithheld(key: string, withheld: readonly Envelope[]): void {
    const counted = this.withheldCounted.get(key) ?? -1
    for (const envelope of withheld) if (envelope.seq > counted) this.countRejection(EnvelopeRejection.notPermitted)
    this.withheldCounted.set(key, Math.max(counted, withheld.at(-1)?.seq ?? counted))
  }

  /** Stops a lane at `seq`: that envelope was refused, so nothing from it on is applied; what waits of it goes. */
  private stop(key: string, seq: number, early: Map<number, Envelope[]>, reject: Reject): void {
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
}
