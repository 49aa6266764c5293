/**
 * A session's lane key (see envelope.ts): an Ed25519 key pair made fresh for
 * one session, held only in memory, that signs envelopes synchronously. The
 * device key certifies it once. Loaded when a space starts syncing, not at
 * boot: noble and its SHA-512 stay off the first render's path.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import type { LaneSigner } from './envelope.ts'
import type { LaneKeyPair } from './laneKeyPair.ts'

// noble derives keys synchronously only with a synchronous SHA-512.
ed.hashes.sha512 = sha512

export interface LaneKey {
  readonly publicKey: Uint8Array
  readonly sign: LaneSigner
}

/** The order of Ed25519's base point (RFC 8032's L). */
const L = ed.Point.CURVE().n

/** A fresh lane key; `secret` only for known-answer tests. */
export function newLaneKey(secret: Uint8Array = ed.utils.randomSecretKey()): LaneKey {
  // Expanded once: noble's sign() re-derives the public key, a second scalar multiplication, on every call.
  const { scalar, prefix, pointBytes } = ed.utils.getExtendedPublicKey(secret)
  return { publicKey: pointBytes, sign: (message) => signExpanded(scalar, prefix, pointBytes, message) }
}

/**
 * The signer of a key pair made elsewhere (newLaneKeyPair). Its public key is
 * taken as given, so this costs two hashes, not a scalar multiplication;
 * noble's first signature still builds its tables (tens of ms), which is
 * why the caller signs once before the first edit needs it.
 */
export function laneKeyFrom(pair: LaneKeyPair): LaneKey {
  // RFC 8032 5.1.5: the scalar is the clamped first half of SHA-512(secret), the prefix its second half.
  const hashed = sha512(pair.secret)
  const head = hashed.slice(0, 32)
  head[0]! &= 248
  head[31]! &= 127
  head[31]! |= 64
  const scalar = littleEndianModL(head)
  const prefix = hashed.slice(32)
  const publicKey = pair.publicKey
  return { publicKey, sign: (message) => signExpanded(scalar, prefix, publicKey, message) }
}

/** RFC 8032 5.1.6 (pure Ed25519, deterministic), with the key already expanded. */
function signExpanded(scalar: bigint, prefix: Uint8Array, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const r = littleEndianModL(sha512(ed.etc.concatBytes(prefix, message)))
  const R = ed.Point.BASE.multiply(r).toBytes()
  const k = littleEndianModL(sha512(ed.etc.concatBytes(R, publicKey, message)))
  return ed.etc.concatBytes(R, littleEndian32((r + k * scalar) % L))
}

function littleEndianModL(bytes: Uint8Array): bigint {
  let value = 0n
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index]!)
  return value % L
}

function littleEndian32(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32)
  for (let index = 0; index < 32; index++, value >>= 8n) bytes[index] = Number(value & 0xffn)
  return bytes
}
