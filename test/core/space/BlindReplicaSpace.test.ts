/**
 * The personal node's blind replica of one space (BlindReplica), between
 * real SpaceLibrary devices: admitted by a replica link's invite, it keeps
 * and serves the log, follows a rekey into the new room without ever
 * holding a secret, and a newcomer gets the whole space from it alone.
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { createDeviceKey, signWith, verifySignature } from '../../../src/core/identity/deviceKey.ts'
import { createSealingKey } from '../../../src/core/identity/sealingKey.ts'
import { inviteFor, resetLinks } from '../../../src/core/members/invites.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { deviceAckLedger } from '../../../src/core/space/acknowledgements.ts'
import { BlindReplica, type ReplicaRecord } from '../../../src/core/space/BlindReplica.ts'
import { addItem, readItems } from '../../../src/core/space/items.ts'
import { roomAccessOf, type ShareSecret } from '../../../src/core/space/shareLink.ts'
import { transportEnvelopes, type LogAuthor } from '../../../src/core/space/SignedLog.ts'
import { findSpace } from '../../../src/core/space/spaceList.ts'
import { MemoryDocStore } from '../../../src/storage/MemoryDocStore.ts'
import { InstantNetwork } from '../../helpers/instantNetwork.ts'
import { keyedDevice } from '../../helpers/keyedDevice.ts'

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)
const UNTIL_SYNCED = { timeout: 20_000, interval: 10 }

async function deviceAuthor(): Promise<LogAuthor> {
  const key = await createDeviceKey(crypto.subtle)
  return { publicKey: key.publicKey, sign: (message) => signWith(key, crypto.subtle, message) }
}

/** Every stored byte of a MemoryDocStore, as one buffer. */
function storedBytes(store: MemoryDocStore): Buffer {
  const docs = (store as unknown as { docs: Map<string, Uint8Array[]> }).docs
  return Buffer.concat([...docs.values()].flat())
}

describe('BlindReplica', () => {
  it('[MEM10] is admitted with a replica invite, follows a rekey without a secret, stores no plaintext, and serves a newcomer the whole space alone', async () => {
    const rooms = new InstantNetwork()
    const owner = keyedDevice(rooms)
    const created = await owner.library.create('Trip')
    created.edit((doc) => addItem(doc, 'Secret tickets'))
    const { secret, membership, author } = await created.sync
    await vi.waitFor(() => expect(membership.founded).toBe(true), UNTIL_SYNCED)
    const replicaInvite = await inviteFor(owner.deviceDoc, created.id, membership, author, Role.replica, 1, Date.now())

    const store = new MemoryDocStore()
    const kept: ReplicaRecord[] = []
    const replicaAuthor = await deviceAuthor()
    const replica = new BlindReplica(
      { space: created.id, access: roomAccessOf(secret!), epoch: 0, invite: replicaInvite },
      { store, rooms, author: replicaAuthor, verify, sealing: await createSealingKey(crypto.subtle), subtle: crypto.subtle, now: Date.now, name: 'Home node', acknowledgements: deviceAckLedger(new Y.Doc(), created.id), keep: (record) => kept.push(record) },
    )
    await vi.waitFor(() => expect(replica.admitted).toBe(true), UNTIL_SYNCED)
    await vi.waitFor(() => expect(kept.at(-1)?.invite).toBeUndefined(), UNTIL_SYNCED)
    expect(kept.at(-1)).toMatchObject({ space: created.id, epoch: 0 })
    // The owner's device checks the accept on its own time: it lists the node once it has.
    await vi.waitFor(() => expect([...membership.state.members.values()].find((member) => member.role === Role.replica)?.name).toBe('Home node'), UNTIL_SYNCED)

    // "Reset link": a rekey, keeping every member. The replica is sealed the new room's access, and goes there.
    await resetLinks(membership, author, { subtle: crypto.subtle, space: created.id, secret: secret! }, Date.now())
    await vi.waitFor(() => expect(findSpace(owner.deviceDoc, created.id)?.epoch).toBe(1), UNTIL_SYNCED)
    const newSecret = findSpace(owner.deviceDoc, created.id)!.secret as ShareSecret
    await vi.waitFor(() => expect(kept.at(-1)).toMatchObject({ epoch: 1, access: { name: roomAccessOf(newSecret).name } }), UNTIL_SYNCED)
    expect(replica.epoch).toBe(1)
    created.edit((doc) => addItem(doc, 'After the rekey'))
    const editorInvite = await inviteFor(owner.deviceDoc, created.id, membership, author, Role.editor, 0, Date.now())
    const { transport } = created as unknown as { transport: Y.Doc }
    await (await created.sync).log.settled()
    await vi.waitFor(() => expect(replica.envelopes).toBe(transportEnvelopes(transport).length), UNTIL_SYNCED)
    await replica.settled()

    // The owner's device leaves: the replica is all a newcomer meets.
    created.release()
    await vi.waitFor(() => expect(replica.status?.peers).toHaveLength(0), UNTIL_SYNCED)
    const newcomer = keyedDevice(rooms)
    newcomer.library.addShared(created.id, newSecret, editorInvite)
    const joined = newcomer.library.openSpace(created.id)
    await vi.waitFor(() => expect(readItems(joined.doc).map((item) => item.title)).toEqual(['Secret tickets', 'After the rekey']), UNTIL_SYNCED)
    joined.release()

    const bytes = storedBytes(store)
    expect(bytes.length).toBeGreaterThan(1000)
    for (const title of ['Secret tickets', 'After the rekey', 'Trip']) expect(bytes.includes(Buffer.from(title))).toBe(false)
    expect(replica.log.log.rejections.size).toBe(0)
    await replica.close()
  })
})
