/**
 * Backups in an S3-compatible bucket, off this machine: what is left when the
 * machine's disk is not. One object per snapshot, under the configured prefix:
 *
 *   <prefix><space>/2025-03-01T12-00-00.000Z.pii-backup
 *
 * S3 stores an object whole or not at all, so unlike FolderBackups there is
 * no temporary name to rename.
 */
import type { SpaceId } from '../core/space/ids.ts'
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
import type { S3Client } from './s3Client.ts'

export interface S3BackupsOptions {
  /** Put before every key: '' or ending in '/' (readS3Config makes it so). */
  readonly prefix: string
  /** Snapshots kept per space; older ones are deleted after each put. */
  readonly keep?: number
}

/** The calls S3Backups makes: an S3Client, or a test's stand-in. */
export type ObjectStorage = Pick<S3Client, 'putObject' | 'getObject' | 'listObjects' | 'deleteObject'>

export class S3Backups implements BackupStore {
  readonly #client: ObjectStorage
  readonly #prefix: string
  readonly #keep: number

  constructor(client: ObjectStorage, options: S3BackupsOptions) {
    if (options.prefix !== '' && !options.prefix.endsWith('/')) throw new RangeError(`An S3 backup prefix is '' or ends in '/'; it is ${JSON.stringify(options.prefix)}.`)
    this.#client = client
    this.#prefix = options.prefix
    this.#keep = checkedKeep(options.keep ?? DEFAULT_KEEP)
  }

  async put(space: SpaceId, takenAt: Date, bytes: Uint8Array): Promise<BackupEntry> {
    const name = backupName(takenAt)
    await this.#client.putObject(this.#spacePrefix(space) + name, bytes)
    // Pruned only once the new snapshot is stored: a failed put must not cost an old one.
    for (const entry of (await this.list(space)).slice(this.#keep)) await this.#client.deleteObject(this.#spacePrefix(space) + entry.name)
    return { name, takenAt: new Date(takenAt.getTime()), size: bytes.byteLength }
  }

  async list(space: SpaceId): Promise<BackupEntry[]> {
    const spacePrefix = this.#spacePrefix(space)
    const entries: BackupEntry[] = []
    for (const object of await this.#client.listObjects(spacePrefix)) {
      const name = object.key.slice(spacePrefix.length)
      // Other objects under the prefix (deeper keys, files someone put there by hand) are not backups: not listed, never pruned.
      const takenAt = takenAtOfName(name)
      if (takenAt !== undefined) entries.push({ name, takenAt, size: object.size })
    }
    return newestFirst(entries)
  }

  async read(space: SpaceId, name: string): Promise<Uint8Array> {
    checkedBackupName(name)
    const bytes = await this.#client.getObject(this.#spacePrefix(space) + name)
    if (bytes === undefined) throw notFound(space, name, `S3 under ${this.#prefix || 'the bucket root'}`)
    return bytes
  }

  latest(space: SpaceId): Promise<StoredBackup | undefined> {
    return latestIn(this, space)
  }

  #spacePrefix(space: SpaceId): string {
    return `${this.#prefix}${checkedSpace(space)}/`
  }
}
