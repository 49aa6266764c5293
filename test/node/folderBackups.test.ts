import type * as FsPromises from 'node:fs/promises'
import { mkdir, readdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { newSpaceId, type SpaceId } from '../../src/core/space/ids.ts'
import { BackupStoreError } from '../../src/node/backupStore.ts'
import { FolderBackups, STALE_TEMPORARY_MS } from '../../src/node/folderBackups.ts'
import { runBackupStoreContract } from '../helpers/backupStoreContract.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

// rename passes through, except where a test makes one fail: a crash between writing a snapshot and putting it in place.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>()
  return { ...actual, rename: vi.fn(actual.rename) }
})

const newFolder = tempFolders('pii-backups-')
const bytesOf = (label: string) => new TextEncoder().encode(label)
const at = (iso: string) => new Date(iso)

runBackupStoreContract('FolderBackups', async (keep) => new FolderBackups(join(await newFolder(), 'backups'), { keep }))

describe('FolderBackups on disk', () => {
  it('writes <folder>/<space>/<time with - for :>.pii-backup, readable by the owner only, in folders only the owner can open', async () => {
    const folder = join(await newFolder(), 'backups')
    await mkdir(folder, { mode: 0o755 })
    const space = newSpaceId()
    const backups = new FolderBackups(folder)
    await backups.put(space, at('2025-03-01T12:34:56.789Z'), bytesOf('snapshot'))
    const path = join(folder, space, '2025-03-01T12-34-56.789Z.pii-backup')
    expect(await readFile(path, 'utf8')).toBe('snapshot')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await stat(join(folder, space))).mode & 0o777).toBe(0o700)
    // A folder that was there already, open to others, is closed to them too.
    expect((await stat(folder)).mode & 0o777).toBe(0o700)
  })

  it('replaces a snapshot whole or not at all: a put interrupted before its rename leaves the old file intact and no temporary file', async () => {
    const folder = await newFolder()
    const space = newSpaceId()
    const backups = new FolderBackups(folder)
    const time = at('2025-03-01T01:00:00.000Z')
    await backups.put(space, time, bytesOf('first, whole'))
    vi.mocked(rename).mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' }))
    const interrupted = backups.put(space, time, bytesOf('second, never whole'))
    await expect(interrupted).rejects.toThrow(/^Could not store backup 2025-03-01T01-00-00\.000Z\.pii-backup of space \w+ in .+ \(Error: EIO: i\/o error, rename\)\. Check that the folder is writable and the disk has room\.$/)
    expect(await readdir(join(folder, space))).toEqual(['2025-03-01T01-00-00.000Z.pii-backup'])
    expect(new TextDecoder().decode(await backups.read(space, '2025-03-01T01-00-00.000Z.pii-backup'))).toBe('first, whole')
    await backups.put(space, time, bytesOf('second, whole'))
    expect(new TextDecoder().decode((await backups.latest(space))?.bytes)).toBe('second, whole')
    expect(await readdir(join(folder, space))).toEqual(['2025-03-01T01-00-00.000Z.pii-backup'])
  })

  it('lists only regular files with backup names, and prunes a crashed put’s temporary file once it is stale, not while a put may be writing it', async () => {
    const folder = await newFolder()
    const space = newSpaceId()
    const spaceFolder = join(folder, space)
    await mkdir(spaceFolder, { recursive: true })
    await writeFile(join(spaceFolder, 'notes.txt'), 'mine')
    await mkdir(join(spaceFolder, '2025-03-01T03-00-00.000Z.pii-backup'))
    const stale = join(spaceFolder, '.2025-03-01T00-00-00.000Z.pii-backup.1234.tmp')
    const fresh = join(spaceFolder, '.2025-03-01T00-30-00.000Z.pii-backup.5678.tmp')
    await writeFile(stale, 'half')
    await writeFile(fresh, 'being written')
    const longAgo = new Date(Date.now() - STALE_TEMPORARY_MS - 60_000)
    await utimes(stale, longAgo, longAgo)
    const backups = new FolderBackups(folder, { keep: 1 })
    expect(await backups.list(space)).toEqual([])
    await backups.put(space, at('2025-03-01T01:00:00.000Z'), bytesOf('one'))
    await backups.put(space, at('2025-03-01T02:00:00.000Z'), bytesOf('two'))
    expect((await backups.list(space)).map((entry) => entry.name)).toEqual(['2025-03-01T02-00-00.000Z.pii-backup'])
    expect((await readdir(spaceFolder)).sort()).toEqual([
      '.2025-03-01T00-30-00.000Z.pii-backup.5678.tmp',
      '2025-03-01T02-00-00.000Z.pii-backup',
      '2025-03-01T03-00-00.000Z.pii-backup',
      'notes.txt',
    ])
  })

  it('never reads or writes outside its folder, whatever the space or name', async () => {
    const root = await newFolder()
    const folder = join(root, 'backups')
    await writeFile(join(root, 'secret'), 'not a backup')
    const backups = new FolderBackups(folder)
    const space = newSpaceId()
    await backups.put(space, at('2025-03-01T01:00:00.000Z'), bytesOf('mine'))
    await expect(backups.read(space, '../../secret')).rejects.toBeInstanceOf(BackupStoreError)
    await expect(backups.read('..' as SpaceId, 'secret')).rejects.toBeInstanceOf(BackupStoreError)
    await expect(backups.put('..' as SpaceId, at('2025-03-01T01:00:00.000Z'), bytesOf('x'))).rejects.toBeInstanceOf(BackupStoreError)
    expect((await readdir(root)).sort()).toEqual(['backups', 'secret'])
    expect(await readdir(folder)).toEqual([space])
  })

  it('refuses to keep fewer than one snapshot', () => {
    expect(() => new FolderBackups('/tmp/unused', { keep: 0 })).toThrow('A backup store keeps at least 1 backup per space; keep is 0.')
  })
})
