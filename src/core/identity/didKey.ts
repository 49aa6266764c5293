/**
 * did:key for Ed25519 public keys: `did:key:z` + base58btc(0xed 0x01 ‖ key).
 * The 0xed01 prefix is the varint multicodec for "ed25519-pub", which is why
 * every such DID starts with `z6Mk`.
 */
import { decodeBase58, encodeBase58 } from './base58.ts'

export type Did = string & { readonly __brand: 'Did' }

const DID_KEY_PREFIX = 'did:key:'
const MULTIBASE_BASE58BTC = 'z'
const ED25519_PUB_MULTICODEC = [0xed, 0x01] as const
export const ED25519_PUBLIC_KEY_BYTES = 32

export const DidKeyErrorReason = {
  notDidKey: 'not-did-key',
  unsupportedEncoding: 'unsupported-encoding',
  badBase58: 'bad-base58',
  notEd25519: 'not-ed25519',
  wrongLength: 'wrong-length',
} as const
export type DidKeyErrorReason = (typeof DidKeyErrorReason)[keyof typeof DidKeyErrorReason]

export class DidKeyError extends Error {
  constructor(
    readonly reason: DidKeyErrorReason,
    message: string,
  ) {
    super(message)
    this.name = 'DidKeyError'
  }
}

export function didFromPublicKey(publicKey: Uint8Array): Did {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new DidKeyError(
      DidKeyErrorReason.wrongLength,
      `An Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} bytes; this one is ${publicKey.length}.`,
    )
  }
  const prefixed = new Uint8Array(ED25519_PUB_MULTICODEC.length + publicKey.length)
  prefixed.set(ED25519_PUB_MULTICODEC)
  prefixed.set(publicKey, ED25519_PUB_MULTICODEC.length)
  return (DID_KEY_PREFIX + MULTIBASE_BASE58BTC + encodeBase58(prefixed)) as Did
}

export function publicKeyFromDid(did: string): Uint8Array {
  if (!did.startsWith(DID_KEY_PREFIX)) {
    throw new DidKeyError(DidKeyErrorReason.notDidKey, `"${did}" is not a did:key identifier; it must start with "did:key:".`)
  }
  const multibase = did.slice(DID_KEY_PREFIX.length)
  if (!multibase.startsWith(MULTIBASE_BASE58BTC)) {
    throw new DidKeyError(
      DidKeyErrorReason.unsupportedEncoding,
      `This did:key uses multibase prefix "${multibase.slice(0, 1)}"; only base58btc ("z") is supported.`,
    )
  }
  const bytes = decodeBase58(multibase.slice(1))
  if (!bytes) throw new DidKeyError(DidKeyErrorReason.badBase58, 'This did:key holds characters that are not base58btc.')
  if (bytes[0] !== ED25519_PUB_MULTICODEC[0] || bytes[1] !== ED25519_PUB_MULTICODEC[1]) {
    throw new DidKeyError(DidKeyErrorReason.notEd25519, 'This did:key is not an Ed25519 key (its multicodec is not 0xed01).')
  }
  const publicKey = bytes.slice(ED25519_PUB_MULTICODEC.length)
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new DidKeyError(
      DidKeyErrorReason.wrongLength,
      `This did:key holds ${publicKey.length} key bytes; an Ed25519 key is ${ED25519_PUBLIC_KEY_BYTES}.`,
    )
  }
  return publicKey
}

export function isDid(value: unknown): value is Did {
  if (typeof value !== 'string') return false
  try {
    publicKeyFromDid(value)
    return true
  } catch {
    return false
  }
}
