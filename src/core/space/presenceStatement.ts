/**
 * What a session says about itself in a room (presence), signed by its lane
 * key, which its device certified: who it is (device, display name), where
 * it can be reached (its room peer id), what its host runs (scheduler
 * kinds), which of its device's lanes still wait for an acknowledgement,
 * and which heads of other devices' lanes it holds (its acknowledgements).
 *
 *   body = version u8 ‖ space (16) ‖ author (32) ‖ lane (32) ‖ certificate (64)
 *          ‖ issuedAt (varuint, ms) ‖ peer (varstring) ‖ name (varstring)
 *          ‖ kinds (varuint n, n varstrings)
 *          ‖ awaiting (varuint n, n lanes of 32)
 *          ‖ acks (varuint n, n × (lane 32 ‖ seq varuint ‖ hash 32))
 *   signature = Ed25519(lane, "pii presence v1\0" ‖ body)
 *   wire = body ‖ signature (64), base64 in the awareness state's `signed`.
 *
 * Anyone in the room can put anything in awareness, so nothing there counts
 * unless signed: a name or device shown, a peer ranked for the schedule, or
 * "seen" that the sync indicator counts. An acknowledgement names a lane
 * head by its hash, so it proves the acker holds that envelope: a device
 * counts an acknowledgement of its own lane only if the hash is that of its
 * own envelope at that seq (acknowledgements.ts). `issuedAt` lets a
 * receiver drop a statement replayed long after its session stopped
 * renewing it.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { fromBase64, toBase64 } from '../base64.ts'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../identity/didKey.ts'
import { HASH_BYTES, LANE_BYTES, SIGNATURE_BYTES, verifyLaneSigned, type LaneSigner, type Verifier } from './envelope.ts'
import { ID_BYTES, type SpaceId } from './ids.ts'

const VERSION = 1
const CONTEXT = new TextEncoder().encode('pii presence v1\0')
export const MAX_NAME_CHARS = 200
const MAX_PEER_CHARS = 64
/** A peer advertising more kinds than any build registers is not honest; so is one with more. */
const MAX_KINDS = 32
const MAX_KIND_CHARS = 64
/** Own lanes a session asks to be acknowledged: the current one and a few of sessions that ended unacknowledged. */
export const MAX_AWAITING = 8
/** Acknowledgements one statement carries: the awaiting lanes of the peers present, within reason. */
export const MAX_ACKS = 64
/** A whole statement: far more than an honest one needs, little enough to decode at every awareness change. */
const MAX_STATEMENT_BYTES = 8 * 1024

export interface Ack {
  readonly lane: Uint8Array
  readonly seq: number
  readonly hash: Uint8Array
}

export interface PresenceContent {
  readonly issuedAt: number
  /** The session's peer id in the room (y-webrtc's, or the relay room's). */
  readonly peer: string
  readonly name: string
  readonly kinds: readonly string[]
  /** This device's lanes (their public keys) with envelopes no other device has acknowledged yet. */
  readonly awaiting: readonly Uint8Array[]
  readonly acks: readonly Ack[]
}

export interface PresenceStatement extends PresenceContent {
  readonly space: SpaceId
  /** The device's Ed25519 key: verified through the lane certificate. */
  readonly author: Uint8Array
  readonly lane: Uint8Array
  readonly certificate: Uint8Array
  readonly signature: Uint8Array
  readonly body: Uint8Array
}

export interface PresenceSigner {
  readonly space: SpaceId
  readonly author: Uint8Array
  readonly lane: Uint8Array
  readonly certificate: Uint8Array
  readonly sign: LaneSigner
}

function signingMessage(body: Uint8Array): Uint8Array {
  const message = new Uint8Array(CONTEXT.length + body.length)
  message.set(CONTEXT)
  message.set(body, CONTEXT.length)
  return message
}

/** The statement as the awareness state carries it. */
export function signPresence(signer: PresenceSigner, content: PresenceContent): string {
  const spaceBytes = decodeBase58(signer.space)
  if (!spaceBytes || spaceBytes.length !== ID_BYTES) throw new Error(`"${signer.space}" is not a space id.`)
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, VERSION)
  encoding.writeUint8Array(encoder, spaceBytes)
  encoding.writeUint8Array(encoder, signer.author)
  encoding.writeUint8Array(encoder, signer.lane)
  encoding.writeUint8Array(encoder, signer.certificate)
  encoding.writeVarUint(encoder, Math.max(0, Math.floor(content.issuedAt)))
  encoding.writeVarString(encoder, content.peer.slice(0, MAX_PEER_CHARS))
  encoding.writeVarString(encoder, content.name.slice(0, MAX_NAME_CHARS))
  const kinds = content.kinds.slice(0, MAX_KINDS)
  encoding.writeVarUint(encoder, kinds.length)
  for (const kind of kinds) encoding.writeVarString(encoder, kind.slice(0, MAX_KIND_CHARS))
  const awaiting = content.awaiting.slice(0, MAX_AWAITING)
  encoding.writeVarUint(encoder, awaiting.length)
  for (const lane of awaiting) encoding.writeUint8Array(encoder, lane)
  const acks = content.acks.slice(0, MAX_ACKS)
  encoding.writeVarUint(encoder, acks.length)
  for (const ack of acks) {
    encoding.writeUint8Array(encoder, ack.lane)
    encoding.writeVarUint(encoder, ack.seq)
    encoding.writeUint8Array(encoder, ack.hash)
  }
  const body = encoding.toUint8Array(encoder)
  const signature = signer.sign(signingMessage(body))
  const wire = new Uint8Array(body.length + SIGNATURE_BYTES)
  wire.set(body)
  wire.set(signature, body.length)
  return toBase64(wire)
}

/** Reads a statement's structure, or undefined for anything else; checks no signature (see verifyPresence). */
export function openPresence(value: unknown, space: SpaceId): PresenceStatement | undefined {
  if (typeof value !== 'string' || value.length > (MAX_STATEMENT_BYTES * 4) / 3 + 4) return undefined
  try {
    const wire = fromBase64(value)
    if (wire.length <= SIGNATURE_BYTES || wire.length > MAX_STATEMENT_BYTES) return undefined
    const body = wire.subarray(0, wire.length - SIGNATURE_BYTES)
    const decoder = decoding.createDecoder(body)
    if (decoding.readUint8(decoder) !== VERSION) return undefined
    if (encodeBase58(decoding.readUint8Array(decoder, ID_BYTES)) !== space) return undefined
    const author = decoding.readUint8Array(decoder, ED25519_PUBLIC_KEY_BYTES)
    const lane = decoding.readUint8Array(decoder, LANE_BYTES)
    const certificate = decoding.readUint8Array(decoder, SIGNATURE_BYTES)
    const issuedAt = decoding.readVarUint(decoder)
    const peer = decoding.readVarString(decoder)
    const name = decoding.readVarString(decoder)
    if (peer.length === 0 || peer.length > MAX_PEER_CHARS || name.length > MAX_NAME_CHARS) return undefined
    const kinds = readList(decoder, MAX_KINDS, () => decoding.readVarString(decoder))
    if (!kinds || kinds.some((kind) => kind.length === 0 || kind.length > MAX_KIND_CHARS)) return undefined
    const awaiting = readList(decoder, MAX_AWAITING, () => decoding.readUint8Array(decoder, LANE_BYTES))
    const acks = readList(decoder, MAX_ACKS, () => ({ lane: decoding.readUint8Array(decoder, LANE_BYTES), seq: decoding.readVarUint(decoder), hash: decoding.readUint8Array(decoder, HASH_BYTES) }))
    if (!awaiting || !acks || decoding.hasContent(decoder) || !Number.isSafeInteger(issuedAt)) return undefined
    if (acks.some((ack) => !Number.isSafeInteger(ack.seq))) return undefined
    return { space, author, lane, certificate, issuedAt, peer, name, kinds, awaiting, acks, signature: wire.subarray(wire.length - SIGNATURE_BYTES), body }
  } catch {
    // lib0 throws on reads past the end, and on text that is not UTF-8.
    return undefined
  }
}

function readList<T>(decoder: decoding.Decoder, max: number, read: () => T): T[] | undefined {
  const count = decoding.readVarUint(decoder)
  if (count > max) return undefined
  return Array.from({ length: count }, read)
}

/**
 * Whether the lane signed the statement and its device certified the lane
 * (once per lane: `certifiedLanes`, keyed by chainKey, as the envelope log
 * keeps it).
 */
export function verifyPresence(statement: PresenceStatement, verify: Verifier, certifiedLanes: Set<string>): Promise<boolean> {
  return verifyLaneSigned(statement, statement.signature, signingMessage(statement.body), verify, certifiedLanes)
}
