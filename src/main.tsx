/**
 * Composition root of the page: picks the concrete storage and transports,
 * builds the services the UI uses, registers the service worker, renders.
 */
import './ui/styles.css'
import * as Y from 'yjs'
import { deviceDid, loadOrCreateDeviceKey, signWith, verifySignature } from './core/identity/deviceKey.ts'
import { observeProfile, readDisplayName } from './core/identity/profile.ts'
import type { DocStore } from './core/space/DocStore.ts'
import { SpaceLibrary } from './core/space/SpaceLibrary.ts'
import type { RoomConnector } from './core/space/SpaceRoom.ts'
import { estimateStorage, probeIndexedDb, requestPersistentStorage } from './storage/browserStorage.ts'
import { IndexedDbDocStore } from './storage/IndexedDbDocStore.ts'
import { IndexedDbKeyStore, MemoryKeyStore } from './storage/IndexedDbKeyStore.ts'
import { MemoryDocStore } from './storage/MemoryDocStore.ts'
import { BroadcastChannelTransport } from './sync/BroadcastChannelTransport.ts'
import type { Connectivity } from './sync/WebrtcRooms.ts'
import { parseRoute } from './ui/route.ts'
import type { AppServices } from './ui/services.ts'
import { reportSaveStatus, uiStore } from './ui/store.ts'

const DEVICE_DOC_NAME = 'pii-device'
/** Usage changes slowly; once a minute keeps the meter honest without waking the disk. */
const STORAGE_ESTIMATE_INTERVAL_MS = 60_000
/** Longer than a frame, so a visible tab starts sync after painting; a hidden one (no frames) starts anyway. */
const AFTER_RENDER_FALLBACK_MS = 250
/** How often an open tab asks the server for a new app version (besides on every focus). */
const UPDATE_CHECK_INTERVAL_MS = 60 * 60_000

async function boot(): Promise<void> {
  const route = parseRoute(location.hash)
  uiStore.setState({ route })
  // A share link's content can only come from peers, so their code starts loading now, alongside
  // the UI's (loadRooms below reports a failure; this early start has nothing to add).
  if (route.page === 'join') import('./sync/WebrtcRooms.ts').catch(() => {})

  const probe = await probeIndexedDb()
  if (!probe.available) uiStore.setState({ storageUnavailable: probe.reason })
  const store: DocStore = probe.available
    ? new IndexedDbDocStore((status) => reportSaveStatus(status.name, status.saved, status.error?.message))
    : new MemoryDocStore()
  const keyStore = probe.available ? new IndexedDbKeyStore() : new MemoryKeyStore()
  const tabs = new BroadcastChannelTransport()
  const deviceDoc = new Y.Doc()
  // The small device doc and key are asked for first, so the first render
  // need not wait behind a large space being applied.
  const deviceStored = store.attach(DEVICE_DOC_NAME, deviceDoc)
  const deviceKey = loadOrCreateDeviceKey(keyStore, crypto.subtle)
  // y-webrtc and simple-peer load when the first space's sync starts (after its content is painted), not while it is built.
  let rooms: Promise<RoomConnector> | undefined
  const loadRooms = (): Promise<RoomConnector> =>
    (rooms ??= Promise.all([deviceKey, import('./sync/WebrtcRooms.ts')]).then(
      ([key, { WebrtcRooms }]) =>
        new WebrtcRooms({
          // The relay serves signaling at the root of the app's own origin.
          signalingUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
          presence: { device: deviceDid(key), name: () => readDisplayName(deviceDoc) || 'Unnamed device', onNameChange: (listener) => observeProfile(deviceDoc, listener) },
          connectivity: browserConnectivity,
        }),
    ))
  const library = new SpaceLibrary({
    deviceDoc,
    deviceLoaded: deviceStored.loaded,
    store,
    tabs,
    now: Date.now,
    author: deviceKey.then((key) => ({ publicKey: key.publicKey, sign: (message: Uint8Array) => signWith(key, crypto.subtle, message) })),
    verify: (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message),
    digest: async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)),
    rooms: loadRooms,
    afterRender: () =>
      new Promise((resolve) => {
        requestAnimationFrame(() => setTimeout(resolve, 0))
        // A hidden tab gets no animation frames; it must still sync.
        setTimeout(resolve, AFTER_RENDER_FALLBACK_MS)
      }),
  })
  // The space in the address bar starts loading (and a shared one seeking its peers) now, in parallel, instead of after React mounts.
  let prefetched = route.page === 'space' ? library.openSpace(route.id) : route.page === 'join' ? library.join(route.id, route.secret) : undefined
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

  const services: AppServices = {
    deviceDoc,
    library,
    device: { did: deviceDid(key), keyKind: key.kind },
    applyUpdate: registerServiceWorker(),
  }

  const container = document.getElementById('root')
  if (!container) throw new Error('index.html has no #root element.')
  const { mountApp } = await ui
  mountApp(container, services)

  window.addEventListener('beforeunload', (event) => {
    // The browser's own "leave site?" prompt: the only way to stop a close losing unsaved changes.
    if (uiStore.getState().saveProblems.length > 0) event.preventDefault()
  })
  if (probe.available) void watchStorage()
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
    const instance = new Workbox('/sw.js', { scope: '/', updateViaCache: 'none' })
    instance.addEventListener('waiting', () => uiStore.setState({ updateReady: true }))
    instance.addEventListener('controlling', () => {
      // Only the tab whose user chose "Reload" reloads; the first install just takes control.
      if (reloadWhenControlled) location.reload()
    })
    void instance.register()
    const checkForUpdate = (): void => void instance.update().catch(() => {})
    setInterval(checkForUpdate, UPDATE_CHECK_INTERVAL_MS)
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') checkForUpdate()
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
