/**
 * Runs a device's scheduler over every space listed in its device doc, in
 * whatever runtime hosts it: the service worker or an elected tab
 * (src/sw/deviceHost.ts, which adds the Web Locks election) and the
 * personal node (src/node/NodeDevice.ts). Each listed space is opened and
 * kept open while listed, so its schedule runs whether or not anything
 * shows it; its schedule starts JOIN_GRACE_MS after its room is joined, and
 * only while this device's role writes (MEMBERSHIP.md M7).
 *
 * Time, timers, ids, errors, statistics and what a runtime does per space
 * (a browser shows the inbox as notifications) come in as ports, so the
 * loop is the same everywhere and no runtime's globals are touched here.
 */
import type * as Y from 'yjs'
import { isDid, publicKeyFromDid } from '../identity/didKey.ts'
import type { SpaceId } from '../space/ids.ts'
import type { SpaceLibrary, SpaceSession, SpaceSync } from '../space/SpaceLibrary.ts'
import { listSpaces, observeSpaceList } from '../space/spaceList.ts'
import { DeviceScheduler, type PresentPeer, type Timers } from './DeviceScheduler.ts'
import type { HostStatsMessage } from './hostStats.ts'
import type { HostKind, KindRegistry } from './kinds.ts'
import type { QuietMoments } from './quietMoments.ts'
import type { SchedulerId } from './schedulers.ts'

/** Often enough for a panel a person watches; rarer than a 100 ms scheduler's ticks. */
export const STATS_EVERY_MS = 1_000
/**
 * How long after joining a space's room its schedule starts here (SPEC H5):
 * long enough to hear the connected peers' claims and runs (a browser takes
 * its relay peers on after 3 s), so a host starting from a stale copy (a
 * worker waking, a tab taking over, a node restarted after a crash) does
 * not run again what another device just ran.
 */
export const JOIN_GRACE_MS = 5_000

export interface DeviceHostingDeps {
  readonly library: SpaceLibrary
  readonly deviceDoc: Y.Doc
  /** This device's did:key. */
  readonly device: string
  readonly host: HostKind
  readonly kinds: KindRegistry
  /** ms since the epoch. */
  readonly clock: () => number
  /** How long work takes (performance.now): runs' synchronous work counts against their scheduler's ticks (SCH2). */
  readonly measure?: () => number
  /** The host's one kind of timer: the scheduler's wake-ups, the join grace, the statistics. */
  readonly timers: Timers
  readonly newId: () => string
  /** A failure of the scheduler's own code (a run's is recorded): reported, and hosting goes on. */
  readonly onError: (error: unknown) => void
  readonly onTick?: (space: string, scheduler: SchedulerId, plannedAt: number, ranAt: number) => void
  /** Told of the scheduler's wake-ups, so this context's upkeep runs in the gaps between them. */
  readonly quiet?: QuietMoments
  /** Given the figures every STATS_EVERY_MS (a browser posts them to its tabs' schedulers panels). */
  readonly publishStats?: (message: HostStatsMessage) => void
  /**
   * Called once per space when its schedule starts here (whatever this
   * device's role: a viewer's device still shows reminders); returns what
   * stops it. A browser shows the space's inbox as notifications.
   */
  readonly watchSpace?: (space: { readonly id: SpaceId; readonly doc: Y.Doc }) => () => void
  /**
   * Called as a space's sync starts; its schedule starts once this resolves
   * too (and the grace is over). The node waits here for the space's log to
   * be loaded from disk and checked, since it rebuilds the space's content
   * from it (NodeSpaceStore): a schedule started earlier would not see its
   * own run records.
   */
  readonly prepare?: (space: { readonly id: SpaceId; readonly session: SpaceSession; readonly sync: SpaceSync }) => Promise<void>
  /** Told when a space's schedule starts or stops running here (its role changed, or it was removed). */
  readonly onScheduling?: (space: SpaceId, running: boolean) => void
  /** JOIN_GRACE_MS by default (tests and benchmarks shorten it). */
  readonly joinGraceMs?: number
}

export interface DeviceHosting {
  /** The figures the schedulers panel shows, for every space opened here (HostStatsMessage). */
  stats(): HostStatsMessage
  /** The spaces whose schedule runs here now (opened, past the grace, and this device's role writes). */
  scheduling(): SpaceId[]
  /** Stops the scheduler and releases every space. */
  stop(): void
}

interface HostedSession {
  readonly session: SpaceSession
  stop(): void
}

/** Runs the device's scheduler over every listed space until `stop` is called. */
export function hostDeviceSpaces(deps: DeviceHostingDeps): DeviceHosting {
  const { timers, clock } = deps
  const scheduler = new DeviceScheduler({
    device: deps.device,
    host: deps.host,
    kinds: deps.kinds,
    clock,
    timers,
    newId: deps.newId,
    onError: deps.onError,
    ...(deps.measure ? { measure: deps.measure } : {}),
    ...(deps.onTick ? { onTick: deps.onTick } : {}),
    ...(deps.quiet ? { quiet: deps.quiet } : {}),
  })
  const graceMs = deps.joinGraceMs ?? JOIN_GRACE_MS
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
    const startingSince = clock()
    let peers: readonly PresentPeer[] = []
    let stopped = false
    const stops: Array<() => void> = []
    let started = false
    const start = (): void => {
      if (stopped || session.removed || started) return
      started = true
      if (deps.watchSpace) stops.push(deps.watchSpace({ id, doc: session.doc }))
    }
    session.sync
      .then((sync) => {
        const { room, membership } = sync
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
          deps.onScheduling?.(id, writes)
        }
        stops.push(membership.onChange(followRole))
        const prepared = deps.prepare?.({ id, session, sync })
        const go = (): void => {
          start()
          followRole()
        }
        const begin = (): void => {
          if (prepared) prepared.then(go, deps.onError)
          else go()
        }
        if (!room) return begin()
        const read = (): void => {
          peers = room.status.peers.filter((peer) => peer.device !== deps.device && isDid(peer.device) && membership.writes(publicKeyFromDid(peer.device)))
        }
        read()
        stops.push(room.onStatus(read), membership.onChange(read))
        stops.push(timers.after(graceMs, begin))
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

  const stats = (): HostStatsMessage => {
    const spaces: HostStatsMessage['spaces'] = {}
    const clockCorrections: Record<string, number> = {}
    for (const id of hosted.keys()) {
      spaces[id] = Object.fromEntries(scheduler.statsOf(id))
      clockCorrections[id] = scheduler.clockCorrectionOf(id)
    }
    return { type: 'scheduler-stats', host: deps.host, spaces, clockCorrections }
  }
  let cancelPublish: (() => void) | undefined
  const publish = (): void => {
    deps.publishStats?.(stats())
    cancelPublish = timers.after(STATS_EVERY_MS, publish)
  }
  if (deps.publishStats) cancelPublish = timers.after(STATS_EVERY_MS, publish)
  let stoppedAll = false
  return {
    stats,
    scheduling: () => [...hosted.keys()].filter((id) => scheduler.has(id)),
    stop: () => {
      if (stoppedAll) return
      stoppedAll = true
      cancelPublish?.()
      stopFollowing()
      stopReplacing()
      scheduler.stop()
      for (const space of hosted.values()) space.stop()
      hosted.clear()
    },
  }
}
