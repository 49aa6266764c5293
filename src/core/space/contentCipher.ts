/**
 * Content encryption (envelope v3): every envelope's update is encrypted
 * under its epoch's content key with AES-256-GCM, and the lane's signature
 * covers the ciphertext, so a peer without the key (a blind replica, the
 * relay) can still check who wrote what and keep the chain, and never reads
 * it.
 *
 *   content key = HKDF-SHA256(epoch secret, salt = space id, "pii content v1")
 *   nonce = 12 random bytes, per envelope
 *   additional data = the envelope's header (everything the body holds
 *                     before the ciphertext), so a ciphertext opens only in
 *                     the envelope it was sealed in
 *
 * Sealing happens inside the edit's own transaction (see SignedLog), so it
 * encrypts synchronously, in JS (noble). Opening a live edit does too, so
 * its check starts in the task that received it; a cold sync's thousands of
 * envelopes are opened by the platform (WebCrypto), in parallel, off the
 * main thread.
 */
import { gcm } from '@noble/ciphers/aes.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { decodeBase58 } from '../identity/base58.ts'
import type { SpaceId } from './ids.ts'

export const CONTENT_KEY_BYTES = 32
export const NONCE_BYTES = 12
/** The GCM tag that ends every ciphertext. */
export const TAG_BYTES = 16
const CONTENT_INFO = new TextEncoder().encode('pii content v1')

/** One epoch's content key: its bytes (for JS) and, made once when first needed, the platform's key. */
export interface ContentKey {
  readonly epoch: number
  readonly bytes: Uint8Array
  platformKey?: Promise<CryptoKey>
}

/** The content keys a peer holds, by epoch, and the one it seals under. */
export interface ContentKeyring {
  /** The key of an epoch, if this peer holds its secret. */
  key(epoch: number): ContentKey | undefined
  /** What this session seals under: the newest epoch it holds. Undefined for a peer with no key (a blind replica). */
  current(): ContentKey | undefined
  /** Called when a key was learned: envelopes that waited for it can be opened now. */
  onChange(listener: () => void): () => void
}

export function deriveContentKey(space: SpaceId, epoch: number, secret: Uint8Array): ContentKey {
  const salt = decodeBase58(space)
  if (!salt) throw new Error(`"${space}" is not a space id.`)
  return { epoch, bytes: hkdf(sha256, secret, salt, CONTENT_INFO, CONTENT_KEY_BYTES) }
}

/** Ciphertext (with its tag) of `plaintext`, bound to `header`. */
export function encryptContent(key: ContentKey, nonce: Uint8Array, header: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return gcm(key.bytes, nonce, header).encrypt(plaintext)
}

/** The plaintext, or undefined if the ciphertext does not open under this key and header (forged, or sealed under another key). */
export function decryptContent(key: ContentKey, nonce: Uint8Array, header: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
  try {
    return gcm(key.bytes, nonce, header).decrypt(ciphertext)
  } catch {
    return undefined
  }
}

/** As decryptContent, by the platform: for large batches. */
export async function decryptContentByPlatform(subtle: SubtleCrypto, key: ContentKey, nonce: Uint8Array, header: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array | undefined> {
  key.platformKey ??= subtle.importKey('raw', Uint8Array.from(key.bytes), 'AES-GCM', false, ['decrypt'])
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: Uint8Array.from(nonce), additionalData: Uint8Array.from(header) }, await key.platformKey, Uint8Array.from(ciphertext)))
  } catch {
    return undefined
  }
}

/** A keyring with fixed keys: for a peer whose epochs never change (tests, benchmarks), or none (a blind replica). */
export function fixedKeyring(...keys: readonly ContentKey[]): ContentKeyring {
  const byEpoch = new Map(keys.map((key) => [key.epoch, key]))
  const newest = [...keys].sort((a, b) => b.epoch - a.epoch)[0]
  return { key: (epoch) => byEpoch.get(epoch), current: () => newest, onChange: () => () => {} }
}
