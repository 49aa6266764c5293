/**
 * The service worker: serves the app shell from the precache so Pii opens
 * with no network. Later issues add the device's scheduler host and
 * background replication here.
 */
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { isSwMessage } from './messages.ts'

declare const self: ServiceWorkerGlobalScope

// Replaced at build time by the list of every build asset with its revision.
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
// Every navigation gets the app shell; the hash router picks the page.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html')))

// The first install controls open pages at once so they work offline from
// the first visit. An update waits: it activates only when the user chooses
// "Reload", so a page never runs against a newer worker's caches.
clientsClaim()

self.addEventListener('message', (event) => {
  if (isSwMessage(event.data) && event.data.type === 'SKIP_WAITING') void self.skipWaiting()
})
