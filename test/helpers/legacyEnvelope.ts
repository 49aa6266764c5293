/**
 * Envelopes as version 2 sealed them (before content encryption): the
 * update in the clear, signed under "pii envelope v2\0". Nothing in the app
 * seals these any more; tests make them to check that stored spaces are
 * still read and get migrated.
 */
import * as encoding from 'lib0/encoding'
import { decodeBase58 } from '../../src/core/identity/base58.ts'
import { EnvelopeKind, hashEnvelopeBody, LEGACY_ENVELOPE_VERSION, signingMessage, type EnvelopeBody } from '../../src/core/space/envelope.ts'
import type { LaneKey } from '../../src/core/space/laneKey.ts'

export function sealLegacyEnvelope(body: Omit<EnvelopeBody, 'kind'> & { kind?: EnvelopeKind }, lane: LaneKey): { wire: Uint8Array; hash: Uint8Array } {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, LEGACY_ENVELOPE_VERSION)
  encoding.writeUint8(encoder, body.kind ?? EnvelopeKind.change)
  encoding.writeVarUint8Array(encoder, decodeBase58(body.space)!)
  encoding.writeUint8Array(encoder, body.author)
  encoding.writeUint8Array(encoder, body.lane)
  encoding.writeUint8Array(encoder, body.certificate)
  encoding.writeVarUint(encoder, body.seq)
  encoding.writeUint8Array(encoder, body.prev)
  encoding.writeVarUint8Array(encoder, body.update)
  const bytes = encoding.toUint8Array(encoder)
  const hash = hashEnvelopeBody(bytes)
  const signature = lane.sign(signingMessage(hash, LEGACY_ENVELOPE_VERSION))
  const wire = new Uint8Array(bytes.length + signature.length)
  wire.set(bytes)
  wire.set(signature, bytes.length)
  return { wire, hash }
}
