/**
 * The kinds the node runs besides `doc` and `http` (nodeKinds.ts): backups
 * into `<PII_DATA>/schedule-backups/<space>/`, bounded per space, and
 * reminders whose entry the node's run wrote handed to `onNotify` once.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { KindContext } from '../../src/core/scheduler/kinds.ts'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { MAX_SCHEDULE_BACKUPS_PER_SPACE, nodeKinds, SCHEDULE_BACKUPS_FOLDER, type NodeNotification } from '../../src/node/nodeKinds.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-kinds-')

const context = (doc: Y.Doc, occurrence: string): KindContext =>
  ({ operation: { id: occurrence.split('#')[0] }, occurrence: { id: occurrence }, idempotencyKey: occurrence, doc, peer: 'did:key:z6MkNode', now: () => 1_000, signal: new AbortController().signal }) as unknown as KindContext

describe('the node’s kinds', () => {
  it('backup writes the space’s snapshot into its own folder of the data folder, owner-only, keeping an operation’s last 10', async () => {
    const folder = await newFolder()
    const space = newSpaceId()
    const doc = new Y.Doc()
    doc.getMap('meta').set('name', 'Photos')
    const backup = nodeKinds({ folder, http: { allowPrivate: false }, spaceOf: (of) => (of === doc ? space : undefined) }).get('backup')!
    for (let n = 0; n < 12; n++) expect(await backup.execute({ label: 'photos' }, context(doc, `nightly#${n}`))).toBe(`pii-backup-photos.nightly-${n}.yjs`)
    const where = join(folder, SCHEDULE_BACKUPS_FOLDER, space)
    const files = (await readdir(where)).sort()
    expect(files).toEqual(Array.from({ length: 10 }, (_, index) => `pii-backup-photos.nightly-${index + 2}.yjs`).sort())
    const restored = new Y.Doc()
    Y.applyUpdate(restored, await readFile(join(where, 'pii-backup-photos.nightly-11.yjs')))
    expect(restored.getMap('meta').get('name')).toBe('Photos')
    expect((await stat(where)).mode & 0o777).toBe(0o700)
    expect((await stat(join(where, files[0]!))).mode & 0o777).toBe(0o600)
    // A doc the node does not host (the space was left meanwhile) is not backed up anywhere.
    await expect(backup.execute({}, context(new Y.Doc(), 'nightly#12'))).rejects.toThrow('The node does not host this space any more; its backup was not made.')
  })

  it(`backup refuses a new file once a space's folder holds ${MAX_SCHEDULE_BACKUPS_PER_SPACE}, whatever the operations`, async () => {
    const folder = await newFolder()
    const space = newSpaceId()
    const doc = new Y.Doc()
    const backup = nodeKinds({ folder, http: { allowPrivate: false }, spaceOf: () => space }).get('backup')!
    await backup.execute({}, context(doc, 'first#0'))
    const where = join(folder, SCHEDULE_BACKUPS_FOLDER, space)
    for (let n = 1; n < MAX_SCHEDULE_BACKUPS_PER_SPACE; n++) await writeFile(join(where, `pii-backup-space.op${n}-0.yjs`), 'x')
    await expect(backup.execute({}, context(doc, 'another#0'))).rejects.toThrow(`The node keeps at most ${MAX_SCHEDULE_BACKUPS_PER_SPACE} schedule backups of a space`)
    // The same occurrence again replaces its own file: not a new one.
    expect(await backup.execute({}, context(doc, 'first#0'))).toBe('pii-backup-space.first-0.yjs')
    expect(await readdir(where)).toHaveLength(MAX_SCHEDULE_BACKUPS_PER_SPACE)
  })

  it('notify writes the inbox entry and tells onNotify once; a repeat of the occurrence tells nobody', async () => {
    const space = newSpaceId()
    const doc = new Y.Doc()
    const told: NodeNotification[] = []
    const notify = nodeKinds({ folder: await newFolder(), http: { allowPrivate: false }, spaceOf: () => space, onNotify: (notification) => told.push(notification) }).get('notify')!
    await notify.execute({ title: 'Doctor', body: 'Bring the letter' }, context(doc, 'doctor#0'))
    await notify.execute({ title: 'Doctor', body: 'Bring the letter' }, context(doc, 'doctor#0'))
    expect(told).toEqual([{ space, entry: { occurrence: 'doctor#0', title: 'Doctor', body: 'Bring the letter', to: [], createdAt: 1_000, by: 'did:key:z6MkNode' } }])
  })
})
