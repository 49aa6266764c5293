import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { BackupError, BackupErrorReason, decodeBackup, encodeBackup, MAX_METADATA_BYTES, type Backup } from '../../src/node/backupFile.ts'

const backup: Backup = {
  space: newSpaceId(),
  takenAt: new Date('2025-03-01T12:34:56.789Z'),
  kind: 'blind-log',
  payload: Uint8Array.from({ length: 300 }, (_, index) => (index * 7) % 256),
}
const text = (value: string) => new TextEncoder().encode(value)

function refusal(bytes: Uint8Array): BackupError {
  try {
    decodeBackup(bytes)
  } catch (error) {
    if (error instanceof BackupError) return error
    throw error
  }
  throw new Error('decodeBackup returned a backup from bytes it should have refused')
}

describe('encodeBackup / decodeBackup', () => {
  it('gives back the space, time, kind and payload it was given, after a magic line and a metadata line with length and SHA-256', () => {
    const bytes = encodeBackup(backup)
    expect(decodeBackup(bytes)).toEqual(backup)
    const [magic, metadata] = new TextDecoder().decode(bytes.subarray(0, 400)).split('\n')
    expect(magic).toBe('PII-BACKUP-1')
    expect(JSON.parse(metadata ?? '')).toMatchObject({
      space: backup.space,
      takenAt: '2025-03-01T12:34:56.789Z',
      kind: 'blind-log',
      length: 300,
      sha256: createHash('sha256').update(backup.payload).digest('hex'),
    })
    const empty = { ...backup, payload: new Uint8Array() }
    expect(decodeBackup(encodeBackup(empty))).toEqual(empty)
  })

  it('refuses a backup with any one payload byte changed: damaged, the hash does not match', () => {
    const bytes = encodeBackup(backup)
    const payloadStart = bytes.byteLength - backup.payload.byteLength
    for (const at of [payloadStart, payloadStart + 150, bytes.byteLength - 1]) {
      const flipped = bytes.slice()
      flipped[at] = (flipped[at] ?? 0) ^ 0x01
      const error = refusal(flipped)
      expect(error.reason).toBe(BackupErrorReason.damaged)
      expect(error.message).toBe("This Pii backup is damaged: its payload's SHA-256 does not match the one recorded in it. Restore from another backup.")
    }
  })

  it('refuses every truncation of a backup, wherever it was cut, and says so', () => {
    const bytes = encodeBackup({ ...backup, payload: backup.payload.subarray(0, 20) })
    for (let length = 0; length < bytes.byteLength; length++) {
      const error = refusal(bytes.subarray(0, length))
      expect(error.reason, `cut after ${length} bytes`).toBe(BackupErrorReason.truncated)
      expect(error.message).toMatch(/^This Pii backup is truncated: .+\. It was cut short while being written or copied; restore from another backup\.$/)
    }
    expect(refusal(bytes.subarray(0, bytes.byteLength - 5)).message).toContain('it holds 15 of the 20 payload bytes it records')
  })

  it('refuses bytes after the recorded payload: damaged, not silently dropped', () => {
    const bytes = encodeBackup(backup)
    const longer = new Uint8Array(bytes.byteLength + 3)
    longer.set(bytes)
    const error = refusal(longer)
    expect(error.reason).toBe(BackupErrorReason.damaged)
    expect(error.message).toContain('it has 3 bytes more than the 300 payload bytes it records')
  })

  it('refuses what is not a Pii backup, saying to check the file chosen', () => {
    for (const other of [text('{"space":"x"}\n'), text('hello'), Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a), text('PII-BACKUQ-1\n{}\n')]) {
      const error = refusal(other)
      expect(error.reason).toBe(BackupErrorReason.notBackup)
      expect(error.message).toBe('This is not a Pii backup: it does not start with "PII-BACKUP-". Check that the file or object chosen is a backup Pii wrote.')
    }
  })

  it('refuses a later format version, saying to restore with a newer Pii', () => {
    const later = encodeBackup(backup)
    later[11] = 0x32 // PII-BACKUP-2
    const error = refusal(later)
    expect(error.reason).toBe(BackupErrorReason.unknownVersion)
    expect(error.message).toBe('This Pii backup is in format version 2, and this Pii reads only version 1. Restore it with a newer Pii.')
  })

  it(`refuses a metadata line over ${MAX_METADATA_BYTES} bytes without reading on to the end of it`, () => {
    const huge = text(`PII-BACKUP-1\n{"space":"${'x'.repeat(8 * 1024 * 1024)}"}\n`)
    const error = refusal(huge)
    expect(error.reason).toBe(BackupErrorReason.damaged)
    expect(error.message).toBe(`This Pii backup is damaged: its metadata line is longer than ${MAX_METADATA_BYTES} bytes. Restore from another backup.`)
    // A line just within the bound is read (and refused for what it says, not for its length).
    const within = text(`PII-BACKUP-1\n{"pad":"${'x'.repeat(MAX_METADATA_BYTES - 12)}"}\n`)
    expect(refusal(within).message).toContain('its metadata names no valid space')
  })

  it('refuses metadata that is not JSON or names no valid space, time, kind, length or hash', () => {
    const good = { space: backup.space, takenAt: backup.takenAt.toISOString(), kind: 'blind-log', length: 0, sha256: createHash('sha256').digest('hex') }
    expect(decodeBackup(text(`PII-BACKUP-1\n${JSON.stringify(good)}\n`)).kind).toBe('blind-log')
    const cases: Array<[string, string]> = [
      ['not json', 'its metadata line is not JSON'],
      [JSON.stringify({ ...good, space: '../etc' }), 'its metadata names no valid space'],
      [JSON.stringify({ ...good, takenAt: 'yesterday' }), 'its metadata has no valid time'],
      [JSON.stringify({ ...good, kind: 'Blind Log' }), 'its metadata has no valid kind'],
      [JSON.stringify({ ...good, length: -1 }), 'its metadata has no valid payload length'],
      [JSON.stringify({ ...good, sha256: 'abc' }), 'its metadata has no valid SHA-256'],
    ]
    for (const [line, problem] of cases) {
      const error = refusal(text(`PII-BACKUP-1\n${line}\n`))
      expect(error.reason).toBe(BackupErrorReason.damaged)
      expect(error.message).toContain(problem)
    }
  })

  it('will not write a backup of something that is not a space, or of a kind it could not read back', () => {
    expect(() => encodeBackup({ ...backup, space: 'not a space' as Backup['space'] })).toThrow(/is not a space id/)
    expect(() => encodeBackup({ ...backup, kind: 'blind log\n' })).toThrow(/kind is 1 to 64 lowercase letters/)
    expect(() => encodeBackup({ ...backup, takenAt: new Date(Number.NaN) })).toThrow(/valid time/)
  })
})
