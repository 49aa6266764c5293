import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeBase58 } from '../../../src/core/identity/base58.ts'
import { createDeviceKey, signWith, verifySignature, type DeviceKey } from '../../../src/core/identity/deviceKey.ts'
import { EnvelopeKind, GENESIS_PREV, openEnvelope, sealEnvelope } from '../../../src/core/space/envelope.ts'
import { EnvelopeRejection } from '../../../src/core/space/EnvelopeLog.ts'
import type { SpaceId } from '../../../src/core/space/ids.ts'
import { SignedLog, transportEnvelopes, type SignedLogOptions } from '../../../src/core/space/SignedLog.ts'

const SPACE = encodeBase58(new Uint8Array(16).fill(3)) as SpaceId
const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)

interface Peer {
  readonly content: Y.Doc
  readonly transport: Y.Doc
  readonly signed: SignedLog
  readonly key: DeviceKey
  signatures: number
}

/** Peers whose transport docs exchange every update at once, as a perfect network would. */
class Mesh {
  readonly peers: Peer[] = []

  async join(options: Partial<Pick<SignedLogOptions, 'checkpointEvery'>> & { key?: DeviceKey; content?: Y.Doc } = {}): Promise<Peer> {
    const key = options.key ?? (await createDeviceKey(crypto.subtle))
    const content = options.content ?? new Y.Doc()
    const transport = new Y.Doc()
    for (const other of this.peers) Y.applyUpdate(transport, Y.encodeStateAsUpdate(other.transport), 'net')
    const peer: Peer = { content, transport, key, signatures: 0, signed: undefined as unknown as SignedLog }
    const signed = new SignedLog({
      space: SPACE,
      content,
      transport,
      verify,
      author: {
        publicKey: key.publicKey,
        sign: (message) => {
          peer.signatures++
          return signWith(key, crypto.subtle, message)
        },
      },
      ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
    })
    Object.assign(peer, { signed })
    transport.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'net') return
      for (const other of this.peers) if (other !== peer) Y.applyUpdate(other.transport, update, 'net')
    })
    for (const other of this.peers) Y.applyUpdate(other.transport, Y.encodeStateAsUpdate(transport), 'net')
    this.peers.push(peer)
    return peer
  }

  async settled(): Promise<void> {
    // Settling one peer can make another act (restoring, applying): repeat until nobody has work left.
    for (let round = 0; round < 5; round++) await Promise.all(this.peers.map((peer) => peer.signed.settled()))
  }
}

const titles = (doc: Y.Doc): string[] => doc.getArray<string>('list').toArray()
const add = (doc: Y.Doc, title: string): void => doc.getArray<string>('list').push([title])

describe('signed log', () => {
  it('[SL1] shows a peer’s edits to the others, coalescing a burst into few signatures', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    for (let index = 0; index < 100; index++) add(alice.content, `item ${index}`)
    await mesh.settled()
    expect(titles(bob.content)).toEqual(titles(alice.content))
    expect(titles(bob.content)).toHaveLength(100)
    // The first edit is signed at once; the 99 made while it was in flight share the next signature.
    expect(alice.signatures).toBe(2)
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
    // Mallory claims Alice's next envelope, signing with her own key.
    const forged = await sealEnvelope(
      { kind: EnvelopeKind.change, space: SPACE, author: alice.key.publicKey, lane: alice.signed.lane, seq: 1, prev: genuine.hash, update: forgedUpdate },
      (message) => signWith(mallory, crypto.subtle, message),
    )
    // Alice's genuine envelope with its update swapped: the signature no longer covers it.
    const tampered = Uint8Array.from(genuine.wire)
    tampered[tampered.length - 70] = (tampered[tampered.length - 70] ?? 0) ^ 0xff
    const fresh = await sealEnvelope(
      { kind: EnvelopeKind.change, space: SPACE, author: alice.key.publicKey, lane: new Uint8Array(8).fill(9), seq: 0, prev: GENESIS_PREV, update: forgedUpdate },
      (message) => signWith(mallory, crypto.subtle, message),
    )
    const malloryTransport = new Y.Doc()
    Y.applyUpdate(malloryTransport, Y.encodeStateAsUpdate(bob.transport))
    const before = Y.encodeStateVector(malloryTransport)
    transportEnvelopes(malloryTransport).push([forged.wire, tampered, fresh.wire, Uint8Array.of(1, 2, 3)])
    Y.applyUpdate(bob.transport, Y.diffUpdate(Y.encodeStateAsUpdate(malloryTransport), before), 'net')
    await mesh.settled()
    expect(titles(bob.content)).toEqual(['genuine'])
    expect(bob.signed.log.rejections.get(EnvelopeRejection.badSignature)).toBe(2)
    // A changed copy of an envelope already accepted claims its seq with another hash.
    expect(bob.signed.log.rejections.get(EnvelopeRejection.conflict)).toBe(1)
    expect(bob.signed.log.rejections.get(EnvelopeRejection.malformed)).toBe(1)
  })

  it('[SL3] puts back an authentic envelope that someone deleted from the transport', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    const bob = await mesh.join()
    add(alice.content, 'keep me')
    await mesh.settled()
    const vandal = new Y.Doc()
    Y.applyUpdate(vandal, Y.encodeStateAsUpdate(bob.transport))
    const before = Y.encodeStateVector(vandal)
    transportEnvelopes(vandal).delete(0, transportEnvelopes(vandal).length)
    Y.applyUpdate(bob.transport, Y.diffUpdate(Y.encodeStateAsUpdate(vandal), before), 'net')
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
    const signed = new SignedLog({
      space: SPACE,
      content: carol,
      transport,
      author: { publicKey: key.publicKey, sign: (message) => signWith(key, crypto.subtle, message) },
      verify: (...args) => {
        verifications++
        return verify(...args)
      },
    })
    await signed.settled()
    expect(titles(carol)).toEqual(titles(alice.content))
    expect(titles(carol)).toHaveLength(60)
    expect(verifications).toBeLessThanOrEqual(4)
  })

  it('[SL5] signs on reconcile what the content holds and the log lacks, and fills the content from the log', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join()
    add(alice.content, 'signed')
    await mesh.settled()
    // Bob's device edited before it had a log (or closed before signing).
    const bobContent = new Y.Doc()
    add(bobContent, 'unsigned')
    const bob = await mesh.join({ content: bobContent })
    await bob.signed.reconcile()
    await mesh.settled()
    expect(titles(bob.content).sort()).toEqual(['signed', 'unsigned'])
    expect(titles(alice.content).sort()).toEqual(['signed', 'unsigned'])
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
})
