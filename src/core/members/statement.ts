/**
 * Membership statements: the signed entries of a space's membership log
 * (MEMBERSHIP.md). Each names the statements its author had seen last
 * (`parents`), so the log is a graph in which every peer can tell what came
 * before what, and what was concurrent.
 *
 *   body = version u8 ‖ space id (varbytes) ‖ author device Ed25519 key (32)
 *          ‖ at (varuint, ms) ‖ parent count (varuint) ‖ parents (32 each)
 *          ‖ kind u8 ‖ payload (by kind, below)
 *   hash = SHA-256(body)               (the statement's id)
 *   signature = Ed25519(author, "pii membership v1\0" ‖ hash)
 *   wire = body ‖ signature (64)
 *
 * An accept also carries the invite key's signature of
 * "pii invite accept v1\0" ‖ space id ‖ author ‖ invite key: only someone
 * holding the link's invite secret can make it, and it names the device it
 * admits, so it cannot be replayed for another.
 *
 * A link carries the partner device's half of a pairing: its signature of
 * "pii device pairing v1\0" ‖ the two devices' keys (smaller first). Both
 * devices sign that one message when a person pairs them, so either may
 * link itself, with the other's signature, into any space the other is in
 * (MEMBERSHIP.md M13).
 */
import { toHexString } from 'lib0/buffer'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { digest as sha256 } from 'lib0/hash/sha256'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../identity/didKey.ts'
import { HASH_BYTES, SIGNATURE_BYTES, type Signer, type Verifier } from '../space/envelope.ts'
import { ID_BYTES, type SpaceId } from '../space/ids.ts'
import { roleCode, roleFromCode, type Role } from './roles.ts'

export const STATEMENT_VERSION = 1
/** A statement names the heads its author had seen: a handful, unless many admins wrote at once. */
export const MAX_PARENTS = 32
/** Lanes of one person a cut may name: a session per tab and per day adds up, but not to this. */
export const MAX_CUT_LANES = 1024
export const MAX_MEMBER_NAME_LENGTH = 80
/** X25519 public keys, for sealing epoch secrets to a device (empty until its device publishes one). */
export const X25519_KEY_BYTES = 32
export const SALT_BYTES = 16
/** Larger than any honest statement (a rekey to 100 devices is ~12 KB); bigger is junk. */
export const MAX_STATEMENT_BYTES = 64 * 1024

const SIGNING_CONTEXT = new TextEncoder().encode('pii membership v1\0')
const ACCEPT_CONTEXT = new TextEncoder().encode('pii invite accept v1\0')
const SPACE_ID_CONTEXT = new TextEncoder().encode('pii space id v1\0')
const PAIRING_CONTEXT = new TextEncoder().encode('pii device pairing v1\0')

export const StatementKind = { genesis: 0, add: 1, accept: 2, remove: 3, role: 4, invite: 5, revokeInvite: 6, rekey: 7, device: 8, link: 9, unlink: 10 } as const
export type StatementKind = (typeof StatementKind)[keyof typeof StatementKind]

/** For one lane of a person: the last seq written under the role (or membership) the statement ends. */
export interface LaneCut {
  readonly lane: Uint8Array
  readonly seq: number
}

/** An epoch secret sealed to one device's X25519 key (sealingKey.ts). */
export interface SealedSecret {
  readonly device: Uint8Array
  readonly box: Uint8Array
}

/** Devices one rekey seals to: 50 people with a handful of devices each, with room to spare. */
export const MAX_SEALED = 1024

export interface StatementHead {
  readonly space: SpaceId
  /** The signing device's Ed25519 public key. */
  readonly author: Uint8Array
  /** The author's clock when it signed (ms): only invites' expiry reads it. */
  readonly at: number
  /** Hashes of the statements the author had seen last (none only for the genesis). */
  readonly parents: readonly Uint8Array[]
}

export type StatementPayload =
  /** The space begins: its author is the owner. `salt` makes the space id (spaceIdOf); empty for a space made before membership. */
  | { readonly kind: typeof StatementKind.genesis; readonly salt: Uint8Array; readonly name: string; readonly x25519: Uint8Array }
  /** Adds a person directly (a space made before membership admits those who wrote it). */
  | { readonly kind: typeof StatementKind.add; readonly person: Uint8Array; readonly role: Role; readonly name: string; readonly x25519: Uint8Array }
  /** The author joins through an invite; `proof` is the invite key's signature (acceptMessage). */
  | { readonly kind: typeof StatementKind.accept; readonly invite: Uint8Array; readonly proof: Uint8Array; readonly name: string; readonly x25519: Uint8Array }
  | { readonly kind: typeof StatementKind.remove; readonly person: Uint8Array; readonly cut: readonly LaneCut[] }
  | { readonly kind: typeof StatementKind.role; readonly person: Uint8Array; readonly role: Role; readonly cut: readonly LaneCut[] }
  /** `uses` 0: any number of people may join with it until it expires. */
  | { readonly kind: typeof StatementKind.invite; readonly invite: Uint8Array; readonly role: Role; readonly expiresAt: number; readonly uses: number }
  | { readonly kind: typeof StatementKind.revokeInvite; readonly invite: Uint8Array }
  /** Starts epoch `epoch` (M10): its secret sealed to each remaining device, and the previous secret under the new one. */
  | { readonly kind: typeof StatementKind.rekey; readonly epoch: number; readonly sealed: readonly SealedSecret[]; readonly previous: Uint8Array }
  /** A member publishes its device's sealing key (one added before it had one, or by someone else: M10). */
  | { readonly kind: typeof StatementKind.device; readonly x25519: Uint8Array }
  /**
   * The author joins the person of `partner`, a device of that person already here, as another of their devices
   * (MEMBERSHIP.md M13): `proof` is the partner's signature of their pairing (pairingMessage).
   */
  | { readonly kind: typeof StatementKind.link; readonly partner: Uint8Array; readonly proof: Uint8Array; readonly name: string; readonly x25519: Uint8Array }
  /** A device of the author's person stops being theirs (M14): `cut` is, for each of its lanes, the last seq kept. */
  | { readonly kind: typeof StatementKind.unlink; readonly device: Uint8Array; readonly cut: readonly LaneCut[] }

export type StatementBody = StatementHead & StatementPayload

export interface Statement {
  readonly body: StatementBody
  readonly hash: Uint8Array
  /** Hex of the hash: a map key. */
  readonly id: string
  readonly signature: Uint8Array
  readonly wire: Uint8Array
}

export const statementId = (hash: Uint8Array): string => toHexString(hash)

function writeText(encoder: encoding.Encoder, text: string): void {
  encoding.writeVarString(encoder, text.slice(0, MAX_MEMBER_NAME_LENGTH))
}

function writeCut(encoder: encoding.Encoder, cut: readonly LaneCut[]): void {
  if (cut.length > MAX_CUT_LANES) throw new Error(`A cut names at most ${MAX_CUT_LANES} lanes.`)
  encoding.writeVarUint(encoder, cut.length)
  for (const { lane, seq } of cut) {
    if (lane.length !== ED25519_PUBLIC_KEY_BYTES || !Number.isSafeInteger(seq) || seq < 0) throw new Error('A cut is lanes (32-byte keys) with whole seqs.')
    encoding.writeUint8Array(encoder, lane)
    encoding.writeVarUint(encoder, seq)
  }
}

function writeKey(encoder: encoding.Encoder, key: Uint8Array, bytes: number, what: string): void {
  if (key.length !== bytes) throw new Error(`${what} is ${bytes} bytes.`)
  encoding.writeUint8Array(encoder, key)
}

export function encodeStatementBody(body: StatementBody): Uint8Array {
  const spaceBytes = decodeBase58(body.space)
  if (!spaceBytes || spaceBytes.length !== ID_BYTES) throw new Error(`"${body.space}" is not a space id.`)
  if (body.parents.length > MAX_PARENTS) throw new Error(`A statement names at most ${MAX_PARENTS} parents.`)
  if (!Number.isSafeInteger(body.at) || body.at < 0) throw new Error('A statement time is whole milliseconds.')
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, STATEMENT_VERSION)
  encoding.writeVarUint8Array(encoder, spaceBytes)
  writeKey(encoder, body.author, ED25519_PUBLIC_KEY_BYTES, 'A statement author')
  encoding.writeVarUint(encoder, body.at)
  encoding.writeVarUint(encoder, body.parents.length)
  for (const parent of body.parents) writeKey(encoder, parent, HASH_BYTES, 'A parent')
  encoding.writeUint8(encoder, body.kind)
  switch (body.kind) {
    case StatementKind.genesis:
      encoding.writeVarUint8Array(encoder, body.salt)
      writeText(encoder, body.name)
      encoding.writeVarUint8Array(encoder, body.x25519)
      break
    case StatementKind.add:
      writeKey(encoder, body.person, ED25519_PUBLIC_KEY_BYTES, 'A person')
      encoding.writeUint8(encoder, roleCode(body.role))
      writeText(encoder, body.name)
      encoding.writeVarUint8Array(encoder, body.x25519)
      break
    case StatementKind.accept:
      writeKey(encoder, body.invite, ED25519_PUBLIC_KEY_BYTES, 'An invite key')
      writeKey(encoder, body.proof, SIGNATURE_BYTES, 'An invite proof')
      writeText(encoder, body.name)
      encoding.writeVarUint8Array(encoder, body.x25519)
      break
    case StatementKind.remove:
      writeKey(encoder, body.person, ED25519_PUBLIC_KEY_BYTES, 'A person')
      writeCut(encoder, body.cut)
      break
    case StatementKind.role:
      writeKey(encoder, body.person, ED25519_PUBLIC_KEY_BYTES, 'A person')
      encoding.writeUint8(encoder, roleCode(body.role))
      writeCut(encoder, body.cut)
      break
    case StatementKind.invite:
      writeKey(encoder, body.invite, ED25519_PUBLIC_KEY_BYTES, 'An invite key')
      encoding.writeUint8(encoder, roleCode(body.role))
      encoding.writeVarUint(encoder, body.expiresAt)
      encoding.writeVarUint(encoder, body.uses)
      break
    case StatementKind.revokeInvite:
      writeKey(encoder, body.invite, ED25519_PUBLIC_KEY_BYTES, 'An invite key')
      break
    case StatementKind.rekey:
      if (!Number.isSafeInteger(body.epoch) || body.epoch < 1) throw new Error('A rekey starts epoch 1 or later.')
      if (body.sealed.length > MAX_SEALED) throw new Error(`A rekey seals to at most ${MAX_SEALED} devices.`)
      encoding.writeVarUint(encoder, body.epoch)
      encoding.writeVarUint(encoder, body.sealed.length)
      for (const { device, box } of body.sealed) {
        writeKey(encoder, device, ED25519_PUBLIC_KEY_BYTES, 'A sealed-to device')
        encoding.writeVarUint8Array(encoder, box)
      }
      encoding.writeVarUint8Array(encoder, body.previous)
      break
    case StatementKind.device:
      writeKey(encoder, body.x25519, X25519_KEY_BYTES, 'A sealing key')
      break
    case StatementKind.link:
      writeKey(encoder, body.partner, ED25519_PUBLIC_KEY_BYTES, 'A partner device')
      writeKey(encoder, body.proof, SIGNATURE_BYTES, 'A pairing proof')
      writeText(encoder, body.name)
      encoding.writeVarUint8Array(encoder, body.x25519)
      break
    case StatementKind.unlink:
      writeKey(encoder, body.device, ED25519_PUBLIC_KEY_BYTES, 'A device')
      writeCut(encoder, body.cut)
      break
  }
  return encoding.toUint8Array(encoder)
}

function readKeyOrEmpty(decoder: decoding.Decoder): Uint8Array {
  const key = decoding.readVarUint8Array(decoder)
  if (key.length !== 0 && key.length !== X25519_KEY_BYTES) throw new Error('bad key')
  return key
}

function readRole(decoder: decoding.Decoder): Role {
  const role = roleFromCode(decoding.readUint8(decoder))
  if (!role) throw new Error('bad role')
  return role
}

function readCut(decoder: decoding.Decoder): LaneCut[] {
  const count = decoding.readVarUint(decoder)
  if (count > MAX_CUT_LANES) throw new Error('cut too long')
  const cut: LaneCut[] = []
  for (let index = 0; index < count; index++) {
    const lane = decoding.readUint8Array(decoder, ED25519_PUBLIC_KEY_BYTES)
    const seq = decoding.readVarUint(decoder)
    if (!Number.isSafeInteger(seq)) throw new Error('bad seq')
    cut.push({ lane, seq })
  }
  return cut
}

function readName(decoder: decoding.Decoder): string {
  const name = decoding.readVarString(decoder)
  if (name.length > MAX_MEMBER_NAME_LENGTH) throw new Error('name too long')
  return name
}

function readPayload(decoder: decoding.Decoder, kind: number): StatementPayload {
  const key = (): Uint8Array => decoding.readUint8Array(decoder, ED25519_PUBLIC_KEY_BYTES)
  switch (kind) {
    case StatementKind.genesis: {
      const salt = decoding.readVarUint8Array(decoder)
      if (salt.length !== 0 && salt.length !== SALT_BYTES) throw new Error('bad salt')
      return { kind, salt, name: readName(decoder), x25519: readKeyOrEmpty(decoder) }
    }
    case StatementKind.add:
      return { kind, person: key(), role: readRole(decoder), name: readName(decoder), x25519: readKeyOrEmpty(decoder) }
    case StatementKind.accept:
      return { kind, invite: key(), proof: decoding.readUint8Array(decoder, SIGNATURE_BYTES), name: readName(decoder), x25519: readKeyOrEmpty(decoder) }
    case StatementKind.remove:
      return { kind, person: key(), cut: readCut(decoder) }
    case StatementKind.role:
      return { kind, person: key(), role: readRole(decoder), cut: readCut(decoder) }
    case StatementKind.invite: {
      const invite = key()
      const role = readRole(decoder)
      const expiresAt = decoding.readVarUint(decoder)
      const uses = decoding.readVarUint(decoder)
      if (!Number.isSafeInteger(expiresAt) || !Number.isSafeInteger(uses)) throw new Error('bad number')
      return { kind, invite, role, expiresAt, uses }
    }
    case StatementKind.revokeInvite:
      return { kind, invite: key() }
    case StatementKind.rekey: {
      const epoch = decoding.readVarUint(decoder)
      const count = decoding.readVarUint(decoder)
      if (!Number.isSafeInteger(epoch) || epoch < 1 || count > MAX_SEALED) throw new Error('bad rekey')
      const sealed: SealedSecret[] = []
      for (let index = 0; index < count; index++) sealed.push({ device: key(), box: decoding.readVarUint8Array(decoder) })
      return { kind, epoch, sealed, previous: decoding.readVarUint8Array(decoder) }
    }
    case StatementKind.device:
      return { kind, x25519: decoding.readUint8Array(decoder, X25519_KEY_BYTES) }
    case StatementKind.link:
      return { kind, partner: key(), proof: decoding.readUint8Array(decoder, SIGNATURE_BYTES), name: readName(decoder), x25519: readKeyOrEmpty(decoder) }
    case StatementKind.unlink:
      return { kind, device: key(), cut: readCut(decoder) }
    default:
      throw new Error('unknown kind')
  }
}

/**
 * Reads a statement's structure and hash; undefined for bytes that are not
 * one. It checks no signature (verifyStatement does).
 */
export function openStatement(wire: unknown): Statement | undefined {
  if (!(wire instanceof Uint8Array) || wire.length <= SIGNATURE_BYTES || wire.length > MAX_STATEMENT_BYTES) return undefined
  const bodyBytes = wire.subarray(0, wire.length - SIGNATURE_BYTES)
  try {
    const decoder = decoding.createDecoder(bodyBytes)
    if (decoding.readUint8(decoder) !== STATEMENT_VERSION) return undefined
    const spaceBytes = decoding.readVarUint8Array(decoder)
    if (spaceBytes.length !== ID_BYTES) return undefined
    const author = decoding.readUint8Array(decoder, ED25519_PUBLIC_KEY_BYTES)
    const at = decoding.readVarUint(decoder)
    const parentCount = decoding.readVarUint(decoder)
    if (parentCount > MAX_PARENTS || !Number.isSafeInteger(at)) return undefined
    const parents: Uint8Array[] = []
    for (let index = 0; index < parentCount; index++) parents.push(decoding.readUint8Array(decoder, HASH_BYTES))
    const payload = readPayload(decoder, decoding.readUint8(decoder))
    if (decoding.hasContent(decoder)) return undefined
    const hash = sha256(bodyBytes)
    const body = { space: encodeBase58(spaceBytes) as SpaceId, author, at, parents, ...payload } as StatementBody
    return { body, hash, id: statementId(hash), signature: wire.subarray(wire.length - SIGNATURE_BYTES), wire }
  } catch {
    // lib0 throws on reads past the end; the readers above throw on values out of range.
    return undefined
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export function statementSigningMessage(hash: Uint8Array): Uint8Array {
  return concat(SIGNING_CONTEXT, hash)
}

/** What an invite key signs to admit one device to one space. */
export function acceptMessage(space: SpaceId, device: Uint8Array, invite: Uint8Array): Uint8Array {
  const spaceBytes = decodeBase58(space)
  if (!spaceBytes) throw new Error(`"${space}" is not a space id.`)
  return concat(ACCEPT_CONTEXT, spaceBytes, device, invite)
}

/**
 * What two devices each sign when a person pairs them: the same bytes
 * whichever of the two signs, so one pairing lets either join the other's
 * person in any space.
 */
export function pairingMessage(one: Uint8Array, other: Uint8Array): Uint8Array {
  const [first, second] = compareKeys(one, other) <= 0 ? [one, other] : [other, one]
  return concat(PAIRING_CONTEXT, first, second)
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) if (a[index] !== b[index]) return a[index]! - b[index]!
  return a.length - b.length
}

/** Signs with the author's device key. */
export async function sealStatement(body: StatementBody, sign: Signer): Promise<Statement> {
  const bodyBytes = encodeStatementBody(body)
  const hash = sha256(bodyBytes)
  const signature = await sign(statementSigningMessage(hash))
  if (signature.length !== SIGNATURE_BYTES) throw new Error('An Ed25519 signature is 64 bytes.')
  const wire = concat(bodyBytes, signature)
  if (wire.length > MAX_STATEMENT_BYTES) throw new Error(`A membership statement is at most ${MAX_STATEMENT_BYTES} bytes.`)
  return { body, hash, id: statementId(hash), signature, wire }
}

/** Whether the author signed it and, for an accept, the invite key signed the admission of the author; for a link, the partner signed the pairing. */
export async function verifyStatement(statement: Statement, verify: Verifier): Promise<boolean> {
  const { body } = statement
  const signed = verify(body.author, statement.signature, statementSigningMessage(statement.hash))
  if (body.kind === StatementKind.accept) {
    const [author, invite] = await Promise.all([signed, verify(body.invite, body.proof, acceptMessage(body.space, body.author, body.invite))])
    return author && invite
  }
  if (body.kind === StatementKind.link) {
    if (compareKeys(body.author, body.partner) === 0) return false
    const [author, partner] = await Promise.all([signed, verify(body.partner, body.proof, pairingMessage(body.author, body.partner))])
    return author && partner
  }
  return signed
}

/**
 * A new space's id, from its owner's key and a salt: the genesis that names
 * them is the only one any peer takes for the space (M1), so nobody else can
 * claim to have founded it.
 */
export function spaceIdOf(owner: Uint8Array, salt: Uint8Array): SpaceId {
  return encodeBase58(sha256(concat(SPACE_ID_CONTEXT, owner, salt)).subarray(0, ID_BYTES)) as SpaceId
}
