/**
 * Backups in a folder on this machine (e.g. `<PII_DATA>/backups`): one
 * sub-folder per space, one file per snapshot, readable by the owner only.
 *
 *   <folder>/<space>/2025-03-01T12-00-00.000Z.pii-backup
 *
 * Each file is written under a temporary name, flushed to disk and renamed
 * into place, so a crash or a full disk leaves either the whole snapshot or
 * none: never a file that looks like the newest backup but holds half of one.
 */
import { chmod, lstat, mkdir, open, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { SpaceId } from '../core/space/ids.ts'
import { writeFileWhole } from './exclusiveFile.ts'
import {
  backupName,
  checkedBackupName,
  checkedKeep,
  checkedSpace,
  DEFAULT_KEEP,
  latestIn,
  newestFirst,
  notFound,
  takenAtOfName,
  type BackupEntry,
  type BackupStore,
  type StoredBackup,
} from './backupStore.ts'

export interface FolderBackupsOptions {
  /** Snapshots kept per space; older ones are deleted after each put. */
  readonly keep?: number
}

const FOLDER_MODE = 0o700
const TEMPORARY = /^\..+\.tmp$/
/** A put's temporary file older than this was left by a crash (a put writes one file, in well under a minute), so pruning removes it. */
export const STALE_TEMPORARY_MS = 60 * 60_000

export class FolderBackups implements BackupStore {
  readonly #keep: number

  constructor(
    readonly folder: string,
    options: FolderBackupsOptions = {},
  ) {
    this.#keep = checkedKeep(options.keep ?? DEFAULT_KEEP)
  }

  async put(space: SpaceId, takenAt: Date, bytes: Uint8Array): Promise<BackupEntry> {
    const name = backupName(takenAt)
    const spaceFolder = await this.#madeSpaceFolder(space)
    try {
      await writeFileWhole(spaceFolder, name, bytes)
    } catch (error) {
      throw new Error(`Could not store backup ${name} of space ${space} in ${spaceFolder} (${String(error)}). Check that the folder is writable and the disk has room.`, {
        cause: error,
      })
    }
    await syncFolder(spaceFolder)
    await this.#prune(space, spaceFolder)
    return { name, takenAt: new Date(takenAt.getTime()), size: bytes.byteLength }
  }

  async list(space: SpaceId): Promise<BackupEntry[]> {
    const spaceFolder = this.#spaceFolder(space)
    let names: string[]
    try {
      names = await readdir(spaceFolder)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    const entries: BackupEntry[] = []
    for (const name of names) {
      const takenAt = takenAtOfName(name)
      if (takenAt === undefined) continue
      const stats = await lstat(join(spaceFolder, name)).catch(() => undefined)
      // Only regular files: a folder or a link that happens to have a backup's name is not one of ours.
      if (stats?.isFile()) entries.push({ name, takenAt, size: stats.size })
    }
    return newestFirst(entries)
  }

  async read(space: SpaceId, name: string): Promise<Uint8Array> {
    checkedBackupName(name)
    const path = join(this.#spaceFolder(space), name)
    const stats = await lstat(path).catch(() => undefined)
    if (!stats?.isFile()) throw notFound(space, name, this.folder)
    return new Uint8Array(await readFile(path))
  }

  latest(space: SpaceId): Promise<StoredBackup | undefined> {
    return latestIn(this, space)
  }

  #spaceFolder(space: SpaceId): string {
    return join(this.folder, checkedSpace(space))
  }

  async #madeSpaceFolder(space: SpaceId): Promise<string> {
    const spaceFolder = this.#spaceFolder(space)
    await mkdir(spaceFolder, { recursive: true, mode: FOLDER_MODE })
    // mkdir leaves folders that were there already as they were; backups are the owner's alone.
    await chmod(this.folder, FOLDER_MODE)
    await chmod(spaceFolder, FOLDER_MODE)
    return spaceFolder
  }

  async #prune(space: SpaceId, spaceFolder: string): Promise<void> {
    const older = (await this.list(space)).slice(this.#keep)
    for (const entry of older) await rm(join(spaceFolder, entry.name), { force: true })
    const staleBefore = Date.now() - STALE_TEMPORARY_MS
    for (const name of await readdir(spaceFolder)) {
      if (!TEMPORARY.test(name)) continue
      const stats = await lstat(join(spaceFolder, name)).catch(() => undefined)
      if (stats?.isFile() && stats.mtimeMs < staleBefore) await rm(join(spaceFolder, name), { force: true })
    }
  }
}

/** Makes a rename in `folder` survive a power cut: the folder's entry is on disk, not only the file's bytes. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r')
  try {
    await handle.sync()
  } catch (error) {
    // Some file systems (and platforms) cannot sync a folder; the rename itself has still happened.
    if (!['EINVAL', 'EPERM', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
  } finally {
    await handle.close()
  }
}
