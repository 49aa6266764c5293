/**
 * Composition root of the page: picks the concrete storage and transports,
 * builds the services the UI uses, registers the service worker, renders.
 */
import './ui/styles.css'
import * as Y from 'yjs'
import { deviceDid, loadOrCreateDeviceKey } from './core/identity/deviceKey.ts'
import type { DocStore } from './core/space/DocStore.ts'
import { SpaceLibrary } from './core/space/SpaceLibrary.ts'
import type { DeviceLinking } from './core/devices/DeviceLinking.ts'
import { syncHome } from './core/devices/HomeSync.ts'
import { readDisplayName, shownName } from './core/identity/profile.ts'
import type { Did } from './core/identity/didKey.ts'
import { HOST_LOCK, SwMessageType, type SwMessage } from './sw/messages.ts'
import type { RoomConnector } from './core/space/SpaceRoom.ts'
import { DEVICE_DOC_NAME } from './core/space/spaceList.ts'
import { estimateStorage, probeIndexedDb, requestPersistentStorage } from './storage/browserStorage.ts'
import { IndexedDbDocStore } from './storage/IndexedDbDocStore.ts'
import { IndexedDbKeyStore, indexedDbSealingKeyStore, MemoryKeyStore } from './storage/IndexedDbKeyStore.ts'
import type { SealingKey } from './core/identity/sealingKey.ts'
import { MemoryDocStore } from './storage/MemoryDocStore.ts'
import { BroadcastChannelTransport } from './sync/BroadcastChannelTransport.ts'
import { HostKind, type KindRegistry } from './core/scheduler/kinds.ts'
import { QuietMoments } from './core/scheduler/quietMoments.ts'
import { notificationOptions, type NotificationRequest } from './sw/notificationData.ts'
import { deviceSealing, deviceSigning, devicePresence } from './sw/browserDevice.ts'
import { relayUrl } from './sync/relayUrl.ts'
import type { Connectivity } from './sync/WebrtcRooms.ts'
import { parseRoute } from './ui/route.ts'
import type { AppServices, HostStatsFeed } from './ui/services.ts'
import { HOST_STATS_CHANNEL, isHostStatsMessage, type HostStatsMessage } from './core/scheduler/hostStats.ts'
import { reportSaveStatus, uiStore } from './ui/store.ts'
import { afterNextPaint } from './platform/afterPaint.ts'

/** Usage changes slowly; once a minute keeps the meter honest without waking the disk. */
const STORAGE_ESTIMATE_INTERVAL_MS = 60_000
/** After the first paint and the space's own sync start: hosting opens every space of the device. */
const HOST_START_DELAY_MS = 500
/** Well inside the 30 s a service worker is kept idle before it is stopped. */
const KEEP_HOSTING_EVERY_MS = 10_000
/** How often a tab controlled by a service worker checks that some context hosts the scheduler. */
const HOST_CHECK_EVERY_MS = 15_000
/** How often an open tab asks the server for a new app version (besides on every focus). */
const UPDATE_CHECK_INTERVAL_MS = 60 * 60_000

async function boot(): Promise<void> {
  const route = parseRoute(location.hash)
  uiStore.setState({ route })

  const probe = await probeIndexedDb()
  if (!probe.available) uiStore.setState({ storageUnavailable: probe.reason })
  // Upkeep (log checkpoints, storage compaction) waits for gaps in the schedule when this tab hosts it.
  const quiet = new QuietMoments(Date.now)
  const store: DocStore = probe.available
    ? new IndexedDbDocStore({ onSaveStatus: (status) => reportSaveStatus(status.name, status.saved, status.error?.message), quietMoment: quiet.wait })
    : new MemoryDocStore()
  const keyStore = probe.available ? new IndexedDbKeyStore() : new MemoryKeyStore()
  const tabs = new BroadcastChannelTransport()
  // The scheduler's code (kinds, rules, time zones) loads after the first render, off the path to showing data.
  let kindRegistry: Promise<KindRegistry> | undefined
  const kinds = (): Promise<KindRegistry> => (kindRegistry ??= import('./sw/browserKinds.ts').then(({ browserKinds }) => browserKinds()))
  const deviceDoc = new Y.Doc()
  // The small device doc and key are asked for first, so the first render
  // need not wait behind a large space being applied.
  const deviceStored = store.attach(DEVICE_DOC_NAME, deviceDoc)
  const deviceKey = loadOrCreateDeviceKey(keyStore, crypto.subtle)
  // y-webrtc and simple-peer load when the first space's sync starts (after its content is painted), not while it is built.
  let rooms: Promise<RoomConnector> | undefined
  const loadRooms = (): Promise<RoomConnector> =>
    (rooms ??= Promise.all([import('./sync/WebrtcRooms.ts'), kinds()]).then(
      ([{ WebrtcRooms }, registry]) =>
        new WebrtcRooms({
          signalingUrl: relayUrl(location),
          presence: devicePresence(deviceDoc, registry.runnableOn(HostKind.page)),
          connectivity: browserConnectivity,
        }),
    ))
  // A share link's content can only come from peers: their code (and the scheduler's kinds, which the rooms advertise)
  // loads while the person reads the join screen. Making the connector joins no room (loadRooms reports a failure).
  if (route.page === 'join') loadRooms().catch(() => {})
  const signing = deviceSigning(deviceKey)
  const sealing = deviceSealing(probe.available ? indexedDbSealingKeyStore() : new MemoryKeyStore<SealingKey>())
  const library = new SpaceLibrary({
    deviceDoc,
    deviceLoaded: deviceStored.loaded,
    store,
    tabs,
    now: Date.now,
    ...signing,
    ...sealing,
    rooms: loadRooms,
    quietMoment: quiet.wait,
    // Sync starts after the stored content is painted; a typed edit is signed after the key press is.
    afterRender: () => new Promise((resolve) => afterNextPaint(resolve)),
    afterPaint: afterNextPaint,
  })
  // The space in the address bar starts loading (and seeking its peers) now, in parallel, instead of after React mounts.
  // Not a share link's space: it is joined only when the person chooses "Join" (JoinSpace), as any web page can open the link.
  let prefetched = route.page === 'space' ? library.openSpace(route.id) : undefined
  // React and the UI, most of the script, evaluate now, while IndexedDB reads
  // are in flight, rather than before they start (index.html preloads the chunk).
  const ui = import('./ui/mount.tsx')
  window.addEventListener('hashchange', () => {
    uiStore.setState({ route: parseRoute(location.hash) })
    prefetched?.release()
    prefetched = undefined
  })
  const [key] = await Promise.all([deviceKey, deviceStored.loaded])
  tabs.connect(DEVICE_DOC_NAME, deviceDoc)

  let deviceLinking: Promise<DeviceLinking> | undefined
  const services: AppServices = {
    deviceDoc,
    library,
    device: { did: deviceDid(key), keyKind: key.kind },
    kinds,
    hostStats: hostStatsFeed(),
    // Pairing's code (its sessions, the relay client it talks through) loads on the first pairing or unlink: most visits do neither.
    linking: () => (deviceLinking ??= (async () => {
      const [{ DeviceLinking }, { deferredChannel }, { pairingRoom }] = await Promise.all([
        import('./core/devices/DeviceLinking.ts'),
        import('./core/devices/PairingSession.ts'),
        import('./core/devices/pairing.ts'),
      ])
      return new DeviceLinking({
        library,
        deviceDoc,
        author: signing.author,
        sealing: sealing.sealing ?? Promise.resolve(undefined),
        verify: signing.verify,
        subtle: crypto.subtle,
        channelFor: (secret) => deferredChannel(import('./sync/relayPairingChannel.ts').then(({ relayPairingChannel }) => relayPairingChannel({ url: relayUrl(location), access: pairingRoom(secret) }))),
        timers: { every: (ms, callback) => clearingInterval(setInterval(callback, ms)) },
        now: Date.now,
        origin: location.origin,
        runtime: 'browser',
        name: () => shownName(readDisplayName(deviceDoc)),
      })
    })()),
    push: {
      subscribe: async (vapidKey) => {
        const [{ subscribeToPush }, { signSubscription }, registration, author] = await Promise.all([
          import('./sw/pushSubscribe.ts'),
          import('./core/devices/homePush.ts'),
          navigator.serviceWorker.ready,
          signing.author,
        ])
        return signSubscription(await subscribeToPush(registration, vapidKey, deviceDid(key)), (message) => author.sign(message))
      },
    },
    applyUpdate: registerServiceWorker(),
  }
  // Every space of the person, on every device of theirs (once this one is linked).
  syncHome({ library, deviceDoc, now: Date.now })

  const container = document.getElementById('root')
  if (!container) throw new Error('index.html has no #root element.')
  const { mountApp } = await ui
  mountApp(container, services)
  // After the first render: hosting opens every space, which must not compete with showing this one.
  setTimeout(() => hostInPage({ library, deviceDoc, device: deviceDid(key), kinds, quiet }), HOST_START_DELAY_MS)

  window.addEventListener('beforeunload', (event) => {
    // The browser's own "leave site?" prompt: the only way to stop a close losing unsaved changes.
    if (uiStore.getState().saveProblems.length > 0) event.preventDefault()
  })
  if (probe.available) void watchStorage()
}

/**
 * The device's scheduler runs in the service worker when one controls this
 * page: the page keeps it alive (each message extends its life) and takes
 * over only if nobody holds the host lock. Without a service worker (dev, or
 * a browser without one), the tabs elect a host among themselves.
 */
function hostInPage(deps: { library: SpaceLibrary; deviceDoc: Y.Doc; device: Did; kinds: () => Promise<KindRegistry>; quiet: QuietMoments }): void {
  // The host's code loads only in the tab that hosts: under a worker, that is rarely this one.
  const host = (): void =>
    void Promise.all([import('./sw/deviceHost.ts'), deps.kinds()]).then(([{ hostWhenElected }, kinds]) => hostWhenElected({ ...deps, host: HostKind.page, kinds, showNotification }))
  const worker = navigator.serviceWorker?.controller
  if (!worker) return void host()
  // Without Web Locks nothing could stop the worker and a tab both hosting: the worker does, alone.
  if (!navigator.locks) return
  const keepHosting = (): void => navigator.serviceWorker.controller?.postMessage({ type: SwMessageType.keepHosting } satisfies SwMessage)
  keepHosting()
  setInterval(keepHosting, KEEP_HOSTING_EVERY_MS)
  const check = setInterval(() => {
    void navigator.locks.query().then(({ held }) => {
      if (held?.some((lock) => lock.name === HOST_LOCK)) return
      // The worker cannot host (it failed, or the browser stopped it): this tab stands in.
      clearInterval(check)
      host()
    })
  }, HOST_CHECK_EVERY_MS)
}

/** Background sync and periodic sync, which not every browser has (periodic sync only for an installed app). */
interface WakeUps {
  readonly sync?: { register(tag: string): Promise<void> }
  readonly periodicSync?: { register(tag: string, options: { minInterval: number }): Promise<void> }
}
const wakeUps = (registration: ServiceWorkerRegistration): WakeUps => registration as ServiceWorkerRegistration & WakeUps
/** The tag of the wake-ups that let the worker catch up the schedule with no tab open. */
const WAKE_TAG = 'pii-scheduler'
/** The browser decides the real interval (daily at best for most sites); asking for less is refused. */
const PERIODIC_WAKE_MS = 12 * 60 * 60_000

function askForWakeUps(registration: ServiceWorkerRegistration): void {
  wakeUps(registration).periodicSync?.register(WAKE_TAG, { minInterval: PERIODIC_WAKE_MS }).catch(() => undefined)
}

/** The device host's figures, from whichever context hosts (a message to itself arrives on a second channel object). */
function hostStatsFeed(): HostStatsFeed {
  let latest: HostStatsMessage | undefined
  const listeners = new Set<() => void>()
  new BroadcastChannel(HOST_STATS_CHANNEL).addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isHostStatsMessage(event.data)) return
    latest = event.data
    for (const listener of listeners) listener()
  })
  return {
    current: () => latest,
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** Through the service worker when there is one (so a click can open Pii), directly otherwise; never without permission. */
async function showNotification({ tag, title, body, space }: NotificationRequest): Promise<void> {
  if (!('Notification' in window) || Notification.permission !== 'granted') return
  const registration = await navigator.serviceWorker?.getRegistration()
  const options = notificationOptions({ tag, title, body, space })
  if (registration) await registration.showNotification(title, options)
  else new Notification(title, options)
}

const browserConnectivity: Connectivity = {
  online: () => navigator.onLine,
  onChange: (listener) => {
    window.addEventListener('online', listener)
    window.addEventListener('offline', listener)
    return () => {
      window.removeEventListener('online', listener)
      window.removeEventListener('offline', listener)
    }
  },
}

function clearingInterval(timer: ReturnType<typeof setInterval>): () => void {
  return () => clearInterval(timer)
}

async function watchStorage(): Promise<void> {
  const refresh = async (): Promise<void> => uiStore.setState({ storageEstimate: await estimateStorage() })
  await requestPersistentStorage().catch(() => false)
  await refresh()
  setInterval(() => void refresh(), STORAGE_ESTIMATE_INTERVAL_MS)
}

/**
 * Registers the service worker after first render (workbox-window loads
 * lazily, off the path to showing data); returns the action that applies a
 * waiting update.
 */
function registerServiceWorker(): () => void {
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return () => location.reload()
  let reloadWhenControlled = false
  const workbox = import('workbox-window').then(({ Workbox }) => {
    // `updateViaCache: 'none'`: the HTTP cache must never hide a new sw.js, or an update could not arrive.
    // A module worker: its build keeps `import.meta`, which a classic worker script cannot parse.
    const instance = new Workbox('/sw.js', { scope: '/', updateViaCache: 'none', type: 'module' })
    instance.addEventListener('waiting', () => uiStore.setState({ updateReady: true }))
    instance.addEventListener('controlling', () => {
      // Only the tab whose user chose "Reload" reloads; the first install just takes control.
      if (reloadWhenControlled) location.reload()
    })
    instance
      .register()
      .then((registration) => registration && askForWakeUps(registration))
      .catch(() => undefined)
    const checkForUpdate = (): void => void instance.update().catch(() => {})
    setInterval(checkForUpdate, UPDATE_CHECK_INTERVAL_MS)
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') checkForUpdate()
      // A tab going away may be the last: a one-off sync wakes the worker to run what is due (SPEC H3).
      else void navigator.serviceWorker.ready.then((registration) => wakeUps(registration).sync?.register(WAKE_TAG)).catch(() => undefined)
    })
    return instance
  })
  return () => {
    void Promise.all([workbox, navigator.serviceWorker.getRegistration()]).then(([instance, registration]) => {
      // Another tab may have activated the update already: then a reload is all it takes.
      if (!registration?.waiting) return location.reload()
      reloadWhenControlled = true
      instance.messageSkipWaiting()
    })
  }
}

void boot().catch((error: unknown) => {
  const container = document.getElementById('root')
  if (container) {
    container.textContent = `Pii could not start: ${error instanceof Error ? error.message : String(error)}. Reload to try again; your data is untouched.`
  }
  throw error
})
