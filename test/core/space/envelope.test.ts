import * as encoding from 'lib0/encoding'
import { testContentKey, testKeyring } from '../../helpers/contentKeys.ts'
import { describe, expect, it } from 'vitest'
import { encodeBase58 } from '../../../src/core/identity/base58.ts'
import { createDeviceKey, createNobleKey, signWith, verifySignature, type DeviceKey } from '../../../src/core/identity/deviceKey.ts'
import { decryptContent, deriveContentKey, NONCE_BYTES } from '../../../src/core/space/contentCipher.ts'
import { authorKey, encodeEnvelopeBody, EnvelopeKind, GENESIS_PREV, hashEnvelopeBody, laneCertificateMessage, openEnvelope, sameBytes, sealEnvelope, signingMessage, type Envelope, type EnvelopeBody } from '../../../src/core/space/envelope.ts'
import { EnvelopeLog, MAX_SEQ_AHEAD } from '../../../src/core/space/EnvelopeLog.ts'
import { EnvelopeRejection } from '../../../src/core/space/envelopeRejection.ts'
import type { SpaceId } from '../../../src/core/space/ids.ts'
import { joinUpdates } from '../../../src/core/space/joinUpdates.ts'
import { newLaneKey, type LaneKey } from '../../../src/core/space/laneKey.ts'

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Space id of the bytes 00…0f, and the did:key spec's seed-0 key: both fixed, so the outputs are known answers. */
const SPACE = encodeBase58(hex('000102030405060708090a0b0c0d0e0f')) as SpaceId
/** Computed with Node's own HKDF, AES-GCM, SHA-256 and Ed25519 (node:crypto) from the layout in envelope.ts, not with this code. */
const KNOWN = {
  laneSecret: '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  lane: '29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7',
  certificate: 'a1659f60665909a13077ab1ea2ad59f3050df3a842ab712933d08b94a2e08e8782bfa5b1e8bb8162baaad6bd7cd7381ce99c36942df0fe0bd5c5795fd374190a',
  /** Content encrypted under the test secret's epoch-0 key (HKDF-SHA256, AES-256-GCM), with the nonce 00…0b. */
  body: '030010000102030405060708090a0b0c0d0e0f3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da2929acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7a1659f60665909a13077ab1ea2ad59f3050df3a842ab712933d08b94a2e08e8782bfa5b1e8bb8162baaad6bd7cd7381ce99c36942df0fe0bd5c5795fd374190a00000000000000000000000000000000000000000000000000000000000000000000000102030405060708090a0b13afe14f3ae583098a3a0ec4cb66637527af34da',
  hash: '65ec3461fab208f5c728424efb4a2426b7f050733cc5e38eca5a3ca1a7bbf989',
  signature: '82e2cac4fc2e104ed9e93a843f3c96eb309abe3cab0d9168d263b15c7edad1bc1f4856ea59d37a63992f97051fd01f1710d7629a9c1ec87580af13c173c2bc09',
}

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)

/** Lanes by author and a test's name for the lane: each a lane key, certified by its author. */
const lanes = new Map<string, { key: LaneKey; certificate: Uint8Array }>()
const LANE = 'first lane'

async function laneOf(author: DeviceKey, name = LANE): Promise<{ key: LaneKey; certificate: Uint8Array }> {
  const id = `${authorKey(author.publicKey)}/${name}`
  let lane = lanes.get(id)
  if (!lane) {
    const key = newLaneKey()
    lane = { key, certificate: await signWith(author, crypto.subtle, laneCertificateMessage(SPACE, author.publicKey, key.publicKey)) }
    lanes.set(id, lane)
  }
  return lane
}

const laneKeyOf = async (author: DeviceKey, name = LANE): Promise<Uint8Array> => (await laneOf(author, name)).key.publicKey

type TestBody = Omit<EnvelopeBody, 'lane' | 'certificate' | 'space'> & { readonly laneName?: string }

/**
 * Seals as `signer`. For its own envelopes, in its own lane. For another
 * author's (a forgery), in that author's lane with that author's certificate,
 * but signed by a lane key of the signer's: what a forger can make.
 */
async function sealAs(signer: DeviceKey, { laneName, ...body }: TestBody, victim?: DeviceKey): Promise<Envelope> {
  const own = sameBytes(signer.publicKey, body.author)
  const lane = await laneOf(own ? signer : victim ?? signer, laneName)
  return sealEnvelope({ ...body, space: SPACE, lane: lane.key.publicKey, certificate: lane.certificate }, own ? lane.key.sign : newLaneKey().sign, testContentKey(SPACE))
}

const change = { kind: EnvelopeKind.change }

/**
 * A small, valid Yjs update that differs with `n` and writes no structs
 * (only a delete set), so it passes the clientID check whatever lane signs it.
 * `ranges` makes it as large as a test needs.
 */
function tinyUpdate(n: number, ranges = 1): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0) // no struct sections
  encoding.writeVarUint(encoder, 1) // one client in the delete set
  encoding.writeVarUint(encoder, n)
  encoding.writeVarUint(encoder, ranges)
  for (let range = 0; range < ranges; range++) {
    encoding.writeVarUint(encoder, range * 2)
    encoding.writeVarUint(encoder, 1)
  }
  return encoding.toUint8Array(encoder)
}

/** `count` envelopes chained from the lane's genesis, one tiny update each. */
async function chain(key: DeviceKey, count: number, from: { seq: number; prev: Uint8Array } = { seq: 0, prev: GENESIS_PREV }): Promise<Envelope[]> {
  const envelopes: Envelope[] = []
  let prev = from.prev
  for (let seq = from.seq; seq < from.seq + count; seq++) {
    const envelope = await sealAs(key, { ...change, author: key.publicKey, seq, prev, update: tinyUpdate(seq) })
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
    const lane = newLaneKey(hex(KNOWN.laneSecret))
    expect(toHex(lane.publicKey)).toBe(KNOWN.lane)
    const certificate = await signWith(key, crypto.subtle, laneCertificateMessage(SPACE, key.publicKey, lane.publicKey))
    expect(toHex(certificate)).toBe(KNOWN.certificate)
    const nonce = Uint8Array.from({ length: NONCE_BYTES }, (_, index) => index)
    const body = encodeEnvelopeBody({ ...change, space: SPACE, lane: lane.publicKey, certificate, author: key.publicKey, seq: 0, prev: GENESIS_PREV, update: Uint8Array.of(1, 2, 3) }, testContentKey(SPACE), nonce)
    expect(toHex(body)).toBe(KNOWN.body)
    const hash = hashEnvelopeBody(body)
    expect(toHex(hash)).toBe(KNOWN.hash)
    expect(toHex(lane.sign(signingMessage(hash)))).toBe(KNOWN.signature)
    const opened = openEnvelope(hex(KNOWN.body + KNOWN.signature))!
    expect(opened.sealed?.epoch).toBe(0)
    expect(await verify(lane.publicKey, opened.signature, signingMessage(opened.hash))).toBe(true)
  })

  it('[E1b] seals a different ciphertext each time, which only the epoch’s key opens', async () => {
    const [first] = await chain(await createDeviceKey(crypto.subtle), 1)
    const again = sealEnvelope({ ...first!, update: first!.update }, newLaneKey().sign, testContentKey(SPACE))
    expect(toHex(again.sealed!.ciphertext)).not.toBe(toHex(first!.sealed!.ciphertext))
    const { nonce, header, ciphertext } = first!.sealed!
    expect(decryptContent(testContentKey(SPACE), nonce, header, ciphertext)).toEqual(first!.update)
    expect(decryptContent(deriveContentKey(SPACE, 0, new Uint8Array(32).fill(8)), nonce, header, ciphertext)).toBeUndefined()
    // Bound to its header: moved into another envelope, it does not open.
    expect(decryptContent(testContentKey(SPACE), nonce, again.sealed!.header, ciphertext)).toBeUndefined()
  })

  it('[E2] opens what it sealed, and refuses bytes that are not an envelope', async () => {
    const [envelope] = await chain(await createDeviceKey(crypto.subtle), 1)
    const opened = openEnvelope(envelope!.wire)
    expect(opened && toHex(opened.hash)).toBe(toHex(envelope!.hash))
    expect(opened?.space).toBe(SPACE)
    for (const junk of [new Uint8Array(0), new Uint8Array(64), Uint8Array.of(9, ...envelope!.wire.subarray(1)), envelope!.wire.subarray(0, 80), Uint8Array.of(...envelope!.wire.subarray(0, -64), 9, 9, ...envelope!.wire.subarray(-64))]) {
      expect(openEnvelope(junk)).toBeUndefined()
    }
  })
})

describe('envelope log', () => {
  it('[E3] accepts an author’s chain in order, verifying one lane signature and the lane’s certificate for the whole batch', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const envelopes = await chain(key, 200)
    let verifications = 0
    const log = new EnvelopeLog(SPACE, (...args) => {
      verifications++
      return verify(...args)
    }, testKeyring(SPACE))
    // Arrival order does not matter.
    const admission = await log.admit([...envelopes].reverse().map((envelope) => envelope.wire))
    expect(admission.accepted.map((envelope) => envelope.seq)).toEqual(envelopes.map((envelope) => envelope.seq))
    expect(verifications).toBe(2)
    expect(log.nextSeq(key.publicKey, await laneKeyOf(key))).toBe(200)
    // The lane is certified now: its next envelopes cost one verification.
    verifications = 0
    const next = await chain(key, 1, { seq: 200, prev: envelopes.at(-1)!.hash })
    const admitting = log.admit([next[0]!.wire])
    // Checked in the caller's own task, not after a microtask: a live edit's check must queue ahead of the work that task starts next.
    expect(verifications).toBe(1)
    expect((await admitting).accepted).toHaveLength(1)
    expect(log.authoredCount(key.publicKey)).toBe(201)
  })

  it('[E4] rejects forged, tampered and conflicting envelopes; replays are harmless duplicates', async () => {
    const alice = await createDeviceKey(crypto.subtle)
    const mallory = await createDeviceKey(crypto.subtle)
    const genuine = await chain(alice, 3)
    const log = new EnvelopeLog(SPACE, verify, testKeyring(SPACE))
    await log.admit(genuine.slice(0, 2).map((envelope) => envelope.wire))

    // Mallory signs an envelope claiming to be Alice's next one.
    const forged = await sealAs(mallory, { ...change, author: alice.publicKey, seq: 2, prev: genuine[1]!.hash, update: tinyUpdate(66) }, alice)
    // A genuine envelope whose encrypted update was altered in transit (the byte before the signature): its
    // ciphertext no longer opens, which is found before any signature is checked.
    const tampered = flipLastByte(genuine[2]!.wire, 65)
    const first = await log.admit([forged.wire, tampered])
    expect(first.accepted).toEqual([])
    expect(first.rejected.map((rejection) => rejection.reason).sort()).toEqual([EnvelopeRejection.badSignature, EnvelopeRejection.undecryptable])

    const second = await log.admit([genuine[0]!.wire, genuine[2]!.wire])
    expect(second.duplicates).toHaveLength(1)
    expect(second.accepted.map((envelope) => envelope.seq)).toEqual([2])

    // Alice's own key signing a second, different seq 1: her lane's second history, which voids it (EQV1).
    const conflicting = await sealAs(alice, { ...change, author: alice.publicKey, seq: 1, prev: genuine[0]!.hash, update: tinyUpdate(7) })
    const third = await log.admit([conflicting.wire])
    expect(third.equivocations).toMatchObject([{ author: authorKey(alice.publicKey), hadAccepted: true }])
    expect(third.equivocations[0]!.proof.map((envelope) => envelope.seq)).toEqual([1, 1])
  })

  it('[E5] holds envelopes that arrive before their predecessors, and breaks off at a broken chain', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const envelopes = await chain(key, 4)
    const log = new EnvelopeLog(SPACE, verify, testKeyring(SPACE))
    const early = await log.admit([envelopes[2]!.wire, envelopes[3]!.wire])
    expect(early).toMatchObject({ accepted: [], waiting: 2 })
    const filled = await log.admit([envelopes[0]!.wire, envelopes[1]!.wire])
    expect(filled.accepted.map((envelope) => envelope.seq)).toEqual([0, 1, 2, 3])

    // Claiming seq 4 without following the chain, and not signed by the lane (signed so, it would be a second history).
    const mallory = await createDeviceKey(crypto.subtle)
    const elsewhere = [await sealAs(mallory, { ...change, author: key.publicKey, seq: 4, prev: new Uint8Array(32).fill(7), update: tinyUpdate(4) }, key)]
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
      const forged = await sealAs(mallory, { ...change, author: alice.publicKey, seq, prev, update: tinyUpdate(0) }, alice)
      forgeries.push(forged)
      prev = forged.hash
    }
    let verifications = 0
    const log = new EnvelopeLog(SPACE, (...args) => {
      verifications++
      return verify(...args)
    }, testKeyring(SPACE))
    const admission = await log.admit([...genuine, ...forgeries].map((envelope) => envelope.wire))
    expect(admission.accepted).toHaveLength(10)
    expect(admission.rejected).toHaveLength(100)
    expect(verifications).toBeLessThanOrEqual(10)
  })

  it('[E7] refuses envelopes of another space, and garbage', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const lane = await laneOf(key)
    const other = sealEnvelope(
      { ...change, space: encodeBase58(new Uint8Array(16).fill(9)) as SpaceId, lane: lane.key.publicKey, certificate: lane.certificate, author: key.publicKey, seq: 0, prev: GENESIS_PREV, update: tinyUpdate(1) },
      lane.key.sign, testContentKey(SPACE)
    )
    const log = new EnvelopeLog(SPACE, verify, testKeyring(SPACE))
    const admission = await log.admit([other.wire, Uint8Array.of(1, 2, 3)])
    expect(admission.rejected.map((rejection) => rejection.reason)).toEqual([EnvelopeRejection.wrongSpace, EnvelopeRejection.malformed])
  })

  it('[E8] starts a lane at a validly signed checkpoint without its history, and reports what it supersedes as redundant', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const mallory = await createDeviceKey(crypto.subtle)
    const history = await chain(key, 5)
    // A checkpoint carries, byte for byte, what it supersedes (as SignedLog seals it).
    const checkpoint = await sealAs(key, { kind: EnvelopeKind.checkpoint, author: key.publicKey, seq: 5, prev: history[4]!.hash, update: joinUpdates(history.map((envelope) => envelope.update))! })
    const after = await chain(key, 2, { seq: 6, prev: checkpoint.hash })
    const forgedCheckpoint = await sealAs(mallory, { kind: EnvelopeKind.checkpoint, author: key.publicKey, seq: 7, prev: after[0]!.hash, update: tinyUpdate(66) }, key)
    let verifications = 0
    const log = new EnvelopeLog(SPACE, (...args) => {
      verifications++
      return verify(...args)
    }, testKeyring(SPACE))
    const admission = await log.admit([forgedCheckpoint.wire, ...after.map((envelope) => envelope.wire), checkpoint.wire])
    expect(admission.accepted.map((envelope) => [envelope.seq, envelope.kind])).toEqual([
      [5, EnvelopeKind.checkpoint],
      [6, EnvelopeKind.change],
      [7, EnvelopeKind.change],
    ])
    expect(admission.rejected.map((rejection) => rejection.reason)).toEqual([EnvelopeRejection.badSignature])
    // The forged checkpoint, the genuine one, and one for the head of the rest, plus the lane's certificate once.
    expect(verifications).toBe(4)
    expect(log.isSuperseded(key.publicKey, await laneKeyOf(key), 4)).toBe(true)
    expect(log.authoredCount(key.publicKey)).toBe(8)
    const replay = await log.admit(history.map((envelope) => envelope.wire))
    expect(replay).toMatchObject({ accepted: [], rejected: [] })
    expect(replay.superseded).toHaveLength(5)
  })

  it('[E10] checks the signatures of a batch’s lanes side by side, each lane’s envelopes still in order', async () => {
    const authors = await Promise.all([0, 1, 2].map(() => createDeviceKey(crypto.subtle)))
    const chains = await Promise.all(authors.map((author) => chain(author, 5)))
    let inFlight = 0
    let mostInFlight = 0
    const log = new EnvelopeLog(SPACE, async (...args) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight)
      try {
        return await verify(...args)
      } finally {
        inFlight--
      }
    }, testKeyring(SPACE))
    const admission = await log.admit(chains.flat().map((envelope) => envelope.wire))
    // Each lane checks its certificate and its signature together: all three lanes at once is six.
    expect(mostInFlight).toBe(6)
    for (const [index, author] of authors.entries()) {
      const ofAuthor = admission.accepted.filter((envelope) => sameBytes(envelope.author, author.publicKey))
      expect(ofAuthor.map((envelope) => envelope.hash)).toEqual(chains[index]!.map((envelope) => envelope.hash))
    }
  })

  it('[E11] hashes a large batch with the platform digest (a small one in JS, at once), and falls back to JS where it fails', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const big: Envelope[] = []
    for (let seq = 0; seq < 5; seq++) {
      big.push(await sealAs(key, { ...change, author: key.publicKey, seq, prev: big.at(-1)?.hash ?? GENESIS_PREV, update: tinyUpdate(seq, 20_000) }))
    }
    let digested = 0
    const platform = async (bytes: Uint8Array): Promise<Uint8Array> => {
      // The third fails: that envelope is hashed in JS instead.
      if (++digested === 3) throw new Error('digest unavailable')
      return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
    }
    const log = new EnvelopeLog(SPACE, verify, testKeyring(SPACE), platform)
    const admission = await log.admit(big.map((envelope) => envelope.wire))
    expect(digested).toBe(5)
    expect(admission.accepted.map((envelope) => toHex(envelope.hash))).toEqual(big.map((envelope) => toHex(envelope.hash)))

    digested = 0
    const next = await chain(key, 1, { seq: 5, prev: big.at(-1)!.hash })
    const admitting = log.admit([next[0]!.wire])
    expect(digested).toBe(0)
    expect((await admitting).accepted).toHaveLength(1)
  })

  it('[E9] keeps each lane of one author a separate chain, so two tabs never conflict', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const first = await chain(key, 3)
    const second = await sealAs(key, { ...change, laneName: 'second tab', author: key.publicKey, seq: 0, prev: GENESIS_PREV, update: tinyUpdate(5) })
    const log = new EnvelopeLog(SPACE, verify, testKeyring(SPACE))
    const admission = await log.admit([...first.map((envelope) => envelope.wire), second.wire])
    expect(admission.accepted).toHaveLength(4)
    expect(admission.rejected).toEqual([])
    expect(log.nextSeq(key.publicKey, await laneKeyOf(key, 'second tab'))).toBe(1)
    expect(log.authoredCount(key.publicKey)).toBe(4)
  })
})
