/**
 * The personal node over a real LevelDB data folder, its rooms an
 * in-process network shared with real SpaceLibrary devices.
 */
import { describe, expect, it, vi } from 'vitest'
import { inviteFor } from '../../src/core/members/invites.ts'
import { Role } from '../../src/core/members/roles.ts'
import { addItem } from '../../src/core/space/items.ts'
import { replicaLink } from '../../src/core/space/shareLink.ts'
import { NodeInputError, PersonalNode } from '../../src/node/PersonalNode.ts'
import { InstantNetwork } from '../helpers/instantNetwork.ts'
import { keyedDevice } from '../helpers/keyedDevice.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-')
const UNTIL_SYNCED = { timeout: 20_000, interval: 10 }
const quiet = { info: () => {}, warn: () => {} }

async function ownerDevice(rooms: InstantNetwork) {
  const { library, deviceDoc } = keyedDevice(rooms)
  const session = await library.create('Trip')
  session.edit((doc) => addItem(doc, 'Tickets'))
  const sync = await session.sync
  await vi.waitFor(() => expect(sync.membership.founded).toBe(true), UNTIL_SYNCED)
  const invite = await inviteFor(deviceDoc, session.id, sync.membership, sync.author, Role.replica, 1, Date.now())
  return { session, sync, link: replicaLink('https://pii.example', session.id, sync.secret!, invite) }
}

describe('PersonalNode', () => {
  it('keeps a space from a replica link across a restart: admitted once, its log on disk, its record without the spent invite', async () => {
    const folder = await newFolder()
    const rooms = new InstantNetwork()
    const owner = await ownerDevice(rooms)
    const node = await PersonalNode.open({ folder, name: 'Home node', log: quiet, rooms: () => rooms })
    const kept = await node.replicate(owner.link)
    expect(kept).toMatchObject({ space: owner.session.id, epoch: 0, relay: 'wss://pii.example/' })
    await vi.waitFor(() => expect(node.spaces()).toMatchObject([{ space: owner.session.id, admitted: true }]), UNTIL_SYNCED)
    await owner.sync.log.settled()
    await node.settled()
    const envelopes = node.spaces()[0]!.envelopes
    expect(envelopes).toBeGreaterThan(0)
    // Asking again for a space it keeps changes nothing.
    expect(await node.replicate(owner.link)).toMatchObject({ space: owner.session.id })
    await node.stop()
    owner.session.release()

    // Nobody else in the room: what it shows comes from its disk.
    const reopened = await PersonalNode.open({ folder, name: 'Home node', log: quiet, network: false })
    expect(reopened.spaces()).toEqual([{ space: owner.session.id, kept: 'blind', relay: 'wss://pii.example/', epoch: 0, admitted: true, envelopes: 0, peers: 0 }])
    await reopened.stop()
    const running = await PersonalNode.open({ folder, name: 'Home node', log: quiet, rooms: () => new InstantNetwork() })
    await vi.waitFor(() => expect(running.spaces()).toMatchObject([{ admitted: true, envelopes }]), UNTIL_SYNCED)
    expect(await running.remove(owner.session.id)).toBe(true)
    expect(running.spaces()).toEqual([])
    expect(await running.remove(owner.session.id)).toBe(false)
    await running.stop()
  })

  it('refuses what is not a replica link with a sentence, and keeps nothing', async () => {
    const node = await PersonalNode.open({ folder: await newFolder(), name: 'Home node', log: quiet, network: false })
    const cases: Array<[string, RegExp]> = [
      ['not a link', /is not a link/],
      ['ftp://host/#/r/a/b/c', /starts with https:\/\/ or http:\/\//],
      ['https://host/#/s/abc/def', /not a Pii replica link/],
      ['https://host/#/r/2eT8n5YJ3zVHNmGQk7aQbu/xyz/abc', /damaged/],
    ]
    for (const [link, message] of cases) {
      const refused = await node.replicate(link).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(NodeInputError)
      expect((refused as Error).message).toMatch(message)
    }
    expect(node.spaces()).toEqual([])
    await node.stop()
  })

  it('takes a new link for a space it keeps but was never admitted to (its invite expired, or it was removed): the new room and invite replace the old', async () => {
    const rooms = new InstantNetwork()
    const owner = await ownerDevice(rooms)
    const node = await PersonalNode.open({ folder: await newFolder(), name: 'Home node', log: quiet, network: false })
    // Kept from a link of another origin, never admitted (no room joined here): it waits.
    await node.replicate(owner.link.replace('https://pii.example', 'https://old.example'))
    expect(node.spaces()).toMatchObject([{ relay: 'wss://old.example/', admitted: false }])
    const again = await node.replicate(owner.link)
    expect(again).toMatchObject({ relay: 'wss://pii.example/' })
    expect(node.spaces()).toMatchObject([{ relay: 'wss://pii.example/', admitted: false }])
    await node.stop()
    owner.session.release()
  })
})
