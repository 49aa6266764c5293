/**
 * The kinds the personal node runs, as a keyed device of its spaces: `doc`
 * as every host does; `notify`, which writes the inbox entry as every host
 * does and then tells `onNotify` (where Web Push fans the reminder out to
 * the person's sleeping devices); `http` behind the node's address fence
 * (nodeHttp.ts); and `backup` into the data folder,
 * `<PII_DATA>/schedule-backups/<space>/`, written whole or not at all.
 *
 * Backups are bounded twice: the core kind keeps an operation's last 10
 * (SPEC CAP1), and a space's folder holds at most
 * MAX_SCHEDULE_BACKUPS_PER_SPACE files, so a member planning a thousand
 * backup operations cannot fill the node's disk.
 */
import { chmod, mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type * as Y from 'yjs'
import { backupKind, type BackupPort } from '../core/scheduler/backupKind.ts'
import { docKind } from '../core/scheduler/docKind.ts'
import { KindRegistry, type Kind, type KindContext } from '../core/scheduler/kinds.ts'
import { INBOX, notifyKind, readInbox, type InboxEntry } from '../core/scheduler/notifyKind.ts'
import { isSpaceId, type SpaceId } from '../core/space/ids.ts'
import { writeFileWhole } from './exclusiveFile.ts'
import { nodeHttpKind, type NodeHttpOptions } from './nodeHttp.ts'

/** The data folder's sub-folder for backups the schedule makes (the node's own backups of what it keeps are in `backups`). */
export const SCHEDULE_BACKUPS_FOLDER = 'schedule-backups'
/** Ten backup operations' worth of CAP1's ten files: past it, a new backup of the space is refused, with a sentence. */
export const MAX_SCHEDULE_BACKUPS_PER_SPACE = 100

/** What `onNotify` hears: the space, and the inbox entry this node's run just wrote. */
export interface NodeNotification {
  readonly space: SpaceId
  readonly entry: InboxEntry
}

export interface NodeKindsOptions {
  /** The data folder. */
  readonly folder: string
  readonly http: NodeHttpOptions
  /** The space whose content doc this is (the kinds are shared by every space the node hosts). */
  readonly spaceOf: (doc: Y.Doc) => SpaceId | undefined
  /** Told of each reminder this node's run wrote into an inbox (not of a repeat, which writes nothing): Web Push plugs in here. */
  readonly onNotify?: (notification: NodeNotification) => void
}

export function nodeKinds(options: NodeKindsOptions): KindRegistry {
  return new KindRegistry([docKind, notifyingKind(options), nodeHttpKind(options.http), folderBackupKind(options)])
}

function notifyingKind(options: NodeKindsOptions): Kind {
  return {
    ...notifyKind,
    async execute(input: unknown, context: KindContext): Promise<string | void> {
      const before = context.doc.getMap(INBOX).has(context.idempotencyKey)
      await notifyKind.execute(input, context)
      if (before || !options.onNotify) return
      const space = options.spaceOf(context.doc)
      const entry = readInbox(context.doc).find((each) => each.occurrence === context.idempotencyKey)
      // The hook is someone else's code: its failure is not the run's.
      if (space && entry) {
        try {
          options.onNotify({ space, entry })
        } catch (error) {
          console.warn('Pii node: onNotify failed:', error)
        }
      }
    },
  }
}

/** The backup kind, with each space's backups in its own folder. */
function folderBackupKind(options: NodeKindsOptions): Kind {
  const base = backupKind(folderPort(() => undefined))
  return {
    ...base,
    execute(input: unknown, context: KindContext): Promise<string | void> {
      const space = options.spaceOf(context.doc)
      if (!space || !isSpaceId(space)) return Promise.reject(new Error('The node does not host this space any more; its backup was not made.'))
      return backupKind(folderPort(() => join(options.folder, SCHEDULE_BACKUPS_FOLDER, space))).execute(input, context)
    },
  }
}

const FOLDER_MODE = 0o700
const isTemporary = (name: string): boolean => name.startsWith('.') && name.endsWith('.tmp')

/** A space's backup folder as the backup kind's port: each file written under a temporary name, flushed, then renamed into place. */
export function folderPort(folderOf: () => string | undefined): BackupPort {
  const folder = (): string => {
    const found = folderOf()
    if (!found) throw new Error('No backup folder for this space.')
    return found
  }
  const names = async (): Promise<string[]> => {
    try {
      return (await readdir(folder())).filter((name) => !isTemporary(name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }
  return {
    async save({ name, bytes }) {
      const existing = await names()
      if (!existing.includes(name) && existing.length >= MAX_SCHEDULE_BACKUPS_PER_SPACE) {
        throw new Error(`The node keeps at most ${MAX_SCHEDULE_BACKUPS_PER_SPACE} schedule backups of a space, and holds that many; delete backup operations (or their files in ${folder()}) to make room.`)
      }
      await mkdir(folder(), { recursive: true, mode: FOLDER_MODE })
      await writeFileWhole(folder(), name, bytes)
      await chmod(folder(), FOLDER_MODE)
    },
    list: names,
    async remove(name) {
      await rm(join(folder(), name), { force: true })
    },
  }
}
