import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { createDeviceKey, signWith } from '../../../src/core/identity/deviceKey.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { SpaceMembership } from '../../../src/core/members/SpaceMembership.ts'
import { StatementKind } from '../../../src/core/members/statement.ts'
import { laneClientId } from '../../../src/core/space/clientIds.ts'
import { deriveContentKey, type ContentKeyring } from '../../../src/core/space/contentCipher.ts'
import { EnvelopeKind, GENESIS_PREV, laneCertificateMessage, LEGACY_ENVELOPE_VERSION, openEnvelope, sealEnvelope } from '../../../src/core/space/envelope.ts'
import { EnvelopeLog } from '../../../src/core/space/EnvelopeLog.ts'
import { EnvelopeRejection } from '../../../src/core/space/envelopeRejection.ts'
import type { SpaceId } from '../../../src/core/space/ids.ts'
import { newLaneKey } from '../../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes, type LogAuthor } from '../../../src/core/space/SignedLog.ts'
import { testContentKey, testKeyring } from '../../helpers/contentKeys.ts'
import { sealLegacyEnvelope } from '../../helpers/legacyEnvelope.ts'
import { foundSpace, type Person } from '../../helpers/membershipPeople.ts'
import { certifiedLane, edit, laneOf, SPACE, verify } from '../../helpers/signedMesh.ts'

const author = (someone: Person): LogAuthor => ({ publicKey: someone.publicKey, sign: (message) => someone.signBytes(message) })
const titles = (doc: Y.Doc): string[] => doc.getArray<string>('list').toArray()
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const holds = (haystack: Uint8Array, needle: Uint8Array): boolean => Buffer.from(haystack).includes(Buffer.from(needle))

/** A founded space whose owner added an editor, and a v2 envelope of the editor's written before encryption. */
async function legacySpace() {
  const { space, owner, genesis, newPerson } = await foundSpace()
  const editor = await newPerson()
  const added = await owner.say({ kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'Editor', x25519: new Uint8Array(0) }, [genesis])
  const lane = newLaneKey()
  const certificate = await signWith(editor.key, undefined, laneCertificateMessage(space, editor.publicKey, lane.publicKey))
  const written = new Y.Doc()
  written.clientID = laneClientId(space, lane.publicKey, 0)
  written.getArray<string>('list').push(['a note from before encryption'])
  const legacy = sealLegacyEnvelope({ space, author: editor.publicKey, lane: lane.publicKey, certificate, seq: 0, prev: GENESIS_PREV, update: Y.encodeStateAsUpdate(written) }, lane)
  const transport = new Y.Doc()
  transport.getArray<Uint8Array>('membership').push([genesis.wire, added.wire])
  transportEnvelopes(transport).push([legacy.wire])
  return { space, owner, editor, transport }
}

/** A peer of the space on a copy of `from`'s transport doc. */
function peerOn(space: SpaceId, from: Y.Doc, who: Person) {
  const transport = new Y.Doc()
  Y.applyUpdate(transport, Y.encodeStateAsUpdate(from))
  const content = new Y.Doc()
  const membership = new SpaceMembership({ space, transport, verify, now: () => 5_000, requiresGenesis: true })
  const log = new SignedLog({ space, content, transport, author: author(who), verify, keys: testKeyring(space), lane: laneOf(), gate: membership })
  return { transport, content, membership, log }
}

describe('content encryption', () => {
  it('[M11] the owner migrates a space’s version-2 envelopes: one encrypted migration replaces them, and a newcomer reads it', async () => {
    const { space, owner, transport } = await legacySpace()
    const ownerPeer = peerOn(space, transport, owner)
    await ownerPeer.log.settled()
    expect(titles(ownerPeer.content)).toEqual(['a note from before encryption'])
    expect(holds(Y.encodeStateAsUpdate(ownerPeer.transport), utf8('a note from before encryption'))).toBe(true)

    expect(await ownerPeer.log.migrate()).toBe(true)
    // Once is enough: what the migration carries is not migrated again.
    expect(await ownerPeer.log.migrate()).toBe(false)
    const kept = () => transportEnvelopes(ownerPeer.transport).toArray().map((wire) => openEnvelope(wire)!)
    await expect.poll(() => kept().map((envelope) => [envelope.version, envelope.kind])).toEqual([[3, EnvelopeKind.migration]])
    expect(holds(Y.encodeStateAsUpdate(ownerPeer.transport), utf8('a note from before encryption'))).toBe(false)

    const newcomer = peerOn(space, ownerPeer.transport, owner)
    await newcomer.log.settled()
    expect(titles(newcomer.content)).toEqual(['a note from before encryption'])
    // Whose note it is stays the editor's, not the owner's who migrated it.
    expect(newcomer.log.log.rejections.size).toBe(0)
  })

  it('[M11] a migration by anyone but the owner is refused, and the version-2 envelope stays', async () => {
    const { space, editor, owner, transport } = await legacySpace()
    const editorPeer = peerOn(space, transport, editor)
    await editorPeer.log.settled()
    expect(await editorPeer.log.migrate()).toBe(true)
    const ownerPeer = peerOn(space, editorPeer.transport, owner)
    await ownerPeer.log.settled()
    expect(ownerPeer.log.log.rejections.get(EnvelopeRejection.notPermitted)).toBe(1)
    expect(ownerPeer.log.log.isMigrated({ version: LEGACY_ENVELOPE_VERSION, update: Y.encodeStateAsUpdate(ownerPeer.content) })).toBe(false)
    expect(titles(ownerPeer.content)).toEqual(['a note from before encryption'])
  })

  it('[M11] an envelope of an epoch whose key has not come yet waits for it; one sealed under a key the space never had is refused', async () => {
    const alice = await createDeviceKey(crypto.subtle)
    const { key: lane, certificate } = await certifiedLane(alice)
    const epochOne = deriveContentKey(SPACE, 1, new Uint8Array(32).fill(1))
    const held = [testContentKey(SPACE)]
    const listeners = new Set<() => void>()
    const keys: ContentKeyring = {
      key: (epoch) => held.find((key) => key.epoch === epoch),
      current: () => held.at(-1),
      onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    }
    const log = new EnvelopeLog(SPACE, verify, keys)
    const first = sealEnvelope({ kind: EnvelopeKind.change, space: SPACE, author: alice.publicKey, lane: lane.publicKey, certificate, seq: 0, prev: GENESIS_PREV, update: edit(lane, 'in epoch 1') }, lane.sign, epochOne)
    expect(await log.admit([first.wire])).toMatchObject({ accepted: [], rejected: [], waiting: 1 })
    expect(log.waitingForKey).toBe(1)
    // The rekey is opened: its key opens what waited.
    held.push(epochOne)
    const opened = await log.admit([])
    expect(opened.accepted.map((envelope) => envelope.seq)).toEqual([0])
    expect(opened.accepted[0]!.update).toEqual(first.update)
    // Epoch 0 under another secret than the space's: it cannot be opened by any member, so it is refused.
    const stranger = sealEnvelope({ kind: EnvelopeKind.change, space: SPACE, author: alice.publicKey, lane: lane.publicKey, certificate, seq: 1, prev: first.hash, update: edit(lane, 'under a stranger key', 1) }, lane.sign, deriveContentKey(SPACE, 0, new Uint8Array(32).fill(9)))
    expect((await log.admit([stranger.wire])).rejected.map((rejection) => rejection.reason)).toEqual([EnvelopeRejection.undecryptable])
    expect(log.nextSeq(alice.publicKey, lane.publicKey)).toBe(1)
  })
})
