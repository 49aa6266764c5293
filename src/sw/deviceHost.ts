/**
 * Hosts the device's scheduler in this browser context (the service worker,
 * or a tab) while it holds the device's host lock: one host per device, not
 * one per tab (Web Locks elect it; when the holder goes, the next waiter
 * takes over within a task). The hosting itself (every listed space kept
 * open, its schedule run) is core/scheduler/deviceHosting.ts, which the
 * personal node runs too; here it gets the browser's timers and clock, the
 * tabs' statistics channel and the inbox shown as notifications.
 */
import type * as Y from 'yjs'
import type { Timers } from '../core/scheduler/DeviceScheduler.ts'
import { hostDeviceSpaces } from '../core/scheduler/deviceHosting.ts'
import type { HostKind, KindRegistry } from '../core/scheduler/kinds.ts'
import { HOST_STATS_CHANNEL } from '../core/scheduler/hostStats.ts'
import type { QuietMoments } from '../core/scheduler/quietMoments.ts'
import type { SchedulerId } from '../core/scheduler/schedulers.ts'
import type { SpaceLibrary } from '../core/space/SpaceLibrary.ts'
import { HOST_LOCK } from './messages.ts'
import { watchInbox, type ShowNotification } from './inboxNotifications.ts'

export interface DeviceHostDeps {
  readonly library: SpaceLibrary
  readonly deviceDoc: Y.Doc
  /** This device's did:key. */
  readonly device: string
  readonly host: HostKind
  readonly kinds: KindRegistry
  readonly showNotification: ShowNotification
  readonly onTick?: (space: string, scheduler: SchedulerId, plannedAt: number, ranAt: number) => void
  /** Told of the scheduler's wake-ups, so this context's upkeep runs in the gaps between them. */
  readonly quiet?: QuietMoments
}

/** Hosts the scheduler whenever this context is elected; the returned function stops hosting and leaves the election. */
export function hostWhenElected(deps: DeviceHostDeps): () => void {
  let stopHosting: (() => void) | undefined
  let left = false
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (!locks) {
    // No Web Locks (an old browser): the caller has decided this is the one context that hosts (main.tsx: only without a worker).
    stopHosting = startHosting(deps)
    return () => stopHosting?.()
  }
  const abort = new AbortController()
  locks
    .request(HOST_LOCK, { signal: abort.signal }, () => {
      if (left) return undefined
      const stop = startHosting(deps)
      // Held until this context stops hosting (or goes away, which releases it).
      return new Promise<void>((resolve) => {
        stopHosting = () => {
          stop()
          resolve()
        }
      })
    })
    .catch(() => undefined)
  return () => {
    left = true
    abort.abort()
    stopHosting?.()
  }
}

/** Runs the device's scheduler over every listed space until the returned function is called. */
function startHosting(deps: DeviceHostDeps): () => void {
  const timers: Timers = { after: (ms, callback) => cancellable(setTimeout(callback, ms)) }
  const stats = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(HOST_STATS_CHANNEL)
  const hosting = hostDeviceSpaces({
    library: deps.library,
    deviceDoc: deps.deviceDoc,
    device: deps.device,
    host: deps.host,
    kinds: deps.kinds,
    clock: Date.now,
    measure: () => performance.now(),
    timers,
    newId: () => crypto.randomUUID(),
    onError: (error) => console.error('Pii scheduler:', error),
    ...(deps.onTick ? { onTick: deps.onTick } : {}),
    ...(deps.quiet ? { quiet: deps.quiet } : {}),
    ...(stats ? { publishStats: (message) => stats.postMessage(message) } : {}),
    // The device shows each inbox entry addressed to it once, as a system notification (K4, CAP2).
    watchSpace: ({ id, doc }) => watchInbox({ space: id, doc, deviceDoc: deps.deviceDoc, device: deps.device, show: deps.showNotification, timers }),
  })
  return () => {
    hosting.stop()
    stats?.close()
  }
}

function cancellable(timer: ReturnType<typeof setTimeout>): () => void {
  return () => clearTimeout(timer)
}
