/**
 * What a newcomer's admission of the fixture's log costs, stage by stage, in
 * Node: each stage run alone over the whole log the way EnvelopeLog runs it
 * for a large batch (WebCrypto for hashing, decryption and signatures, all
 * envelopes side by side), then the whole admission and apply through
 * SignedLog for comparison. In the browser the same stages run on the same
 * code; this splits the cost that the join's "state received → rendered"
 * figure reports as one number.
 */
import * as Y from 'yjs'
import { verifySignature } from '../../src/core/identity/deviceKey.ts'
import { decryptContentByPlatform } from '../../src/core/space/contentCipher.ts'
import { chainKey, EnvelopeKind, envelopeBody, openEnvelope, verifyEnvelopeSignature, withContent, type Digest, type Envelope, type Verifier } from '../../src/core/space/envelope.ts'
import { combineUpdates, readUpdateShape } from '../../src/core/space/joinUpdates.ts'
import { newLaneKey } from '../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes } from '../../src/core/space/SignedLog.ts'
import { fixtureKeyring, type Fixture } from './fixture.ts'
import { median } from '../stats.ts'

export interface AdmissionStages {
  readonly envelopes: number
  /** SHA-256 of every envelope body (WebCrypto). */
  readonly hashMs: number
  /** Reading each envelope's header and fields. */
  readonly parseMs: number
  /** AES-256-GCM of every update (WebCrypto, side by side): what content encryption adds. */
  readonly decryptMs: number
  /** One signature per lane head and per checkpoint, and each lane's certificate once (WebCrypto). */
  readonly verifyMs: number
  /** Reading every update's struct sections: whose clientIDs it writes. */
  readonly shapeMs: number
  /** Joining the updates and applying them to an empty doc. */
  readonly applyMs: number
  /** The whole admission and apply through SignedLog, as a newcomer runs it. */
  readonly totalMs: number
}

/** SHA-256 by WebCrypto, as the browser's device gives SignedLog (src/sw/browserDevice.ts). */
const digest: Digest = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
const verify: Verifier = (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message)

async function timed<T>(work: () => T | Promise<T>): Promise<{ readonly result: T; readonly ms: number }> {
  const started = performance.now()
  const result = await work()
  return { result, ms: performance.now() - started }
}

/** The envelopes a lane's chain is authenticated by: its latest checkpoint and its head (EnvelopeLog, one signature each). */
function signedOnes(envelopes: readonly Envelope[]): Envelope[] {
  const byLane = new Map<string, Envelope[]>()
  for (const envelope of envelopes) {
    const key = chainKey(envelope.author, envelope.lane)
    const lane = byLane.get(key) ?? []
    lane.push(envelope)
    byLane.set(key, lane)
  }
  const signed: Envelope[] = []
  for (const lane of byLane.values()) {
    lane.sort((a, b) => a.seq - b.seq)
    const checkpoint = lane.findLast((envelope) => envelope.kind === EnvelopeKind.checkpoint)
    if (checkpoint) signed.push(checkpoint)
    if (lane.at(-1) !== checkpoint) signed.push(lane.at(-1)!)
  }
  return signed
}

async function once(fixture: Fixture): Promise<AdmissionStages> {
  const transport = new Y.Doc()
  Y.applyUpdate(transport, fixture.transportState)
  const wires = transportEnvelopes(transport).toArray()
  const key = fixtureKeyring(fixture.space, fixture.secret).current()!
  const subtle = crypto.subtle

  const hashing = await timed(() => Promise.all(wires.map((wire) => digest(envelopeBody(wire)!))))
  const parsing = await timed(() => wires.map((wire, index) => openEnvelope(wire, hashing.result[index])!))
  const decrypting = await timed(() =>
    Promise.all(parsing.result.map(async (envelope) => withContent(envelope, (await decryptContentByPlatform(subtle, key, envelope.sealed!.nonce, envelope.sealed!.header, envelope.sealed!.ciphertext))!))),
  )
  const opened = decrypting.result
  const verifying = await timed(async () => {
    const certified = new Set<string>()
    const valid = await Promise.all(signedOnes(opened).map((envelope) => verifyEnvelopeSignature(envelope, verify, certified)))
    if (valid.includes(false)) throw new Error('A fixture envelope failed to verify: the benchmark is broken.')
  })
  const shaping = await timed(() => opened.map((envelope) => readUpdateShape(envelope.update)!))
  const applying = await timed(() => Y.applyUpdate(new Y.Doc(), combineUpdates(opened.map((envelope) => envelope.update), shaping.result)))

  const newcomer = { content: new Y.Doc(), transport: new Y.Doc() }
  const reader = { publicKey: new Uint8Array(32), sign: () => Promise.reject(new Error('A reader does not sign.')) }
  const lane = newLaneKey()
  const whole = await timed(async () => {
    Y.applyUpdate(newcomer.transport, fixture.transportState)
    const log = new SignedLog({
      space: fixture.space,
      content: newcomer.content,
      transport: newcomer.transport,
      author: reader,
      verify,
      keys: fixtureKeyring(fixture.space, fixture.secret),
      digest,
      lane: { publicKey: lane.publicKey, key: () => Promise.resolve(lane) },
    })
    await log.settled()
    log.destroy()
  })
  return {
    envelopes: wires.length,
    hashMs: hashing.ms,
    parseMs: parsing.ms,
    decryptMs: decrypting.ms,
    verifyMs: verifying.ms,
    shapeMs: shaping.ms,
    applyMs: applying.ms,
    totalMs: whole.ms,
  }
}

/** The median of each stage over `runs` runs, after one discarded (JIT, WebCrypto's first keys). */
export async function measureAdmissionStages(fixture: Fixture, runs = 7): Promise<AdmissionStages> {
  await once(fixture)
  const samples: AdmissionStages[] = []
  for (let run = 0; run < runs; run++) samples.push(await once(fixture))
  const of = (stage: keyof AdmissionStages): number => median(samples.map((sample) => sample[stage]))
  return {
    envelopes: samples[0]!.envelopes,
    hashMs: of('hashMs'),
    parseMs: of('parseMs'),
    decryptMs: of('decryptMs'),
    verifyMs: of('verifyMs'),
    shapeMs: of('shapeMs'),
    applyMs: of('applyMs'),
    totalMs: of('totalMs'),
  }
}
