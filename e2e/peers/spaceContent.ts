/**
 * What a member's own client can do with a link's secret: derive the
 * space's content key and read envelopes' updates. The rogue peers are
 * members (they hold the link), so they read and seal content like anyone.
 */
import { decodeBase58 } from '../../src/core/identity/base58.ts'
import { decryptContent, deriveContentKey, type ContentKey } from '../../src/core/space/contentCipher.ts'
import type { Envelope } from '../../src/core/space/envelope.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'
import type { ShareSecret } from '../../src/core/space/shareLink.ts'

/** The content key of epoch 0 (the spaces these tests attack are never re-keyed). */
export function contentKeyOf(space: SpaceId, secret: ShareSecret): ContentKey {
  const bytes = decodeBase58(secret)
  if (!bytes) throw new Error(`"${secret}" is not a share secret.`)
  return deriveContentKey(space, 0, bytes)
}

/** The envelope's update in the clear, or undefined if it does not open with `key`. */
export function updateOf(envelope: Envelope, key: ContentKey): Uint8Array | undefined {
  const sealed = envelope.sealed
  return sealed ? decryptContent(key, sealed.nonce, sealed.header, sealed.ciphertext) : envelope.update
}
