import { createContext, useContext } from 'react'
import type * as Y from 'yjs'
import type { Did } from '../core/identity/didKey.ts'
import type { SignedPushSubscription } from '../core/devices/homePush.ts'
import type { HostStatsMessage } from '../core/scheduler/hostStats.ts'
import type { KindRegistry } from '../core/scheduler/kinds.ts'
import type { DeviceLinking } from '../core/devices/DeviceLinking.ts'
import type { SpaceLibrary } from '../core/space/SpaceLibrary.ts'

/** What the composition root (main.tsx) hands the UI: built once, never swapped. */
export interface AppServices {
  readonly deviceDoc: Y.Doc
  readonly library: SpaceLibrary
  readonly device: { readonly did: Did; readonly keyKind: 'webcrypto' | 'noble' }
  /** The scheduler kinds this device runs: what an operation may ask for. Loaded with the scheduler's code, on first use. */
  readonly kinds: () => Promise<KindRegistry>
  /** The figures the device's scheduler host last published (it may run in another tab or the service worker). */
  readonly hostStats: HostStatsFeed
  /** Pairs this device with the person's others, and unlinks a lost one. Loaded on first use: most visits pair nothing. */
  readonly linking: () => Promise<DeviceLinking>
  /** Web Push on this browser, with the personal node's VAPID key: the record to publish in the home space. */
  readonly push: { readonly subscribe: (vapidKey: string) => Promise<SignedPushSubscription> }
  /** Activates the waiting app version and reloads. */
  readonly applyUpdate: () => void
}

export interface HostStatsFeed {
  readonly current: () => HostStatsMessage | undefined
  /** Calls `listener` at each new message; returns what unsubscribes it. */
  readonly subscribe: (listener: () => void) => () => void
}

export const ServicesContext = createContext<AppServices | undefined>(undefined)

export function useServices(): AppServices {
  const services = useContext(ServicesContext)
  if (!services) throw new Error('useServices must be used inside <ServicesContext.Provider>.')
  return services
}
