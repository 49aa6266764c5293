/**
 * A device's Ed25519 key pair. WebCrypto is preferred because its private key
 * can be non-extractable (script on the page can sign with it but never read
 * it) and it verifies ~8x faster; @noble/ed25519 is the fallback for browsers
 * without Ed25519 in WebCrypto.
 *
 * The platform's SubtleCrypto is passed in rather than read from a global so
 * this module runs unchanged in the page, the service worker and Node.
 * noble loads only when it is needed, which on current browsers is never.
 */
import { encodeBase58 } from './base58.ts'
import { didFromPublicKey, type Did } from './didKey.ts'
import type { KeyStore } from './KeyStore.ts'

export type DeviceKey =
  | { readonly kind: 'webcrypto'; readonly publicKey: Uint8Array; readonly privateKey: CryptoKey }
  | { readonly kind: 'noble'; readonly publicKey: Uint8Array; readonly secretKey: Uint8Array }

const ED25519 = { name: 'Ed25519' } as const

/** Creates a key in WebCrypto when it supports Ed25519, otherwise with noble. */
export async function createDeviceKey(subtle: SubtleCrypto | undefined): Promise<DeviceKey> {
  if (subtle) {
    const webCryptoKey = await createWebCryptoKey(subtle)
    if (webCryptoKey) return webCryptoKey
  }
  return createNobleKey()
}

async function createWebCryptoKey(subtle: SubtleCrypto): Promise<DeviceKey | undefined> {
  let pair: CryptoKeyPair
  try {
    pair = await subtle.generateKey(ED25519, false, ['sign', 'verify'])
  } catch {
    // NotSupportedError on browsers without Ed25519 in WebCrypto.
    return undefined
  }
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey))
  return { kind: 'webcrypto', publicKey, privateKey: pair.privateKey }
}

const loadNoble = () => import('@noble/ed25519')

export async function createNobleKey(secretKey?: Uint8Array): Promise<DeviceKey> {
  const noble = await loadNoble()
  const secret = secretKey ?? noble.utils.randomSecretKey()
  return { kind: 'noble', publicKey: await noble.getPublicKeyAsync(secret), secretKey: secret }
}

export function deviceDid(key: DeviceKey): Did {
  return didFromPublicKey(key.publicKey)
}

export async function signWith(key: DeviceKey, subtle: SubtleCrypto | undefined, message: Uint8Array): Promise<Uint8Array> {
  if (key.kind === 'webcrypto') {
    if (!subtle) throw new Error('This key lives in WebCrypto, but no SubtleCrypto was given to sign with.')
    return new Uint8Array(await subtle.sign(ED25519, key.privateKey, message as Uint8Array<ArrayBuffer>))
  }
  return (await loadNoble()).signAsync(message, key.secretKey)
}

/**
 * Imported verification keys per SubtleCrypto: a sync verifies many envelopes of few authors, and each
 * import is a round trip. Once imported, a key is kept as itself, not as a promise, so a verification
 * reaches WebCrypto in the caller's own task, queued ahead of whatever that task starts next.
 */
const importedKeys = new WeakMap<SubtleCrypto, Map<string, CryptoKey | Promise<CryptoKey>>>()
/** Authors whose keys stay imported; past it the cache starts over, so a flood of made-up authors cannot grow it. */
const MAX_IMPORTED_KEYS = 1024

function verificationKey(subtle: SubtleCrypto, publicKey: Uint8Array): CryptoKey | Promise<CryptoKey> {
  const cached = importedKeys.get(subtle)
  const keys = cached && cached.size < MAX_IMPORTED_KEYS ? cached : new Map<string, CryptoKey | Promise<CryptoKey>>()
  if (keys !== cached) importedKeys.set(subtle, keys)
  const id = encodeBase58(publicKey)
  const known = keys.get(id)
  if (known) return known
  const importing = subtle.importKey('raw', Uint8Array.from(publicKey), ED25519, false, ['verify'])
  importing.then(
    (key) => keys.set(id, key),
    // A key WebCrypto refused is not kept: the next call falls back to noble the same way.
    () => keys.delete(id),
  )
  keys.set(id, importing)
  return importing
}

export async function verifySignature(
  subtle: SubtleCrypto | undefined,
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  if (subtle) {
    try {
      const known = verificationKey(subtle, publicKey)
      const key = known instanceof Promise ? await known : known
      return await subtle.verify(ED25519, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>)
    } catch {
      // Fall through to noble where WebCrypto lacks Ed25519.
    }
  }
  try {
    return await (await loadNoble()).verifyAsync(signature, message, publicKey)
  } catch {
    return false
  }
}

/**
 * The device's key, created on first run. Two tabs starting at once both
 * create one, but the store keeps only the first, so both end up with it.
 */
export async function loadOrCreateDeviceKey(store: KeyStore, subtle: SubtleCrypto | undefined): Promise<DeviceKey> {
  return (await store.load()) ?? store.saveIfAbsent(await createDeviceKey(subtle))
}
