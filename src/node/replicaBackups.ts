/**
 * Backups of the spaces the node keeps: each space's signed log (the
 * transport doc, encrypted content, as the node holds it) as one backup file
 * (backupFile.ts), put in every configured store (the data folder's
 * `backups/`, and S3 when PII_S3_* is set). Two kinds:
 *   - a blind replica's also carries the room it lives in, so a removed
 *     replica can be kept again from its backup;
 *   - a keyed space's (NodeDevice) carries the log alone: its room and its
 *     content key both derive from its secret, which no backup holds, so
 *     a keyed space comes back through the person's home (or a link), and
 *     only its log comes back from a backup.
 *
 * A backup carries ciphertext, signatures, membership statements and, for a
 * replica, the room's access, never a secret: whoever reads it can at most
 * reach the room, as the relay can, and read nothing. The node signs each
 * backup with its device key (each kind under a context of its own) and
 * restores only backups that key signed, so whoever can write where backups
 * are kept (an S3 bucket) cannot plant a room, a relay or a log of their
 * own; the file's SHA-256 (backupFile.ts) only catches damage. Restoring
 * merges the backup into what the node holds (a Yjs merge of the log): it
 * adds what is missing, and the deletions it carries are ones this node had
 * seen itself; the signed log then checks every envelope like any peer's.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { digest as sha256 } from 'lib0/hash/sha256'
import * as Y from 'yjs'
import { toBase64 } from '../core/base64.ts'
import type { ReplicaRecord } from '../core/space/BlindReplica.ts'
import type { SpaceId } from '../core/space/ids.ts'
import { decodeBackup, encodeBackup } from './backupFile.ts'
import type { BackupEntry, BackupStore } from './backupStore.ts'
import type { NodeLog } from './nodeLog.ts'
import { readStoredRoom, storedRoom } from './replicaRecords.ts'

export const REPLICA_BACKUP_KIND = 'blind-replica'
export const KEYED_BACKUP_KIND = 'keyed-space'

/** What each kind's signature is made under: a signature of one kind never passes for the other's. */
const SIGNING_CONTEXT = { [REPLICA_BACKUP_KIND]: 'pii replica backup v1', [KEYED_BACKUP_KIND]: 'pii keyed space backup v1' } as const
type SpaceBackupKind = keyof typeof SIGNING_CONTEXT
const isSpaceBackupKind = (kind: string): kind is SpaceBackupKind => Object.hasOwn(SIGNING_CONTEXT, kind)

/** A keyed space's backup records nothing but its log: its room comes from its secret, which stays out. */
const KEYED_META = '{}'

/** A place backups go, by the name a person picks it with (`--from s3`). */
export interface NamedBackupStore {
  readonly name: 'folder' | 's3'
  readonly store: BackupStore
}

export class ReplicaBackupError extends Error {
  override readonly name = 'ReplicaBackupError'
}

/** Where a replica's backup says the space lives. */
export type RestoredRoom = Pick<ReplicaRecord, 'space' | 'access' | 'epoch'> & { readonly relay: string }

/** What a restore brings back: the space's log, and the room to find it in (a replica's backup only). */
export interface RestoredSpace {
  readonly kind: SpaceBackupKind
  readonly record: RestoredRoom | undefined
  readonly log: Uint8Array
  readonly backup: BackupEntry
}

/** The node's device key, which signs its backups and checks them on restore. */
export interface BackupSigner {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
  verify(signature: Uint8Array, message: Uint8Array): Promise<boolean>
}

/** What the node signs: the space, the time, the record and the log's hash, under its kind's context. */
function signedMessage(kind: SpaceBackupKind, space: SpaceId, takenAt: Date, meta: string, log: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`${SIGNING_CONTEXT[kind]}\0${space}\0${takenAt.toISOString()}\0${meta}\0${toBase64(sha256(log))}`)
}

async function encodeSpaceBackup(kind: SpaceBackupKind, space: SpaceId, meta: string, log: Uint8Array, takenAt: Date, signer: BackupSigner): Promise<Uint8Array> {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, meta)
  encoding.writeVarUint8Array(encoder, log)
  encoding.writeVarUint8Array(encoder, await signer.sign(signedMessage(kind, space, takenAt, meta, log)))
  return encodeBackup({ space, takenAt, kind, payload: encoding.toUint8Array(encoder) })
}

/** A backup of a blind replica's log (`log`: the transport doc as one update), with its room. */
export function encodeReplicaBackup(record: RestoredRoom, log: Uint8Array, takenAt: Date, signer: BackupSigner): Promise<Uint8Array> {
  // The invite is left out: spent, or only good for admitting this node, which restoring does not need.
  return encodeSpaceBackup(REPLICA_BACKUP_KIND, record.space, JSON.stringify(storedRoom(record)), log, takenAt, signer)
}

/** A backup of a keyed space's log (`log`: the transport doc as one update), and nothing else: never its secret, nor its room. */
export function encodeKeyedBackup(space: SpaceId, log: Uint8Array, takenAt: Date, signer: BackupSigner): Promise<Uint8Array> {
  return encodeSpaceBackup(KEYED_BACKUP_KIND, space, KEYED_META, log, takenAt, signer)
}

/** Reads a backup of `space`, checking its hash, its kind, its space, its signature and every field; a sentence for each fault. */
export async function decodeSpaceBackup(space: SpaceId, bytes: Uint8Array, entry: BackupEntry, signer: BackupSigner): Promise<RestoredSpace> {
  const backup = decodeBackup(bytes)
  const { kind } = backup
  if (!isSpaceBackupKind(kind)) throw new ReplicaBackupError(`${entry.name} is a backup of kind "${backup.kind}", not of a kept space.`)
  if (backup.space !== space) throw new ReplicaBackupError(`${entry.name} is a backup of space ${backup.space}, not of ${space}.`)
  let meta: string
  let log: Uint8Array
  let signature: Uint8Array
  try {
    const decoder = decoding.createDecoder(backup.payload)
    meta = decoding.readVarString(decoder)
    log = decoding.readVarUint8Array(decoder)
    signature = decoding.readVarUint8Array(decoder)
  } catch {
    throw new ReplicaBackupError(`${entry.name} passed its hash check but does not read as a kept space's backup: it was made by something else, or by a newer Pii.`)
  }
  // Before anything in it is believed: only this node's own backups are restored.
  if (!(await signer.verify(signature, signedMessage(kind, space, backup.takenAt, meta, log)).catch(() => false))) {
    throw new ReplicaBackupError(`${entry.name} is not signed by this node's key: it was made by another node, or changed where it was kept. Nothing was restored.`)
  }
  try {
    let record: RestoredRoom | undefined
    if (kind === REPLICA_BACKUP_KIND) {
      const room = readStoredRoom(JSON.parse(meta))
      if (!room) throw new Error('room')
      record = { space, ...room }
    } else if (meta !== KEYED_META) throw new Error('meta')
    // Read into a doc of its own first: an update Yjs cannot read must fail here, not inside the node's log.
    Y.applyUpdate(new Y.Doc(), log)
    return { kind, record, log, backup: entry }
  } catch {
    throw new ReplicaBackupError(`${entry.name} is signed by this node but does not read as a kept space's backup: it was made by a newer Pii.`)
  }
}

/** The newest backup of `space` in `store`, or the one named `name`. */
export async function readSpaceBackup(store: BackupStore, space: SpaceId, signer: BackupSigner, name?: string): Promise<RestoredSpace> {
  if (name === undefined) {
    const latest = await store.latest(space)
    if (!latest) throw new ReplicaBackupError(`There is no backup of space ${space} there.`)
    return decodeSpaceBackup(space, latest.bytes, latest, signer)
  }
  const entry = (await store.list(space)).find((each) => each.name === name)
  if (!entry) throw new ReplicaBackupError(`There is no backup named ${name} of space ${space} there; \`backups ${space}\` lists them.`)
  return decodeSpaceBackup(space, await store.read(space, name), entry, signer)
}

/** What one backup round did. */
export interface BackupRound {
  backedUp: number
  unchanged: number
  failed: number
}

/**
 * Per space, the hash of the log last backed up and when: a space whose log
 * is unchanged since is not backed up again, and the backup age counts from
 * it. The hash is of the whole log, not its state vector: a deletion changes
 * the log but not the vector.
 */
export class BackedUpLogs {
  private readonly last = new Map<SpaceId, { readonly fingerprint: string; readonly at: number }>()
  /** Backups that failed since the node started (each is tried again next round). */
  failures = 0

  constructor(
    private readonly stores: readonly NamedBackupStore[],
    private readonly log: NodeLog,
  ) {}

  /** When `space` was last backed up, in ms; undefined if never since start, nor in the data folder. */
  lastAt(space: SpaceId): number | undefined {
    return this.last.get(space)?.at
  }

  /** Takes each space's newest backup in the data folder as its last: a restart does not reset the backup age. */
  async readFolder(spaces: readonly SpaceId[]): Promise<void> {
    const folder = this.stores.find((each) => each.name === 'folder')?.store
    if (!folder) return
    for (const space of spaces) {
      const newest = (await folder.list(space).catch(() => []))[0]
      // No hash: the first round backs the space up once more, which costs one snapshot.
      if (newest) this.last.set(space, { fingerprint: '', at: newest.takenAt.getTime() })
    }
  }

  /** Backs up `log` (the space's transport doc, as one update), made into a file by `encode`, to every store, unless it is the log backed up last. */
  async backUp(space: SpaceId, log: Uint8Array, takenAt: Date, encode: (log: Uint8Array, takenAt: Date) => Promise<Uint8Array>, round: BackupRound): Promise<void> {
    const fingerprint = toBase64(sha256(log))
    if (this.last.get(space)?.fingerprint === fingerprint) return void round.unchanged++
    const bytes = await encode(log, takenAt)
    let stored = 0
    for (const { name, store } of this.stores) {
      try {
        await store.put(space, takenAt, bytes)
        stored++
      } catch (error) {
        this.failures++
        this.log.warn('a backup failed; it is tried again next round', { space, store: name, error: error instanceof Error ? error.message : JSON.stringify(error) })
      }
    }
    if (stored === this.stores.length) {
      this.last.set(space, { fingerprint, at: takenAt.getTime() })
      round.backedUp++
    } else round.failed++
  }
}
