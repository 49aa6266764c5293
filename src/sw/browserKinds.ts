/**
 * The kinds a browser host runs, with their side effects wired to the
 * browser: HTTP through fetch, backups into the origin's private file
 * system (OPFS), which pages and the service worker both reach and the
 * backups panel lists for download.
 */
import { BACKUP_FOLDER, backupKind, type BackupPort } from '../core/scheduler/backupKind.ts'
import { docKind } from '../core/scheduler/docKind.ts'
import { httpKind } from '../core/scheduler/httpKind.ts'
import { KindRegistry } from '../core/scheduler/kinds.ts'
import { notifyKind } from '../core/scheduler/notifyKind.ts'

export function browserKinds(): KindRegistry {
  return new KindRegistry([docKind, notifyKind, httpKind({ fetch: (url, init) => fetch(url, init) }), backupKind(opfsBackups())])
}

/** The backups folder of the origin's private file system. */
function opfsBackups(): BackupPort {
  const folder = async (): Promise<FileSystemDirectoryHandle> => (await navigator.storage.getDirectory()).getDirectoryHandle(BACKUP_FOLDER, { create: true })
  return {
    save: async ({ name, bytes }) => {
      const writable = await (await (await folder()).getFileHandle(name, { create: true })).createWritable()
      await writable.write(bytes as Uint8Array<ArrayBuffer>)
      await writable.close()
    },
    list: async () => {
      const names: string[] = []
      for await (const name of (await folder()).keys()) names.push(name)
      return names
    },
    remove: async (name) => {
      try {
        await (await folder()).removeEntry(name)
      } catch (error) {
        // Two runs of one operation can overlap and delete the same old backup: gone is what was asked.
        if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error
      }
    },
  }
}
