/**
 * A space's membership log, live: the statements in its transport doc (the
 * `membership` array, replicated with the envelopes), checked, resolved into
 * who holds which role (resolveMembership.ts), and the gate through which
 * that decides which envelopes may change the content (EnvelopeGate).
 *
 * Every peer keeps the array clean and whole, as it does the envelopes:
 * bytes that are no statement of this space, or that no valid signature
 * covers, go; a repeat goes; a verified statement someone deletes comes
 * back. A statement's author may be anyone holding the room, so what it
 * costs to hold is capped (SECURITY MEM3): past MAX_STATEMENTS or
 * MAX_STATEMENT_LOG_BYTES, only statements by the owner and admins are
 * kept.
 */
import type * as Y from 'yjs'
import { toHexString } from 'lib0/buffer'
import type { LogAuthor } from '../space/SignedLog.ts'
import { EnvelopeKind, type Envelope, type Verifier } from '../space/envelope.ts'
import type { EnvelopeGate, EnvelopeVerdict } from '../space/envelopeGate.ts'
import type { SpaceId } from '../space/ids.ts'
import { envelopeVerdict } from './envelopeVerdict.ts'
import { EMPTY_MEMBERSHIP, memberOfDevice, resolveMembership, type MembershipState } from './resolveMembership.ts'
import { managesMembers, writesContent } from './roles.ts'
import { openStatement, sealStatement, StatementKind, verifyStatement, type Statement, type StatementPayload } from './statement.ts'

/** Name of the statement array in a transport doc: part of the format. */
export const MEMBERSHIP = 'membership'
/** Far more than a space of 100 people makes in years (an add, an invite and a handful of changes each). */
export const MAX_STATEMENTS = 4_096
export const MAX_STATEMENT_LOG_BYTES = 8 * 1024 * 1024

/** Name of the statement map a beacon room serves (followEpochs.ts): part of the format. */
export const MEMBERSHIP_BEACON = 'membership-beacon'

export function membershipStatements(transport: Y.Doc): Y.Array<Uint8Array> {
  return transport.getArray<Uint8Array>(MEMBERSHIP)
}

/** Statements as a room left behind serves them, by signature: read like the array, never written here. */
export function membershipBeacon(transport: Y.Doc): Y.Map<Uint8Array> {
  return transport.getMap<Uint8Array>(MEMBERSHIP_BEACON)
}

export interface SpaceMembershipOptions {
  readonly space: SpaceId
  readonly transport: Y.Doc
  readonly verify: Verifier
  readonly now: () => number
  /**
   * True for a space made or joined with membership: until its genesis
   * arrives, nobody's envelopes are applied. False for a space made before
   * membership: until its owner founds its log, everyone writes, as before.
   */
  readonly requiresGenesis: boolean
  /** The device a space made before membership recorded as its owner (M1). */
  readonly legacyOwner?: () => Uint8Array | undefined
  /** MAX_STATEMENTS and MAX_STATEMENT_LOG_BYTES, unless a test sets others. */
  readonly caps?: { readonly statements: number; readonly bytes: number }
}

export class SpaceMembership implements EnvelopeGate {
  /** The key (hex) of the invite this device asked to be admitted with, while it waits (settleMembership). */
  joiningWith: string | undefined
  private resolved: MembershipState = EMPTY_MEMBERSHIP
  private readonly statements: Y.Array<Uint8Array>
  /** Where a member coming back to a room the others left finds the rekey (followEpochs.ts). */
  private readonly beacon: Y.Map<Uint8Array>
  /** Verified statements by id. */
  private readonly verified = new Map<string, Statement>()
  private verifiedBytes = 0
  /** Wires still to check, and the check under way. */
  private incoming: unknown[] = []
  private checking: Promise<void> | undefined
  private readonly listeners = new Set<() => void>()
  private stopped = false

  constructor(private readonly options: SpaceMembershipOptions) {
    this.statements = membershipStatements(options.transport)
    this.beacon = membershipBeacon(options.transport)
    this.statements.observe(this.onStatements)
    this.beacon.observe(this.onBeacon)
    this.receive([...this.statements.toArray(), ...this.beacon.values()])
  }

  /** Who holds which role, as this peer's statements make it. */
  get state(): MembershipState {
    return this.resolved
  }

  /** Whether the membership log has begun: before, a space made before membership is open to everyone. */
  get founded(): boolean {
    return this.resolved.genesis !== undefined
  }

  /**
   * Whether a device may change the space's content now (its schedule
   * included: claims and runs are content, M7). Peers whose changes would
   * be refused are no hosts of the schedule.
   */
  writes(device: Uint8Array): boolean {
    if (!this.founded) return !this.options.requiresGenesis
    return writesContent(memberOfDevice(this.resolved, device)?.role)
  }

  verdict(envelope: Envelope): EnvelopeVerdict {
    // A migration is the owner's (M11): in a log not founded yet, nobody is known to be.
    if (!this.founded) return this.options.requiresGenesis || envelope.kind === EnvelopeKind.migration ? 'park' : 'apply'
    return envelopeVerdict(this.resolved, envelope.author, envelope.lane, envelope.seq, envelope.kind)
  }

  settled(): Promise<void> | undefined {
    return this.checking && this.settle()
  }

  private async settle(): Promise<void> {
    while (this.checking) await this.checking
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Signs a statement with the device's key, naming the heads this peer
   * holds, and adds it to the log. `at`: its time, if not now (a genesis is
   * dated by the space's creation, so every context of the device that
   * writes it writes the same bytes).
   */
  async say(author: LogAuthor, payload: StatementPayload, at = this.options.now()): Promise<Statement> {
    await this.settled()
    const statement = await sealStatement({ space: this.options.space, author: author.publicKey, at, parents: payload.kind === StatementKind.genesis ? [] : this.resolved.heads, ...payload }, author.sign)
    if (this.stopped) return statement
    this.keep(statement)
    this.options.transport.transact(() => this.statements.push([statement.wire]), this)
    this.resolve()
    return statement
  }

  /**
   * Resolves again with what the log knows now: a space made before
   * membership is founded only once its recorded owner is known (M1), which
   * the content's verified writers decide, not a statement.
   */
  refresh(): void {
    if (!this.stopped && this.verified.size > 0) this.resolve()
  }

  /** Whether `device` is the owner a space made before membership recorded (M1): the one who may found its log. */
  isLegacyOwner(device: Uint8Array): boolean {
    const owner = this.options.legacyOwner?.()
    return owner !== undefined && toHexString(owner) === toHexString(device)
  }

  /** The bytes of a verified statement, by id: what it costs to send and store. */
  wireOf(id: string): Uint8Array | undefined {
    return this.verified.get(id)?.wire
  }

  stop(): void {
    this.stopped = true
    this.statements.unobserve(this.onStatements)
    this.beacon.unobserve(this.onBeacon)
    this.listeners.clear()
  }

  private readonly onStatements = (event: Y.YArrayEvent<Uint8Array>, transaction: Y.Transaction): void => {
    if (transaction.origin === this) return
    const added: unknown[] = []
    for (const item of event.changes.added) for (const value of item.content.getContent()) added.push(value)
    const deleted = event.changes.deleted.size > 0
    if (added.length > 0 || deleted) this.receive(added)
  }

  private readonly onBeacon = (event: Y.YMapEvent<Uint8Array>, transaction: Y.Transaction): void => {
    if (transaction.origin === this) return
    const added: unknown[] = []
    for (const [key, change] of event.changes.keys) if (change.action !== 'delete') added.push(this.beacon.get(key))
    if (added.length > 0) this.receive(added)
  }

  private receive(values: readonly unknown[]): void {
    for (const value of values) this.incoming.push(value)
    this.checking ??= this.checkQueued()
  }

  private async checkQueued(): Promise<void> {
    try {
      do {
        const batch = this.incoming
        this.incoming = []
        const opened = batch.map((value) => openStatement(value)).filter((statement): statement is Statement => statement !== undefined && statement.body.space === this.options.space && !this.verified.has(statement.id))
        const valid = await Promise.all(opened.map((statement) => verifyStatement(statement, this.options.verify)))
        if (this.stopped) return
        for (const [index, statement] of opened.entries()) if (valid[index] && this.roomFor(statement)) this.keep(statement)
      } while (this.incoming.length > 0)
      this.resolve()
      this.tidy()
    } finally {
      this.checking = undefined
    }
  }

  /** MEM3: past the caps, only the owner's and admins' statements are kept, so a member cannot crowd them out. */
  private roomFor(statement: Statement): boolean {
    const caps = this.options.caps ?? { statements: MAX_STATEMENTS, bytes: MAX_STATEMENT_LOG_BYTES }
    if (this.verified.size < caps.statements && this.verifiedBytes + statement.wire.length <= caps.bytes) return true
    return managesMembers(memberOfDevice(this.resolved, statement.body.author)?.role)
  }

  private keep(statement: Statement): void {
    if (this.verified.has(statement.id)) return
    this.verified.set(statement.id, statement)
    this.verifiedBytes += statement.wire.length
  }

  private resolve(): void {
    const before = this.resolved
    const legacyOwner = this.options.legacyOwner?.()
    const after = resolveMembership([...this.verified.values()], { space: this.options.space, ...(legacyOwner ? { legacyOwner } : {}) })
    // The state object changes only with what it says: views compare it by identity.
    if (!changed(before, after)) return
    this.resolved = after
    for (const listener of this.listeners) listener()
  }

  /** Junk and repeats out, deleted statements back: one pass over the array (it holds a few hundred entries). */
  private tidy(): void {
    const seen = new Set<string>()
    const junk: number[] = []
    for (const [index, value] of this.statements.toArray().entries()) {
      const statement = openStatement(value)
      if (!statement || !this.verified.has(statement.id) || seen.has(statement.id)) junk.push(index)
      else seen.add(statement.id)
    }
    const missing = [...this.verified.values()].filter((statement) => !seen.has(statement.id))
    if (junk.length === 0 && missing.length === 0) return
    this.options.transport.transact(() => {
      for (const index of junk.reverse()) this.statements.delete(index, 1)
      if (missing.length > 0) this.statements.push(missing.map((statement) => statement.wire))
    }, this)
  }
}

/** Every member, role and invite follows from which statements applied: comparing outcomes compares them all. */
function changed(before: MembershipState, after: MembershipState): boolean {
  if (before.genesis !== after.genesis || before.outcomes.size !== after.outcomes.size || before.waiting !== after.waiting) return true
  for (const [id, outcome] of after.outcomes) if (before.outcomes.get(id) !== outcome) return true
  return false
}
