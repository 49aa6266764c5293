/**
 * The contract every BackupStore keeps (src/node/backupStore.ts), run against
 * each implementation: FolderBackups on disk, S3Backups against s3rver.
 */
import { describe, expect, it } from 'vitest'
import { newSpaceId, type SpaceId } from '../../src/core/space/ids.ts'
import { decodeBackup, encodeBackup } from '../../src/node/backupFile.ts'
import { BackupStoreError, BackupStoreErrorReason, type BackupStore } from '../../src/node/backupStore.ts'

const HOUR_MS = 60 * 60_000
const start = Date.parse('2025-03-01T00:00:00.000Z')
const hour = (n: number) => new Date(start + n * HOUR_MS)
const bytesOf = (label: string) => new TextEncoder().encode(label)
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

async function refusal(promise: Promise<unknown>): Promise<BackupStoreError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  if (error instanceof BackupStoreError) return error
  throw new Error(`expected a BackupStoreError, got ${String(error)}`)
}

/** `makeStore(keep)` gives an empty store keeping `keep` snapshots per space. */
export function runBackupStoreContract(name: string, makeStore: (keep: number) => Promise<BackupStore>): void {
  describe(`${name} (BackupStore contract)`, () => {
    it('[BS1] a snapshot put is listed and read back byte for byte; latest gives it; a space never backed up has none', async () => {
      const store = await makeStore(5)
      const space = newSpaceId()
      expect(await store.list(space)).toEqual([])
      expect(await store.latest(space)).toBeUndefined()
      const backup = encodeBackup({ space, takenAt: hour(1), kind: 'blind-log', payload: bytesOf('the log') })
      const put = await store.put(space, hour(1), backup)
      expect(put).toEqual({ name: '2025-03-01T01-00-00.000Z.pii-backup', takenAt: hour(1), size: backup.byteLength })
      expect(await store.list(space)).toEqual([put])
      expect(await store.read(space, put.name)).toEqual(backup)
      const latest = await store.latest(space)
      expect(latest).toEqual({ ...put, bytes: backup })
      expect(textOf(decodeBackup(latest?.bytes ?? new Uint8Array()).payload)).toBe('the log')
    })

    it('[BS2] lists newest first, whatever order the snapshots were put in, each with its time to the millisecond', async () => {
      const store = await makeStore(10)
      const space = newSpaceId()
      const times = [hour(3), new Date(start + 1), hour(5), hour(1), new Date(hour(3).getTime() + 999)]
      for (const time of times) await store.put(space, time, bytesOf(time.toISOString()))
      const listed = await store.list(space)
      const newestFirst = [...times].sort((a, b) => b.getTime() - a.getTime())
      expect(listed.map((entry) => entry.takenAt)).toEqual(newestFirst)
      expect(listed.map((entry) => entry.size)).toEqual(newestFirst.map((time) => bytesOf(time.toISOString()).byteLength))
      expect(textOf((await store.latest(space))?.bytes ?? new Uint8Array())).toBe(hour(5).toISOString())
    })

    it('[BS3] keeps only the newest `keep` of a space, deleting older ones, and leaves other spaces alone', async () => {
      const store = await makeStore(3)
      const space = newSpaceId()
      const other = newSpaceId()
      await store.put(other, hour(0), bytesOf('other space'))
      for (const n of [4, 1, 6, 2, 5]) await store.put(space, hour(n), bytesOf(`hour ${n}`))
      expect((await store.list(space)).map((entry) => entry.takenAt)).toEqual([hour(6), hour(5), hour(4)])
      expect((await refusal(store.read(space, '2025-03-01T02-00-00.000Z.pii-backup'))).reason).toBe(BackupStoreErrorReason.notFound)
      // A snapshot older than all those kept is stored and at once pruned: it never displaces a newer one.
      await store.put(space, hour(0), bytesOf('late arrival'))
      expect((await store.list(space)).map((entry) => entry.takenAt)).toEqual([hour(6), hour(5), hour(4)])
      expect(await store.list(other)).toHaveLength(1)
    })

    it('[BS4] a snapshot put again at the same millisecond replaces the first', async () => {
      const store = await makeStore(5)
      const space = newSpaceId()
      await store.put(space, hour(1), bytesOf('first'))
      await store.put(space, hour(1), bytesOf('second, longer'))
      const listed = await store.list(space)
      expect(listed).toHaveLength(1)
      expect(listed[0]?.size).toBe(bytesOf('second, longer').byteLength)
      expect(textOf(await store.read(space, listed[0]?.name ?? ''))).toBe('second, longer')
    })

    it('[BS5] reads only names a listing could give: paths and other names are refused, a well-formed absent one is not found', async () => {
      const store = await makeStore(5)
      const space = newSpaceId()
      const { name } = await store.put(space, hour(1), bytesOf('kept'))
      const elsewhere = newSpaceId()
      await store.put(elsewhere, hour(2), bytesOf('another space'))
      const names = [
        `../${elsewhere}/2025-03-01T02-00-00.000Z.pii-backup`,
        '..',
        '/etc/passwd',
        `${name}/..`,
        `./${name}`,
        name.replace('.pii-backup', ''),
        name.replaceAll('-', ':'),
        '2025-02-30T01-00-00.000Z.pii-backup',
        '',
      ]
      for (const bad of names) {
        const error = await refusal(store.read(space, bad))
        expect(error.reason, bad).toBe(BackupStoreErrorReason.badName)
        expect(error.message).toMatch(/is not a backup name; use a name that listing the space's backups gives\.$/)
      }
      const absent = await refusal(store.read(space, '2025-03-01T09-00-00.000Z.pii-backup'))
      expect(absent.reason).toBe(BackupStoreErrorReason.notFound)
      expect(absent.message).toMatch(/^There is no backup 2025-03-01T09-00-00\.000Z\.pii-backup of space \w+ in .+; list the space's backups for the names there are\.$/)
      for (const space of ['..', '../x', 'a/b', '']) {
        const error = await refusal(store.put(space as SpaceId, hour(1), bytesOf('x')))
        expect(error.reason).toBe(BackupStoreErrorReason.badSpace)
        expect((await refusal(store.list(space as SpaceId))).reason).toBe(BackupStoreErrorReason.badSpace)
      }
      expect(textOf(await store.read(space, name))).toBe('kept')
    })

    it('[BS6] refuses a time that would not sort with the others, storing nothing', async () => {
      const store = await makeStore(5)
      const space = newSpaceId()
      for (const time of [new Date(Number.NaN), new Date('+010000-01-01T00:00:00Z')]) {
        expect((await refusal(store.put(space, time, bytesOf('x')))).reason).toBe(BackupStoreErrorReason.badTime)
      }
      expect(await store.list(space)).toEqual([])
    })
  })
}
