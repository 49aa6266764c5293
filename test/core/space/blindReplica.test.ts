/**
 * A blind replica (the replica role, keys: null): it holds no content key,
 * yet checks, keeps and serves the space's log, so a newcomer can get the
 * whole space from it alone (SECURITY MEM10).
 */
import { describe, expect, it } from 'vitest'
import { Role } from '../../../src/core/members/roles.ts'
import { EnvelopeKind, GENESIS_PREV, openEnvelope, sealEnvelope } from '../../../src/core/space/envelope.ts'
import { EnvelopeRejection } from '../../../src/core/space/envelopeRejection.ts'
import { transportEnvelopes } from '../../../src/core/space/SignedLog.ts'
import { testContentKey } from '../../helpers/contentKeys.ts'
import { add, certifiedLane, edit, inject, SPACE, tamper, team, titles, type Mesh, type Peer } from '../../helpers/signedMesh.ts'

const holds = (peer: Peer, wire: Uint8Array): boolean => transportEnvelopes(peer.transport).toArray().some((held) => Buffer.from(held).equals(wire))

/**
 * Counts changes to every peer's envelope array. Past `cap` it cuts every
 * peer off, so a restore/delete loop between peers fails the test instead of
 * keeping the event loop busy for ever.
 */
function churnOf(mesh: Mesh, cap = 200): () => number {
  let changes = 0
  for (const peer of mesh.peers) {
    transportEnvelopes(peer.transport).observe(() => {
      if (++changes > cap) for (const each of mesh.peers) mesh.disconnect(each)
    })
  }
  return () => changes
}
const kinds = (peer: Peer): EnvelopeKind[] => transportEnvelopes(peer.transport).toArray().map((wire) => openEnvelope(wire)!.kind)

describe('a blind replica', () => {
  it('[MEM10] keeps and serves a space it cannot read: a newcomer gets every item, checkpoints too, from the replica alone', async () => {
    const { mesh, owner, others } = await team([Role.editor, { role: Role.replica, options: { keys: null } }])
    const [editor, replica] = others as [Peer, Peer]
    // Enough edits for the owner's lane to checkpoint (CHECKPOINT_EVERY).
    for (let n = 0; n < 70; n++) {
      add(owner.content, `owner's secret ${n}`)
      await owner.signed.settled()
    }
    add(editor.content, 'editor’s secret')
    await mesh.settled()

    expect(kinds(replica)).toContain(EnvelopeKind.checkpoint)
    expect(replica.content.share.size).toBe(0)
    expect(replica.signed.log.rejections.size).toBe(0)
    expect(replica.signed.log.authoredCount(owner.key.publicKey)).toBe(owner.signed.log.authoredCount(owner.key.publicKey))

    // Every keyed peer leaves: the replica is all a newcomer meets.
    mesh.disconnect(owner)
    mesh.disconnect(editor)
    const newcomer = await mesh.join({ owner: owner.key.publicKey })
    await mesh.settled()
    expect(titles(newcomer.content)).toHaveLength(71)
    expect(titles(newcomer.content)).toEqual(titles(owner.content))
    expect(newcomer.signed.log.rejections.size).toBe(0)
  })

  it('[MEM10] refuses what needs no reading (a forged envelope, a viewer’s edit); a deletion stands until a keyed peer restores it', async () => {
    const { mesh, owner, others } = await team([Role.viewer, { role: Role.replica, options: { keys: null } }])
    const [viewer, replica] = others as [Peer, Peer]
    add(owner.content, 'kept')
    await mesh.settled()
    mesh.disconnect(owner)
    const genuine = transportEnvelopes(replica.transport).get(0)
    // Its ciphertext changed (the last byte before the signature): what the lane signed is no longer what it says.
    const forged = Uint8Array.from(genuine)
    forged[forged.length - 65]! ^= 1
    inject(replica, [forged])
    add(viewer.content, 'forced by the viewer')
    await mesh.settled()
    expect(replica.signed.log.rejections.get(EnvelopeRejection.conflict)).toBe(1)
    expect(replica.signed.log.rejections.get(EnvelopeRejection.notPermitted)).toBe(1)
    const replicaHolds = (wire: Uint8Array): boolean => holds(replica, wire)
    expect(replicaHolds(forged)).toBe(false)
    expect(replicaHolds(genuine)).toBe(true)

    // A vandal deletes the owner's envelope from the replica. The replica cannot tell a vandal from a keyed member who
    // refused it by reading, so the deletion stands there, until a keyed peer that holds it puts it back.
    mesh.disconnect(viewer)
    tamper(replica, (envelopes) => envelopes.delete(envelopes.toArray().findIndex((held) => Buffer.from(held).equals(genuine)), 1))
    await mesh.settled()
    expect(replicaHolds(genuine)).toBe(false)
    mesh.reconnect(owner)
    await mesh.settled()
    expect(replicaHolds(genuine)).toBe(true)
  })

  it('[MEM10] what keyed peers refuse by reading (an update under another lane’s clientID), they delete, and the replica lets the deletion stand', async () => {
    const { mesh, owner, others } = await team([Role.editor, { role: Role.replica, options: { keys: null } }])
    const [editor, replica] = others as [Peer, Peer]
    const churn = churnOf(mesh)
    add(owner.content, 'the owner’s')
    await mesh.settled()
    // The editor's own client, hostile: a validly signed envelope that writes under the owner's lane.
    const { key: lane, certificate } = await certifiedLane(editor.key)
    const squatting = sealEnvelope(
      { kind: EnvelopeKind.change, space: SPACE, author: editor.key.publicKey, lane: lane.publicKey, certificate, seq: 0, prev: GENESIS_PREV, update: edit(owner.lane, 'squatted', 1) },
      lane.sign,
      testContentKey(SPACE),
    )
    // Sent to the whole room, as the editor's client would.
    editor.transport.transact(() => transportEnvelopes(editor.transport).push([squatting.wire]))
    await mesh.settled()
    expect(owner.signed.log.rejections.get(EnvelopeRejection.foreignClient)).toBe(1)
    for (const peer of [owner, editor, replica]) expect(holds(peer, squatting.wire)).toBe(false)
    expect(titles(owner.content)).toEqual(['the owner’s'])
    // Settled for good: the replica does not put it back for the owner to delete again.
    const settledAt = churn()
    await mesh.settled()
    expect(churn()).toBe(settledAt)
    expect(settledAt).toBeLessThan(50)
  })

  it('[MEM10] a checkpoint that does not carry what its lane signed: the replica, which cannot tell, keeps both, so a newcomer that meets only the replica voids the lane as keyed peers do', async () => {
    const { mesh, owner, others } = await team([Role.editor, { role: Role.replica, options: { keys: null } }])
    const [editor, replica] = others as [Peer, Peer]
    const churn = churnOf(mesh)
    const { key: lane, certificate } = await certifiedLane(editor.key)
    const seal = (kind: EnvelopeKind, seq: number, prev: Uint8Array, update: Uint8Array) =>
      sealEnvelope({ kind, space: SPACE, author: editor.key.publicKey, lane: lane.publicKey, certificate, seq, prev, update }, lane.sign, testContentKey(SPACE))
    const first = seal(EnvelopeKind.change, 0, GENESIS_PREV, edit(lane, 'first history'))
    const lying = seal(EnvelopeKind.checkpoint, 1, first.hash, edit(lane, 'second history', 1))
    // Sent to the replica alone: no keyed peer is there to keep the proof.
    mesh.disconnect(owner)
    mesh.disconnect(editor)
    inject(replica, [first.wire, lying.wire])
    await mesh.settled()
    expect([holds(replica, first.wire), holds(replica, lying.wire)]).toEqual([true, true])

    const newcomer = await mesh.join({ owner: owner.key.publicKey })
    await mesh.settled()
    expect(newcomer.signed.equivocations).toHaveLength(1)
    expect(titles(newcomer.content)).toEqual([])

    mesh.reconnect(owner)
    await mesh.settled()
    expect(owner.signed.equivocations).toHaveLength(1)
    expect(titles(owner.content)).toEqual([])
    for (const peer of [owner, replica, newcomer]) expect([holds(peer, first.wire), holds(peer, lying.wire)]).toEqual([true, true])
    expect(churn()).toBeLessThan(50)
  })
})
