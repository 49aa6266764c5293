import * as encoding from 'lib0/encoding'
import { openTestEnvelope, testContentKey } from '../../helpers/contentKeys.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createDeviceKey } from '../../../src/core/identity/deviceKey.ts'
import { collectCheckpoint, UpdateCoverage } from '../../../src/core/space/checkpointCoverage.ts'
import { laneClientId } from '../../../src/core/space/clientIds.ts'
import { EnvelopeKind, GENESIS_PREV, sealEnvelope, type Envelope } from '../../../src/core/space/envelope.ts'
import { joinUpdates, readUpdateShape, writeDeletions } from '../../../src/core/space/joinUpdates.ts'
import { transportEnvelopes } from '../../../src/core/space/SignedLog.ts'
import { add, certifiedLane, inject, Mesh, SPACE, titles } from '../../helpers/signedMesh.ts'

/** A doc that records every update it makes, as a lane's envelopes carry them. */
function recordingDoc(): { readonly doc: Y.Doc; readonly updates: Uint8Array[] } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  return { doc, updates }
}

/** A nested map filled with `count` records, then deleted whole: what retention does to a chunk of claims (RET2). */
function fillAndDropChunk(doc: Y.Doc, name: string, count: number): void {
  const chunk = new Y.Map<unknown>()
  doc.getMap('claims').set(name, chunk)
  for (let index = 0; index < count; index++) chunk.set(String(index), { occurrence: `op#${index}`, peer: 'did:key:z6MkExample', renewal: 0 })
  doc.getMap('claims').delete(name)
}

/**
 * An update like `update`, but with each section carried as one collected
 * range, as a lane lying about what Yjs collected would write it; with the
 * ranges added to its deletions or not.
 */
function forgeCollected(update: Uint8Array, { deleteThem }: { readonly deleteThem: boolean }): Uint8Array {
  const shape = readUpdateShape(update)!
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, shape.sections.length)
  const deletions = new Map([...shape.deletions].map(([client, flat]) => [client, [...flat]]))
  for (const section of shape.sections) {
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarUint(encoder, section.client)
    encoding.writeVarUint(encoder, section.clock)
    encoding.writeUint8(encoder, 0)
    encoding.writeVarUint(encoder, section.end - section.clock)
    if (deleteThem) deletions.set(section.client, [...(deletions.get(section.client) ?? []), section.clock, section.end - section.clock])
  }
  writeDeletions(encoder, deletions)
  return encoding.toUint8Array(encoder)
}

describe('checkpoints built from collected state', () => {
  it('[EQV5] an honest lane’s checkpoint carries what Yjs collected as collected ranges: a fraction of the bytes, covering every update it joins, and a newcomer from it holds what the lane’s peers hold', () => {
    const { doc, updates } = recordingDoc()
    doc.getMap('items').set('kept', 'a note that stays')
    for (let chunk = 0; chunk < 5; chunk++) fillAndDropChunk(doc, `chunk ${chunk}`, 200)
    const live = new Y.Map<unknown>()
    doc.getMap('claims').set('live chunk', live)
    live.set('0', 'still here')
    const joined = joinUpdates(updates)!
    const checkpoint = collectCheckpoint(joined, doc)!
    expect(checkpoint.length).toBeLessThan(joined.length / 20)
    const coverage = new UpdateCoverage(checkpoint)
    for (const update of updates) expect(coverage.covers(update)).toBe(true)
    expect(coverage.covers(joined)).toBe(true)
    // A newcomer from the checkpoint alone, and a peer that had every update and then took the checkpoint, agree.
    const newcomer = new Y.Doc()
    Y.applyUpdate(newcomer, checkpoint)
    const peer = new Y.Doc()
    for (const update of updates) Y.applyUpdate(peer, update)
    Y.applyUpdate(peer, checkpoint)
    for (const copy of [newcomer, peer]) {
      expect(copy.getMap('items').toJSON()).toEqual({ kept: 'a note that stays' })
      expect(copy.getMap('claims').toJSON()).toEqual({ 'live chunk': { 0: 'still here' } })
    }
    // And a later checkpoint, joining this one with what came after, covers it in turn.
    const before = updates.length
    fillAndDropChunk(doc, 'chunk 5', 200)
    const next = collectCheckpoint(joinUpdates([checkpoint, ...updates.slice(before)])!, doc)!
    expect(new UpdateCoverage(next).covers(checkpoint)).toBe(true)
  })

  it('[EQV2] a checkpoint that carries a live item of a root type as collected does not cover it (it would hide it from newcomers only)', () => {
    const { doc, updates } = recordingDoc()
    doc.getMap('items').set('note', 'pay Alice')
    const [update] = updates
    expect(new UpdateCoverage(forgeCollected(update!, { deleteThem: true })).covers(update!)).toBe(false)
  })

  it('[EQV2] nor an item deleted from a type that lives on: another peer’s later value of the key is positioned against it', () => {
    const { doc, updates } = recordingDoc()
    const map = new Y.Map<unknown>()
    doc.getMap('claims').set('live chunk', map)
    const created = updates.length
    map.set('k', 'first')
    map.delete('k')
    const entry = joinUpdates(updates.slice(created))!
    const forged = joinUpdates([updates[0]!, forgeCollected(entry, { deleteThem: true })])!
    expect(new UpdateCoverage(forged).covers(entry)).toBe(false)
  })

  it('[EQV2] nor a collected range that its deletions leave out: peers that hold the items would keep them, newcomers would not', () => {
    const { doc, updates } = recordingDoc()
    fillAndDropChunk(doc, 'chunk', 10)
    const honest = collectCheckpoint(joinUpdates(updates)!, doc)!
    const shape = readUpdateShape(honest)!
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, shape.sections.length)
    for (const section of shape.sections) {
      encoding.writeVarUint(encoder, section.structs)
      encoding.writeVarUint(encoder, section.client)
      encoding.writeVarUint(encoder, section.clock)
      encoding.writeUint8Array(encoder, section.bytes)
    }
    // The chunk's own deletion stays; its entries' are left out.
    const [chunkItem] = updates.slice(0, 1).map((update) => readUpdateShape(update)!.sections[0]!)
    writeDeletions(encoder, new Map([[chunkItem!.client, [chunkItem!.clock, 1]]]))
    expect(new UpdateCoverage(honest).covers(joinUpdates(updates)!)).toBe(true)
    expect(new UpdateCoverage(encoding.toUint8Array(encoder)).covers(joinUpdates(updates)!)).toBe(false)
  })

  it('[EQV2] [EQV5] a lane that seals a checkpoint "collecting" its live note is void for the peer that holds the note, and for a newcomer', async () => {
    const mesh = new Mesh()
    const bob = await mesh.join()
    const mallory = await createDeviceKey(crypto.subtle)
    const { key, certificate } = await certifiedLane(mallory)
    const seal = (kind: EnvelopeKind, seq: number, prev: Uint8Array, update: Uint8Array): Envelope =>
      sealEnvelope({ kind, space: SPACE, author: mallory.publicKey, lane: key.publicKey, certificate, seq, prev, update }, key.sign, testContentKey(SPACE))
    const doc = new Y.Doc()
    doc.clientID = laneClientId(SPACE, key.publicKey, 0)
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => updates.push(update))
    add(doc, 'pay Alice')
    const note = seal(EnvelopeKind.change, 0, GENESIS_PREV, updates[0]!)
    inject(bob, [note.wire])
    await mesh.settled()
    expect(titles(bob.content)).toEqual(['pay Alice'])
    const checkpoint = seal(EnvelopeKind.checkpoint, 1, note.hash, forgeCollected(updates[0]!, { deleteThem: true }))
    inject(bob, [checkpoint.wire])
    await mesh.settled()
    const carol = await mesh.join()
    await mesh.settled()
    expect(bob.signed.equivocations).toHaveLength(1)
    expect(carol.signed.equivocations).toHaveLength(1)
    expect(titles(carol.content)).toEqual([])
  })

  it('[EQV5] an honest lane that drops chunks of records checkpoints them collected: its peers accept it, a newcomer shows the same, and the log shrinks', async () => {
    const mesh = new Mesh()
    const alice = await mesh.join({ checkpointEvery: 4 })
    const bob = await mesh.join()
    add(alice.content, 'a note that stays')
    let written = 0
    alice.content.on('update', (update: Uint8Array) => (written += update.length))
    // Records written a batch at a time (each its own envelope), and each chunk dropped whole once full (RET2).
    for (let chunk = 0; chunk < 5; chunk++) {
      const records = new Y.Map<unknown>()
      alice.content.getMap('claims').set(`chunk ${chunk}`, records)
      for (let batch = 0; batch < 5; batch++) {
        alice.content.transact(() => {
          for (let index = 0; index < 20; index++) records.set(String(batch * 20 + index), { occurrence: `op#${index}`, peer: 'did:key:z6MkExample', renewal: 0 })
        })
        await mesh.settled()
      }
      alice.content.getMap('claims').delete(`chunk ${chunk}`)
      await mesh.settled()
    }
    const carol = await mesh.join()
    await mesh.settled()
    for (const peer of [bob, carol]) {
      expect(peer.signed.equivocations).toEqual([])
      expect(peer.signed.log.rejections.size).toBe(0)
      expect(titles(peer.content)).toEqual(['a note that stays'])
      expect(peer.content.getMap('claims').size).toBe(0)
    }
    const envelopes = transportEnvelopes(carol.transport)
      .toArray()
      .map((wire) => openTestEnvelope(wire, SPACE))
    const checkpoint = envelopes.find((envelope) => envelope.kind === EnvelopeKind.checkpoint)!
    expect(checkpoint).toBeDefined()
    // What it supersedes (all but the tail after it) held 100 records of ~60 bytes a chunk; it keeps a few collected ranges of them.
    const tail = envelopes.filter((envelope) => envelope.seq > checkpoint.seq).reduce((sum, envelope) => sum + envelope.update.length, 0)
    expect(checkpoint.update.length).toBeLessThan((written - tail) / 20)
  })
})
