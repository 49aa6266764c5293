/**
 * Shows each inbox entry addressed to this device once as a system
 * notification (the `notify` kind writes the entry; which device shows it
 * is decided here, by the device's scheduler host, so a device shows it
 * once however many tabs are open). What was shown is remembered in the
 * device doc, so a restart does not show it again.
 */
import type * as Y from 'yjs'
import { isAddressedTo, readInbox, INBOX } from '../core/scheduler/notifyKind.ts'

/** An entry older than this when this device first sees it is history, not news: it stays in the inbox, silently. */
const SHOW_WITHIN_MS = 24 * 60 * 60_000
/** The device doc's map of what this device has shown: `<space>\n<occurrence>` → when. */
const SHOWN = 'notified'

export interface NotificationRequest {
  /** Also the system notification's tag: a second show of one entry replaces, not adds. */
  readonly tag: string
  readonly title: string
  readonly body: string | undefined
  readonly space: string
}

export type ShowNotification = (notification: NotificationRequest) => Promise<void>

export interface InboxWatch {
  readonly space: string
  readonly doc: Y.Doc
  readonly deviceDoc: Y.Doc
  /** This device's did:key: entries addressed to it (or to everyone) are shown. */
  readonly device: string
  readonly show: ShowNotification
  readonly now?: () => number
}

export function watchInbox(watch: InboxWatch): () => void {
  const inbox = watch.doc.getMap(INBOX)
  const shown = watch.deviceDoc.getMap<number>(SHOWN)
  const now = watch.now ?? Date.now
  const check = (): void => {
    for (const entry of readInbox(watch.doc)) {
      const tag = `${watch.space}\n${entry.occurrence}`
      if (shown.has(tag) || !isAddressedTo(entry, watch.device) || now() - entry.createdAt > SHOW_WITHIN_MS) continue
      shown.set(tag, now())
      watch.show({ tag, title: entry.title, body: entry.body, space: watch.space }).catch((error: unknown) => console.warn('Pii could not show a notification:', error))
    }
  }
  inbox.observe(check)
  check()
  return () => inbox.unobserve(check)
}
