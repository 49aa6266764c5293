/**
 * Shows each inbox entry addressed to this device once as a system
 * notification (the `notify` kind writes the entry; which device shows it
 * is decided here, by the device's scheduler host, so a device shows it
 * once however many tabs are open). What was shown is remembered in the
 * device doc, so a restart does not show it again.
 */
import type * as Y from 'yjs'
import { isAddressedTo, readInbox, INBOX } from '../core/scheduler/notifyKind.ts'
import type { NotificationRequest } from './notificationData.ts'

/**
 * An entry older than this when this device first sees it is history, not
 * news: it stays in the inbox, silently. One dated further ahead (a wrong
 * clock) is not news either: once its tag was forgotten, it would be shown
 * again at every start.
 */
const SHOW_WITHIN_MS = 24 * 60 * 60_000
/** The device doc's map of what this device has shown: `<space>\n<occurrence>` → when. */
const SHOWN = 'notified'

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

const tagOf = (space: string, occurrence: string): string => `${space}\n${occurrence}`

/**
 * What was shown more than twice the showing window ago can be forgotten:
 * its entry is too old to be shown again anyway. Without this the device
 * doc, which loads before the first paint, grows with every reminder ever.
 */
function forgetOldTags(shown: Y.Map<number>, now: number): void {
  const old = [...shown.entries()].filter(([, at]) => typeof at !== 'number' || now - at > 2 * SHOW_WITHIN_MS).map(([tag]) => tag)
  if (old.length > 0) shown.doc?.transact(() => old.forEach((tag) => shown.delete(tag)))
}

export function watchInbox(watch: InboxWatch): () => void {
  const inbox = watch.doc.getMap(INBOX)
  const shown = watch.deviceDoc.getMap<number>(SHOWN)
  const now = watch.now ?? Date.now
  const check = (): void => {
    const fresh = readInbox(watch.doc).filter((entry) => isAddressedTo(entry, watch.device) && Math.abs(now() - entry.createdAt) <= SHOW_WITHIN_MS && !shown.has(tagOf(watch.space, entry.occurrence)))
    if (fresh.length === 0) return
    // One write to the device doc for the batch, not one per entry.
    watch.deviceDoc.transact(() => {
      for (const entry of fresh) shown.set(tagOf(watch.space, entry.occurrence), now())
    })
    for (const entry of fresh) {
      watch.show({ tag: tagOf(watch.space, entry.occurrence), title: entry.title, body: entry.body, space: watch.space }).catch((error: unknown) => console.warn('Pii could not show a notification:', error))
    }
  }
  forgetOldTags(shown, now())
  inbox.observe(check)
  check()
  return () => inbox.unobserve(check)
}
