/**
 * The service worker: serves the app shell from the precache so Pii opens
 * with no network, and hosts the device's scheduler (one per device, not
 * one per tab). Open pages keep it alive with a message every few seconds;
 * with no page open it wakes on `sync`, `periodicsync`, `notificationclick`
 * or a message, and catches up what is due by each operation's policy. A
 * `push` from the personal node shows its reminder (pushMessages.ts).
 */
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { isSpaceId } from '../core/space/ids.ts'
import { spaceOfNotification } from './notificationData.ts'
import { isSwMessage, SwMessageType } from './messages.ts'
import { showPush } from './pushMessages.ts'
import { startWorkerHost } from './workerHost.ts'

declare const self: ServiceWorkerGlobalScope

/** How long a wake-up with no page open keeps the worker at it: claims settle and short runs finish well within this. */
const CATCH_UP_MS = 20_000

// Replaced at build time by the list of every build asset with its revision.
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
// Every navigation gets the app shell; the hash router picks the page.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html')))

// The first install controls open pages at once so they work offline from
// the first visit. An update waits: it activates only when the user chooses
// "Reload", so a page never runs against a newer worker's caches.
clientsClaim()

let hosting: Promise<void> | undefined
/** Starts hosting once per worker life; a failure is logged and retried at the next wake-up. */
function ensureHosting(): Promise<void> {
  hosting ??= startWorkerHost(self).catch((error: unknown) => {
    console.error('Pii could not host the scheduler in the service worker:', error)
    hosting = undefined
  })
  return hosting
}

const catchUp = (): Promise<void> => ensureHosting().then(() => new Promise((resolve) => setTimeout(resolve, CATCH_UP_MS)))

// Not waited on: activation (and so offline use) must not depend on the scheduler starting.
self.addEventListener('activate', () => void ensureHosting())

self.addEventListener('message', (event) => {
  if (!isSwMessage(event.data)) return
  if (event.data.type === SwMessageType.skipWaiting) void self.skipWaiting()
  else event.waitUntil(ensureHosting())
})

self.addEventListener('sync', (event) => (event as ExtendableEvent).waitUntil(catchUp()))
self.addEventListener('periodicsync', (event) => (event as ExtendableEvent).waitUntil(catchUp()))

// A reminder from the personal node, to a device whose tabs are all closed. Shown whether or not hosting starts;
// hosting starts too (not waited on for a catch-up) so the device syncs while the push keeps it awake.
self.addEventListener('push', (event) => {
  const shown = showPush({ data: event.data, permission: Notification.permission, registration: self.registration, now: Date.now() }).catch((error: unknown) =>
    console.warn('Pii could not show a pushed reminder:', error),
  )
  event.waitUntil(Promise.all([shown, ensureHosting()]))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  event.waitUntil(Promise.all([ensureHosting(), openSpace(spaceOfNotification(event.notification.data))]))
})

/** Focuses an open Pii tab (moving it to the space), or opens one. */
async function openSpace(space: string | undefined): Promise<void> {
  const hash = isSpaceId(space) ? `#/space/${space}` : '#/'
  const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  const tab = open[0]
  if (tab) {
    await tab.focus()
    await tab.navigate(`/${hash}`).catch(() => undefined)
  } else {
    await self.clients.openWindow(`/${hash}`)
  }
}
