/**
 * The personal node's backups of the spaces it keeps (blind replica), over a
 * real LevelDB data folder, the data folder's backup store and a local
 * S3-compatible server; rooms are an in-process network shared with real
 * SpaceLibrary devices.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { inviteFor } from '../../src/core/members/invites.ts'
import { Role } from '../../src/core/members/roles.ts'
import { addItem, readItems } from '../../src/core/space/items.ts'
import { replicaLink, type ShareSecret } from '../../src/core/space/shareLink.ts'
import { FolderBackups } from '../../src/node/folderBackups.ts'
import { metricsText, nodeStatus } from '../../src/node/nodeServer.ts'
import { PersonalNode } from '../../src/node/PersonalNode.ts'
import type { NamedBackupStore } from '../../src/node/replicaBackups.ts'
import { S3Backups } from '../../src/node/s3Backups.ts'
import { S3Client } from '../../src/node/s3Client.ts'
import { InstantNetwork } from '../helpers/instantNetwork.ts'
import { keyedDevice } from '../helpers/keyedDevice.ts'
import { startLocalS3, type LocalS3 } from '../helpers/localS3.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-backup-')
const UNTIL_SYNCED = { timeout: 20_000, interval: 10 }
const quiet = { info: () => {}, warn: () => {} }

let s3: LocalS3
beforeAll(async () => {
  s3 = await startLocalS3(await newFolder())
})
afterAll(() => s3.stop())

function stores(folder: string): NamedBackupStore[] {
  return [
    { name: 'folder', store: new FolderBackups(join(folder, 'backups'), { keep: 3 }) },
    { name: 's3', store: new S3Backups(new S3Client(s3.connection), { prefix: `${folder.split('/').at(-1)!}/`, keep: 3 }) },
  ]
}

/** An owner's space with `items`, kept by a node on a new data folder with both backup stores, once the node is admitted. */
async function keptSpace(items: readonly string[], clock: { now: number } = { now: Date.now() }) {
  const rooms = new InstantNetwork()
  const owner = keyedDevice(rooms)
  const session = await owner.library.create('Trip')
  for (const title of items) session.edit((doc) => addItem(doc, title))
  const sync = await session.sync
  await vi.waitFor(() => expect(sync.membership.founded).toBe(true), UNTIL_SYNCED)
  const invite = await inviteFor(owner.deviceDoc, session.id, sync.membership, sync.author, Role.replica, 1, Date.now())
  const folder = await newFolder()
  const node = await PersonalNode.open({ folder, name: 'Home node', log: quiet, rooms: () => rooms, now: () => clock.now, backups: { stores: stores(folder), everyMs: 0 } })
  await node.replicate(replicaLink('https://pii.example', session.id, sync.secret!, invite))
  await vi.waitFor(() => expect(node.spaces()).toMatchObject([{ admitted: true }]), UNTIL_SYNCED)
  await sync.log.settled()
  await node.settled()
  return { rooms, owner, session, sync, invite, folder, node }
}

describe('the personal node’s backups', () => {
  it('backs up what changed to the folder and S3, restores a removed space from S3, and a newcomer gets it from the restored node alone', async () => {
    const clock = { now: Date.now() }
    const { rooms, owner, session, sync, folder, node } = await keptSpace(['Tickets'], clock)
    const editorInvite = await inviteFor(owner.deviceDoc, session.id, sync.membership, sync.author, Role.editor, 0, Date.now())
    clock.now += 90_000
    expect(node.backupAgeSeconds()).toBe(90)
    expect(await node.backUpAll()).toEqual({ backedUp: 1, unchanged: 0, failed: 0 })
    expect(node.backupAgeSeconds()).toBe(0)
    expect(metricsText(nodeStatus(node, { name: 'Home node', folder, startedAt: clock.now }), clock.now)).toMatch(/^pii_node_backup_age_seconds 0$/m)
    // Nothing changed: nothing is written again.
    clock.now += 1_000
    expect(await node.backUpAll()).toEqual({ backedUp: 0, unchanged: 1, failed: 0 })
    session.edit((doc) => addItem(doc, 'Passport'))
    await sync.log.settled()
    await vi.waitFor(() => expect(node.spaces()[0]!.envelopes).toBeGreaterThan(0), UNTIL_SYNCED)
    await node.settled()
    clock.now += 1_000
    const envelopes = node.spaces()[0]!.envelopes
    await vi.waitFor(async () => expect(await node.backUpAll()).toMatchObject({ backedUp: 1 }), UNTIL_SYNCED)
    expect(await node.backups(session.id, 'folder')).toHaveLength(2)
    expect(await node.backups(session.id, 's3')).toHaveLength(2)

    // The backup holds no title: it is the log as the node keeps it, encrypted.
    const [backupFile] = await readdir(join(folder, 'backups', session.id))
    const bytes = await readFile(join(folder, 'backups', session.id, backupFile!))
    for (const title of ['Tickets', 'Passport', 'Trip']) expect(bytes.includes(Buffer.from(title))).toBe(false)

    await node.remove(session.id)
    expect(node.spaces()).toEqual([])
    session.release()
    const restored = await node.restore(session.id, 's3')
    expect(restored.envelopes).toBeGreaterThanOrEqual(envelopes)
    await vi.waitFor(() => expect(node.spaces()).toMatchObject([{ space: session.id, admitted: true }]), UNTIL_SYNCED)

    // The owner's device is gone: a newcomer with a link is served by the restored node alone.
    const newcomer = keyedDevice(rooms)
    newcomer.library.addShared(session.id, sync.secret as ShareSecret, editorInvite)
    const joined = newcomer.library.openSpace(session.id)
    await vi.waitFor(() => expect(readItems(joined.doc).map((item) => item.title)).toEqual(['Tickets', 'Passport']), UNTIL_SYNCED)
    joined.release()
    await node.stop()
  })

  it('refuses a damaged backup, naming what is wrong, and keeps what the node holds', async () => {
    const { rooms, session, sync, invite, folder, node } = await keptSpace([])
    await node.backUpAll()
    const [name] = await readdir(join(folder, 'backups', session.id))
    const path = join(folder, 'backups', session.id, name!)
    const damaged = await readFile(path)
    damaged[damaged.length - 5]! ^= 1
    await writeFile(path, damaged)
    const before = node.spaces()[0]!.envelopes
    await expect(node.restore(session.id, 'folder')).rejects.toThrow(/damaged/)
    expect(node.spaces()[0]!.envelopes).toBe(before)
    await expect(node.restore(session.id, 'folder', '2020-01-01T00-00-00.000Z.pii-backup')).rejects.toThrow(/There is no backup named 2020-01-01T00-00-00.000Z.pii-backup/)

    // A backup another node signed (whoever can write the bucket can make one, with a room and a log of their own) is refused.
    const otherFolder = await newFolder()
    const other = await PersonalNode.open({ folder: otherFolder, name: 'Not mine', log: quiet, rooms: () => rooms, backups: { stores: [{ name: 'folder', store: new FolderBackups(join(folder, 'backups')) }], everyMs: 0 } })
    await other.replicate(replicaLink('https://elsewhere.example', session.id, sync.secret!, invite))
    await other.backUpAll()
    await other.stop()
    await expect(node.restore(session.id, 'folder')).rejects.toThrow(/is not signed by this node's key/)
    expect(node.spaces()).toMatchObject([{ relay: 'wss://pii.example/', envelopes: before }])
    session.release()
    await node.stop()
  })

  it('a space removed while a backup round runs gets no empty backup: the round skips it, and its last good backup stays newest', async () => {
    const clock = { now: Date.now() }
    const { session, node } = await keptSpace(['Tickets'], clock)
    await node.backUpAll()
    const good = await node.backups(session.id)
    session.edit((doc) => addItem(doc, 'Passport'))
    await vi.waitFor(() => expect(node.spaces()[0]!.envelopes).toBeGreaterThan(0), UNTIL_SYNCED)
    clock.now += 1_000
    const round = node.backUpAll()
    const removed = node.remove(session.id)
    await Promise.all([round, removed])
    clock.now += 1_000
    await node.backUpAll()
    const after = await node.backups(session.id)
    expect(after.length).toBeGreaterThanOrEqual(good.length)
    // Every backup restores a log that holds envelopes; none is empty.
    const restored = await node.restore(session.id, 'folder', after[0]!.name)
    expect(restored.envelopes).toBeGreaterThan(0)
    session.release()
    await node.stop()
  })
})
