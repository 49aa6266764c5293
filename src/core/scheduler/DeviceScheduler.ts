/**
 * A device's scheduler: the schedules of every space this device holds,
 * run by one host (the service worker, or the tab elected in its place, or
 * the personal node). Per space it keeps the schedule (SpaceSchedule), this
 * device's part in deciding who runs each occurrence (OccurrenceRunner) and
 * the ticking (SchedulerHost); one timer wakes them all at the earliest
 * time any of them asked for.
 *
 * Time and wake-ups come in as ports, so the same code runs in a service
 * worker, a tab, Node and tests.
 */
import type * as Y from 'yjs'
import { HlcClock } from './hlc.ts'
import { DEFAULT_MAX_CONCURRENT_RUNS, type HostKind, type KindRegistry } from './kinds.ts'
import { postFailureNotice } from './notifyKind.ts'
import { OccurrenceRunner } from './OccurrenceRunner.ts'
import type { QueueEntry } from './OccurrenceQueue.ts'
import { SchedulerHost, type SchedulerStats } from './SchedulerHost.ts'
import type { SchedulerId } from './schedulers.ts'
import type { QuietMoments } from './quietMoments.ts'
import { RecordRetention } from './recordRetention.ts'
import { RoomClock } from './roomClock.ts'
import { OPERATIONS, SCHEDULERS, SpaceSchedule } from './SpaceSchedule.ts'
import { OCCURRENCE_RECORDS } from './occurrenceChunks.ts'
import { ACKNOWLEDGEMENTS } from './YjsRunTable.ts'

/** A host's sleep is capped, so a clock that jumps (a laptop waking, a changed time zone) is noticed within this. */
const MAX_SLEEP_MS = 60_000

/** A device present in a space's room, with the kinds its host advertises (CL1). */
export interface PresentPeer {
  readonly device: string
  readonly kinds: readonly string[]
}

export interface ScheduledSpace {
  readonly id: string
  readonly doc: Y.Doc
  /** The devices reachable in the space's room right now (not this one). */
  readonly peers: () => readonly PresentPeer[]
  /** When this device began starting to host the space (opened it, joined its room), by its own clock; when it is added, by default (CU0). */
  readonly startingSince?: number
}

/** The one timer a host needs. */
export interface Timers {
  /** Calls `callback` once after `ms`; returns what cancels it. */
  after(ms: number, callback: () => void): () => void
}

export interface DeviceSchedulerOptions {
  /** This device's did:key: its claims and run records carry it. */
  readonly device: string
  readonly host: HostKind
  readonly kinds: KindRegistry
  /** ms since the epoch. */
  readonly clock: () => number
  readonly timers: Timers
  readonly newId: () => string
  /** A failure of the scheduler's own code (not of a run, which is recorded): reported, and the host carries on. */
  readonly onError?: (error: unknown) => void
  readonly onTick?: (space: string, scheduler: SchedulerId, plannedAt: number, ranAt: number) => void
  /** Told of every planned wake-up, so upkeep in this context waits for a gap instead of delaying a tick. */
  readonly quiet?: QuietMoments
  /** A clock for how long work takes (performance.now): the synchronous work of runs counts against their scheduler's ticks (SCH2). */
  readonly measure?: () => number
}

interface Hosted {
  readonly space: ScheduledSpace
  readonly room: RoomClock
  readonly runner: OccurrenceRunner
  readonly schedule: SpaceSchedule
  readonly host: SchedulerHost
  readonly stopWatching: () => void
}

export class DeviceScheduler {
  private readonly spaces = new Map<string, Hosted>()
  private cancelWake: (() => void) | undefined
  private wakeAt = Number.POSITIVE_INFINITY
  private stopped = false
  private advancing = false

  /** The kinds this device's host can run: fixed for the device, so worked out once. */
  private readonly runnable: ReadonlySet<string>

  constructor(private readonly options: DeviceSchedulerOptions) {
    this.runnable = new Set(options.kinds.runnableOn(options.host))
  }

  /** Starts running the space's schedule on this device. */
  add(space: ScheduledSpace): void {
    if (this.spaces.has(space.id) || this.stopped) return
    const { device, kinds } = this.options
    // The space's schedule runs on room time (CL7): this device's clock, moved to the median of its peers'.
    const room = new RoomClock(this.options.clock, () => space.peers().map((peer) => peer.device))
    const clock = room.now
    const roomCorrection = (): number => room.correction()
    const schedule = new SpaceSchedule({ doc: space.doc, kinds, now: clock, actor: device, newId: this.options.newId, clocks: { physical: this.options.clock, onPeerClock: room.observe } })
    const runnable = this.runnable
    const runner = new OccurrenceRunner({
      peer: device,
      table: schedule.runs,
      hlc: new HlcClock(device, clock),
      clock: this.options.clock,
      roomCorrection,
      capablePeers: (kind) => capablePeers(device, runnable.has(kind), space.peers(), kind),
      execute: (entry, signal) => this.execute(space, entry, signal),
      retryPolicy: (entry) => kinds.get(entry.operation.kind)?.retry,
      onFinalFailure: (entry, record) => postFailureNotice(space.doc, entry.operation, record),
      onChange: () => this.wakeWithin(0),
      maxConcurrent: (entry) => kinds.get(entry.operation.kind)?.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_RUNS,
      // SCH5 holds per device: ten spaces do not make ten backups at once.
      runningOnDevice: (kind) => this.runningOf(kind),
      onRunWork: (entry, ms) => schedulerHost.noteRunWork(entry.operation.id, ms),
      ...(this.options.measure ? { measure: this.options.measure } : {}),
      isCurrent: (entry) => schedule.isCurrent(entry.occurrence, entry.operation.id),
    })
    const onTick = this.options.onTick
    const hostingSince = (space.startingSince ?? this.options.clock()) + room.correction()
    const schedulerHost = new SchedulerHost({ schedule, runner, clock, hostingSince, ...(onTick ? { onTick: (scheduler: SchedulerId, plannedAt: number, ranAt: number) => onTick(space.id, scheduler, plannedAt, ranAt) } : {}) })
    // A change to the schedule (an operation added, a scheduler resumed, a peer's claim, acknowledgement or record) may
    // move the next wake-up earlier; the rest of the space (items typed, notes) cannot.
    const onChange = (): void => this.wakeWithin(0)
    const watched = [SCHEDULERS, OPERATIONS, OCCURRENCE_RECORDS, ACKNOWLEDGEMENTS].map((name) => space.doc.getMap(name))
    // Deep: claims and run records sit in books of chunks (RET2).
    for (const map of watched) map.observeDeep(onChange)
    // RET1: this host moves the progress marks, so it keeps the records they leave behind bounded.
    const retention = new RecordRetention(space.doc, schedule, clock, device)
    const stopWatching = (): void => {
      for (const map of watched) map.unobserveDeep(onChange)
      retention.destroy()
      schedule.destroy()
    }
    this.spaces.set(space.id, { space, room, runner, schedule, host: schedulerHost, stopWatching })
    this.wakeWithin(0)
  }

  /** Stops running the space's schedule here; runs already started finish, unrecorded if the doc is gone. */
  remove(id: string): void {
    const hosted = this.spaces.get(id)
    if (!hosted) return
    hosted.stopWatching()
    this.spaces.delete(id)
  }

  has(id: string): boolean {
    return this.spaces.has(id)
  }

  /** The schedulers panel's figures for each of a space's schedulers, as this host sees them. */
  statsOf(id: string): Map<SchedulerId, SchedulerStats> {
    const hosted = this.spaces.get(id)
    const stats = new Map<SchedulerId, SchedulerStats>()
    for (const scheduler of hosted?.schedule.schedulers() ?? []) stats.set(scheduler.id, hosted!.host.statsOf(scheduler.id))
    return stats
  }

  /** The device's runs of a kind in progress, over every space (SCH5). */
  private runningOf(kind: string): number {
    let running = 0
    for (const { runner } of this.spaces.values()) running += runner.runningOf(kind)
    return running
  }

  /** How far the room time a space's schedule runs on is from this device's clock, ms (CL7); 0 for a space not hosted here. */
  clockCorrectionOf(id: string): number {
    return this.spaces.get(id)?.room.correction() ?? 0
  }

  stop(): void {
    this.stopped = true
    this.cancelWake?.()
    this.options.quiet?.plannedWake(Number.POSITIVE_INFINITY)
    for (const id of [...this.spaces.keys()]) this.remove(id)
  }

  /** Wakes within `ms` unless a wake-up is already due sooner. */
  private wakeWithin(ms: number): void {
    // What an advance writes itself is covered by the wake-up it asks for when it ends.
    if (this.stopped || this.advancing) return
    const at = this.options.clock() + ms
    if (at >= this.wakeAt) return
    this.cancelWake?.()
    this.wakeAt = at
    this.cancelWake = this.options.timers.after(ms, () => this.advance())
    this.options.quiet?.plannedWake(at)
  }

  private advance(): void {
    this.cancelWake = undefined
    this.wakeAt = Number.POSITIVE_INFINITY
    let wakeAt = this.options.clock() + MAX_SLEEP_MS
    this.advancing = true
    try {
      for (const { host, room } of this.spaces.values()) {
        try {
          // The host answers in its space's room time; the timer runs on this device's clock.
          wakeAt = Math.min(wakeAt, host.advance() - room.correction())
        } catch (error) {
          this.options.onError?.(error)
        }
      }
    } finally {
      this.advancing = false
    }
    // Measured now, after this wake-up's work: the next tick is due at its time, not that time plus the work.
    this.wakeWithin(Math.max(0, wakeAt - this.options.clock()))
  }

  private execute(space: ScheduledSpace, entry: QueueEntry, signal: AbortSignal): Promise<string | void> {
    const kind = this.options.kinds.get(entry.operation.kind)
    if (!kind) return Promise.reject(new Error(`This device cannot run "${entry.operation.kind}" operations; update Pii here or let another device run it.`))
    return kind.execute(entry.operation.input, {
      operation: entry.operation,
      occurrence: entry.occurrence,
      idempotencyKey: entry.occurrence.id,
      doc: space.doc,
      peer: this.options.device,
      now: this.options.clock,
      signal,
    })
  }
}

/** CL1: the devices that can run a kind here: this one if its host can, and every present peer advertising it. */
export function capablePeers(device: string, selfCapable: boolean, peers: readonly PresentPeer[], kind: string): string[] {
  const capable = new Set<string>(selfCapable ? [device] : [])
  for (const peer of peers) if (peer.kinds.includes(kind)) capable.add(peer.device)
  return [...capable]
}
