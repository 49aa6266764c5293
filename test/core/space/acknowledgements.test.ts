/**
 * Signed presence and acknowledgements: what a member can and cannot make
 * another device's sync indicator and presence list say. Names carry the
 * rule ids of SECURITY.md.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { RunRecord } from '../../../src/core/scheduler/claims.ts'
import type { OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import { YjsRunTable } from '../../../src/core/scheduler/YjsRunTable.ts'
import { createDeviceKey, signWith } from '../../../src/core/identity/deviceKey.ts'
import { didFromPublicKey } from '../../../src/core/identity/didKey.ts'
import { acknowledgedByOthers, acknowledgementsFor, laneHex, ownProgress } from '../../../src/core/space/acknowledgements.ts'
import { laneCertificateMessage } from '../../../src/core/space/envelope.ts'
import { newLaneKey, type LaneKey } from '../../../src/core/space/laneKey.ts'
import { openPresence, signPresence, verifyPresence, type Ack, type PresenceStatement } from '../../../src/core/space/presenceStatement.ts'
import { add, Mesh, SPACE, verify, type Peer } from '../../helpers/signedMesh.ts'

/** A presence statement of `peer`'s session, as its room would publish it. */
async function statementOf(peer: Peer, content: { awaiting?: readonly Uint8Array[]; acks?: readonly Ack[]; name?: string } = {}, lane: LaneKey = peer.lane): Promise<PresenceStatement> {
  const certificate = await signWith(peer.key, crypto.subtle, laneCertificateMessage(SPACE, peer.key.publicKey, lane.publicKey))
  const signed = signPresence(
    { space: SPACE, author: peer.key.publicKey, lane: lane.publicKey, certificate, sign: lane.sign },
    { issuedAt: Date.now(), peer: 'peer-1', name: content.name ?? 'Someone', kinds: ['doc'], awaiting: content.awaiting ?? [], acks: content.acks ?? [] },
  )
  return openPresence(signed, SPACE)!
}

/** Alice's unseen count, as her room would work it out from the others' statements. */
function unseenOf(alice: Peer, others: readonly PresenceStatement[], ledger: ReadonlyMap<string, number> = new Map()): number {
  const acknowledged = acknowledgedByOthers(alice.key.publicKey, others, alice.signed.log)
  return ownProgress({ me: alice.key.publicKey, currentLane: alice.lane.publicKey, log: alice.signed.log, ledger, acknowledged }).unseen
}

describe('signed presence and acknowledgements', () => {
  it('[ACK1] an acknowledgement counts only if it names this device’s own envelope by its hash: a forged one cannot make the indicator say "Up to date"', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'one')
    await mesh.settled()
    mesh.disconnect(bob)
    for (let index = 0; index < 100; index++) add(alice.content, `unsynced ${index}`)
    await mesh.settled()
    // Counted in envelopes: a burst of edits shares a few.
    const authored = alice.signed.log.nextSeq(alice.key.publicKey, alice.lane.publicKey)
    expect(unseenOf(alice, [])).toBe(authored)
    // Mallory (a member, signing as her own device) claims Bob's device saw everything: seq 2^53, any hash.
    const lie = await statementOf(bob, { acks: [{ lane: alice.lane.publicKey, seq: Number.MAX_SAFE_INTEGER, hash: new Uint8Array(32) }] })
    expect(unseenOf(alice, [lie])).toBe(authored)
    // An acknowledgement of a seq Alice did sign, with a hash that is not her envelope's, is no better.
    const wrongHash = await statementOf(bob, { acks: [{ lane: alice.lane.publicKey, seq: 50, hash: new Uint8Array(32).fill(1) }] })
    expect(unseenOf(alice, [wrongHash])).toBe(authored)
    // Bob, really holding the first envelope, acknowledges it by its hash: that counts, and only that.
    const honest = await statementOf(bob, { acks: acknowledgementsFor([await statementOf(alice, { awaiting: [alice.lane.publicKey] })], bob.signed.log) })
    expect(honest.acks).toHaveLength(1)
    expect(unseenOf(alice, [honest])).toBe(authored - 1)
  })

  it('[ACK2] a statement counts only if its lane signed it and its device certified the lane: nobody can speak as another device', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    const certified = new Set<string>()
    const genuine = await statementOf(bob, { name: 'Bob' })
    expect(await verifyPresence(genuine, verify, certified)).toBe(true)
    // Mallory certifies a lane of her own "as Bob's device": the certificate is not Bob's signature.
    const mallory = await createDeviceKey(crypto.subtle)
    const lane = newLaneKey()
    const certificate = await signWith(mallory, crypto.subtle, laneCertificateMessage(SPACE, bob.key.publicKey, lane.publicKey))
    const posing = openPresence(signPresence({ space: SPACE, author: bob.key.publicKey, lane: lane.publicKey, certificate, sign: lane.sign }, { issuedAt: Date.now(), peer: 'p', name: 'Bob', kinds: [], awaiting: [], acks: [] }), SPACE)!
    expect(await verifyPresence(posing, verify, new Set())).toBe(false)
    // A genuine statement with a changed byte (a new name, say) no longer verifies.
    const wire = Uint8Array.from(atob(signPresence({ space: SPACE, author: alice.key.publicKey, lane: alice.lane.publicKey, certificate: await signWith(alice.key, crypto.subtle, laneCertificateMessage(SPACE, alice.key.publicKey, alice.lane.publicKey)), sign: alice.lane.sign }, { issuedAt: 1, peer: 'p', name: 'Alice', kinds: [], awaiting: [], acks: [] })), (char) => char.charCodeAt(0))
    wire[wire.length - 70]! ^= 1
    const tampered = openPresence(btoa(String.fromCharCode(...wire)), SPACE)
    // The tampered statement still parses: it is the signature check that refuses it.
    expect(tampered).toBeDefined()
    expect(await verifyPresence(tampered!, verify, new Set())).toBeFalsy()
  })

  it('[ACK2] anything else in awareness is no statement at all: oversized, truncated, of another space, or not text', () => {
    expect(openPresence({ name: 'Bob', device: 'did:key:z6Mk…', seen: { me: 2 ** 53 } }, SPACE)).toBeUndefined()
    expect(openPresence('A'.repeat(20_000), SPACE)).toBeUndefined()
    expect(openPresence('not base64 at all ✓', SPACE)).toBeUndefined()
    expect(openPresence(btoa('\x01short'), SPACE)).toBeUndefined()
  })

  it('[ACK3] "not yet seen" survives a reload: lanes still awaited are kept in the ledger, and a lane not in it was all acknowledged', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'seen by Bob')
    await mesh.settled()
    const ledger = new Map<string, number>()
    const apply = (writes: ReadonlyMap<string, number | undefined>): void => {
      for (const [lane, count] of writes) {
        if (count === undefined) ledger.delete(lane)
        else ledger.set(lane, count)
      }
    }
    const progress = (others: readonly PresenceStatement[]) => {
      const acknowledged = acknowledgedByOthers(alice.key.publicKey, others, alice.signed.log)
      const result = ownProgress({ me: alice.key.publicKey, currentLane: alice.lane.publicKey, log: alice.signed.log, ledger, acknowledged })
      apply(result.ledgerWrites)
      return result
    }
    const bobsAcks = async () => statementOf(bob, { acks: acknowledgementsFor([await statementOf(alice, { awaiting: [alice.lane.publicKey] })], bob.signed.log) })
    expect(progress([await bobsAcks()]).unseen).toBe(0)
    // This session's lane stays in the ledger, at its acknowledged count.
    expect([...ledger]).toEqual([[laneHex(alice.lane.publicKey), 1]])
    mesh.disconnect(bob)
    add(alice.content, 'offline')
    expect(progress([]).unseen).toBe(1)
    // Alice reloads: a new session (lane), the old one's envelopes read back from her stored log.
    const reloaded = await mesh.join({ key: alice.key, content: new Y.Doc() })
    Y.applyUpdate(reloaded.transport, Y.encodeStateAsUpdate(alice.transport))
    await mesh.settled()
    const after = ownProgress({ me: alice.key.publicKey, currentLane: reloaded.lane.publicKey, log: reloaded.signed.log, ledger, acknowledged: new Map() })
    expect(after.unseen).toBe(1)
    expect(after.awaiting.map(laneHex)).toEqual([laneHex(alice.lane.publicKey)])
  })
})

describe('who wrote what', () => {
  it('[ACK4] a run record shows the device whose lane wrote it, not the device it claims', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const mallory = await mesh.join()
    const aliceDid = didFromPublicKey(alice.key.publicKey)
    // Mallory records a run "by Alice" that Alice never made.
    const forged: RunRecord = { occurrence: 'op#0' as OccurrenceId, by: aliceDid, startedAt: 1, doneAt: 2, outcome: 'ok' }
    new YjsRunTable(mallory.content, Date.now).putRun(forged)
    await mesh.settled()
    const runs = new YjsRunTable(alice.content, Date.now)
    const [record] = runs.recordsOf('op')
    expect(record?.by).toBe(aliceDid)
    const writer = alice.signed.writerOf(runs.writerClientOf(record!)!)
    expect(writer).toBe(didFromPublicKey(mallory.key.publicKey))
    // What Alice records herself is hers, before and after it is sealed.
    runs.putRun({ ...forged, occurrence: 'op#1' as OccurrenceId })
    const own = runs.recordsOf('op').find((run) => run.occurrence === 'op#1')!
    expect(alice.signed.writerOf(runs.writerClientOf(own)!)).toBe(aliceDid)
  })
})
