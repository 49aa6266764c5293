/**
 * The kinds a browser host runs, with their side effects wired to the
 * browser: HTTP through fetch, backups into the origin's private file
 * system (OPFS), which pages and the service worker both reach and the
 * backups panel lists for download.
 */
import { BACKUP_FOLDER, backupKind } from '../core/scheduler/backupKind.ts'
import { docKind } from '../core/scheduler/docKind.ts'
import { httpKind } from '../core/scheduler/httpKind.ts'
import { KindRegistry } from '../core/scheduler/kinds.ts'
import { notifyKind } from '../core/scheduler/notifyKind.ts'

export function browserKinds(): KindRegistry {
  return new KindRegistry([
    docKind,
    notifyKind,
    httpKind({ fetch: (url, init) => fetch(url, init) }),
    backupKind({
      save: async ({ name, bytes }) => {
        const root = await navigator.storage.getDirectory()
        const folder = await root.getDirectoryHandle(BACKUP_FOLDER, { create: true })
        const writable = await (await folder.getFileHandle(name, { create: true })).createWritable()
        await writable.write(bytes as Uint8Array<ArrayBuffer>)
        await writable.close()
      },
    }),
  ])
}
