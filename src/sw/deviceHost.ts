/**
 * Hosts the device's scheduler in this browser context (the service worker,
 * or a tab) while it holds the device's host lock: one host per device, not
 * one per tab (Web Locks elect it; when the holder goes, the next waiter
 * takes over within a task). The host keeps every space on the device open
 * so their schedules run even when no view shows them.
 */
import type * as Y from 'yjs'
import { DeviceScheduler, type PresentPeer, type Timers } from '../core/scheduler/DeviceScheduler.ts'
import type { HostKind, KindRegistry } from '../core/scheduler/kinds.ts'
import { HOST_STATS_CHANNEL, type HostStatsMessage } from '../core/scheduler/hostStats.ts'
import type { QuietMoments } from '../core/scheduler/quietMoments.ts'
import type { SchedulerId } from '../core/scheduler/schedulers.ts'
import { isDid, publicKeyFromDid } from '../core/identity/didKey.ts'
import type { SpaceId } from '../core/space/ids.ts'
import type { SpaceLibrary, SpaceSession } from '../core/space/SpaceLibrary.ts'
import { listSpaces, observeSpaceList } from '../core/space/spaceList.ts'
import { HOST_LOCK } from './messages.ts'
import { watchInbox, type ShowNotification } from './inboxNotifications.ts'

/** Often enough for a panel a person watches; rarer than a 100 ms scheduler's ticks. */
const STATS_EVERY_MS = 1_000
/**
 * How long after joining a space's room its schedule starts here (SPEC H5):
 * long enough to hear the connected peers' claims and runs (a browser takes
 * its relay peers on after 3 s), so a host starting from a stale copy (a
 * worker waking, a tab taking over) does not run again what another device
 * just ran.
 */
const JOIN_GRACE_MS = 5_000

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

interface HostedSession {
  readonly session: SpaceSession
  stop(): void
}

/** Runs the device's scheduler over every listed space until the returned function is called. */
function startHosting(deps: DeviceHostDeps): () => void {
  const timers: Timers = { after: (ms, callback) => cancellable(setTimeout(callback, ms)) }
  const scheduler = new DeviceScheduler({
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
  })
  const hosted = new Map<SpaceId, HostedSession>()
  const follow = (): void => {
    const listed = new Set(listSpaces(deps.deviceDoc).map((entry) => entry.id))
    for (const id of listed) if (!hosted.has(id)) hosted.set(id, host(id))
    for (const [id, space] of hosted) {
      if (listed.has(id)) continue
      space.stop()
      hosted.delete(id)
    }
  }
  const host = (id: SpaceId): HostedSession => {
    const session = deps.library.openSpace(id)
    // Occurrences due from now, while the space opens and its room is heard, are late when the schedule starts, not missed (CU0).
    const startingSince = Date.now()
    let peers: readonly PresentPeer[] = []
    let stopped = false
    const stops: Array<() => void> = []
    let started = false
    const start = (): void => {
      if (stopped || session.removed || started) return
      started = true
      stops.push(watchInbox({ space: id, doc: session.doc, deviceDoc: deps.deviceDoc, device: deps.device, show: deps.showNotification, timers }))
    }
    session.sync
      .then(({ room, membership }) => {
        if (stopped) return
        // Only a device whose changes count hosts the schedule, and only such peers are counted on to (MEMBERSHIP.md M7):
        // a viewer's claims would be refused everywhere. Followed as roles change.
        const me = publicKeyFromDid(deps.device)
        let hosting = false
        const followRole = (): void => {
          const writes = membership.writes(me)
          if (writes === hosting || !started) return
          hosting = writes
          if (writes) scheduler.add({ id, doc: session.doc, peers: () => peers, startingSince })
          else scheduler.remove(id)
        }
        stops.push(membership.onChange(followRole))
        const begin = (): void => {
          start()
          followRole()
        }
        if (!room) return begin()
        const read = (): void => {
          peers = room.status.peers.filter((peer) => peer.device !== deps.device && isDid(peer.device) && membership.writes(publicKeyFromDid(peer.device)))
        }
        read()
        stops.push(room.onStatus(read), membership.onChange(read))
        const grace = setTimeout(begin, JOIN_GRACE_MS)
        stops.push(() => clearTimeout(grace))
      })
      // A space whose sync cannot start (deleted meanwhile, or a failure the space's view reports) is not run here.
      .catch(() => undefined)
    return {
      session,
      stop: () => {
        stopped = true
        scheduler.remove(id)
        for (const stop of stops) stop()
        session.release()
      },
    }
  }
  const stopFollowing = observeSpaceList(deps.deviceDoc, follow)
  // A space whose content was rebuilt is hosted again, from its new copy.
  const stopReplacing = deps.library.onReplaced((id) => {
    const space = hosted.get(id)
    if (!space) return
    space.stop()
    hosted.set(id, host(id))
  })
  follow()

  const stats = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(HOST_STATS_CHANNEL)
  const publish = (): void => {
    const spaces: HostStatsMessage['spaces'] = {}
    const clockCorrections: Record<string, number> = {}
    for (const id of hosted.keys()) {
      spaces[id] = Object.fromEntries(scheduler.statsOf(id))
      clockCorrections[id] = scheduler.clockCorrectionOf(id)
    }
    stats?.postMessage({ type: 'scheduler-stats', host: deps.host, spaces, clockCorrections } satisfies HostStatsMessage)
  }
  const publishing = setInterval(publish, STATS_EVERY_MS)
  return () => {
    clearInterval(publishing)
    stats?.close()
    stopFollowing()
    stopReplacing()
    scheduler.stop()
    for (const space of hosted.values()) space.stop()
    hosted.clear()
  }
}

function cancellable(timer: ReturnType<typeof setTimeout>): () => void {
  return () => clearTimeout(timer)
}
