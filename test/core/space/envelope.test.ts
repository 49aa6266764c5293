import { describe, expect, it } from 'vitest'
import { encodeBase58 } from '../../../src/core/identity/base58.ts'
import { createDeviceKey, createNobleKey, signWith, verifySignature, type DeviceKey } from '../../../src/core/identity/deviceKey.ts'
import { encodeEnvelopeBody, EnvelopeKind, GENESIS_PREV, openEnvelope, sealEnvelope, type Envelope } from '../../../src/core/space/envelope.ts'
import { EnvelopeLog, EnvelopeRejection, MAX_SEQ_AHEAD } from '../../../src/core/space/EnvelopeLog.ts'
import type { SpaceId } from '../../../src/core/space/ids.ts'

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Space id of the bytes 00…0f, and the did:key spec's seed-0 key: both fixed, so the outputs are known answers. */
const SPACE = encodeBase58(hex('000102030405060708090a0b0c0d0e0f')) as SpaceId
/** Computed with Node's own SHA-256 and Ed25519 (node:crypto) from the layout in envelope.ts, not with this code. */
const KNOWN = {
  lane: 'a0a1a2a3a4a5a6a7',
  body: '010010000102030405060708090a0b0c0d0e0f3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29a0a1a2a3a4a5a6a700000000000000000000000000000000000000000000000000000000000000000003010203',
  hash: 'a3176a2a4348f6d794b35b2acbfed190b310681bc106d9c3e5acc84256c30d4c',
  signature: 'f285a537622cb8cfaaf3f6e206f2b83bac1c3b357acf14753b5338fe8e5532292b8ee8deb6f8684b5287c4aeba59136c4fcb2578a68edde5b2b9b67857ebf50d',
}

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)
const signer = (key: DeviceKey) => (message: Uint8Array) => signWith(key, crypto.subtle, message)

const LANE = hex('0102030405060708')
const change = { kind: EnvelopeKind.change, space: SPACE, lane: LANE }

/** `count` envelopes chained from the lane's genesis, one tiny update each. */
async function chain(key: DeviceKey, count: number, from: { seq: number; prev: Uint8Array } = { seq: 0, prev: GENESIS_PREV }): Promise<Envelope[]> {
  const envelopes: Envelope[] = []
  let prev = from.prev
  for (let seq = from.seq; seq < from.seq + count; seq++) {
    const envelope = await sealEnvelope({ ...change, author: key.publicKey, seq, prev, update: Uint8Array.of(seq & 0xff) }, signer(key))
    envelopes.push(envelope)
    prev = envelope.hash
  }
  return envelopes
}

function flipLastByte(wire: Uint8Array, fromEnd: number): Uint8Array {
  const copy = Uint8Array.from(wire)
  const index = copy.length - fromEnd
  copy[index] = (copy[index] ?? 0) ^ 1
  return copy
}

describe('envelope encoding', () => {
  it('[E1] encodes, hashes and signs the known-answer vector', async () => {
    const key = await createNobleKey(new Uint8Array(32))
    const envelope = await sealEnvelope({ ...change, lane: hex(KNOWN.lane), author: key.publicKey, seq: 0, prev: GENESIS_PREV, update: Uint8Array.of(1, 2, 3) }, signer(key))
    expect(toHex(encodeEnvelopeBody(envelope))).toBe(KNOWN.body)
    expect(toHex(envelope.hash)).toBe(KNOWN.hash)
    expect(toHex(envelope.signature)).toBe(KNOWN.signature)
    expect(toHex(envelope.wire)).toBe(KNOWN.body + KNOWN.signature)
  })

  it('[E2] opens what it sealed, and refuses bytes that are not an envelope', async () => {
    const [envelope] = await chain(await createDeviceKey(crypto.subtle), 1)
    const opened = openEnvelope(envelope!.wire)
    expect(opened && toHex(opened.hash)).toBe(toHex(envelope!.hash))
    expect(opened?.space).toBe(SPACE)
    for (const junk of [new Uint8Array(0), new Uint8Array(64), Uint8Array.of(2, ...envelope!.wire.subarray(1)), envelope!.wire.subarray(0, 80), Uint8Array.of(...envelope!.wire.subarray(0, 70), 9, 9, ...envelope!.wire.subarray(70))]) {
      expect(openEnvelope(junk)).toBeUndefined()
    }
  })
})

describe('envelope log', () => {
  it('[E3] accepts an author’s chain in order, verifying one signature for the whole batch', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const envelopes = await chain(key, 200)
    let verifications = 0
    const log = new EnvelopeLog(SPACE, (...args) => {
      verifications++
      return verify(...args)
    })
    // Arrival order does not matter.
    const admission = await log.admit([...envelopes].reverse().map((envelope) => envelope.wire))
    expect(admission.accepted.map((envelope) => envelope.seq)).toEqual(envelopes.map((envelope) => envelope.seq))
    expect(verifications).toBe(1)
    expect(log.nextSeq(key.publicKey, LANE)).toBe(200)
    expect(log.authoredCount(key.publicKey)).toBe(200)
  })

  it('[E4] rejects forged, tampered and conflicting envelopes; replays are harmless duplicates', async () => {
    const alice = await createDeviceKey(crypto.subtle)
    const mallory = await createDeviceKey(crypto.subtle)
    const genuine = await chain(alice, 3)
    const log = new EnvelopeLog(SPACE, verify)
    await log.admit(genuine.slice(0, 2).map((envelope) => envelope.wire))

    // Mallory signs an envelope claiming to be Alice's next one.
    const forged = await sealEnvelope({ ...change, author: alice.publicKey, seq: 2, prev: genuine[1]!.hash, update: Uint8Array.of(66) }, signer(mallory))
    // A genuine envelope whose update was altered in transit (the byte before the signature).
    const tampered = flipLastByte(genuine[2]!.wire, 65)
    const first = await log.admit([forged.wire, tampered])
    expect(first.accepted).toEqual([])
    expect(first.rejected.map((rejection) => rejection.reason).sort()).toEqual([EnvelopeRejection.badSignature, EnvelopeRejection.badSignature])

    const second = await log.admit([genuine[0]!.wire, genuine[2]!.wire])
    expect(second.duplicates).toBe(1)
    expect(second.accepted.map((envelope) => envelope.seq)).toEqual([2])

    // Alice's own key signing a second, different seq 1: a conflict, never applied.
    const conflicting = await sealEnvelope({ ...change, author: alice.publicKey, seq: 1, prev: genuine[0]!.hash, update: Uint8Array.of(7) }, signer(alice))
    const third = await log.admit([conflicting.wire])
    expect(third.rejected).toMatchObject([{ reason: EnvelopeRejection.conflict, seq: 1 }])
  })

  it('[E5] holds envelopes that arrive before their predecessors, and breaks off at a broken chain', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const envelopes = await chain(key, 4)
    const log = new EnvelopeLog(SPACE, verify)
    const early = await log.admit([envelopes[2]!.wire, envelopes[3]!.wire])
    expect(early).toMatchObject({ accepted: [], waiting: 2 })
    const filled = await log.admit([envelopes[0]!.wire, envelopes[1]!.wire])
    expect(filled.accepted.map((envelope) => envelope.seq)).toEqual([0, 1, 2, 3])

    const elsewhere = await chain(key, 1, { seq: 4, prev: new Uint8Array(32).fill(7) })
    const broken = await log.admit([elsewhere[0]!.wire])
    expect(broken.rejected).toMatchObject([{ reason: EnvelopeRejection.brokenChain, seq: 4 }])

    const farAhead = await chain(key, 1, { seq: 4 + MAX_SEQ_AHEAD, prev: new Uint8Array(32) })
    expect((await log.admit([farAhead[0]!.wire])).rejected).toMatchObject([{ reason: EnvelopeRejection.tooFarAhead }])
  })

  it('[E6] keeps the authentic prefix when forgeries are appended to a genuine chain, in few verifications', async () => {
    const alice = await createDeviceKey(crypto.subtle)
    const mallory = await createDeviceKey(crypto.subtle)
    const genuine = await chain(alice, 10)
    let prev = genuine.at(-1)!.hash
    const forgeries: Envelope[] = []
    for (let seq = 10; seq < 110; seq++) {
      const forged = await sealEnvelope({ ...change, author: alice.publicKey, seq, prev, update: Uint8Array.of(0) }, signer(mallory))
      forgeries.push(forged)
      prev = forged.hash
    }
    let verifications = 0
    const log = new EnvelopeLog(SPACE, (...args) => {
      verifications++
      return verify(...args)
    })
    const admission = await log.admit([...genuine, ...forgeries].map((envelope) => envelope.wire))
    expect(admission.accepted).toHaveLength(10)
    expect(admission.rejected).toHaveLength(100)
    expect(verifications).toBeLessThanOrEqual(9)
  })

  it('[E7] refuses envelopes of another space, and garbage', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const other = await sealEnvelope(
      { ...change, space: encodeBase58(new Uint8Array(16).fill(9)) as SpaceId, author: key.publicKey, seq: 0, prev: GENESIS_PREV, update: Uint8Array.of(1) },
      signer(key),
    )
    const log = new EnvelopeLog(SPACE, verify)
    const admission = await log.admit([other.wire, Uint8Array.of(1, 2, 3)])
    expect(admission.rejected.map((rejection) => rejection.reason)).toEqual([EnvelopeRejection.wrongSpace, EnvelopeRejection.malformed])
  })

  it('[E8] starts a lane at a validly signed checkpoint without its history, and counts what it supersedes as repeats', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const mallory = await createDeviceKey(crypto.subtle)
    const history = await chain(key, 5)
    const checkpoint = await sealEnvelope(
      { ...change, kind: EnvelopeKind.checkpoint, author: key.publicKey, seq: 5, prev: history[4]!.hash, update: Uint8Array.of(99) },
      signer(key),
    )
    const after = await chain(key, 2, { seq: 6, prev: checkpoint.hash })
    const forgedCheckpoint = await sealEnvelope(
      { ...change, kind: EnvelopeKind.checkpoint, author: key.publicKey, seq: 7, prev: after[0]!.hash, update: Uint8Array.of(66) },
      signer(mallory),
    )
    let verifications = 0
    const log = new EnvelopeLog(SPACE, (...args) => {
      verifications++
      return verify(...args)
    })
    const admission = await log.admit([forgedCheckpoint.wire, ...after.map((envelope) => envelope.wire), checkpoint.wire])
    expect(admission.accepted.map((envelope) => [envelope.seq, envelope.kind])).toEqual([
      [5, EnvelopeKind.checkpoint],
      [6, EnvelopeKind.change],
      [7, EnvelopeKind.change],
    ])
    expect(admission.rejected.map((rejection) => rejection.reason)).toEqual([EnvelopeRejection.badSignature])
    // The forged checkpoint, the genuine one, and one for the head of the rest.
    expect(verifications).toBe(3)
    expect(log.isSuperseded(key.publicKey, LANE, 4)).toBe(true)
    expect(log.authoredCount(key.publicKey)).toBe(8)
    const replay = await log.admit(history.map((envelope) => envelope.wire))
    expect(replay).toMatchObject({ accepted: [], duplicates: 5, rejected: [] })
  })

  it('[E9] keeps each lane of one author a separate chain, so two tabs never conflict', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const otherLane = hex('1111111111111111')
    const first = await chain(key, 3)
    const second = await sealEnvelope({ ...change, lane: otherLane, author: key.publicKey, seq: 0, prev: GENESIS_PREV, update: Uint8Array.of(5) }, signer(key))
    const log = new EnvelopeLog(SPACE, verify)
    const admission = await log.admit([...first.map((envelope) => envelope.wire), second.wire])
    expect(admission.accepted).toHaveLength(4)
    expect(admission.rejected).toEqual([])
    expect(log.nextSeq(key.publicKey, otherLane)).toBe(1)
    expect(log.authoredCount(key.publicKey)).toBe(4)
  })
})
