import * as noble from '@noble/ed25519'
import { describe, expect, it } from 'vitest'
import { decodeBase58, encodeBase58 } from '../../../src/core/identity/base58.ts'
import { didFromPublicKey, type DidKeyError, DidKeyErrorReason, isDid, publicKeyFromDid } from '../../../src/core/identity/didKey.ts'

/** The Ed25519 vectors published with the did:key specification (test-vectors/ed25519-x25519.json). */
const SPEC_VECTORS = [
  { seed: '00'.repeat(32), publicKeyBase58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS', did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp' },
  { seed: '00'.repeat(31) + '01', publicKeyBase58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt', did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG' },
  { seed: '00'.repeat(31) + '02', publicKeyBase58: '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH', did: 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf' },
  { seed: '00'.repeat(31) + '03', publicKeyBase58: 'HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2', did: 'did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ' },
  { seed: '00'.repeat(31) + '04', publicKeyBase58: 'J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x', did: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL' },
] as const

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16))

describe('did:key (Ed25519)', () => {
  it.each(SPEC_VECTORS)('encodes the spec vector $did', async ({ seed, publicKeyBase58, did }) => {
    const publicKey = await noble.getPublicKeyAsync(hex(seed))
    expect(encodeBase58(publicKey)).toBe(publicKeyBase58)
    expect(didFromPublicKey(publicKey)).toBe(did)
  })

  it.each(SPEC_VECTORS)('decodes the spec vector $did back to its public key', ({ publicKeyBase58, did }) => {
    expect(publicKeyFromDid(did)).toEqual(decodeBase58(publicKeyBase58))
    expect(isDid(did)).toBe(true)
  })

  it.each([
    ['did:web:example.com', DidKeyErrorReason.notDidKey],
    ['did:key:f6MkiTBz', DidKeyErrorReason.unsupportedEncoding],
    ['did:key:z6Mk0OIl', DidKeyErrorReason.badBase58],
    // A secp256k1 did:key from the same specification.
    ['did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', DidKeyErrorReason.notEd25519],
    ['did:key:z' + encodeBase58(Uint8Array.of(0xed, 0x01, ...new Uint8Array(31).fill(7))), DidKeyErrorReason.wrongLength],
  ])('rejects %s with reason %s', (did, reason) => {
    expect(() => publicKeyFromDid(did)).toThrow(expect.objectContaining({ reason }) as DidKeyError)
    expect(isDid(did)).toBe(false)
  })

  it('refuses to encode a key of the wrong length', () => {
    expect(() => didFromPublicKey(new Uint8Array(31))).toThrow(/32 bytes; this one is 31/)
  })
})

describe('base58btc', () => {
  it('round-trips bytes, keeping leading zero bytes as leading 1s', () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0, 0, 1), Uint8Array.of(255, 254, 0, 7), crypto.getRandomValues(new Uint8Array(64))]) {
      expect(decodeBase58(encodeBase58(bytes))).toEqual(bytes)
    }
    expect(encodeBase58(Uint8Array.of(0, 0, 1))).toBe('112')
  })

  it('returns undefined for characters outside the alphabet', () => {
    expect(decodeBase58('abc0')).toBeUndefined()
    expect(decodeBase58('Il')).toBeUndefined()
  })
})
