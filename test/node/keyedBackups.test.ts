/**
 * The personal node's backups of the spaces it holds keyed (NodeDevice: a
 * member link here; the person's home brings the others the same way), over
 * a real LevelDB data folder and the data folder's backup store; rooms are
 * an in-process network shared with a browser-like owner (a real
 * SpaceLibrary). A backup is the space's signed, encrypted log, signed by
 * the node's key, and never its secret.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { inviteFor } from '../../src/core/members/invites.ts'
import { Role } from '../../src/core/members/roles.ts'
import { addItem, readItems } from '../../src/core/space/items.ts'
import { shareLink } from '../../src/core/space/shareLink.ts'
import { FolderBackups } from '../../src/node/folderBackups.ts'
import { metricsText, nodeStatus } from '../../src/node/nodeServer.ts'
import { PersonalNode } from '../../src/node/PersonalNode.ts'
import { InstantNetwork } from '../helpers/instantNetwork.ts'
import { keyedDevice } from '../helpers/keyedDevice.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-keyed-backup-')
const UNTIL = { timeout: 20_000, interval: 10 }
const quiet = { info: () => {}, warn: () => {} }

/** An owner's space with `items`, joined by a node (with a "Can edit" link) on a new data folder that backs up to its folder, once admitted and caught up. */
async function joinedSpace(items: readonly string[], clock: { now: number }) {
  const rooms = new InstantNetwork()
  const owner = keyedDevice(rooms)
  const session = await owner.library.create('Trip')
  for (const title of items) session.edit((doc) => addItem(doc, title))
  const sync = await session.sync
  await vi.waitFor(() => expect(sync.membership.founded).toBe(true), UNTIL)
  const invite = await inviteFor(owner.deviceDoc, session.id, sync.membership, sync.author, Role.editor, 1, Date.now())
  const link = shareLink('https://pii.example', session.id, sync.secret!, invite)
  const folder = await newFolder()
  const backups = new FolderBackups(join(folder, 'backups'), { keep: 5 })
  const node = await PersonalNode.open({ folder, name: 'Home node', log: quiet, rooms: () => rooms, now: () => clock.now, joinGraceMs: 60_000, backups: { stores: [{ name: 'folder', store: backups }], everyMs: 0 } })
  await node.join(link)
  await vi.waitFor(() => expect(node.spaces()).toMatchObject([{ space: session.id, kept: 'keyed', admitted: true }]), UNTIL)
  await vi.waitFor(() => expect(itemsOn(node, session.id)).toEqual(items), UNTIL)
  await sync.log.settled()
  return { rooms, owner, session, sync, link, folder, backups, node }
}

/** The titles the node reads in its copy of the space. */
function itemsOn(node: PersonalNode, space: Parameters<PersonalNode['backups']>[0]): string[] | undefined {
  const doc = node.keyed.library.loadedSession(space)?.doc
  return doc && readItems(doc).map((item) => item.title)
}

describe('the personal node’s backups of the spaces it holds keyed', () => {
  it('backs up a keyed space that changed, not one unchanged, with neither a title nor the secret in the file; /metrics counts its age', async () => {
    const clock = { now: Date.now() }
    const { session, sync, folder, node } = await joinedSpace(['Tickets'], clock)
    clock.now += 90_000
    expect(node.backupAgeSeconds()).toBe(90)
    expect(await node.backUpAll()).toEqual({ backedUp: 1, unchanged: 0, failed: 0 })
    expect(metricsText(nodeStatus(node, { name: 'Home node', folder, startedAt: clock.now }), clock.now)).toMatch(/^pii_node_backup_age_seconds 0$/m)
    clock.now += 1_000
    expect(await node.backUpAll()).toEqual({ backedUp: 0, unchanged: 1, failed: 0 })

    session.edit((doc) => addItem(doc, 'Passport'))
    await vi.waitFor(() => expect(itemsOn(node, session.id)).toEqual(['Tickets', 'Passport']), UNTIL)
    clock.now += 1_000
    await vi.waitFor(async () => expect(await node.backUpAll()).toMatchObject({ backedUp: 1 }), UNTIL)
    expect(await node.backups(session.id)).toHaveLength(2)

    const names = await readdir(join(folder, 'backups', session.id))
    for (const name of names) {
      const bytes = await readFile(join(folder, 'backups', session.id, name))
      for (const plain of ['Tickets', 'Passport', 'Trip', sync.secret!]) expect(bytes.includes(Buffer.from(plain))).toBe(false)
    }
    session.release()
    await node.stop()
  })

  it('restores what the node’s copy lost: the owner’s items come back and a newcomer gets them from the node alone; another node’s backup is refused', async () => {
    const clock = { now: Date.now() }
    const { rooms, owner, session, sync, link, folder, node } = await joinedSpace(['Tickets', 'Passport'], clock)
    const editorInvite = await inviteFor(owner.deviceDoc, session.id, sync.membership, sync.author, Role.editor, 0, Date.now())
    await node.backUpAll()
    const [backup] = await node.backups(session.id)

    // The owner's device goes away, and the node loses its copy: it is listed again, with an empty log.
    session.release()
    await node.remove(session.id)
    // Removed, a keyed space cannot come back from a backup, which holds no secret.
    await expect(node.restore(session.id)).rejects.toThrow(/comes back through your home space/)
    await node.join(link)
    expect(node.spaces()).toMatchObject([{ space: session.id, envelopes: 0 }])

    const restored = await node.restore(session.id, 'folder', backup!.name)
    expect(restored.envelopes).toBeGreaterThan(0)
    await vi.waitFor(() => expect(itemsOn(node, session.id)).toEqual(['Tickets', 'Passport']), UNTIL)
    await vi.waitFor(() => expect(node.spaces()).toMatchObject([{ space: session.id, kept: 'keyed', role: 'editor', admitted: true }]), UNTIL)

    // Nobody else holds the space: a newcomer with a link is served by the restored node alone.
    const newcomer = keyedDevice(rooms)
    newcomer.library.addShared(session.id, sync.secret!, editorInvite)
    const joined = newcomer.library.openSpace(session.id)
    await vi.waitFor(() => expect(readItems(joined.doc).map((item) => item.title)).toEqual(['Tickets', 'Passport']), UNTIL)
    joined.release()

    // A backup another node signed, in this node's folder (whoever can write there can put one), is refused.
    const other = await PersonalNode.open({
      folder: await newFolder(),
      name: 'Not mine',
      log: quiet,
      network: false,
      now: () => clock.now + 60_000,
      backups: { stores: [{ name: 'folder', store: new FolderBackups(join(folder, 'backups')) }], everyMs: 0 },
    })
    await other.join(link)
    expect(await other.backUpAll()).toMatchObject({ backedUp: 1 })
    await other.stop()
    await expect(node.restore(session.id)).rejects.toThrow(/is not signed by this node's key/)
    await node.stop()
  })

  it('restores a keyed space with no node running (the CLI on the data folder), and the node started again reads the owner’s items from it', async () => {
    const clock = { now: Date.now() }
    const { rooms, session, link, folder, backups, node } = await joinedSpace(['Tickets'], clock)
    await node.backUpAll()
    session.release()
    await node.stop()

    const reopen = (network: boolean) =>
      PersonalNode.open({ folder, name: 'Home node', log: quiet, network, rooms: () => rooms, now: () => clock.now, joinGraceMs: 60_000, backups: { stores: [{ name: 'folder', store: backups }], everyMs: 0 } })
    const cli = await reopen(false)
    await cli.remove(session.id)
    await cli.join(link)
    expect(cli.spaces()).toMatchObject([{ space: session.id, kept: 'keyed' }])
    expect((await cli.restore(session.id)).envelopes).toBeGreaterThan(0)
    await cli.stop()

    const again = await reopen(true)
    await vi.waitFor(() => expect(itemsOn(again, session.id)).toEqual(['Tickets']), UNTIL)
    await again.stop()
  })
})
