/**
 * What the service worker does with a push from the personal node
 * (src/node/webPush.ts): it reads the message strictly (PUSH5: junk, a
 * stale or a future-dated message shows nothing) and shows it as this
 * device's own host shows the inbox entry (inboxNotifications.ts): the same
 * tag, so the push and the host showing one entry make one notification,
 * not two; the same data, so a click opens the space.
 */
import { readPushMessage } from '../core/identity/pushSubscription.ts'
import { SHOW_WITHIN_MS } from '../core/scheduler/notificationAllowance.ts'
import { notificationOptions, type NotificationRequest } from './notificationData.ts'

/** The system notification tag of an inbox entry, as inboxNotifications tags it: `<space>\n<occurrence>`. */
export const inboxNotificationTag = (space: string, occurrence: string): string => `${space}\n${occurrence}`

/** The notification a push's text asks for, or undefined for anything to ignore. */
export function notificationOfPush(text: string | undefined, now: number): NotificationRequest | undefined {
  const message = readPushMessage(text)
  // As for an inbox entry: one dated more than the showing window away (either way) is not news.
  if (!message || Math.abs(now - message.at) > SHOW_WITHIN_MS) return undefined
  return { tag: inboxNotificationTag(message.space, message.tag), title: message.title, body: message.body, space: message.space }
}

/** What showPush needs of a push event and the worker: structural, so it runs under the page's types and in tests. */
export interface PushShowing {
  /** The push event's data (PushMessageData), null for a push without a payload. */
  readonly data: { text(): string } | null
  readonly permission: NotificationPermission
  readonly registration: { showNotification(title: string, options?: NotificationOptions): Promise<void> }
  readonly now: number
}

/** Shows the push's notification, if it carries one and notifications are allowed; never throws for what the push carried. */
export async function showPush({ data, permission, registration, now }: PushShowing): Promise<void> {
  if (permission !== 'granted' || data === null) return
  let text: string | undefined
  try {
    text = data.text()
  } catch {
    return
  }
  const request = notificationOfPush(text, now)
  if (request) await registration.showNotification(request.title, notificationOptions(request))
}
