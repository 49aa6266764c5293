import { decryptContent, deriveContentKey, fixedKeyring, type ContentKey, type ContentKeyring } from '../../src/core/space/contentCipher.ts'
import { openEnvelope, withContent, type Envelope } from '../../src/core/space/envelope.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'

/** The secret every test peer of a space shares, as a link would give it. */
const TEST_SECRET = new Uint8Array(32).fill(7)

/** Epoch 0's content key of a space, for tests that seal envelopes by hand. */
export function testContentKey(space: SpaceId, epoch = 0): ContentKey {
  return deriveContentKey(space, epoch, TEST_SECRET)
}

/** What every test peer of a space holds: epoch 0's key. */
export function testKeyring(space: SpaceId): ContentKeyring {
  return fixedKeyring(testContentKey(space))
}

/** An envelope of a test space read from its wire, with its content opened by the test key. */
export function openTestEnvelope(wire: Uint8Array, space: SpaceId): Envelope {
  const envelope = openEnvelope(wire)
  const sealed = envelope?.sealed
  const update = sealed && decryptContent(testContentKey(space, sealed.epoch), sealed.nonce, sealed.header, sealed.ciphertext)
  if (!envelope || (sealed && !update)) throw new Error('Not an envelope the test key opens.')
  return update ? withContent(envelope, update) : envelope
}
