/**
 * Keeps a space's transport doc whole and clean, for SignedLog: what the
 * log refuses, what a checkpoint carries, repeats beyond one copy and
 * anything that is not an envelope go (SECURITY JNK1-JNK4); an authentic
 * envelope someone deleted, and the proof of a lane that signed two
 * histories (EQV1), come back. Honest peers all do it, so what a rogue
 * member stuffed in is gone from every replica, its storage and what a
 * newcomer downloads.
 *
 * Copies of one envelope are found by their signature, then confirmed by
 * their bytes: a forger can put a genuine signature on other bytes, and a
 * "copy" that is not one must neither stand in for the genuine envelope nor
 * be kept as one.
 */
import type * as Y from 'yjs'
import { openEnvelope, sameBytes, SIGNATURE_BYTES, wireChainKey, type Envelope } from './envelope.ts'
import type { Admission } from './EnvelopeLog.ts'

/** Only byte entries can be envelopes; anything else a peer puts in the array is junk, stored or live. */
export const isWire = (value: unknown): value is Uint8Array => value instanceof Uint8Array

/** A first sort of copies, without hashing: the signature, which covers the hash. Confirm with sameBytes. */
const copyKey = (wire: Uint8Array): string => String.fromCharCode(...wire.subarray(Math.max(0, wire.length - SIGNATURE_BYTES)))

/** Takes out of `wanted` (by copyKey) every wire of which `present` holds an exact copy. */
function removePresent(wanted: Map<string, Uint8Array>, present: readonly unknown[]): void {
  for (const value of present) {
    if (!isWire(value)) continue
    const key = copyKey(value)
    const wire = wanted.get(key)
    if (wire && sameBytes(wire, value)) wanted.delete(key)
  }
}

export interface TransportUpkeepOptions {
  readonly transport: Y.Doc
  readonly envelopes: Y.Array<Uint8Array>
  /** The origin of the log's own transactions on the transport doc, which its observer skips. */
  readonly origin: unknown
  /** Resolves when a pass over the whole array may take the thread (QuietMoments); now, by default. */
  readonly quietMoment?: () => Promise<void>
  /** The authentic envelope the log holds (no checkpoint superseded it) of a lane at a seq, if any. */
  held(envelope: Envelope): { readonly hash: Uint8Array; readonly wire: Uint8Array } | undefined
  /** Lanes (chainKey) that signed two histories: their envelopes go, but for their proofs. */
  voidLanes(): ReadonlySet<string>
  /**
   * A blind replica's log: it cannot tell what keyed peers delete after
   * reading (a sealed update that writes under another lane's clientIDs or
   * does not open, a copy a checkpoint or a migration carries), so it lets
   * their deletions stand and puts back only proofs. Restoring, it would
   * put back what they delete for as long as both are online (SECURITY MEM10).
   */
  readonly blind?: boolean
}

export class TransportUpkeep {
  /** Entries to remove (by identity): refused envelopes, superseded copies, forged "copies", and anything not an envelope. */
  private junk = new Set<unknown>()
  /** Envelopes (by copyKey) seen more than once in the array: all copies but the last go. */
  private repeated = new Set<string>()
  /** The proofs of void lanes, by copyKey: kept in the array for every newcomer, put back if deleted. */
  private readonly proofs = new Map<string, Uint8Array>()
  private tidying: Promise<void> | undefined
  private stopped = false

  constructor(private readonly options: TransportUpkeepOptions) {}

  /** Resolves once the tidying under way (if any) is done. */
  get busy(): Promise<void> | undefined {
    return this.tidying
  }

  stop(): void {
    this.stopped = true
  }

  /** A value in the array that is no envelope at all. */
  noteJunk(value: unknown): void {
    this.junk.add(value)
  }

  /** What of an admitted batch no copy of the transport doc needs: refused envelopes, superseded ones, and repeats. */
  noteAdmission(admission: Admission): void {
    for (const { wire } of admission.rejected) this.junk.add(wire)
    for (const { wire } of admission.superseded) this.junk.add(wire)
    for (const envelope of admission.duplicates) {
      const held = this.options.held(envelope)
      // The same body under another signature is no copy: a forger reusing an accepted envelope's body.
      if (held && sameBytes(held.wire, envelope.wire)) this.repeated.add(copyKey(envelope.wire))
      else if (held) this.junk.add(envelope.wire)
    }
  }

  /** Copies no peer needs any more (version-2 envelopes an accepted migration carries): they go at the next tidy. */
  noteReplaced(wires: Iterable<Uint8Array>): void {
    for (const wire of wires) this.junk.add(wire)
  }

  /** Keeps the proof of a void lane in the array, putting back whatever copy of it a peer tidied away before it knew. */
  keepProof(proof: readonly Envelope[]): void {
    for (const envelope of proof) this.proofs.set(copyKey(envelope.wire), envelope.wire)
    const missing = new Map(this.proofs)
    removePresent(missing, this.options.envelopes.toArray())
    if (missing.size > 0) this.options.transport.transact(() => this.options.envelopes.push([...missing.values()]), this.options.origin)
    // The rest of the lane goes.
    this.tidying ??= this.tidyLater()
  }

  /**
   * Puts back authentic envelopes (and proofs) that another peer deleted,
   * unless a copy is still there (a peer tidying away a repeat). What a
   * checkpoint superseded is no longer held, so the author's own
   * compaction (checkpoint and deletions in one transaction) is never undone.
   */
  restore(deleted: readonly Uint8Array[]): void {
    const missing = new Map<string, Uint8Array>()
    for (const wire of deleted) {
      const proof = this.proofs.get(copyKey(wire))
      if (proof && sameBytes(proof, wire)) {
        missing.set(copyKey(proof), proof)
        continue
      }
      const envelope = openEnvelope(wire)
      const held = envelope && !this.options.blind && this.options.held(envelope)
      if (held && sameBytes(held.hash, envelope.hash)) missing.set(copyKey(held.wire), held.wire)
    }
    if (missing.size === 0) return
    removePresent(missing, this.options.envelopes.toArray())
    if (missing.size > 0) this.options.transport.transact(() => this.options.envelopes.push([...missing.values()]), this.options.origin)
  }

  /** Removes what was noted, at the next quiet moment, in one pass (see tidy). */
  scheduleTidy(): void {
    if (this.junk.size > 0 || this.repeated.size > 0) this.tidying ??= this.tidyLater()
  }

  private async tidyLater(): Promise<void> {
    try {
      await (this.options.quietMoment?.() ?? Promise.resolve())
      if (!this.stopped) this.tidy()
    } finally {
      this.tidying = undefined
    }
  }

  /**
   * One pass over the array. Of several copies of one envelope, every peer
   * keeps the last in the array's order (the same on every replica), so
   * the copy that is last overall is never removed. The last, not the
   * first: a peer whose first copy was deleted where another peer has not
   * heard of it yet restores the envelope with a new copy, which lands
   * last; keeping the first there would delete that copy, and the two
   * would go on restoring and deleting it for as long as their views differ.
   */
  private tidy(): void {
    const junk = this.junk
    const repeated = this.repeated
    this.junk = new Set()
    this.repeated = new Set()
    const voidLanes = this.options.voidLanes()
    const values = this.options.envelopes.toArray() as unknown[]
    const lastCopies = new Map<string, Uint8Array>()
    const doomed: number[] = []
    for (let index = values.length - 1; index >= 0; index--) {
      const value = values[index]
      if (!isWire(value)) {
        doomed.push(index)
        continue
      }
      const key = repeated.size > 0 || this.proofs.size > 0 ? copyKey(value) : undefined
      const proofWire = key === undefined ? undefined : this.proofs.get(key)
      const proof = proofWire !== undefined && sameBytes(proofWire, value)
      const ofVoidLane = voidLanes.size > 0 && voidLanes.has(wireChainKey(value) ?? '')
      if (!proof && (junk.has(value) || ofVoidLane)) {
        doomed.push(index)
        continue
      }
      if (key === undefined || !(proof || repeated.has(key))) continue
      const kept = lastCopies.get(key)
      if (kept && sameBytes(kept, value)) doomed.push(index)
      else if (!kept) lastCopies.set(key, value)
    }
    if (doomed.length === 0) return
    doomed.reverse()
    this.options.transport.transact(() => {
      // Runs of neighbours at once, from the end, so earlier indexes stay valid while deleting.
      for (let end = doomed.length; end > 0; ) {
        let start = end - 1
        while (start > 0 && doomed[start - 1] === doomed[start]! - 1) start--
        this.options.envelopes.delete(doomed[start]!, end - start)
        end = start
      }
    }, this.options.origin)
  }
}
