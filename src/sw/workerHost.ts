/**
 * The device's scheduler host inside the service worker: the device's key
 * and spaces from IndexedDB (the same stores the pages use), the tabs'
 * changes over BroadcastChannel, and each space's room through the relay
 * (a worker has no WebRTC), so claims and runs reach the other devices
 * even when no tab shows the space.
 */
import * as Y from 'yjs'
import { deviceDid, loadOrCreateDeviceKey, type DeviceKey } from '../core/identity/deviceKey.ts'
import { HostKind } from '../core/scheduler/kinds.ts'
import { QuietMoments } from '../core/scheduler/quietMoments.ts'
import { SpaceLibrary } from '../core/space/SpaceLibrary.ts'
import { DEVICE_DOC_NAME } from '../core/space/spaceList.ts'
import { IndexedDbDocStore } from '../storage/IndexedDbDocStore.ts'
import { IndexedDbKeyStore, indexedDbSealingKeyStore } from '../storage/IndexedDbKeyStore.ts'
import { BroadcastChannelTransport } from '../sync/BroadcastChannelTransport.ts'
import { RelayRooms } from '../sync/RelayRooms.ts'
import { deviceSealing, deviceSigning, devicePresence } from './browserDevice.ts'
import { relayUrl } from '../sync/relayUrl.ts'
import { browserKinds } from './browserKinds.ts'
import { hostWhenElected } from './deviceHost.ts'
import { notificationOptions } from './notificationData.ts'

export async function startWorkerHost(worker: ServiceWorkerGlobalScope): Promise<void> {
  // Upkeep (log checkpoints, storage compaction) waits for gaps in the schedule this worker hosts.
  const quiet = new QuietMoments(Date.now)
  const store = new IndexedDbDocStore({ quietMoment: quiet.wait })
  const deviceDoc = new Y.Doc()
  const deviceStored = store.attach(DEVICE_DOC_NAME, deviceDoc)
  let key: DeviceKey
  try {
    key = await loadOrCreateDeviceKey(new IndexedDbKeyStore(), crypto.subtle)
    await deviceStored.loaded
  } catch (error) {
    // The next wake-up starts over; this attempt's connection to the device doc must not stay behind.
    await deviceStored.discard()
    throw error
  }
  const tabs = new BroadcastChannelTransport()
  tabs.connect(DEVICE_DOC_NAME, deviceDoc)
  const kinds = browserKinds()
  const device = deviceDid(key)
  const rooms = new RelayRooms({ url: relayUrl(worker.location), presence: devicePresence(deviceDoc, kinds.runnableOn(HostKind.serviceWorker)) })
  const library = new SpaceLibrary({
    deviceDoc,
    store,
    tabs,
    now: Date.now,
    ...deviceSigning(Promise.resolve(key)),
    ...deviceSealing(indexedDbSealingKeyStore()),
    rooms: () => Promise.resolve(rooms),
    quietMoment: quiet.wait,
  })
  hostWhenElected({
    library,
    deviceDoc,
    device,
    host: HostKind.serviceWorker,
    kinds,
    quiet,
    showNotification: async (request) => {
      if (Notification.permission === 'granted') await worker.registration.showNotification(request.title, notificationOptions(request))
    },
  })
}
