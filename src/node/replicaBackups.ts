/**
 * Backups of the spaces a blind replica keeps: each space's signed log (the
 * transport doc, encrypted content, as the node holds it) with the room it
 * lives in, as one backup file (backupFile.ts), put in every configured
 * store (the data folder's `backups/`, and S3 when PII_S3_* is set).
 *
 * A backup carries ciphertext, signatures, membership statements and the
 * room's access, never a secret: whoever reads it can reach the room, as
 * the relay can, and read nothing. Restoring merges the backup into what
 * the node holds (a Yjs merge of the log), so it can only add envelopes
 * back, never drop any; the signed log then checks them like any peer's.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { decodeBase58, encodeBase58 } from '../core/identity/base58.ts'
import type { ReplicaRecord } from '../core/space/BlindReplica.ts'
import type { SpaceId } from '../core/space/ids.ts'
import { decodeBackup, encodeBackup } from './backupFile.ts'
import type { BackupEntry, BackupStore } from './backupStore.ts'

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

export function encodeReplicaBackup(record: Pick<ReplicaRecord, 'space' | 'access' | 'epoch'> & { readonly relay: string }, transport: Y.Doc, takenAt: Date): Uint8Array {
  const encoder = encoding.createEncoder()
  // The invite is left out: spent, or only good for admitting this node, which restoring does not need.
  const { access } = record
  encoding.writeVarString(encoder, JSON.stringify({ epoch: record.epoch, relay: record.relay, access: { name: access.name, password: access.password, relayTopic: access.relayTopic, relayKey: encodeBase58(access.relayKey) } }))
  encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(transport))
  return encodeBackup({ space: record.space, takenAt, kind: REPLICA_BACKUP_KIND, payload: encoding.toUint8Array(encoder) })
}

/** Reads a backup of `space`, checking its hash, its kind, its space and every field; a sentence for each fault. */
export function decodeReplicaBackup(space: SpaceId, bytes: Uint8Array, entry: BackupEntry): RestoredReplica {
  const backup = decodeBackup(bytes)
  if (backup.kind !== REPLICA_BACKUP_KIND) throw new ReplicaBackupError(`${entry.name} is a backup of kind "${backup.kind}", not of a kept space.`)
  if (backup.space !== space) throw new ReplicaBackupError(`${entry.name} is a backup of space ${backup.space}, not of ${space}.`)
  try {
    const decoder = decoding.createDecoder(backup.payload)
    const meta = JSON.parse(decoding.readVarString(decoder)) as { epoch?: unknown; relay?: unknown; access?: Record<string, unknown> }
    const log = decoding.readVarUint8Array(decoder)
    const { access } = meta
    const relayKey = typeof access?.relayKey === 'string' ? decodeBase58(access.relayKey) : undefined
    const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 200
    if (!access || !text(access.name) || !text(access.password) || !text(access.relayTopic) || relayKey?.length !== 32) throw new Error('room')
    if (typeof meta.epoch !== 'number' || !Number.isSafeInteger(meta.epoch) || meta.epoch < 0 || !text(meta.relay) || !/^wss?:\/\//.test(meta.relay)) throw new Error('fields')
    // Read into a doc of its own first: an update Yjs cannot read must fail here, not inside the node's log.
    Y.applyUpdate(new Y.Doc(), log)
    return { record: { space, epoch: meta.epoch, relay: meta.relay, access: { name: access.name, password: access.password, relayTopic: access.relayTopic, relayKey } }, log, backup: entry }
  } catch {
    throw new ReplicaBackupError(`${entry.name} passed its hash check but does not read as a kept space's backup: it was made by something else, or by a newer Pii.`)
  }
}

/** The newest backup of `space` in `store`, or the one named `name`. */
export async function readReplicaBackup(store: BackupStore, space: SpaceId, name?: string): Promise<RestoredReplica> {
  if (name === undefined) {
    const latest = await store.latest(space)
    if (!latest) throw new ReplicaBackupError(`There is no backup of space ${space} there.`)
    return decodeReplicaBackup(space, latest.bytes, latest)
  }
  const entry = (await store.list(space)).find((each) => each.name === name)
  if (!entry) throw new ReplicaBackupError(`There is no backup named ${name} of space ${space} there; \`backups ${space}\` lists them.`)
  return decodeReplicaBackup(space, await store.read(space, name), entry)
}
