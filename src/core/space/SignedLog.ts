/**
 * Binds a space's content doc to its envelope log. The log lives in a small
 * transport doc (`envelopes`, an array of envelope wires) that y-webrtc, the
 * relay fallback and other tabs replicate; the content doc only ever changes
 * by this session's own edits or by envelopes that passed the EnvelopeLog.
 *
 * - Signing: each local transaction is sealed into this session's lane
 *   inside the transaction itself, with the lane key (synchronous), so its
 *   envelope is on the wire before the UI renders the edit. Until the lane
 *   key is made and the device key has certified it (once, asynchronously,
 *   at prepareToSign or the first edit), and past
 *   SYNC_SEALS_PER_RUN seals in one synchronous run of code, transactions are
 *   queued and merged into one envelope right after that run: a burst costs
 *   few signatures and no edit ever waits on a timer. An edit in a field
 *   (typing, ticking: editOrigins.ts FIELD_EDIT) is the exception where the
 *   page says when it has painted (afterPaint): it is sealed right after
 *   that paint, so the key press reaches the screen first, and fast typing
 *   shares an envelope.
 * - Verifying: envelopes that other peers add are admitted in batches (hash
 *   chain plus one signature per lane) and their updates merged into one
 *   apply, never replayed one by one.
 * - Keeping the log whole and clean (TransportUpkeep): an authentic envelope
 *   someone deletes from the transport doc is put back, unless a checkpoint
 *   of its lane superseded it; refused envelopes, repeats and anything that
 *   is no envelope are removed.
 * - Checking what an envelope touches: every struct it writes must be under
 *   its lane's own clientIDs (clientIds.ts, EnvelopeLog), and this session
 *   writes only under its own. A lane found to have signed two histories is
 *   void; content of it this doc already shows is reported (onRebuildNeeded),
 *   since Yjs cannot take it back out.
 * - Encrypting: every envelope's update is encrypted under the content key
 *   of the newest epoch this peer holds (contentCipher.ts); what arrives is
 *   opened with its own epoch's key (EnvelopeLog). A space whose log still
 *   holds envelopes from before encryption is migrated by its owner's
 *   device (migrate).
 * - Blind: a replica that holds no content key (keys: null) keeps, checks
 *   and serves the log without reading it (EnvelopeLog); its content doc
 *   stays empty, and it never seals.
 * - Compacting: once a lane's tail reaches CHECKPOINT_EVERY envelopes, a
 *   checkpoint (the lane's updates merged, what Yjs collected of them as
 *   collected ranges: checkpointCoverage.ts) follows right after the edit that
 *   filled it, and what it supersedes is deleted, so a newcomer syncs a few
 *   checkpoints and short tails, not every edit. The edit itself goes out
 *   first, as a plain change: merging and re-sending the lane never delays it.
 */
import { didFromPublicKey, type Did } from '../identity/didKey.ts'
import * as Y from 'yjs'
import { clientIdsOfLane, writeAsLane } from './clientIds.ts'
import type { ContentKeyring } from './contentCipher.ts'
import {
  chainKey,
  EnvelopeKind,
  GENESIS_PREV,
  laneCertificateMessage,
  LEGACY_ENVELOPE_VERSION,
  sameBytes,
  sealEnvelope,
  SIGNATURE_BYTES,
  type Digest,
  type Envelope,
  type Signer,
  type Verifier,
} from './envelope.ts'
import { FIELD_EDIT } from './editOrigins.ts'
import { EnvelopeLog, type Admission, type Equivocation } from './EnvelopeLog.ts'
import { EnvelopeRejection } from './envelopeRejection.ts'
import type { EnvelopeGate } from './envelopeGate.ts'
import type { SpaceId } from './ids.ts'
import { collectCheckpoint } from './checkpointCoverage.ts'
import { combineUpdates, joinUpdates, readUpdateShape, RepeatFilter } from './joinUpdates.ts'
import { newLaneKey, type LaneKey } from './laneKey.ts'
import type { PresenceSigner } from './presenceStatement.ts'
import { isWire, TransportUpkeep } from './TransportUpkeep.ts'

/** Name of the envelope array in a transport doc: part of the format. */
export const ENVELOPES = 'envelopes'
/**
 * A lane's tail becomes a checkpoint once it has this many envelopes and its
 * bytes reach an eighth of the last checkpoint's (a checkpoint re-sends the
 * lane's whole contribution, so a big lane checkpoints less often), or once
 * it reaches MAX_TAIL whatever its size: a newcomer's cold sync costs per
 * envelope, so tails stay short.
 */
export const CHECKPOINT_EVERY = 64
const MAX_TAIL = 256
/** About 0.5 ms each: a loop of edits blocks for a few ms at most, then the rest go out merged. */
const SYNC_SEALS_PER_RUN = 8

export interface LogAuthor {
  readonly publicKey: Uint8Array
  readonly sign: Signer
}

export interface SignedLogOptions {
  readonly space: SpaceId
  readonly content: Y.Doc
  readonly transport: Y.Doc
  readonly author: LogAuthor
  readonly verify: Verifier
  /**
   * The content keys this peer holds: it seals under the newest and opens
   * each envelope with its epoch's. Null for a blind replica (see above).
   */
  readonly keys: ContentKeyring | null
  /** Hashes large batches off the main thread (see EnvelopeLog); without it, JS hashes everything. */
  readonly digest?: Digest
  /** This session's lane: its public key names the clientIDs the content doc writes under (clientIds.ts). */
  readonly lane: LaneIdentity
  readonly checkpointEvery?: number
  /**
   * Resolves when a checkpoint may take the thread (see QuietMoments): its
   * merge of the lane grows with the lane, to tens of ms, and must not land
   * on a scheduler's tick. Now, by default.
   */
  readonly quietMoment?: () => Promise<void>
  /** Who may write (the space's membership); without it, every authentic envelope is applied. */
  readonly gate?: EnvelopeGate
  /**
   * Runs its callback once the page has painted (see editOrigins.ts): an
   * edit made in a field (typing, ticking) is sealed there, so signing and
   * encrypting it (about 1 ms) do not hold it off the screen. Without it
   * (a node, tests), such edits seal at once like any other.
   */
  readonly afterPaint?: (callback: () => void) => void
}

export interface LaneIdentity {
  readonly publicKey: Uint8Array
  /**
   * The lane's signer (used by nothing else). The log asks at the first
   * edit or at prepareToSign, whichever comes first, and again only if that
   * attempt failed: noble's first signature costs tens of ms of main thread,
   * which must not land while a joining space waits for its content.
   */
  key(): Promise<LaneKey>
}

interface CertifiedLane {
  readonly key: LaneKey
  readonly certificate: Uint8Array
}

/** An authentic envelope this session holds and will put back if someone deletes it. */
interface Held {
  readonly lane: string
  readonly seq: number
  readonly version: Envelope['version']
  readonly hash: Uint8Array
  readonly update: Uint8Array
  readonly wire: Uint8Array
}

const heldKey = (lane: string, seq: number): string => `${lane}/${seq}`
export function transportEnvelopes(transport: Y.Doc): Y.Array<Uint8Array> {
  return transport.getArray<Uint8Array>(ENVELOPES)
}

export class SignedLog {
  readonly log: EnvelopeLog
  /** This device's public key: the author of every envelope this session seals. */
  readonly author: Uint8Array
  /** A signing failure (e.g. the key became unavailable); the unsigned changes stay queued. */
  problem: string | undefined
  private readonly envelopes: Y.Array<Uint8Array>
  /** By lane and seq; only envelopes no checkpoint has superseded. */
  private readonly held = new Map<string, Held>()
  /** This lane's updates since (and including) its latest checkpoint, for the next checkpoint. */
  private laneUpdates: Uint8Array[] = []
  private laneWires: Uint8Array[] = []
  private unsigned: Uint8Array[] = []
  /** This session's updates without the structs already queued (SL11): sealed twice, they kept the lane from ever checkpointing again. */
  private readonly repeats = new RepeatFilter()
  /** The lane key and the device key's signature of it, once both are there. */
  private lane: CertifiedLane | undefined
  private certifying: Promise<CertifiedLane> | undefined
  /** Seals in the current synchronous run of code (until its microtasks). */
  private sealsThisRun = 0
  private signing: Promise<void> | undefined
  private compacting: Promise<void> | undefined
  private incoming: Uint8Array[] = []
  private deleted: Uint8Array[] = []
  private admitting: Promise<void> | undefined
  private readonly upkeep: TransportUpkeep
  /** Resolves once something needs the lane's signer (see presenceSigner). */
  private readonly signingWanted: Promise<void>
  private askedToSign: () => void = () => {}
  /** The content clientIDs of void lanes: structs of theirs in the content doc must go (see rebuiltContent). */
  private readonly voidClients = new Set<number>()
  private readonly rebuildListeners = new Set<() => void>()
  private readonly listeners = new Set<() => void>()
  private readonly stopWritingAsLane: () => void
  /** The membership changed: what was accepted and what waits are judged again at the next admission. */
  private rejudgeWanted = false
  private readonly stopGate: () => void
  private readonly stopKeys: () => void
  private destroyed = false

  constructor(private readonly options: SignedLogOptions) {
    this.log = new EnvelopeLog(options.space, options.verify, options.keys, options.digest)
    this.author = options.author.publicKey
    this.envelopes = transportEnvelopes(options.transport)
    this.signingWanted = new Promise((resolve) => (this.askedToSign = resolve))
    this.upkeep = new TransportUpkeep({
      transport: options.transport,
      envelopes: this.envelopes,
      origin: this,
      ...(options.quietMoment ? { quietMoment: options.quietMoment } : {}),
      // What the membership refuses for good is never put back, not even this session's own (a removed member's
      // device would restore what every other peer deletes, and the two would never stop).
      held: (envelope) => (options.gate?.verdict(envelope) === 'refuse' ? undefined : this.held.get(heldKey(chainKey(envelope.author, envelope.lane), envelope.seq))),
      voidLanes: () => new Set(this.log.equivocations.keys()),
      blind: options.keys === null,
    })
    // Local edits are structs under the content doc's clientID: it must be one this lane may sign.
    this.stopWritingAsLane = writeAsLane(options.content, options.space, options.lane.publicKey)
    this.log.ownLane(options.author.publicKey, options.lane.publicKey)
    if (options.gate) this.log.setGate(options.gate)
    this.stopGate =
      options.gate?.onChange(() => {
        this.rejudgeWanted = true
        this.receive([], [])
      }) ?? (() => {})
    // A key learned (a rekey opened, or the epoch of a link's secret found) opens what waited for it, and seals what
    // this session wrote while it had none.
    this.stopKeys =
      options.keys?.onChange(() => {
        this.receive([], [])
        if (this.unsigned.length > 0) this.signing ??= this.sealLater()
      }) ?? (() => {})
    options.content.on('update', this.onContentUpdate)
    this.envelopes.observe(this.onTransportChange)
    const present: Uint8Array[] = []
    for (const value of this.envelopes.toArray() as unknown[]) {
      if (isWire(value)) present.push(value)
      else this.upkeep.noteJunk(value)
    }
    if (present.length > 0 || this.envelopes.length > 0) this.receive(present, [])
  }

  /**
   * Makes and certifies the lane key now, so the first edit is sealed in its
   * own transaction; without this the first edit does it (and waits for it).
   * Resolves once done; a failure is reported by the edit that next needs
   * the key, which asks again.
   */
  async prepareToSign(): Promise<void> {
    this.askedToSign()
    if (!this.destroyed) await this.certify().catch(() => {})
  }

  /**
   * Called when the content doc holds what no peer may show: content of a
   * lane found to have signed two histories (EQV1), applied here before its
   * second history was known, or brought back from storage or another tab.
   * Yjs cannot take structs out of a doc: the owner replaces the content
   * with rebuiltContent().
   */
  onRebuildNeeded(listener: () => void): () => void {
    this.rebuildListeners.add(listener)
    return () => this.rebuildListeners.delete(listener)
  }

  /**
   * The content as the log makes it: every authentic envelope of the lanes
   * that are not void, plus this session's edits not yet sealed. Resolves
   * once every queued admission is done.
   */
  async rebuiltContent(): Promise<Uint8Array> {
    await this.settled()
    // A blind replica's content is empty, whatever its log holds.
    if (!this.options.keys) return Y.encodeStateAsUpdate(new Y.Doc())
    return combineUpdates([...[...this.held.values()].map((held) => held.update), ...this.unsigned])
  }

  /**
   * The device whose lane wrote structs under a content clientID: who
   * really wrote a record, whatever the record says. Undefined for a client
   * no verified envelope (nor this session) has written under yet.
   */
  writerOf(client: number): Did | undefined {
    const author = this.log.authorOfClient(client)
    return author && didFromPublicKey(author)
  }

  /** For each lane of a device that this log accepted envelopes of: the last seq accepted (a removal's cut). */
  lanesOf(author: Uint8Array): Array<{ readonly lane: Uint8Array; readonly seq: number }> {
    return this.log.lanesOf(author)
  }

  /** Lanes found to have signed two histories (EQV1), with the device that signed them. */
  get equivocations(): readonly Equivocation[] {
    return [...this.log.equivocations.values()]
  }

  /**
   * What signs this session's presence statements: its lane, certified by
   * the device (made and certified now if they were not yet). The public
   * key of the lane is `lanePublicKey`.
   */
  async presenceSigner(): Promise<PresenceSigner> {
    // Not before the lane's signer is wanted anyway (prepareToSign, or an edit): noble's first signature costs tens
    // of ms of main thread, which must not land in a joining space's WebRTC handshake for the sake of presence.
    await this.signingWanted
    const { key, certificate } = await this.certify()
    return { space: this.options.space, author: this.author, lane: key.publicKey, certificate, sign: key.sign }
  }

  /** How this space checks signatures (WebCrypto where there is one): presence statements use it too. */
  get verifier(): Verifier {
    return this.options.verify
  }

  /** This session's lane: the public key its envelopes and presence are signed with. */
  get lanePublicKey(): Uint8Array {
    return this.options.lane.publicKey
  }

  /** Called on every change of counts, rejections or problems. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Resolves once every queued signature, admission and tidying is done. */
  async settled(): Promise<void> {
    for (let busy = this.busy(); busy; busy = this.busy()) await busy
  }

  private busy(): Promise<void> | undefined {
    return this.signing ?? this.compacting ?? this.admitting ?? this.upkeep.busy
  }

  /**
   * Call once both docs hold what storage had. Brings the content up to the
   * log (a content write may have failed where the log's succeeded), then
   * signs what this lane wrote into the content before the log attached.
   */
  async reconcile(): Promise<void> {
    await this.settled()
    // A blind replica's content stays empty: it holds nothing it could read.
    if (this.destroyed || !this.options.keys) return
    const updates = [...this.held.values()].map((held) => held.update)
    // With no updates, the empty doc's state.
    const logState = combineUpdates(updates)
    const content = this.options.content
    Y.applyUpdate(content, Y.diffUpdate(logState, Y.encodeStateVector(content)), this)
    if (this.holdsVoidContent()) this.needRebuild()
    await this.sealOwnEdits()
  }

  /**
   * Seals what this lane wrote into the content that is neither sealed nor
   * queued: edits made before the log started (the doc writes under the
   * lane's clientID from when it loads). Resolves once they and everything
   * queued are sealed. The owner calls it before closing, as an edit left
   * unsigned then is never signed: no other lane may sign it.
   */
  async sealOwnEdits(): Promise<void> {
    if (this.destroyed) return
    // Only this lane's own structs: another client's in the content and not in the log is a tab's edit
    // whose envelope is on its way, or an earlier session's, and no lane but its own may sign it.
    const content = this.options.content
    const { space, lane } = this.options
    const own = clientIdsOfLane(space, lane.publicKey)
    const contentVector = Y.decodeStateVector(Y.encodeStateVector(content))
    if (!own.some((client) => contentVector.has(client))) return this.settled()
    // This lane is this session's: what it sealed is laneUpdates, and what it will seal is queued.
    const covered = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(combineUpdates([...this.laneUpdates, ...this.unsigned])))
    if (own.some((client) => (contentVector.get(client) ?? 0) > (covered.get(client) ?? 0))) {
      // What is covered of own clients, and everything of every other client: the diff is this lane's unsealed structs.
      const target = new Map(contentVector)
      for (const client of own) target.set(client, covered.get(client) ?? 0)
      this.queueForSigning(Y.encodeStateAsUpdate(content, Y.encodeStateVector(target)))
    }
    await this.settled()
  }

  /**
   * Re-seals, encrypted, what the log holds of version 2 (written before
   * content encryption, by anyone) that no migration carries yet: one
   * `migration` envelope in a lane of its own, signed as this device. Only
   * the owner's migration is applied by peers (MEMBERSHIP.md M7); after it,
   * every peer drops the version-2 copies it carries, so the relay and the
   * room carry only ciphertext. Returns whether there was anything to migrate.
   */
  async migrate(): Promise<boolean> {
    await this.settled()
    const legacy = [...this.held.values()].filter((held) => held.version === LEGACY_ENVELOPE_VERSION && !this.log.isMigrated(held))
    if (this.destroyed || legacy.length === 0) return false
    const { author, space } = this.options
    const key = newLaneKey()
    const certificate = await author.sign(laneCertificateMessage(space, author.publicKey, key.publicKey))
    const contentKey = this.options.keys?.current()
    if (this.destroyed || !contentKey) return false
    const update = combineUpdates(legacy.map((held) => held.update))
    const envelope = sealEnvelope({ kind: EnvelopeKind.migration, update, space, author: author.publicKey, lane: key.publicKey, certificate, seq: 0, prev: GENESIS_PREV }, key.sign, contentKey)
    this.options.transport.transact(() => this.envelopes.push([envelope.wire]), this)
    this.receive([envelope.wire], [])
    await this.settled()
    return true
  }

  /** Content of a void lane that storage brought back (written before its second history was known): it must go. */
  private holdsVoidContent(): boolean {
    if (this.voidClients.size === 0) return false
    for (const client of this.options.content.store.clients.keys()) if (this.voidClients.has(client)) return true
    return false
  }

  destroy(): void {
    this.destroyed = true
    this.upkeep.stop()
    this.stopGate()
    this.stopKeys()
    this.stopWritingAsLane()
    this.options.content.off('update', this.onContentUpdate)
    this.envelopes.unobserve(this.onTransportChange)
    this.listeners.clear()
  }

  private readonly onContentUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    // Only this session's own edits: stored, tab-synced and verified updates arrive through applyUpdate (not local).
    if (transaction.local) this.queueForSigning(update, origin === FIELD_EDIT)
    // From storage or another tab: it may bring back what a rebuild took out.
    else if (origin !== this && this.voidClients.size > 0 && this.writesVoidClients(update)) this.needRebuild()
  }

  private writesVoidClients(update: Uint8Array): boolean {
    return readUpdateShape(update)?.sections.some((section) => this.voidClients.has(section.client)) ?? true
  }

  private needRebuild(): void {
    // A blind replica applied nothing, so there is nothing to take back out.
    if (!this.options.keys) return
    for (const listener of this.rebuildListeners) listener()
  }

  private queueForSigning(written: Uint8Array, inField = false): void {
    const update = this.repeats.withoutRepeats(written)
    if (!update) return
    this.unsigned.push(update)
    // A seal already on its way takes this update too, in order.
    if (this.signing) return
    const { afterPaint } = this.options
    if (inField && afterPaint) this.signing = this.sealLater(new Promise((painted) => afterPaint(painted)))
    else if (this.lane && this.sealsThisRun < SYNC_SEALS_PER_RUN) this.sealUnsigned()
    else this.signing = this.sealLater()
  }

  private certify(): Promise<CertifiedLane> {
    this.askedToSign()
    const { author, space, lane } = this.options
    this.certifying ??= lane
      .key()
      .then(async (key) => {
        if (!sameBytes(key.publicKey, lane.publicKey)) throw new Error('The lane key does not match the lane this log writes as.')
        const certificate = await author.sign(laneCertificateMessage(space, author.publicKey, key.publicKey))
        if (certificate.length !== SIGNATURE_BYTES) throw new Error('An Ed25519 signature is 64 bytes.')
        this.lane = { key, certificate }
        return this.lane
      })
      .catch((error: unknown) => {
        // Whatever failed, signing or its result, the next edit asks again: the key may be back by then.
        this.certifying = undefined
        throw error
      })
    return this.certifying
  }

  /** Seals what is queued once the lane is certified, once a burst that used up its run's seals has ended, and after `wait` (a paint). */
  private async sealLater(wait?: Promise<void>): Promise<void> {
    try {
      if (wait) await wait
      // Resumes once the synchronous run that queued this has ended, so the rest of a burst is merged.
      await this.certify()
      this.sealUnsigned()
    } catch (error) {
      this.report('Changes could not be signed', error)
    } finally {
      this.signing = undefined
    }
  }

  private sealUnsigned(): void {
    if (this.unsigned.length === 0 || this.destroyed || !this.lane) return
    const updates = this.unsigned
    this.unsigned = []
    try {
      this.seal(EnvelopeKind.change, combineUpdates(updates), this.lane)
      this.problem = undefined
      // After this run of code: the change is already on the wire by then.
      if (this.checkpointDue()) this.compacting ??= (this.options.quietMoment?.() ?? Promise.resolve()).then(() => this.sealCheckpoint())
    } catch (error) {
      this.unsigned = [...updates, ...this.unsigned]
      this.report('Changes could not be signed', error)
    }
    if (this.sealsThisRun++ === 0) void Promise.resolve().then(() => (this.sealsThisRun = 0))
  }

  /** Seals the lane's updates so far into one checkpoint; a failure leaves the tail as it is, to try again after the next edit. */
  private sealCheckpoint(): void {
    this.compacting = undefined
    if (this.destroyed || !this.lane || !this.checkpointDue()) return
    try {
      // Peers check that a checkpoint carries, byte for byte, what it supersedes, or what Yjs collected of it as a collected
      // range with its reason (checkpointCoverage.ts, EQV2, EQV5): Y.mergeUpdates, which re-encodes, would make an honest
      // lane look like one with two histories. Without a join, no checkpoint.
      const joined = joinUpdates(this.laneUpdates)
      if (!joined) throw new Error('this lane’s updates do not join; its tail stays as it is.')
      this.seal(EnvelopeKind.checkpoint, collectCheckpoint(joined, this.options.content) ?? joined, this.lane)
    } catch (error) {
      this.report('The log could not be compacted', error)
    }
  }

  private report(what: string, error: unknown): void {
    this.problem = `${what}: ${error instanceof Error ? error.message : String(error)}`
    this.emit()
  }

  private seal(kind: EnvelopeKind, update: Uint8Array, { key, certificate }: CertifiedLane): void {
    const { author, space } = this.options
    const lane = key.publicKey
    const seq = this.log.nextSeq(author.publicKey, lane)
    const checkpoint = kind === EnvelopeKind.checkpoint
    const contentKey = this.options.keys?.current()
    if (!contentKey) throw new Error('this device holds no key of the space to encrypt with.')
    const envelope = sealEnvelope({ kind, update, space, author: author.publicKey, lane, certificate, seq, prev: this.log.head(author.publicKey, lane) }, key.sign, contentKey)
    this.log.append(envelope)
    const superseded = checkpoint ? new Set(this.laneWires) : undefined
    if (superseded) {
      this.dropSuperseded(envelope)
      this.laneUpdates = []
      this.laneWires = []
    }
    this.hold(envelope)
    this.laneUpdates.push(envelope.update)
    this.options.transport.transact(() => {
      this.envelopes.push([envelope.wire])
      // Yjs stores a copy; the copy is what a later checkpoint finds and deletes.
      this.laneWires.push(this.envelopes.get(this.envelopes.length - 1))
      if (superseded) this.deleteWires(superseded)
    }, this)
    this.emit()
  }

  private checkpointDue(): boolean {
    // laneUpdates[0] is the last checkpoint (or the lane's first envelope); the tail is what came after it.
    const tail = this.laneUpdates.length - 1
    if (tail < (this.options.checkpointEvery ?? CHECKPOINT_EVERY)) return false
    if (tail >= MAX_TAIL) return true
    let tailBytes = 0
    for (let index = 1; index <= tail; index++) tailBytes += this.laneUpdates[index]!.length
    return tailBytes * 8 >= this.laneUpdates[0]!.length
  }

  private deleteWires(wires: ReadonlySet<Uint8Array>): void {
    const present = this.envelopes.toArray()
    // From the end, so earlier indexes stay valid while deleting.
    for (let index = present.length - 1; index >= 0; index--) {
      if (wires.has(present[index]!)) this.envelopes.delete(index, 1)
    }
  }

  private hold(envelope: Envelope): void {
    const lane = chainKey(envelope.author, envelope.lane)
    this.held.set(heldKey(lane, envelope.seq), { lane, seq: envelope.seq, version: envelope.version, hash: envelope.hash, update: envelope.update, wire: envelope.wire })
  }

  private readonly onTransportChange = (event: Y.YArrayEvent<Uint8Array>, transaction: Y.Transaction): void => {
    if (transaction.origin === this) return
    const added: Uint8Array[] = []
    const deleted: Uint8Array[] = []
    // Deleted items still carry their content while observers run (garbage collection comes after).
    for (const item of event.changes.added) {
      for (const value of item.content.getContent() as unknown[]) {
        if (isWire(value)) added.push(value)
        else this.upkeep.noteJunk(value)
      }
    }
    for (const item of event.changes.deleted) for (const value of item.content.getContent() as unknown[]) if (isWire(value)) deleted.push(value)
    this.receive(added, deleted)
  }

  private receive(added: readonly Uint8Array[], deleted: readonly Uint8Array[]): void {
    // Loops, not spreads: a cold sync brings more envelopes than a call takes arguments.
    for (const wire of added) this.incoming.push(wire)
    for (const wire of deleted) this.deleted.push(wire)
    this.admitting ??= this.admitQueued()
  }

  private async admitQueued(): Promise<void> {
    try {
      do {
        // The membership statements that came with these envelopes are checked first: they say who may write.
        const settling = this.options.gate?.settled()
        if (settling) await settling
        if (this.destroyed) return
        const again = this.rejudgeWanted
        this.rejudgeWanted = false
        const takenBack = again ? this.takeBackRejudged() : []
        const wires = takenBack.length > 0 ? [...takenBack, ...this.incoming] : this.incoming
        const deleted = this.deleted
        this.incoming = []
        this.deleted = []
        const admission = await this.log.admit(wires, again)
        if (this.destroyed) return
        this.apply(admission)
        this.upkeep.noteAdmission(admission)
        const rebuild = this.noteEquivocations(admission)
        this.upkeep.restore(deleted)
        this.emit()
        if (rebuild || takenBack.length > 0) this.needRebuild()
      } while ((this.incoming.length > 0 || this.deleted.length > 0 || this.rejudgeWanted) && !this.destroyed)
      if (!this.destroyed) this.upkeep.scheduleTidy()
    } finally {
      this.admitting = undefined
    }
  }

  /**
   * What the lanes accepted that the membership no longer lets through (a
   * removal's cut below it, a demotion): out of what this log holds, to be
   * admitted again (it waits, or is refused for good). All of it was
   * applied, so the content is rebuilt without it.
   */
  private takeBackRejudged(): Uint8Array[] {
    const dropped = this.log.rejudge()
    for (const envelope of dropped) this.held.delete(heldKey(chainKey(envelope.author, envelope.lane), envelope.seq))
    return dropped.map((envelope) => envelope.wire)
  }

  /**
   * Lanes that signed two histories: their proof stays in the transport doc
   * (every newcomer must find it), the rest of them goes, nothing of them is
   * held; true when content of theirs was applied here and must be undone.
   */
  private noteEquivocations(admission: Admission): boolean {
    let rebuild = false
    for (const equivocation of admission.equivocations) {
      for (const [key, held] of this.held) if (held.lane === equivocation.lane) this.held.delete(key)
      const lane = equivocation.proof[0].lane
      for (const client of clientIdsOfLane(this.options.space, lane)) this.voidClients.add(client)
      this.upkeep.keepProof(equivocation.proof)
      rebuild ||= equivocation.hadAccepted
    }
    return rebuild
  }

  private apply(admission: Admission): void {
    if (admission.accepted.length === 0) return
    for (const envelope of admission.accepted) {
      if (envelope.kind === EnvelopeKind.checkpoint) this.dropSuperseded(envelope)
      this.hold(envelope)
    }
    if (admission.accepted.some((envelope) => envelope.kind === EnvelopeKind.migration)) this.dropMigrated()
    if (!this.options.keys) return
    // Joined first, not applied one by one in a transaction: an update whose dependencies arrive in a
    // later one is parked, and each later apply re-merges the parked ones (quadratic on a cold sync).
    const updates = admission.accepted.map((envelope) => envelope.update)
    try {
      Y.applyUpdate(
        this.options.content,
        combineUpdates(
          updates,
          admission.accepted.map((envelope) => envelope.shape),
        ),
        this,
      )
    } catch {
      // One authentic envelope whose update Yjs cannot read must not keep the rest of the batch out.
      for (const envelope of admission.accepted) {
        try {
          Y.applyUpdate(this.options.content, envelope.update, this)
        } catch {
          this.held.delete(heldKey(chainKey(envelope.author, envelope.lane), envelope.seq))
          this.log.countRejection(EnvelopeRejection.unreadableUpdate)
        }
      }
    }
  }

  /** Version-2 envelopes an accepted migration carries: neither held nor kept in the transport doc any more. */
  private dropMigrated(): void {
    const migrated: Uint8Array[] = []
    for (const [key, held] of this.held) {
      if (!this.log.isMigrated(held)) continue
      this.held.delete(key)
      migrated.push(held.wire)
    }
    this.upkeep.noteReplaced(migrated)
  }

  private dropSuperseded(checkpoint: Envelope): void {
    const lane = chainKey(checkpoint.author, checkpoint.lane)
    for (const [key, held] of this.held) if (held.lane === lane && held.seq < checkpoint.seq) this.held.delete(key)
  }

  private emit(): void {
    for (const listener of this.listeners) listener()
  }
}
