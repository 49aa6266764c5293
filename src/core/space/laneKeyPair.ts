/**
 * A session's lane key pair, made when a space opens: its public key names
 * the clientIDs the session's edits are written under (clientIds.ts), so it
 * must exist before the first edit. WebCrypto makes it off the main thread
 * in about a millisecond; noble's signer (laneKey.ts, loaded later) signs
 * with it. Where WebCrypto has no Ed25519 (older browsers), noble makes it.
 */
export interface LaneKeyPair {
  readonly publicKey: Uint8Array
  /** The 32-byte Ed25519 secret (RFC 8032's seed); held in memory for this session only. */
  readonly secret: Uint8Array
}

const KEY_BYTES = 32

export async function newLaneKeyPair(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<LaneKeyPair> {
  if (subtle) {
    try {
      const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])
      const [pkcs8, raw] = await Promise.all([subtle.exportKey('pkcs8', pair.privateKey), subtle.exportKey('raw', pair.publicKey)])
      // PKCS #8 for Ed25519 ends with the 32-byte seed (RFC 8410).
      const secret = new Uint8Array(pkcs8).slice(-KEY_BYTES)
      const publicKey = new Uint8Array(raw)
      if (publicKey.length === KEY_BYTES && secret.length === KEY_BYTES) return { publicKey, secret }
    } catch {
      // No Ed25519 in this WebCrypto: noble below.
    }
  }
  const { newLaneKey } = await import('./laneKey.ts')
  const secret = crypto.getRandomValues(new Uint8Array(KEY_BYTES))
  return { publicKey: newLaneKey(secret).publicKey, secret }
}
