/**
 * Where the personal node keeps snapshots of the spaces it holds: a port with
 * one implementation per place (FolderBackups on this machine's disk,
 * S3Backups in S3-compatible object storage). A store keeps opaque bytes
 * (backupFile.ts gives them their format) under a name made from the moment
 * the snapshot was taken, so names sort the way the snapshots were taken and
 * "keep the newest N" needs nothing but the names.
 */
import { isSpaceId, type SpaceId } from '../core/space/ids.ts'

export interface BackupEntry {
  /** The snapshot's name within its space, e.g. `2025-03-01T12-00-00.000Z.pii-backup`. */
  readonly name: string
  readonly takenAt: Date
  /** In bytes. */
  readonly size: number
}

export interface StoredBackup extends BackupEntry {
  readonly bytes: Uint8Array
}

export interface BackupStore {
  /** Stores `bytes` as the snapshot of `space` taken at `takenAt` (replacing one taken at the same millisecond), then deletes all but the newest `keep` of that space. */
  put(space: SpaceId, takenAt: Date, bytes: Uint8Array): Promise<BackupEntry>
  /** The snapshots of `space`, newest first; a space never backed up has none. */
  list(space: SpaceId): Promise<BackupEntry[]>
  /** The bytes of the snapshot named `name` (a name `list` gives); throws BackupStoreError if there is none by that name. */
  read(space: SpaceId, name: string): Promise<Uint8Array>
  /** The newest snapshot of `space` with its bytes, or undefined if there is none. */
  latest(space: SpaceId): Promise<StoredBackup | undefined>
}

/** Snapshots kept per space: a day of hourly ones, enough to step back past a bad day's edits. */
export const DEFAULT_KEEP = 24

export const BACKUP_SUFFIX = '.pii-backup'

export const BackupStoreErrorReason = {
  badSpace: 'bad-space',
  badName: 'bad-name',
  badTime: 'bad-time',
  notFound: 'not-found',
} as const
export type BackupStoreErrorReason = (typeof BackupStoreErrorReason)[keyof typeof BackupStoreErrorReason]

export class BackupStoreError extends Error {
  override readonly name = 'BackupStoreError'
  constructor(
    readonly reason: BackupStoreErrorReason,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The name a snapshot taken at `takenAt` is stored under: its ISO time with
 * ':' replaced by '-' (Windows and some sync tools refuse ':' in file names).
 * Fixed-width, so names sort as times do.
 */
export function backupName(takenAt: Date): string {
  const time = takenAt.getTime()
  // toISOString writes years past 9999 as "+010000", which would no longer sort with the rest.
  if (!Number.isFinite(time) || takenAt.getUTCFullYear() > 9999 || takenAt.getUTCFullYear() < 0) {
    throw new BackupStoreError(BackupStoreErrorReason.badTime, `A backup's time must be a valid date between the years 0 and 9999; it is ${String(takenAt)}.`)
  }
  return takenAt.toISOString().replaceAll(':', '-') + BACKUP_SUFFIX
}

const NAME = /^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2}\.\d{3}Z)\.pii-backup$/

/** The time a backup name stands for, or undefined if `name` is not one `backupName` makes (which also rules out any path). */
export function takenAtOfName(name: string): Date | undefined {
  const match = NAME.exec(name)
  if (!match) return undefined
  const iso = `${match[1]}:${match[2]}:${match[3]}`
  const takenAt = new Date(iso)
  // Rejects names of days and hours that do not exist (2025-02-30, 25:00), which Date would roll over.
  return Number.isFinite(takenAt.getTime()) && takenAt.toISOString() === iso ? takenAt : undefined
}

/** `name`'s time; throws if `name` is not a backup name, so it can never lead outside the space's folder or prefix. */
export function checkedBackupName(name: string): Date {
  const takenAt = takenAtOfName(name)
  if (takenAt === undefined) {
    throw new BackupStoreError(BackupStoreErrorReason.badName, `${JSON.stringify(name)} is not a backup name; use a name that listing the space's backups gives.`)
  }
  return takenAt
}

/** Space ids name folders and keys, so anything else (a path, "..") is refused before it is used. */
export function checkedSpace(space: string): SpaceId {
  if (!isSpaceId(space)) throw new BackupStoreError(BackupStoreErrorReason.badSpace, `${JSON.stringify(space)} is not a space id, so no backup can be stored or read under it.`)
  return space
}

export function checkedKeep(keep: number): number {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`A backup store keeps at least 1 backup per space; keep is ${keep}.`)
  return keep
}

export function notFound(space: SpaceId, name: string, where: string): BackupStoreError {
  return new BackupStoreError(BackupStoreErrorReason.notFound, `There is no backup ${name} of space ${space} in ${where}; list the space's backups for the names there are.`)
}

export function newestFirst<T extends BackupEntry>(entries: T[]): T[] {
  return entries.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime())
}

/** `latest` for any store: the first listed, read. */
export async function latestIn(store: BackupStore, space: SpaceId): Promise<StoredBackup | undefined> {
  const [newest] = await store.list(space)
  if (newest === undefined) return undefined
  return { ...newest, bytes: await store.read(space, newest.name) }
}
