/**
 * Envelopes: the signed, hash-chained records of the space log. Each one
 * carries one (or a few coalesced) Yjs updates from one device, encrypted
 * for the space (contentCipher.ts):
 *
 *   header = version u8 (3) ‖ kind u8 ‖ space id (varbytes)
 *          ‖ author Ed25519 key (32) ‖ lane Ed25519 key (32)
 *          ‖ lane certificate (64) ‖ seq (varuint) ‖ prev hash (32)
 *          ‖ epoch (varuint) ‖ nonce (12)
 *   body = header ‖ AES-GCM(content key of epoch, nonce, header; update) (varbytes)
 *   certificate = Ed25519(author, "pii lane v1\0" ‖ space id ‖ author ‖ lane)
 *   hash = SHA-256(body)
 *   signature = Ed25519(lane, "pii envelope v3\0" ‖ hash)
 *   wire = body ‖ signature (64)
 *
 * Version 2 (before content encryption) had no epoch and no nonce, carried
 * the update in the clear and was signed under "pii envelope v2\0". Such
 * envelopes are still read (a space's owner migrates them: see
 * `EnvelopeKind.migration`); nothing seals them any more.
 *
 * A chain is one author's lane: every session that writes a space (each open
 * tab, the personal node) makes a fresh lane key pair, so two tabs of one
 * device never fork one chain by signing the same seq twice, and no tab
 * needs a lock or a leader to write. `prev` is the hash of the lane's
 * previous envelope (zeros for seq 0), so each lane is a hash chain: a valid
 * signature on an envelope authenticates every envelope before it.
 *
 * Why a lane key: the device key is non-extractable, so it signs only through
 * WebCrypto, which answers a task later, after the UI has rendered the edit.
 * The lane key lives in memory for one session and signs synchronously
 * (noble), so an edit's envelope is sealed inside the edit's own
 * transaction and leaves before anything else runs. The device key signs
 * once per session: the certificate, which every envelope of the lane
 * carries, so any one of them (or a checkpoint that starts a lane without
 * its history) proves who wrote it. A peer checks a lane's certificate once.
 *
 * A `checkpoint` carries the lane's whole contribution so far (its earlier
 * updates merged). It supersedes everything before it in its lane, so a peer
 * that joins later needs the checkpoint and the envelopes after it, not the
 * whole history, and the lane's author may delete what it superseded.
 *
 * The signing context keeps an envelope signature from ever being valid for
 * any other kind of message (or for the other version).
 */
import { toHexString } from 'lib0/buffer'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { digest as sha256 } from 'lib0/hash/sha256'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../identity/didKey.ts'
import { encryptContent, NONCE_BYTES, TAG_BYTES, type ContentKey } from './contentCipher.ts'
import { ID_BYTES, type SpaceId } from './ids.ts'

/** What this version seals. */
export const ENVELOPE_VERSION = 3
/** Envelopes from before content encryption: read, never sealed. */
export const LEGACY_ENVELOPE_VERSION = 2
export const HASH_BYTES = 32
export const LANE_BYTES = ED25519_PUBLIC_KEY_BYTES
export const SIGNATURE_BYTES = 64
/** An update larger than this is split by the sender; a bigger one is junk or an attack. */
export const MAX_UPDATE_BYTES = 8 * 1024 * 1024
const SIGNING_CONTEXT = new TextEncoder().encode('pii envelope v3\0')
const LEGACY_SIGNING_CONTEXT = new TextEncoder().encode('pii envelope v2\0')
const LANE_CONTEXT = new TextEncoder().encode('pii lane v1\0')
export const GENESIS_PREV = new Uint8Array(HASH_BYTES)

/**
 * `migration`: the owner's device re-sealing, as v3, what the space's log
 * held in version 2 (whoever wrote it); see EnvelopeLog for what it may
 * carry and what it replaces.
 */
export const EnvelopeKind = { change: 0, checkpoint: 1, migration: 2 } as const
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind]

export interface EnvelopeBody {
  readonly kind: EnvelopeKind
  readonly space: SpaceId
  /** The author device's Ed25519 public key. */
  readonly author: Uint8Array
  /** The writing session's chain: its own Ed25519 public key, fresh per session. */
  readonly lane: Uint8Array
  /** The author's signature of the lane key (laneCertificateMessage). */
  readonly certificate: Uint8Array
  readonly seq: number
  readonly prev: Uint8Array
  /** The Yjs update, in the clear: sealed encrypted; empty in an envelope read from a wire until its content is opened. */
  readonly update: Uint8Array
}

/** Where a v3 envelope's content is, encrypted. */
export interface SealedContent {
  readonly epoch: number
  readonly nonce: Uint8Array
  /** The additional data the ciphertext is bound to: the body before it. */
  readonly header: Uint8Array
  readonly ciphertext: Uint8Array
}

export interface Envelope extends EnvelopeBody {
  readonly version: typeof ENVELOPE_VERSION | typeof LEGACY_ENVELOPE_VERSION
  /** A v3 envelope's encrypted content (absent in v2, whose update is in the clear). */
  readonly sealed?: SealedContent
  readonly hash: Uint8Array
  readonly signature: Uint8Array
  /** The exact bytes sent and stored. */
  readonly wire: Uint8Array
}

/** The device key: signs through WebCrypto, so asynchronously. */
export type Signer = (message: Uint8Array) => Promise<Uint8Array>
/** A lane key: signs synchronously. */
export type LaneSigner = (message: Uint8Array) => Uint8Array
export type Verifier = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => Promise<boolean>
/** SHA-256 by the platform (WebCrypto), off the main thread: for large batches, which hashing in JS would hold up. */
export type Digest = (bytes: Uint8Array) => Promise<Uint8Array>

/** The body of a v3 envelope: its update encrypted under `key`, bound to the header. */
export function encodeEnvelopeBody(body: EnvelopeBody, key: ContentKey, nonce: Uint8Array = crypto.getRandomValues(new Uint8Array(NONCE_BYTES))): Uint8Array {
  const spaceBytes = decodeBase58(body.space)
  if (!spaceBytes) throw new Error(`"${body.space}" is not a space id.`)
  if (body.author.length !== ED25519_PUBLIC_KEY_BYTES) throw new Error('An envelope author is a 32-byte Ed25519 public key.')
  if (body.lane.length !== LANE_BYTES) throw new Error(`An envelope lane is ${LANE_BYTES} bytes.`)
  if (body.certificate.length !== SIGNATURE_BYTES) throw new Error('A lane certificate is a 64-byte Ed25519 signature.')
  if (body.prev.length !== HASH_BYTES) throw new Error('An envelope prev is a 32-byte hash.')
  if (!Number.isSafeInteger(body.seq) || body.seq < 0) throw new Error('An envelope seq is a whole number from 0.')
  if (nonce.length !== NONCE_BYTES) throw new Error(`An envelope nonce is ${NONCE_BYTES} bytes.`)
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, ENVELOPE_VERSION)
  encoding.writeUint8(encoder, body.kind)
  encoding.writeVarUint8Array(encoder, spaceBytes)
  encoding.writeUint8Array(encoder, body.author)
  encoding.writeUint8Array(encoder, body.lane)
  encoding.writeUint8Array(encoder, body.certificate)
  encoding.writeVarUint(encoder, body.seq)
  encoding.writeUint8Array(encoder, body.prev)
  encoding.writeVarUint(encoder, key.epoch)
  encoding.writeUint8Array(encoder, nonce)
  const header = encoding.toUint8Array(encoder)
  encoding.writeVarUint8Array(encoder, encryptContent(key, nonce, header, body.update))
  return encoding.toUint8Array(encoder)
}

export function hashEnvelopeBody(body: Uint8Array): Uint8Array {
  return sha256(body)
}

export function signingMessage(hash: Uint8Array, version: Envelope['version'] = ENVELOPE_VERSION): Uint8Array {
  const context = version === ENVELOPE_VERSION ? SIGNING_CONTEXT : LEGACY_SIGNING_CONTEXT
  const message = new Uint8Array(context.length + hash.length)
  message.set(context)
  message.set(hash, context.length)
  return message
}

/** What an author signs to certify a lane key for one space. */
export function laneCertificateMessage(space: SpaceId, author: Uint8Array, lane: Uint8Array): Uint8Array {
  const spaceBytes = decodeBase58(space)
  if (!spaceBytes) throw new Error(`"${space}" is not a space id.`)
  const message = new Uint8Array(LANE_CONTEXT.length + spaceBytes.length + author.length + lane.length)
  message.set(LANE_CONTEXT)
  message.set(spaceBytes, LANE_CONTEXT.length)
  message.set(author, LANE_CONTEXT.length + spaceBytes.length)
  message.set(lane, LANE_CONTEXT.length + spaceBytes.length + author.length)
  return message
}

/** Encrypts under `key` and seals with the lane key, synchronously. */
export function sealEnvelope(body: EnvelopeBody, signWithLane: LaneSigner, key: ContentKey): Envelope {
  const bodyBytes = encodeEnvelopeBody(body, key)
  const hash = hashEnvelopeBody(bodyBytes)
  const signature = signWithLane(signingMessage(hash))
  if (signature.length !== SIGNATURE_BYTES) throw new Error('An Ed25519 signature is 64 bytes.')
  const wire = new Uint8Array(bodyBytes.length + SIGNATURE_BYTES)
  wire.set(bodyBytes)
  wire.set(signature, bodyBytes.length)
  return { ...openEnvelope(wire, hash)!, update: body.update }
}

/** The signed part of a wire (everything before the signature), or undefined if there is none. */
export function envelopeBody(wire: Uint8Array): Uint8Array | undefined {
  return wire instanceof Uint8Array && wire.length > SIGNATURE_BYTES ? wire.subarray(0, wire.length - SIGNATURE_BYTES) : undefined
}

/**
 * Reads an envelope's structure and computes its hash (unless given the
 * SHA-256 of its body, computed elsewhere). It does not check the signature
 * or the chain (see EnvelopeLog), nor open a v3 envelope's content (its
 * `update` is empty until then: withContent): returns undefined for bytes
 * that are not an envelope at all.
 */
export function openEnvelope(wire: Uint8Array, bodyHash?: Uint8Array): Envelope | undefined {
  const bodyBytes = envelopeBody(wire)
  if (!bodyBytes || (bodyHash && bodyHash.length !== HASH_BYTES)) return undefined
  try {
    const decoder = decoding.createDecoder(bodyBytes)
    const version = decoding.readUint8(decoder)
    if (version !== ENVELOPE_VERSION && version !== LEGACY_ENVELOPE_VERSION) return undefined
    const kind = decoding.readUint8(decoder)
    if (kind !== EnvelopeKind.change && kind !== EnvelopeKind.checkpoint && (kind !== EnvelopeKind.migration || version !== ENVELOPE_VERSION)) return undefined
    const spaceBytes = decoding.readVarUint8Array(decoder)
    if (spaceBytes.length !== ID_BYTES) return undefined
    const author = decoding.readUint8Array(decoder, ED25519_PUBLIC_KEY_BYTES)
    const lane = decoding.readUint8Array(decoder, LANE_BYTES)
    const certificate = decoding.readUint8Array(decoder, SIGNATURE_BYTES)
    const seq = decoding.readVarUint(decoder)
    const prev = decoding.readUint8Array(decoder, HASH_BYTES)
    let sealed: SealedContent | undefined
    let update: Uint8Array
    if (version === ENVELOPE_VERSION) {
      const epoch = decoding.readVarUint(decoder)
      const nonce = decoding.readUint8Array(decoder, NONCE_BYTES)
      const header = bodyBytes.subarray(0, decoder.pos)
      const ciphertext = decoding.readVarUint8Array(decoder)
      if (!Number.isSafeInteger(epoch) || ciphertext.length < TAG_BYTES || ciphertext.length > MAX_UPDATE_BYTES + TAG_BYTES) return undefined
      sealed = { epoch, nonce, header, ciphertext }
      update = EMPTY
    } else {
      update = decoding.readVarUint8Array(decoder)
      if (update.length > MAX_UPDATE_BYTES) return undefined
    }
    // Fixed-length reads past the end throw (caught below), so only the tail and the varints need checks.
    if (decoding.hasContent(decoder) || !Number.isSafeInteger(seq)) return undefined
    return {
      version,
      kind,
      space: encodeBase58(spaceBytes) as SpaceId,
      author,
      lane,
      certificate,
      seq,
      prev,
      update,
      ...(sealed ? { sealed } : {}),
      hash: bodyHash ?? hashEnvelopeBody(bodyBytes),
      signature: wire.subarray(wire.length - SIGNATURE_BYTES),
      wire,
    }
  } catch {
    // lib0 throws on reads past the end: truncated or garbage bytes.
    return undefined
  }
}

const EMPTY = new Uint8Array(0)

/** The envelope with its content opened (the plaintext of its ciphertext). */
export function withContent(envelope: Envelope, update: Uint8Array): Envelope {
  return { ...envelope, update }
}

/**
 * Checks the lane's signature on the envelope and, unless `certifiedLanes`
 * already holds the lane (by chainKey), the author's certificate of the lane.
 * A lane found certified is added to it, whatever the envelope's own
 * signature: the certificate alone proves the author made the lane key.
 */
export function verifyEnvelopeSignature(envelope: Envelope, verify: Verifier, certifiedLanes?: Set<string>): Promise<boolean> {
  return verifyLaneSigned(envelope, envelope.signature, signingMessage(envelope.hash, envelope.version), verify, certifiedLanes)
}

/** What a lane signs under: its device's certificate of it, in a space. */
export interface CertifiedSigner {
  readonly space: SpaceId
  readonly author: Uint8Array
  readonly lane: Uint8Array
  readonly certificate: Uint8Array
}

/**
 * Whether the lane signed `message` and its device certified the lane: the
 * check behind envelopes and presence statements alike. The certificate is
 * checked once per lane (`certifiedLanes`, by chainKey), in parallel with
 * the signature.
 */
export async function verifyLaneSigned(signer: CertifiedSigner, signature: Uint8Array, message: Uint8Array, verify: Verifier, certifiedLanes?: Set<string>): Promise<boolean> {
  const lane = chainKey(signer.author, signer.lane)
  const [signed, certified] = await Promise.all([
    verify(signer.lane, signature, message),
    certifiedLanes?.has(lane) === true || verify(signer.author, signer.certificate, laneCertificateMessage(signer.space, signer.author, signer.lane)),
  ])
  if (certified) certifiedLanes?.add(lane)
  return signed && certified
}

/** Where the author and the lane keys sit in a wire of either version (a space id is 16 bytes, its length one). */
const AUTHOR_OFFSET = 2 + 1 + ID_BYTES
const LANE_OFFSET = AUTHOR_OFFSET + ED25519_PUBLIC_KEY_BYTES

/**
 * The chainKey of a wire, read from its header without hashing or checking
 * anything: for sorting copies by lane, never for trusting one. Undefined
 * for bytes that are not an envelope.
 */
export function wireChainKey(wire: Uint8Array): string | undefined {
  if (wire.length < LANE_OFFSET + LANE_BYTES + SIGNATURE_BYTES || (wire[0] !== ENVELOPE_VERSION && wire[0] !== LEGACY_ENVELOPE_VERSION) || wire[2] !== ID_BYTES) return undefined
  return chainKey(wire.subarray(AUTHOR_OFFSET, AUTHOR_OFFSET + ED25519_PUBLIC_KEY_BYTES), wire.subarray(LANE_OFFSET, LANE_OFFSET + LANE_BYTES))
}

/** A stable map key for an author's public key. */
export function authorKey(author: Uint8Array): string {
  return toHexString(author)
}

/** A stable map key for one chain: an author's lane. */
export function chainKey(author: Uint8Array, lane: Uint8Array): string {
  return `${toHexString(author)}.${toHexString(lane)}`
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
