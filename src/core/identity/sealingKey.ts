/**
 * A device's X25519 "sealing" key: what an epoch secret is sealed to, so
 * only that device can open it (MEMBERSHIP.md M10). The private key is a
 * non-extractable WebCrypto key, like the device's signing key; its public
 * half is published in the membership log (genesis, accept).
 *
 * Sealing: an ephemeral X25519 key agrees a secret with the recipient's key,
 * HKDF-SHA-256 turns it into an AES-GCM key bound to both public keys and a
 * context, and that key encrypts the message:
 *
 *   box = ephemeral public key (32) ‖ iv (12) ‖ AES-GCM(message) (len + 16)
 *
 * WebCrypto X25519 is in every current browser engine and Node 20; there is
 * no fallback: a device without it cannot be sealed to, and says so.
 */
import type { KeyStore } from './KeyStore.ts'

export const X25519_PUBLIC_KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

export interface SealingKey {
  readonly publicKey: Uint8Array
  readonly privateKey: CryptoKey
}

const X25519 = { name: 'X25519' } as const

/**
 * The device's sealing key, made on first run; undefined where WebCrypto has
 * no X25519 (the device then cannot be sealed to: it follows no rekey).
 */
export async function loadOrCreateSealingKey(store: KeyStore<SealingKey>, subtle: SubtleCrypto | undefined): Promise<SealingKey | undefined> {
  const stored = await store.load()
  if (stored || !subtle) return stored
  try {
    return await store.saveIfAbsent(await createSealingKey(subtle))
  } catch {
    return undefined
  }
}

export async function createSealingKey(subtle: SubtleCrypto): Promise<SealingKey> {
  const pair = await subtle.generateKey(X25519, false, ['deriveBits'])
  return { publicKey: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)), privateKey: pair.privateKey }
}

async function boxKey(subtle: SubtleCrypto, privateKey: CryptoKey, otherPublic: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, context: string): Promise<CryptoKey> {
  const other = await subtle.importKey('raw', Uint8Array.from(otherPublic), X25519, false, [])
  const shared = await subtle.deriveBits({ name: 'X25519', public: other }, privateKey, 256)
  const hkdf = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  const info = new Uint8Array([...new TextEncoder().encode(`${context}\0`), ...ephemeral, ...recipient])
  return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info }, hkdf, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

/** Seals `message` so only the holder of `recipient`'s private key opens it. */
export async function sealTo(subtle: SubtleCrypto, recipient: Uint8Array, message: Uint8Array, context: string): Promise<Uint8Array> {
  if (recipient.length !== X25519_PUBLIC_KEY_BYTES) throw new Error('An X25519 public key is 32 bytes.')
  const ephemeral = await subtle.generateKey(X25519, true, ['deriveBits'])
  const ephemeralPublic = new Uint8Array(await subtle.exportKey('raw', ephemeral.publicKey))
  const key = await boxKey(subtle, ephemeral.privateKey, recipient, ephemeralPublic, recipient, context)
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ciphertext = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, key, Uint8Array.from(message)))
  return new Uint8Array([...ephemeralPublic, ...iv, ...ciphertext])
}

/** Opens a box sealed to this key; undefined if it was sealed to another, for another context, or changed. */
export async function openSealed(subtle: SubtleCrypto, key: SealingKey, box: Uint8Array, context: string): Promise<Uint8Array | undefined> {
  if (box.length < X25519_PUBLIC_KEY_BYTES + IV_BYTES + TAG_BYTES) return undefined
  const ephemeral = box.subarray(0, X25519_PUBLIC_KEY_BYTES)
  const iv = box.subarray(X25519_PUBLIC_KEY_BYTES, X25519_PUBLIC_KEY_BYTES + IV_BYTES)
  try {
    const aes = await boxKey(subtle, key.privateKey, ephemeral, ephemeral, key.publicKey, context)
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: Uint8Array.from(iv) }, aes, Uint8Array.from(box.subarray(X25519_PUBLIC_KEY_BYTES + IV_BYTES))))
  } catch {
    return undefined
  }
}
