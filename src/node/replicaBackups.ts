/**
 * Backups of the spaces a blind replica keeps: each space's signed log (the
 * transport doc, encrypted content, as the node holds it) with the room it
 * lives in, as one backup file (backupFile.ts), put in every configured
 * store (the data folder's `backups/`, and S3 when PII_S3_* is set).
 *
 * A backup carries ciphertext, signatures, membership statements and the
 * room's access, never a secret: whoever reads it can reach the room, as
 * the relay can, and read nothing. The node signs each backup with its
 * device key and restores only backups that key signed, so whoever can
 * write where backups are kept (an S3 bucket) cannot plant a room, a relay
 * or a log of their own; the file's SHA-256 (backupFile.ts) only catches
 * damage. Restoring merges the backup into what the node holds (a Yjs
 * merge of the log): it adds what is missing, and the deletions it carries
 * are ones this node had seen itself; the signed log then checks every
 * envelope like any peer's.
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
import { readStoredRoom, storedRoom } from './replicaRecords.ts'

export const REPLICA_BACKUP_KIND = 'blind-replica'

/** A place backups go, by the name a person picks it with (`--from s3`). */
export interface NamedBackupStore {
  readonly name: 'folder' | 's3'
  readonly store: BackupStore
}

export class ReplicaBackupError extends Error {
  override readonly name = 'ReplicaBackupError'
}

/** What a restore brings back: the room to find the space in, and its log. */
export interface RestoredReplica {
  readonly record: Pick<ReplicaRecord, 'space' | 'access' | 'epoch'> & { readonly relay: string }
  readonly log: Uint8Array
  readonly backup: BackupEntry
}

/** The node's device key, which signs its backups and checks them on restore. */
export interface BackupSigner {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
  verify(signature: Uint8Array, message: Uint8Array): Promise<boolean>
}

/** What the node signs: the space, the time, the record and the log's hash, under a context of their own. */
function signedMessage(space: SpaceId, takenAt: Date, meta: string, log: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`pii replica backup v1\0${space}\0${takenAt.toISOString()}\0${meta}\0${toBase64(sha256(log))}`)
}

/** A backup of the space's log (`log`: the transport doc as one update). */
export async function encodeReplicaBackup(record: Pick<ReplicaRecord, 'space' | 'access' | 'epoch'> & { readonly relay: string }, log: Uint8Array, takenAt: Date, signer: BackupSigner): Promise<Uint8Array> {
  // The invite is left out: spent, or only good for admitting this node, which restoring does not need.
  const meta = JSON.stringify(storedRoom(record))
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, meta)
  encoding.writeVarUint8Array(encoder, log)
  encoding.writeVarUint8Array(encoder, await signer.sign(signedMessage(record.space, takenAt, meta, log)))
  return encodeBackup({ space: record.space, takenAt, kind: REPLICA_BACKUP_KIND, payload: encoding.toUint8Array(encoder) })
}

/** Reads a backup of `space`, checking its hash, its kind, its space, its signature and every field; a sentence for each fault. */
export async function decodeReplicaBackup(space: SpaceId, bytes: Uint8Array, entry: BackupEntry, signer: BackupSigner): Promise<RestoredReplica> {
  const backup = decodeBackup(bytes)
  if (backup.kind !== REPLICA_BACKUP_KIND) throw new ReplicaBackupError(`${entry.name} is a backup of kind "${backup.kind}", not of a kept space.`)
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
  if (!(await signer.verify(signature, signedMessage(space, backup.takenAt, meta, log)).catch(() => false))) {
    throw new ReplicaBackupError(`${entry.name} is not signed by this node's key: it was made by another node, or changed where it was kept. Nothing was restored.`)
  }
  try {
    const room = readStoredRoom(JSON.parse(meta))
    if (!room) throw new Error('room')
    // Read into a doc of its own first: an update Yjs cannot read must fail here, not inside the node's log.
    Y.applyUpdate(new Y.Doc(), log)
    return { record: { space, ...room }, log, backup: entry }
  } catch {
    throw new ReplicaBackupError(`${entry.name} is signed by this node but does not read as a kept space's backup: it was made by a newer Pii.`)
  }
}

/** The newest backup of `space` in `store`, or the one named `name`. */
export async function readReplicaBackup(store: BackupStore, space: SpaceId, signer: BackupSigner, name?: string): Promise<RestoredReplica> {
  if (name === undefined) {
    const latest = await store.latest(space)
    if (!latest) throw new ReplicaBackupError(`There is no backup of space ${space} there.`)
    return decodeReplicaBackup(space, latest.bytes, latest, signer)
  }
  const entry = (await store.list(space)).find((each) => each.name === name)
  if (!entry) throw new ReplicaBackupError(`There is no backup named ${name} of space ${space} there; \`backups ${space}\` lists them.`)
  return decodeReplicaBackup(space, await store.read(space, name), entry, signer)
}
