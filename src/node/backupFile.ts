/**
 * The format of one backup: a snapshot of one space, as the personal node
 * writes it to a folder or to S3 storage.
 *
 *   PII-BACKUP-1\n
 *   {"space":"…","takenAt":"2025-03-01T12:00:00.000Z","kind":"blind-replica","length":1234,"sha256":"…"}\n
 *   <length bytes of payload>
 *
 * The payload is opaque here (for a blind replica, a Yjs update of encrypted
 * envelopes). Its length and SHA-256 are recorded so a file cut short by a
 * full disk or an interrupted copy, or changed by a failing disk, is refused
 * whole: restoring part of a log would look like a complete, older space.
 */
import { createHash } from 'node:crypto'
import { isSpaceId, type SpaceId } from '../core/space/ids.ts'

export interface Backup {
  readonly space: SpaceId
  readonly takenAt: Date
  /** What the payload is, e.g. 'blind-replica'. */
  readonly kind: string
  readonly payload: Uint8Array
}

const MAGIC_PREFIX = 'PII-BACKUP-'
export const BACKUP_FORMAT_VERSION = 1
const MAGIC = `${MAGIC_PREFIX}${BACKUP_FORMAT_VERSION}\n`
/** The metadata line is ~150 bytes; a bound keeps a damaged or hostile file from being read as one huge line. */
export const MAX_METADATA_BYTES = 4096
const KIND = /^[a-z0-9][a-z0-9-]{0,63}$/
const SHA256_HEX = /^[0-9a-f]{64}$/
const NEWLINE = 0x0a

export const BackupErrorReason = {
  notBackup: 'not-backup',
  unknownVersion: 'unknown-version',
  truncated: 'truncated',
  damaged: 'damaged',
} as const
export type BackupErrorReason = (typeof BackupErrorReason)[keyof typeof BackupErrorReason]

export class BackupError extends Error {
  override readonly name = 'BackupError'
  constructor(
    readonly reason: BackupErrorReason,
    message: string,
  ) {
    super(message)
  }
}

interface Metadata {
  readonly space: string
  readonly takenAt: string
  readonly kind: string
  readonly length: number
  readonly sha256: string
}

export function encodeBackup({ space, takenAt, kind, payload }: Backup): Uint8Array {
  if (!isSpaceId(space)) throw new TypeError(`A backup is of a space; ${JSON.stringify(space)} is not a space id.`)
  if (!Number.isFinite(takenAt.getTime())) throw new TypeError('A backup needs the valid time its snapshot was taken.')
  if (!KIND.test(kind)) throw new TypeError(`A backup's kind is 1 to 64 lowercase letters, digits and '-'; it is ${JSON.stringify(kind)}.`)
  const metadata: Metadata = { space, takenAt: takenAt.toISOString(), kind, length: payload.byteLength, sha256: sha256Hex(payload) }
  const head = new TextEncoder().encode(MAGIC + JSON.stringify(metadata) + '\n')
  const bytes = new Uint8Array(head.byteLength + payload.byteLength)
  bytes.set(head)
  bytes.set(payload, head.byteLength)
  return bytes
}

/** The backup in `bytes`, whole and checked; throws BackupError saying what is wrong rather than return part of one. */
export function decodeBackup(bytes: Uint8Array): Backup {
  const metadataStart = readMagic(bytes)
  const metadataEnd = bytes.subarray(metadataStart, metadataStart + MAX_METADATA_BYTES + 1).indexOf(NEWLINE)
  if (metadataEnd === -1) {
    if (bytes.byteLength - metadataStart > MAX_METADATA_BYTES) {
      throw damaged(`its metadata line is longer than ${MAX_METADATA_BYTES} bytes`)
    }
    throw truncated('it ends inside its metadata line')
  }
  const metadata = parseMetadata(bytes.subarray(metadataStart, metadataStart + metadataEnd))
  const payloadStart = metadataStart + metadataEnd + 1
  const available = bytes.byteLength - payloadStart
  if (available < metadata.length) throw truncated(`it holds ${available} of the ${metadata.length} payload bytes it records`)
  if (available > metadata.length) throw damaged(`it has ${available - metadata.length} bytes more than the ${metadata.length} payload bytes it records`)
  const payload = bytes.slice(payloadStart)
  if (sha256Hex(payload) !== metadata.sha256) throw damaged("its payload's SHA-256 does not match the one recorded in it")
  return { space: metadata.space as SpaceId, takenAt: new Date(metadata.takenAt), kind: metadata.kind, payload }
}

/** Where the metadata line starts, once the magic line is checked. */
function readMagic(bytes: Uint8Array): number {
  const prefix = new TextEncoder().encode(MAGIC_PREFIX)
  const head = bytes.subarray(0, prefix.byteLength)
  if (!head.every((byte, index) => byte === prefix[index])) {
    throw new BackupError(BackupErrorReason.notBackup, `This is not a Pii backup: it does not start with "${MAGIC_PREFIX}". Check that the file or object chosen is a backup Pii wrote.`)
  }
  if (head.byteLength < prefix.byteLength) throw truncated('it ends inside its first line')
  // A version is a few digits; reading at most 16 bytes keeps a long first line from being scanned.
  const line = bytes.subarray(prefix.byteLength, prefix.byteLength + 16)
  const end = line.indexOf(NEWLINE)
  if (end === -1) {
    if (line.byteLength < 16 && line.every((byte) => byte >= 0x30 && byte <= 0x39)) throw truncated('it ends inside its first line')
    throw damaged('its first line does not end in a format version')
  }
  const version = new TextDecoder().decode(line.subarray(0, end))
  if (!/^\d+$/.test(version)) throw damaged('its first line does not end in a format version')
  if (version !== String(BACKUP_FORMAT_VERSION)) {
    throw new BackupError(
      BackupErrorReason.unknownVersion,
      `This Pii backup is in format version ${version}, and this Pii reads only version ${BACKUP_FORMAT_VERSION}. Restore it with a newer Pii.`,
    )
  }
  return prefix.byteLength + end + 1
}

function parseMetadata(line: Uint8Array): Metadata {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line))
  } catch {
    throw damaged('its metadata line is not JSON')
  }
  const metadata = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof Metadata, unknown>>
  const { space, takenAt, kind, length, sha256 } = metadata
  if (!isSpaceId(space)) throw damaged('its metadata names no valid space')
  if (typeof takenAt !== 'string' || !Number.isFinite(Date.parse(takenAt)) || new Date(takenAt).toISOString() !== takenAt) {
    throw damaged('its metadata has no valid time the snapshot was taken')
  }
  if (typeof kind !== 'string' || !KIND.test(kind)) throw damaged('its metadata has no valid kind')
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) throw damaged('its metadata has no valid payload length')
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw damaged('its metadata has no valid SHA-256')
  return { space, takenAt, kind, length, sha256 }
}

function truncated(what: string): BackupError {
  return new BackupError(BackupErrorReason.truncated, `This Pii backup is truncated: ${what}. It was cut short while being written or copied; restore from another backup.`)
}

function damaged(what: string): BackupError {
  return new BackupError(BackupErrorReason.damaged, `This Pii backup is damaged: ${what}. Restore from another backup.`)
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
