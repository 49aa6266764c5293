/**
 * Members who attack each other: each test is one finding of a rogue
 * member's attack on the envelope log, written as that member would carry it
 * out with the share link, against real SignedLogs and Y.Docs. Test names
 * carry the rule ids of SECURITY.md.
 */
import * as encoding from 'lib0/encoding'
import { testContentKey, testKeyring } from '../../helpers/contentKeys.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createDeviceKey } from '../../../src/core/identity/deviceKey.ts'
import { laneClientId } from '../../../src/core/space/clientIds.ts'
import { authorKey, EnvelopeKind, GENESIS_PREV, openEnvelope, sameBytes, sealEnvelope, type Envelope } from '../../../src/core/space/envelope.ts'
import { MAX_WAITING_BYTES, MAX_WAITING_ENVELOPES } from '../../../src/core/space/EnvelopeLog.ts'
import { EnvelopeRejection } from '../../../src/core/space/envelopeRejection.ts'
import { newLaneKey } from '../../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes } from '../../../src/core/space/SignedLog.ts'
import { add, certifiedLane, inject, laneOf, Mesh, SPACE, tamper, titles, verify, type Peer } from '../../helpers/signedMesh.ts'
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
      const envelope = sealEnvelope({ kind: EnvelopeKind.change, space: SPACE, author: mallory.publicKey, lane: key.publicKey, certificate, seq: seq++, prev, update }, key.sign, testContentKey(SPACE))
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
  const signed = new SignedLog({ keys: testKeyring(SPACE), space: SPACE, content, transport, verify, lane: laneOf(), author: { publicKey: key.publicKey, sign: () => Promise.reject(new Error('observers do not write')) } })
  for (const wire of wires) {
    transportEnvelopes(transport).push([wire])
    await signed.settled()
  }
  return { content, signed }
}

const wiresOf = (peer: Peer): Uint8Array[] => transportEnvelopes(peer.transport).toArray()

/** A newcomer's log, fed `wires` as one batch (a first sync brings the whole log at once). */
async function observeBatch(wires: readonly Uint8Array[]): Promise<{ content: Y.Doc; signed: SignedLog }> {
  const content = new Y.Doc()
  const transport = new Y.Doc()
  transportEnvelopes(transport).push([...wires])
  const key = await createDeviceKey(crypto.subtle)
  const signed = new SignedLog({ keys: testKeyring(SPACE), space: SPACE, content, transport, verify, lane: laneOf(), author: { publicKey: key.publicKey, sign: () => Promise.reject(new Error('observers do not write')) } })
  await signed.settled()
  return { content, signed }
}

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

describe('hostile members: junk does not outlive the attacker', () => {
  /** What a newcomer downloads: the transport doc's whole state. */
  const stateBytes = (peer: Peer): number => Y.encodeStateAsUpdate(peer.transport).length

  it('[JNK1] forged envelopes and junk a member stuffs into the log are removed by honest peers, from what a newcomer downloads and what a reopen checks', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    for (let index = 0; index < 20; index++) add(alice.content, `item ${index}`)
    await mesh.settled()
    const clean = stateBytes(bob)
    // 1,500 forged envelopes (Alice's lane, another key's signature) and 10 MB of bytes and values that are no envelope at all.
    const genuine = wiresOf(alice)[0]!
    const forged = Array.from({ length: 1_500 }, (_, index) => {
      const copy = Uint8Array.from(genuine)
      copy[copy.length - 1 - (index % 64)]! ^= 0xff
      return copy
    })
    inject(bob, forged)
    const junk = new Y.Doc()
    Y.applyUpdate(junk, Y.encodeStateAsUpdate(bob.transport))
    const before = Y.encodeStateVector(junk)
    const junkArray = junk.getArray<unknown>('envelopes')
    junkArray.push(Array.from({ length: 10 }, (_, index) => new Uint8Array(1024 * 1024).fill(index)))
    junkArray.push(['a string', 42, { an: 'object' }, new Y.Map()])
    Y.applyUpdate(bob.transport, Y.diffUpdate(Y.encodeStateAsUpdate(junk), before), 'net')
    expect(stateBytes(bob)).toBeGreaterThan(10 * 1024 * 1024)
    await mesh.settled()
    // Gone from the log every replica keeps: a newcomer downloads what it would have without the attack.
    expect(stateBytes(bob)).toBeLessThan(clean * 1.1 + 1_024)
    expect(transportEnvelopes(bob.transport).length).toBe(wiresOf(alice).length)
    // A reopen of Bob's log (or a newcomer's first read) checks nothing of it again.
    const reopened = await observe(wiresOf(bob))
    expect(reopened.signed.log.rejections.size).toBe(0)
    expect(titles(reopened.content)).toEqual(titles(alice.content))
    expect(titles(bob.content)).toEqual(titles(alice.content))
  })

  it('[JNK1] a genuine envelope’s body under a broken signature, ahead of it in one batch, neither stays nor keeps the genuine one out', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    add(alice.content, 'genuine')
    await mesh.settled()
    const genuine = wiresOf(alice)[0]!
    const forged = Uint8Array.from(genuine)
    forged[forged.length - 1]! ^= 0xff
    // A newcomer's first batch, the forgery first: on code before this rule the genuine one was dropped as "the same".
    const { content, signed } = await observeBatch([forged, genuine])
    expect(titles(content)).toEqual(['genuine'])
    expect(signed.log.rejections.get(EnvelopeRejection.badSignature)).toBe(1)
  })

  it('[JNK2] envelopes of invented lanes waiting for predecessors that never come are capped in count and bytes, and removed', async () => {
    const mesh = new Mesh()
    const bob = await mesh.join()
    // 750 invented lanes, each with only seqs 1 to 8 (seq 0 never sent): nothing to check them against,
    // so their certificates and signatures can be anything.
    const unchecked = () => new Uint8Array(64)
    const invented = (seq: number, update: Uint8Array): Uint8Array =>
      sealEnvelope({ kind: EnvelopeKind.change, space: SPACE, author: crypto.getRandomValues(new Uint8Array(32)), lane: crypto.getRandomValues(new Uint8Array(32)), certificate: unchecked(), seq, prev: GENESIS_PREV, update }, unchecked, testContentKey(SPACE)).wire
    const waiting: Uint8Array[] = []
    for (let lane = 0; lane < 750; lane++) for (let seq = 1; seq <= 8; seq++) waiting.push(invented(seq, new Uint8Array(16)))
    inject(bob, waiting)
    await mesh.settled()
    expect(bob.signed.log.rejections.get(EnvelopeRejection.tooManyWaiting)).toBe(6_000 - MAX_WAITING_ENVELOPES)
    expect(transportEnvelopes(bob.transport).length).toBe(MAX_WAITING_ENVELOPES)
    // Bytes too: a few large ones may wait, not gigabytes.
    const large = Array.from({ length: 8 }, () => invented(1, new Uint8Array(4 * 1024 * 1024)))
    inject(bob, large)
    await mesh.settled()
    const held = transportEnvelopes(bob.transport).toArray().reduce((sum, wire) => sum + wire.length, 0)
    expect(held).toBeLessThanOrEqual(MAX_WAITING_BYTES)
  }, 60_000)

  it('[JNK3] replays of a genuine envelope shrink to one copy on every peer, and never to none', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'once')
    await mesh.settled()
    const genuine = wiresOf(alice)[0]!
    inject(bob, Array.from({ length: 50 }, () => Uint8Array.from(genuine)))
    inject(alice, Array.from({ length: 50 }, () => Uint8Array.from(genuine)))
    await mesh.settled()
    // Each peer tidies its own copies and the other's as they arrive; both end with exactly one, the same.
    mesh.reconnect(bob)
    await mesh.settled()
    for (const peer of [alice, bob]) {
      expect(transportEnvelopes(peer.transport).length).toBe(1)
      expect(titles(peer.content)).toEqual(['once'])
    }
  })

  it('[JNK3] a vandal who deletes a peer’s copies while another peer keeps its own does not start a restore-and-delete loop', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'keep me')
    await mesh.settled()
    // Bob's copy is deleted where Alice never hears of it: Bob restores with a new copy, Alice then holds two.
    tamper(bob, (envelopes) => envelopes.delete(0, 1))
    await mesh.settled()
    await mesh.settled()
    for (const peer of [alice, bob]) expect(transportEnvelopes(peer.transport).length).toBe(1)
    const newcomer = await mesh.join()
    await mesh.settled()
    expect(titles(newcomer.content)).toEqual(['keep me'])
  })

  it('[JNK3] a forgery carrying a genuine envelope’s signature is no copy of it: when the genuine one is deleted, honest peers still put it back', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'first')
    add(alice.content, 'last')
    await mesh.settled()
    const genuine = wiresOf(alice)
    // Mallory deletes every genuine envelope and pushes the last one's signature on a changed body.
    const tampered = Uint8Array.from(genuine.at(-1)!)
    tampered[tampered.length - 70]! ^= 0xff
    for (const peer of [alice, bob]) {
      tamper(peer, (envelopes) => {
        envelopes.delete(0, envelopes.length)
        envelopes.push([tampered])
      })
    }
    await mesh.settled()
    const carol = await mesh.join()
    await mesh.settled()
    expect(titles(carol.content)).toEqual(['first', 'last'])
    expect(wiresOf(carol).some((wire) => sameBytes(wire, tampered))).toBe(false)
  })

  it('[JNK4] copies a checkpoint supersedes are removed by any peer, not only by their author', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join({ checkpointEvery: 4 })
    const bob = await mesh.join()
    mesh.disconnect(bob)
    const kinds = (peer: Peer) => wiresOf(peer).map((wire) => openEnvelope(wire)?.kind)
    const holdsAny = (peer: Peer, wires: readonly Uint8Array[]) => wiresOf(peer).some((wire) => wires.some((copy) => sameBytes(copy, wire)))
    for (let index = 0; index < 3; index++) {
      add(alice.content, `item ${index}`)
      await mesh.settled()
    }
    const beforeCheckpoint = wiresOf(alice).map((wire) => Uint8Array.from(wire))
    expect(kinds(alice)).toEqual([EnvelopeKind.change, EnvelopeKind.change, EnvelopeKind.change])
    // Bob, offline, got the first envelopes and keeps them as his own copies; the checkpoint comes later.
    inject(bob, beforeCheckpoint)
    await mesh.settled()
    for (let index = 3; index < 6; index++) {
      add(alice.content, `item ${index}`)
      await mesh.settled()
    }
    expect(kinds(alice)).toContain(EnvelopeKind.checkpoint)
    // Alice's own copies went with her checkpoint.
    expect(holdsAny(alice, beforeCheckpoint)).toBe(false)
    mesh.reconnect(bob)
    await mesh.settled()
    // Bob's copies (separate entries of the array, which Alice never deleted) are gone too, on both peers.
    expect(holdsAny(bob, beforeCheckpoint)).toBe(false)
    expect(holdsAny(alice, beforeCheckpoint)).toBe(false)
    expect(kinds(bob)).toEqual(kinds(alice))
    expect(titles(bob.content)).toEqual(titles(alice.content))
  })
})

describe('hostile members: equivocation converges', () => {
  /** Mallory's lane, signing her own edits under her own clientIDs, from her own device. */
  async function mallorysLane() {
    const mallory = await createDeviceKey(crypto.subtle)
    const { key, certificate } = await certifiedLane(mallory)
    const doc = new Y.Doc()
    doc.clientID = laneClientId(SPACE, key.publicKey, 0)
    const seal = (kind: EnvelopeKind, seq: number, prev: Uint8Array, update: Uint8Array): Envelope =>
      sealEnvelope({ kind, space: SPACE, author: mallory.publicKey, lane: key.publicKey, certificate, seq, prev, update }, key.sign, testContentKey(SPACE))
    return { mallory, key, doc, seal }
  }

  /** Her next edit on a copy of her doc (a branch of her history), as a Yjs update. */
  function branchEdit(base: Y.Doc, title: string): { doc: Y.Doc; update: Uint8Array } {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base))
    // After the load: Yjs gives a doc a new clientID when an update it applies writes under the current one.
    doc.clientID = base.clientID
    const before = Y.encodeStateVector(doc)
    add(doc, title)
    return { doc, update: Y.encodeStateAsUpdate(doc, before) }
  }

  /** What a peer's content is once rebuilt from its log (what SpaceLibrary does when asked to rebuild). */
  async function rebuilt(peer: Peer): Promise<string[]> {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, await peer.signed.rebuiltContent())
    return titles(doc)
  }

  it('[EQV1] a lane that signs two envelopes with one seq is void everywhere: peers that showed either version, and a newcomer, end with the same items, and the device is named', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    const carol = await mesh.join()
    add(alice.content, 'from alice')
    await mesh.settled()
    const lane = await mallorysLane()
    const hello = branchEdit(lane.doc, 'hello from mallory')
    const first = lane.seal(EnvelopeKind.change, 0, GENESIS_PREV, hello.update)
    // Seq 1, twice: "pay Alice" to Bob only, "pay Mallory" to Carol only.
    const payAlice = lane.seal(EnvelopeKind.change, 1, first.hash, branchEdit(hello.doc, 'pay Alice').update)
    const payMallory = lane.seal(EnvelopeKind.change, 1, first.hash, branchEdit(hello.doc, 'pay Mallory').update)
    const rebuilds = { alice: 0, bob: 0, carol: 0 }
    alice.signed.onRebuildNeeded(() => rebuilds.alice++)
    bob.signed.onRebuildNeeded(() => rebuilds.bob++)
    carol.signed.onRebuildNeeded(() => rebuilds.carol++)
    mesh.disconnect(bob)
    mesh.disconnect(carol)
    inject(bob, [first.wire, payAlice.wire])
    inject(carol, [first.wire, payMallory.wire])
    await mesh.settled()
    expect(titles(bob.content)).toContain('pay Alice')
    expect(titles(carol.content)).toContain('pay Mallory')
    mesh.reconnect(bob)
    mesh.reconnect(carol)
    await mesh.settled()
    const dave = await mesh.join()
    await mesh.settled()
    // Whoever had shown a version (Bob and Carol, and Alice, who heard one from Bob first) is told to rebuild,
    // and its log makes the same content as everyone's; Dave, joining later, never shows any of it.
    expect(rebuilds).toEqual({ alice: 1, bob: 1, carol: 1 })
    for (const peer of [alice, bob, carol, dave]) expect(await rebuilt(peer)).toEqual(['from alice'])
    expect(titles(dave.content)).toEqual(['from alice'])
    // Each names the device, and keeps the proof for whoever joins next.
    for (const peer of [alice, bob, carol, dave]) expect(peer.signed.equivocations.map((equivocation) => equivocation.author)).toEqual([authorKey(lane.mallory.publicKey)])
    const proofs = wiresOf(dave).map((wire) => openEnvelope(wire)!).filter((envelope) => sameBytes(envelope.author, lane.mallory.publicKey))
    expect(proofs.map((envelope) => envelope.seq).sort()).toEqual([1, 1])
  })

  it('[EQV2] a checkpoint that does not carry what its lane signed before is a second history: the lane is void for the peer that holds both, and for a newcomer', async () => {
    const mesh = new Mesh()
    const bob = await mesh.join()
    const carol = await mesh.join()
    const lane = await mallorysLane()
    // Her history as Bob sees it: four edits.
    let doc = lane.doc
    let prev: Uint8Array = GENESIS_PREV
    const told: Uint8Array[] = []
    for (let seq = 0; seq < 4; seq++) {
      const next = branchEdit(doc, `edit ${seq}`)
      const envelope = lane.seal(EnvelopeKind.change, seq, prev, next.update)
      told.push(envelope.wire)
      doc = next.doc
      prev = envelope.hash
    }
    // Another history, told to Carol as a checkpoint at seq 4 that supersedes "the same" seqs 0-3.
    const other = branchEdit(lane.doc, 'a different past')
    const checkpoint = lane.seal(EnvelopeKind.checkpoint, 4, prev, other.update)
    mesh.disconnect(bob)
    mesh.disconnect(carol)
    inject(bob, told)
    inject(carol, [checkpoint.wire])
    await mesh.settled()
    expect(titles(bob.content)).toEqual(['edit 0', 'edit 1', 'edit 2', 'edit 3'])
    expect(titles(carol.content)).toEqual(['a different past'])
    mesh.reconnect(bob)
    mesh.reconnect(carol)
    await mesh.settled()
    const dave = await mesh.join()
    await mesh.settled()
    for (const peer of [bob, carol, dave]) {
      expect(peer.signed.equivocations).toHaveLength(1)
      expect(await rebuilt(peer)).toEqual([])
    }
    expect(titles(dave.content)).toEqual([])
  })

  it('[EQV3] an honest lane is never void: a peer that was offline across several checkpoints takes them, with its own copies of the tail', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join({ checkpointEvery: 4 })
    const bob = await mesh.join()
    for (let index = 0; index < 3; index++) add(alice.content, `before ${index}`)
    await mesh.settled()
    mesh.disconnect(bob)
    for (let index = 0; index < 20; index++) add(alice.content, `while away ${index}`)
    await mesh.settled()
    mesh.reconnect(bob)
    await mesh.settled()
    const carol = await mesh.join()
    await mesh.settled()
    for (const peer of [bob, carol]) {
      expect(peer.signed.equivocations).toEqual([])
      expect(titles(peer.content)).toEqual(titles(alice.content))
      expect(peer.signed.log.rejections.size).toBe(0)
    }
  })
})
