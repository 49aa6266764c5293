/**
 * Members who attack each other: each test is one finding of a rogue
 * member's attack on the envelope log, written as that member would carry it
 * out with the share link, against real SignedLogs and Y.Docs. Test names
 * carry the rule ids of SECURITY.md.
 */
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createDeviceKey } from '../../../src/core/identity/deviceKey.ts'
import { laneClientId } from '../../../src/core/space/clientIds.ts'
import { EnvelopeKind, GENESIS_PREV, sealEnvelope, type Envelope } from '../../../src/core/space/envelope.ts'
import { EnvelopeRejection } from '../../../src/core/space/EnvelopeLog.ts'
import { newLaneKey } from '../../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes } from '../../../src/core/space/SignedLog.ts'
import { add, certifiedLane, inject, laneOf, Mesh, SPACE, titles, verify, type Peer } from '../../helpers/signedMesh.ts'
import { seededRandom } from '../../helpers/seededRandom.ts'

/** A Yjs (v1) update of one GC struct: `length` clocks of `client` from `clock`, content nobody can see. */
function garbageStruct(client: number, clock: number, length: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // one client section
  encoding.writeVarUint(encoder, 1) // one struct
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, clock)
  encoding.writeUint8(encoder, 0) // GC
  encoding.writeVarUint(encoder, length)
  encoding.writeVarUint(encoder, 0) // empty delete set
  return encoding.toUint8Array(encoder)
}

/** Mallory's own lane, certified by her own device key: everything she signs there is authentic. */
async function roguelane() {
  const mallory = await createDeviceKey(crypto.subtle)
  const { key, certificate } = await certifiedLane(mallory)
  let seq = 0
  let prev: Uint8Array = GENESIS_PREV
  return {
    /** Signs `update` as her lane's next envelope. */
    sign(update: Uint8Array): Envelope {
      const envelope = sealEnvelope({ kind: EnvelopeKind.change, space: SPACE, author: mallory.publicKey, lane: key.publicKey, certificate, seq: seq++, prev, update }, key.sign)
      prev = envelope.hash
      return envelope
    },
  }
}

/** A newcomer's log, fed `wires` in the given order, one batch each (the order varies between peers on a real network). */
async function observe(wires: readonly Uint8Array[]): Promise<{ content: Y.Doc; signed: SignedLog }> {
  const content = new Y.Doc()
  const transport = new Y.Doc()
  const key = await createDeviceKey(crypto.subtle)
  const signed = new SignedLog({ space: SPACE, content, transport, verify, lane: laneOf(), author: { publicKey: key.publicKey, sign: () => Promise.reject(new Error('observers do not write')) } })
  for (const wire of wires) {
    transportEnvelopes(transport).push([wire])
    await signed.settled()
  }
  return { content, signed }
}

const wiresOf = (peer: Peer): Uint8Array[] => transportEnvelopes(peer.transport).toArray()

describe('hostile members: what a signed envelope may touch', () => {
  it('[CID1] a member who signs structs under another member’s clientID is refused everywhere, and the victim’s offline edits reach every peer', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(bob.content, 'bob, online')
    await mesh.settled()
    mesh.disconnect(bob)
    add(bob.content, 'bob, offline')
    add(bob.content, 'bob, offline again')
    await mesh.settled()
    // Mallory writes garbage under Bob's clientID from the clock every peer last saw of it: on today's code
    // that is accepted, and Bob's genuine offline edits, validly signed, are dropped by Yjs when they come.
    const mallory = await roguelane()
    const victimClock = Y.getState(alice.content.store, bob.content.clientID)
    inject(alice, [mallory.sign(garbageStruct(bob.content.clientID, victimClock, 50)).wire])
    await mesh.settled()
    mesh.reconnect(bob)
    await mesh.settled()
    const carol = await mesh.join()
    await mesh.settled()
    const expected = ['bob, online', 'bob, offline', 'bob, offline again']
    for (const peer of [alice, bob, carol]) expect(titles(peer.content)).toEqual(expected)
    expect(alice.signed.log.rejections.get(EnvelopeRejection.foreignClient)).toBe(1)
  })

  it('[CID1] an envelope that names a clientID its lane does not own is refused, though its delete set may delete other members’ items', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    add(alice.content, 'keep')
    add(alice.content, 'remove me')
    await mesh.settled()
    const mallory = await roguelane()
    // A lane writing under an id of its choosing (not derived from its key) is refused...
    inject(alice, [mallory.sign(garbageStruct(12345, 0, 1)).wire])
    await mesh.settled()
    expect(alice.signed.log.rejections.get(EnvelopeRejection.foreignClient)).toBe(1)
    // ...and the lane goes no further, so nothing it signs after that is applied.
    const deleting = new Y.Doc()
    Y.applyUpdate(deleting, Y.encodeStateAsUpdate(alice.content))
    deleting.getArray<string>('list').delete(1, 1)
    inject(alice, [mallory.sign(Y.encodeStateAsUpdate(deleting, Y.encodeStateVector(alice.content))).wire])
    await mesh.settled()
    expect(titles(alice.content)).toEqual(['keep', 'remove me'])
    expect(alice.signed.log.rejections.get(EnvelopeRejection.laneStopped)).toBe(1)
    // A member's honest lane may delete anyone's item: deletes are edits, not writes under their clientID.
    const bob = await mesh.join()
    await mesh.settled()
    bob.content.getArray<string>('list').delete(1, 1)
    await mesh.settled()
    expect(titles(alice.content)).toEqual(['keep'])
  })

  it('[CID2] peers that receive the same envelopes, in any order, show the same items', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'from alice')
    add(bob.content, 'from bob')
    await mesh.settled()
    mesh.disconnect(bob)
    add(bob.content, 'bob offline')
    await mesh.settled()
    const mallory = await roguelane()
    const attack = [
      mallory.sign(garbageStruct(bob.content.clientID, Y.getState(alice.content.store, bob.content.clientID), 3)).wire,
      mallory.sign(garbageStruct(alice.content.clientID, 0, 9)).wire,
    ]
    const wires = [...wiresOf(alice), ...wiresOf(bob).filter((wire) => !wiresOf(alice).some((known) => known.every((byte, index) => byte === wire[index]) && known.length === wire.length)), ...attack]
    const random = seededRandom(7)
    const shown = new Set<string>()
    for (let order = 0; order < 6; order++) {
      const shuffled = [...wires].sort(() => random() - 0.5)
      const { content } = await observe(shuffled)
      shown.add(JSON.stringify(titles(content).sort()))
    }
    expect([...shown]).toEqual([JSON.stringify(['bob offline', 'from alice', 'from bob'])])
  })

  it('[CID4] a session whose clientID someone else wrote under moves to its lane’s next id, and its edits are still accepted', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    const first = alice.content.clientID
    expect(first).toBe(laneClientId(SPACE, alice.lane.publicKey, 0))
    // Another writer's struct under Alice's id reaches her doc outside the log (say, a buggy tab).
    const clash = new Y.Doc()
    clash.clientID = first
    clash.getMap('elsewhere').set('clash', true)
    Y.applyUpdate(alice.content, Y.encodeStateAsUpdate(clash), 'tabs')
    expect(alice.content.clientID).toBe(laneClientId(SPACE, alice.lane.publicKey, 1))
    add(alice.content, 'after the clash')
    await mesh.settled()
    expect(titles(bob.content)).toEqual(['after the clash'])
    expect(bob.signed.log.rejections.size).toBe(0)
  })

  it('[CID1] a lane key is needed to own its ids: a rogue lane cannot claim ids derived from another lane', async () => {
    const mallory = await roguelane()
    const victim = newLaneKey()
    const { signed } = await observe([mallory.sign(garbageStruct(laneClientId(SPACE, victim.publicKey, 0), 0, 1)).wire])
    expect(signed.log.rejections.get(EnvelopeRejection.foreignClient)).toBe(1)
  })
})
