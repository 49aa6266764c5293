/**
 * Envelope signature checks per second in Node, one at a time as
 * EnvelopeLog awaits them, through the app's verifySignature: WebCrypto
 * (each author's key imported once) and @noble/ed25519 (the fallback for
 * browsers without Ed25519 in WebCrypto).
 */
import { createDeviceKey, signWith, verifySignature } from '../../src/core/identity/deviceKey.ts'
import { EnvelopeKind, GENESIS_PREV, laneCertificateMessage, sealEnvelope, verifyEnvelopeSignature, type Envelope, type Verifier } from '../../src/core/space/envelope.ts'
import { deriveContentKey } from '../../src/core/space/contentCipher.ts'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { newLaneKey } from '../../src/core/space/laneKey.ts'

export interface VerifyRates {
  readonly signatures: number
  readonly webcryptoPerS: number
  readonly noblePerS: number
}

/** Envelopes as a lane writes them: chained, each carrying a small update (~ a keystroke's). */
async function envelopes(count: number): Promise<Envelope[]> {
  const key = await createDeviceKey(crypto.subtle)
  const space = newSpaceId()
  const lane = newLaneKey()
  const certificate = await signWith(key, crypto.subtle, laneCertificateMessage(space, key.publicKey, lane.publicKey))
  const contentKey = deriveContentKey(space, 0, crypto.getRandomValues(new Uint8Array(32)))
  const sealed: Envelope[] = []
  let prev: Uint8Array = GENESIS_PREV
  for (let seq = 0; seq < count; seq++) {
    const update = crypto.getRandomValues(new Uint8Array(24 + (seq % 40)))
    const envelope = sealEnvelope({ kind: EnvelopeKind.change, space, author: key.publicKey, lane: lane.publicKey, certificate, seq, prev, update }, lane.sign, contentKey)
    sealed.push(envelope)
    prev = envelope.hash
  }
  return sealed
}

async function rate(all: readonly Envelope[], verify: Verifier): Promise<number> {
  // A discarded tenth first: JIT, loading noble on its first use, and the lane's certificate (checked once per lane).
  const certified = new Set<string>()
  for (const envelope of all.slice(0, Math.ceil(all.length / 10))) await verifyEnvelopeSignature(envelope, verify, certified)
  const started = performance.now()
  for (const envelope of all) {
    if (!(await verifyEnvelopeSignature(envelope, verify, certified))) throw new Error(`Envelope ${envelope.seq} failed to verify: the benchmark is broken.`)
  }
  return all.length / ((performance.now() - started) / 1000)
}

export async function measureVerifyRates(signatures: number): Promise<VerifyRates> {
  const all = await envelopes(signatures)
  return {
    signatures,
    webcryptoPerS: await rate(all, (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message)),
    noblePerS: await rate(all, (publicKey, signature, message) => verifySignature(undefined, publicKey, signature, message)),
  }
}
