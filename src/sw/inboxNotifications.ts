/**
 * Shows each inbox entry addressed to this device once as a system
 * notification (the `notify` kind writes the entry; which device shows it
 * is decided here, by the device's scheduler host, so a device shows it
 * once however many tabs are open). What was shown is remembered in the
 * device doc, so a restart does not show it again.
 *
 * A space shows no more than its allowance (SPEC CAP2,
 * notificationAllowance.ts): any member can write thousands of entries,
 * and every member's device would pop up each one. The entries beyond it
 * stay in the inbox silently, and one summary notification per window
 * says how many.
 */
import type * as Y from 'yjs'
import { compareText } from '../core/scheduler/compareText.ts'
import type { Timers } from '../core/scheduler/DeviceScheduler.ts'
import {
  forgetQuietAllowances,
  NOTIFICATION_BURST,
  readAllowance,
  SHOW_WITHIN_MS,
  spendAllowance,
  summaryDueAt,
  SUSTAINED_NOTIFICATIONS,
  SUSTAINED_WINDOW_MS,
  takeSummary,
  writeAllowance,
  type Allowance,
} from '../core/scheduler/notificationAllowance.ts'
import { isAddressedTo, readInbox, INBOX, type InboxEntry } from '../core/scheduler/notifyKind.ts'
import type { SpaceId } from '../core/space/ids.ts'
import { findSpace } from '../core/space/spaceList.ts'
import type { NotificationRequest } from './notificationData.ts'

/** The device doc's map of what this device has shown: `<space>\n<occurrence>` → when. */
const SHOWN = 'notified'
/** The tag of a space's summary notification: a newer summary replaces the one still in the tray. Never an occurrence (those hold a `#`). */
const SUMMARY_TAG = 'held-back'

export type ShowNotification = (notification: NotificationRequest) => Promise<void>

export interface InboxWatch {
  readonly space: string
  readonly doc: Y.Doc
  readonly deviceDoc: Y.Doc
  /** This device's did:key: entries addressed to it (or to everyone) are shown. */
  readonly device: string
  readonly show: ShowNotification
  readonly now?: () => number
  /** What wakes the watch when a summary of held-back entries falls due: the host's timers. */
  readonly timers: Timers
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

/** "12 more reminders from Family: see the inbox", and why there was no notification for each. */
function summaryOf(watch: InboxWatch, count: number): NotificationRequest {
  const name = findSpace(watch.deviceDoc, watch.space as SpaceId)?.name || 'an unnamed space'
  return {
    tag: tagOf(watch.space, SUMMARY_TAG),
    title: `${count.toLocaleString('en')} more reminder${count === 1 ? '' : 's'} from ${name}: see the inbox`,
    body: `${name} sent more reminders than this device shows as notifications (${NOTIFICATION_BURST} at once, then ${SUSTAINED_NOTIFICATIONS} every ${SUSTAINED_WINDOW_MS / 60_000} minutes); the others are in the inbox.`,
    space: watch.space,
  }
}

export function watchInbox(watch: InboxWatch): () => void {
  const inbox = watch.doc.getMap(INBOX)
  const shown = watch.deviceDoc.getMap<number>(SHOWN)
  const now = watch.now ?? Date.now
  const { timers } = watch
  let cancelSummary: (() => void) | undefined

  const show = (request: NotificationRequest): void => {
    watch.show(request).catch((error: unknown) => console.warn('Pii could not show a notification:', error))
  }
  // Held-back entries that arrive within a window of the last summary are summed up when it ends, even if nothing else arrives.
  const planSummary = (allowance: Allowance, at: number): void => {
    cancelSummary?.()
    const dueAt = summaryDueAt(allowance)
    cancelSummary = dueAt === undefined ? undefined : timers.after(Math.max(0, dueAt - at), check)
  }
  const check = (): void => {
    const at = now()
    const fresh = readInbox(watch.doc)
      // News only (SHOW_WITHIN_MS): one dated further ahead (a wrong clock) is not news either, since once its tag
      // was forgotten it would be shown again at every start.
      .filter((entry) => isAddressedTo(entry, watch.device) && Math.abs(at - entry.createdAt) <= SHOW_WITHIN_MS && !shown.has(tagOf(watch.space, entry.occurrence)))
      // Oldest first: the allowance goes to entries in the order they were written.
      .sort((a, b) => a.createdAt - b.createdAt || compareText(a.occurrence, b.occurrence))
    let allowance = readAllowance(watch.deviceDoc, watch.space, at)
    const allowed: InboxEntry[] = []
    for (const entry of fresh) {
      const spent = spendAllowance(allowance, at)
      allowance = spent.allowance
      if (spent.shown) allowed.push(entry)
    }
    const summary = takeSummary(allowance, at)
    if (summary) allowance = summary.allowance
    if (fresh.length > 0 || summary) {
      // One write to the device doc for the batch, not one per entry; held-back entries are tagged too, so they are never shown later.
      watch.deviceDoc.transact(() => {
        for (const entry of fresh) shown.set(tagOf(watch.space, entry.occurrence), at)
        writeAllowance(watch.deviceDoc, watch.space, allowance)
      })
    }
    for (const entry of allowed) show({ tag: tagOf(watch.space, entry.occurrence), title: entry.title, body: entry.body, space: watch.space })
    if (summary) show(summaryOf(watch, summary.count))
    planSummary(allowance, at)
  }
  forgetOldTags(shown, now())
  forgetQuietAllowances(watch.deviceDoc, now())
  inbox.observe(check)
  check()
  return () => {
    inbox.unobserve(check)
    cancelSummary?.()
  }
}
