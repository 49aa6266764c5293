import { openTestEnvelope, testContentKey, testKeyring } from '../../helpers/contentKeys.ts'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { createDeviceKey, signWith } from '../../../src/core/identity/deviceKey.ts'
import { clientIdsOfLane, writeAsLane } from '../../../src/core/space/clientIds.ts'
import { EnvelopeKind, GENESIS_PREV, laneCertificateMessage, openEnvelope, sealEnvelope } from '../../../src/core/space/envelope.ts'
import { FIELD_EDIT } from '../../../src/core/space/editOrigins.ts'
import { EnvelopeRejection } from '../../../src/core/space/envelopeRejection.ts'
import { readUpdateShape } from '../../../src/core/space/joinUpdates.ts'
import { newLaneKey } from '../../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes } from '../../../src/core/space/SignedLog.ts'
import { add, certifiedLane, edit, inject, laneOf, Mesh, SPACE, tamper, titles, verify } from '../../helpers/signedMesh.ts'


describe('signed log', () => {
  it('[SL1] seals an edit inside its own transaction, shows it to the others, and coalesces a burst into few signatures', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    // Made before the device key has certified the lane: queued, then sealed.
    add(alice.content, 'first')
    await mesh.settled()
    const before = transportEnvelopes(alice.transport).length
    add(alice.content, 'second')
    // No await: the envelope is on the transport before anything else can run (a render, a send).
    expect(transportEnvelopes(alice.transport).length).toBe(before + 1)
    alice.signatures = 0
    for (let index = 0; index < 100; index++) add(alice.content, `item ${index}`)
    await mesh.settled()
    expect(titles(bob.content)).toEqual(titles(alice.content))
    expect(titles(bob.content)).toHaveLength(102)
    // This task already sealed "second": the burst's next 7 edits are sealed as they happen (8 per synchronous run), the other 93 share one envelope right after.
    expect(alice.signatures).toBe(8)
    // The device key signed once: the lane's certificate.
    expect(alice.certifications).toBe(1)
    add(bob.content, 'from bob')
    await mesh.settled()
    expect(titles(alice.content)).toContain('from bob')
  })

  it('[SL2] never lets a forged or tampered envelope reach the content, and counts it', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'genuine')
    await mesh.settled()
    const mallory = await createDeviceKey(crypto.subtle)
    const forgedUpdate = (() => {
      const doc = new Y.Doc()
      add(doc, 'forged')
      return Y.encodeStateAsUpdate(doc)
    })()
    const genuine = openEnvelope(transportEnvelopes(alice.transport).get(0))!
    // Mallory claims Alice's next envelope in Alice's lane, with Alice's certificate, signing with a key of her own.
    const forged = sealEnvelope(
      { kind: EnvelopeKind.change, space: SPACE, author: alice.key.publicKey, lane: genuine.lane, certificate: genuine.certificate, seq: 1, prev: genuine.hash, update: forgedUpdate },
      newLaneKey().sign, testContentKey(SPACE)
    )
    // Alice's genuine envelope with its encrypted update altered: it no longer opens (nor would the signature cover it).
    const tampered = Uint8Array.from(genuine.wire)
    tampered[tampered.length - 70] = (tampered[tampered.length - 70] ?? 0) ^ 0xff
    // A lane of "Alice's" that Mallory certified herself.
    const malloryLane = newLaneKey()
    const fresh = sealEnvelope(
      {
        kind: EnvelopeKind.change,
        space: SPACE,
        author: alice.key.publicKey,
        lane: malloryLane.publicKey,
        certificate: await signWith(mallory, crypto.subtle, laneCertificateMessage(SPACE, alice.key.publicKey, malloryLane.publicKey)),
        seq: 0,
        prev: GENESIS_PREV,
        update: forgedUpdate,
      },
      malloryLane.sign, testContentKey(SPACE)
    )
    const malloryTransport = new Y.Doc()
    Y.applyUpdate(malloryTransport, Y.encodeStateAsUpdate(bob.transport))
    const before = Y.encodeStateVector(malloryTransport)
    transportEnvelopes(malloryTransport).push([forged.wire, tampered, fresh.wire, Uint8Array.of(1, 2, 3)])
    Y.applyUpdate(bob.transport, Y.diffUpdate(Y.encodeStateAsUpdate(malloryTransport), before), 'net')
    await mesh.settled()
    expect(titles(bob.content)).toEqual(['genuine'])
    expect(bob.signed.log.rejections.get(EnvelopeRejection.badSignature)).toBe(2)
    expect(bob.signed.log.rejections.get(EnvelopeRejection.undecryptable)).toBe(1)
    expect(bob.signed.log.rejections.get(EnvelopeRejection.malformed)).toBe(1)
  })

  it('[SL3] puts back an authentic envelope that someone deleted from the transport', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'keep me')
    await mesh.settled()
    tamper(bob, (envelopes) => envelopes.delete(0, envelopes.length))
    await mesh.settled()
    expect(transportEnvelopes(bob.transport).length).toBe(1)
    const newcomer = await mesh.join()
    await mesh.settled()
    expect(titles(newcomer.content)).toEqual(['keep me'])
  })

  it('[SL4] compacts each lane into checkpoints, so a newcomer verifies a handful of signatures', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join({ checkpointEvery: 8 })
    const bob = await mesh.join({ checkpointEvery: 8 })
    for (let index = 0; index < 60; index++) {
      add((index % 2 ? alice : bob).content, `item ${index}`)
      await mesh.settled()
    }
    expect(transportEnvelopes(alice.transport).length).toBeLessThanOrEqual(2 * 9)
    let verifications = 0
    const carol = new Y.Doc()
    const transport = new Y.Doc()
    Y.applyUpdate(transport, Y.encodeStateAsUpdate(alice.transport))
    const key = await createDeviceKey(crypto.subtle)
    const signed = new SignedLog({ keys: testKeyring(SPACE),
      space: SPACE,
      content: carol,
      transport,
      author: { publicKey: key.publicKey, sign: (message) => signWith(key, crypto.subtle, message) },
      lane: laneOf(),
      verify: (...args) => {
        verifications++
        return verify(...args)
      },
    })
    await signed.settled()
    expect(titles(carol)).toEqual(titles(alice.content))
    expect(titles(carol)).toHaveLength(60)
    // Per lane: its checkpoint, the head of its tail, and its certificate.
    expect(verifications).toBeLessThanOrEqual(6)
  })

  it('[SL4] [SL11] still compacts a lane whose edits make more edits from an observer (a host moving its progress mark as a run is recorded): each struct is sealed once', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join({ checkpointEvery: 8 })
    const bob = await mesh.join()
    // Yjs's update for an edit also holds what its observers wrote meanwhile, which their own update holds again.
    const marks = alice.content.getMap('progress')
    alice.content.getArray('list').observe((event) => {
      if (event.transaction.local) marks.set('mark', (marks.get('mark') as number | undefined ?? 0) + 1)
    })
    for (let index = 0; index < 40; index++) {
      add(alice.content, `item ${index}`)
      await mesh.settled()
    }
    expect(alice.signed.problem).toBeUndefined()
    expect(transportEnvelopes(alice.transport).length).toBeLessThanOrEqual(9)
    expect(titles(bob.content)).toEqual(titles(alice.content))
    expect(bob.content.getMap('progress').get('mark')).toBe(40)
    expect(bob.signed.equivocations).toEqual([])
  })

  /** Alice's lane one edit short of a checkpoint (every 4), and what Bob's transport holds, by envelope kind. */
  async function tailOneShort(quietMoment?: () => Promise<void>) {
    const mesh = new Mesh()
    const alice = await mesh.join({ checkpointEvery: 4, ...(quietMoment ? { quietMoment } : {}) })
    const bob = await mesh.join()
    await mesh.settled()
    for (let index = 0; index < 4; index++) {
      add(alice.content, `item ${index}`)
      await mesh.settled()
    }
    const kinds = (): number[] => transportEnvelopes(bob.transport).toArray().map((wire) => openEnvelope(wire)!.kind)
    return { mesh, alice, bob, kinds }
  }

  it('[SL8] sends the edit that fills a lane’s tail as a plain change first, and its checkpoint right after', async () => {
    const { mesh, alice, bob, kinds } = await tailOneShort()
    expect(kinds()).not.toContain(EnvelopeKind.checkpoint)
    add(alice.content, 'fills the tail')
    // Synchronously, on the other peer's side of the wire: the edit, alone and small.
    expect(kinds().at(-1)).toBe(EnvelopeKind.change)
    expect(kinds()).not.toContain(EnvelopeKind.checkpoint)
    await mesh.settled()
    expect(kinds()).toEqual([EnvelopeKind.checkpoint])
    expect(titles(bob.content)).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'fills the tail'])
  })

  it('[SL8] [H6] seals a checkpoint only at a quiet moment, so it never lands on a scheduler’s tick', async () => {
    let quiet: (() => void) | undefined
    const { mesh, alice, kinds } = await tailOneShort(() => new Promise((resolve) => (quiet = resolve)))
    add(alice.content, 'fills the tail')
    // The checkpoint is due and has asked for its moment; until it comes, nothing is sealed.
    await vi.waitFor(() => expect(quiet).toBeDefined(), { timeout: 15_000 })
    expect(kinds()).not.toContain(EnvelopeKind.checkpoint)
    quiet!()
    await mesh.settled()
    expect(kinds()).toEqual([EnvelopeKind.checkpoint])
  })

  it('[SL12] seals an edit made in a field (typing, ticking) once the page has painted it, in one envelope for a burst, in order with a command made meanwhile', async () => {
    const paints: Array<() => void> = []
    const mesh = new Mesh()
    const alice = await mesh.join({ afterPaint: (painted) => paints.push(painted) })
    const bob = await mesh.join()
    add(alice.content, 'first')
    await mesh.settled()
    const before = transportEnvelopes(alice.transport).length
    alice.signatures = 0

    // Three key presses before the page paints: nothing is signed yet, so nothing holds the frame.
    for (const letter of ['a', 'b', 'c']) alice.content.transact(() => add(alice.content, letter), FIELD_EDIT)
    expect(transportEnvelopes(alice.transport)).toHaveLength(before)
    expect(paints).toHaveLength(1)
    // A command (adding, moving…) while the seal waits goes after the typing, in the same seal.
    add(alice.content, 'ticked')
    expect(transportEnvelopes(alice.transport)).toHaveLength(before)

    paints[0]!()
    await mesh.settled()
    expect(alice.signatures).toBe(1)
    expect(transportEnvelopes(alice.transport)).toHaveLength(before + 1)
    expect(titles(bob.content)).toEqual(['first', 'a', 'b', 'c', 'ticked'])

    // With nothing waiting, a command is on the wire at once, as before.
    add(alice.content, 'at once')
    expect(transportEnvelopes(alice.transport)).toHaveLength(before + 2)
  })

  it('[SL9] asks the device key again after a certification that failed, whether it threw or returned a bad signature', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const content = new Y.Doc()
    const transport = new Y.Doc()
    const answers: Array<() => Promise<Uint8Array>> = [() => Promise.reject(new Error('key unavailable')), () => Promise.resolve(new Uint8Array(63))]
    const signed = new SignedLog({ keys: testKeyring(SPACE),
      space: SPACE,
      content,
      transport,
      verify,
      lane: laneOf(),
      author: { publicKey: key.publicKey, sign: (message) => answers.shift()?.() ?? signWith(key, crypto.subtle, message) },
    })
    for (const title of ['first', 'second']) {
      add(content, title)
      await signed.settled()
      expect(signed.problem).toMatch(/could not be signed/)
      expect(transportEnvelopes(transport).length).toBe(0)
    }
    add(content, 'third')
    await signed.settled()
    expect(signed.problem).toBeUndefined()
    expect(transportEnvelopes(transport).length).toBe(1)
  })

  it('[SL10] asks for its lane’s signer only when first needed: at prepareToSign, or at the first edit, which then waits for it', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const author = { publicKey: key.publicKey, sign: (message: Uint8Array) => signWith(key, crypto.subtle, message) }
    const asked: { made?: number } = {}
    const docs = () => ({ content: new Y.Doc(), transport: new Y.Doc() })
    const [preparedDocs, lazyDocs] = [docs(), docs()]
    const prepared = new SignedLog({ keys: testKeyring(SPACE), space: SPACE, ...preparedDocs, verify, author, lane: laneOf(newLaneKey(), asked) })
    const lazy = new SignedLog({ keys: testKeyring(SPACE), space: SPACE, ...lazyDocs, verify, author, lane: laneOf(newLaneKey(), asked) })
    await Promise.all([prepared.settled(), lazy.settled()])
    expect(asked.made ?? 0).toBe(0)

    await prepared.prepareToSign()
    expect(asked.made).toBe(1)
    add(preparedDocs.content, 'sealed at once')
    // No await: prepared, the first edit is sealed inside its own transaction.
    expect(transportEnvelopes(preparedDocs.transport).length).toBe(1)

    const lazyTransport = transportEnvelopes(lazyDocs.transport)
    add(lazyDocs.content, 'waits for the key')
    expect(lazyTransport.length).toBe(0)
    await lazy.settled()
    expect(asked.made).toBe(2)
    expect(lazyTransport.length).toBe(1)
  })

  it('[SL5] signs on reconcile what the content holds and the log lacks, and fills the content from the log', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    add(alice.content, 'signed')
    await mesh.settled()
    // Bob's session edited before its log attached.
    const bobLane = newLaneKey()
    const bobContent = new Y.Doc()
    writeAsLane(bobContent, SPACE, bobLane.publicKey)
    add(bobContent, 'unsigned')
    const bob = await mesh.join({ content: bobContent, lane: bobLane })
    await bob.signed.reconcile()
    await mesh.settled()
    expect(titles(bob.content).sort()).toEqual(['signed', 'unsigned'])
    expect(titles(alice.content).sort()).toEqual(['signed', 'unsigned'])
  })

  it('[SL5] [CID3] signs only its own lane’s unsigned structs: another client’s (a tab’s edit whose envelope is in flight) is left to its lane', async () => {
    const mesh = new Mesh()
    const key = await createDeviceKey(crypto.subtle)
    const tabLane = newLaneKey()
    const workerContent = new Y.Doc()
    const tab = new Y.Doc()
    writeAsLane(tab, SPACE, tabLane.publicKey)
    add(tab, 'a tab’s edit')
    Y.applyUpdate(workerContent, Y.encodeStateAsUpdate(tab), 'tabs')
    // The worker's own session wrote too, before its log attached: that one it signs.
    const workerLane = newLaneKey()
    writeAsLane(workerContent, SPACE, workerLane.publicKey)
    // Not after the tab's item: an edit that follows it cannot show on a peer before the tab's envelope arrives.
    workerContent.getMap('worker').set('note', 'the worker’s own edit')
    const observer = await mesh.join()
    const worker = await mesh.join({ key, content: workerContent, lane: workerLane })
    await worker.signed.reconcile()
    await mesh.settled()
    expect(worker.signed.log.authoredCount(worker.signed.author)).toBe(1)
    const [sealed] = transportEnvelopes(worker.transport).toArray().map((wire) => openTestEnvelope(wire, SPACE))
    const ownIds = clientIdsOfLane(SPACE, workerLane.publicKey)
    expect(readUpdateShape(sealed!.update)!.sections.every((section) => ownIds.includes(section.client))).toBe(true)
    expect(observer.content.getMap('worker').get('note')).toBe('the worker’s own edit')
    expect(titles(observer.content)).toEqual([])
  })

  it('[SL6] lets two sessions of one device write at once without conflict', async () => {
    const mesh = new Mesh()
    const key = await createDeviceKey(crypto.subtle)
    const tabOne = await mesh.join({ key })
    const tabTwo = await mesh.join({ key })
    const observer = await mesh.join()
    add(tabOne.content, 'one')
    add(tabTwo.content, 'two')
    await mesh.settled()
    expect(titles(observer.content).sort()).toEqual(['one', 'two'])
    expect(observer.signed.log.rejections.size).toBe(0)
    expect(observer.signed.log.authoredCount(key.publicKey)).toBe(2)
  })

  it('[SL7] applies the rest of a batch when one authentic envelope carries an unreadable update, and counts it; its lane goes no further', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    // Alice's own key certifies the lanes: a member's buggy client, not a forger.
    const certified = async () => {
      const { key, certificate } = await certifiedLane(alice.key)
      return { key, body: { kind: EnvelopeKind.change, space: SPACE, author: alice.key.publicKey, lane: key.publicKey, certificate } }
    }
    const buggy = await certified()
    const unreadable = sealEnvelope({ ...buggy.body, seq: 0, prev: GENESIS_PREV, update: Uint8Array.of(1, 2, 3) }, buggy.key.sign, testContentKey(SPACE))
    const afterIt = sealEnvelope({ ...buggy.body, seq: 1, prev: unreadable.hash, update: edit(buggy.key, 'after the unreadable one') }, buggy.key.sign, testContentKey(SPACE))
    const healthy = await certified()
    const readable = sealEnvelope({ ...healthy.body, seq: 0, prev: GENESIS_PREV, update: edit(healthy.key, 'readable') }, healthy.key.sign, testContentKey(SPACE))
    inject(bob, [unreadable.wire, afterIt.wire, readable.wire])
    await mesh.settled()
    expect(titles(bob.content)).toEqual(['readable'])
    expect(bob.signed.log.rejections.get(EnvelopeRejection.unreadableUpdate)).toBe(1)
    expect(bob.signed.log.rejections.get(EnvelopeRejection.laneStopped)).toBe(1)
  })
})
