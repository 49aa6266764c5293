/**
 * The personal node as a keyed device of its spaces: it holds their
 * secrets, reads them, and runs their schedules with the same claims and
 * guarantees as any browser (SPEC G1–G3), so it is the scheduler of record
 * while every browser sleeps. Its spaces are those listed in its own device
 * doc (`pii-device`, the same list a browser keeps: spaceList.ts), opened
 * by the same SpaceLibrary a browser uses, and hosted by the same loop
 * (core/scheduler/deviceHosting.ts) on Node's timers.
 *
 * It shares the node's process, LevelDB database and device key with the
 * blind replicas (PersonalNode); a space is kept one way or the other. Its
 * spaces' content lives in memory, rebuilt from their logs on disk
 * (NodeSpaceStore), and its rooms hold back what the node says until
 * LevelDB has it (DurableRooms): after a `kill -9` the node holds exactly
 * what it told anyone.
 */
import { randomUUID } from 'node:crypto'
import * as Y from 'yjs'
import { signWith, verifySignature, type DeviceKey, deviceDid } from '../core/identity/deviceKey.ts'
import { readDisplayName, setDisplayName } from '../core/identity/profile.ts'
import type { SealingKey } from '../core/identity/sealingKey.ts'
import { memberOfDevice } from '../core/members/resolveMembership.ts'
import type { Role } from '../core/members/roles.ts'
import type { Timers } from '../core/scheduler/DeviceScheduler.ts'
import { hostDeviceSpaces, type DeviceHosting } from '../core/scheduler/deviceHosting.ts'
import { HostKind, KindRegistry, type Kind } from '../core/scheduler/kinds.ts'
import { QuietMoments } from '../core/scheduler/quietMoments.ts'
import type { SpaceId } from '../core/space/ids.ts'
import { SpaceLibrary, spaceLogName, type SpaceSync } from '../core/space/SpaceLibrary.ts'
import type { RoomConnector } from '../core/space/SpaceRoom.ts'
import { parseShareFragment, ShareLinkError } from '../core/space/shareLink.ts'
import { transportEnvelopes } from '../core/space/SignedLog.ts'
import { DEVICE_DOC_NAME, findSpace, listSpaces } from '../core/space/spaceList.ts'
import type { LevelDbDocStore, LevelStoredDoc } from '../storage/LevelDbDocStore.ts'
import { relayUrl } from '../sync/relayUrl.ts'
import { DurableRooms } from './DurableRooms.ts'
import { NodeInputError } from './nodeErrors.ts'
import type { NodeHttpOptions } from './nodeHttp.ts'
import { nodeKinds, type NodeNotification } from './nodeKinds.ts'
import type { NodeLog } from './nodeLog.ts'
import { NodeSpaceStore } from './NodeSpaceStore.ts'
import { NodePairing } from './nodePairing.ts'
import { syncHome } from '../core/devices/HomeSync.ts'
import { forgetRelay, putRelay, relayOf, SpaceRelays } from './spaceRelays.ts'

export interface NodeDeviceOptions {
  /** The data folder (schedule backups go in it). */
  readonly folder: string
  /** The node's display name: what members see. */
  readonly name: string
  /** The node's database, shared with its blind replicas. */
  readonly store: LevelDbDocStore
  readonly key: DeviceKey
  readonly sealing: SealingKey
  readonly log: NodeLog
  /** False: the list only (the CLI on a folder no node runs on): no rooms, no schedule. */
  readonly network: boolean
  /** A relay's rooms for the keyed spaces, advertising `kinds` (WebRTC through that relay, by default: PersonalNode's). */
  readonly rooms: (relay: string, kinds: readonly string[]) => RoomConnector
  /** The relay of spaces listed without one (PII_RELAY_URL). */
  readonly defaultRelay?: string
  readonly http: NodeHttpOptions
  /** Told of each reminder the node's runs write (Web Push fan-out plugs in here). */
  readonly onNotify?: (notification: NodeNotification) => void
  readonly clock?: () => number
  /** The schedule's wake-ups (Node's setTimeout by default). */
  readonly timers?: Timers
  /** How long after joining a space's room its schedule starts (JOIN_GRACE_MS by default). */
  readonly joinGraceMs?: number
  readonly onTick?: (space: string, scheduler: string, plannedAt: number, ranAt: number) => void
}

/** What `spaces` says of a space the node holds keyed. */
export interface KeyedSpaceSummary {
  readonly space: SpaceId
  readonly kept: 'keyed'
  readonly name: string
  readonly relay: string | undefined
  /** Its role in the space; undefined until a member's device brings the invite and the node's accept counts. */
  readonly role: Role | undefined
  readonly admitted: boolean
  /** Whether its schedule runs here now (admitted with a role that writes, and past the join grace). */
  readonly scheduling: boolean
  readonly envelopes: number
  readonly peers: number
}

/** The node's scheduler, for /metrics. */
export interface SchedulerFigures {
  /** Spaces whose schedule runs here. */
  readonly spaces: number
  /** Occurrences this node ran that succeeded. */
  readonly runsPerformed: number
  /** Attempts that failed (a retried failure counts each time). */
  readonly runsFailed: number
  /** Occurrences this node's ticks skipped by their catch-up policy (CU1–CU3, CAP3). */
  readonly runsSkipped: number
  /** Tick lateness over the recent ticks of the worst of its schedulers, ms (SchedulerHost). */
  readonly lateness: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number }
}

/** Node's timers as the scheduler's port. */
export const nodeTimers: Timers = {
  after: (ms, callback) => {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  },
}

interface RunCounts {
  performed: number
  failed: number
}

export class NodeDevice {
  private readonly syncs = new Map<SpaceId, SpaceSync>()
  private hosting: DeviceHosting | undefined
  private stopHome: (() => void) | undefined
  /** Linking the node to its person ("Add a device" on one of theirs, `link` here). */
  readonly pairing: NodePairing

  private constructor(
    private readonly options: NodeDeviceOptions,
    readonly deviceDoc: Y.Doc,
    private readonly storedDeviceDoc: LevelStoredDoc,
    private readonly spaceStore: NodeSpaceStore,
    readonly library: SpaceLibrary,
    private readonly kinds: KindRegistry,
    private readonly counted: RunCounts,
  ) {
    this.pairing = new NodePairing({ library, deviceDoc, key: options.key, sealing: options.sealing, name: options.name, now: options.clock ?? Date.now, saved: () => storedDeviceDoc.saved() })
  }

  static async open(options: NodeDeviceOptions): Promise<NodeDevice> {
    const deviceDoc = new Y.Doc()
    const storedDeviceDoc = options.store.attach(DEVICE_DOC_NAME, deviceDoc)
    await storedDeviceDoc.loaded
    // The name the node is admitted under and shown in rooms by (PII_NODE_NAME), as a browser's is its display name.
    if (readDisplayName(deviceDoc) !== options.name) setDisplayName(deviceDoc, options.name)
    const spaceStore = new NodeSpaceStore(options.store)
    const clock = options.clock ?? Date.now
    const quiet = new QuietMoments(clock)
    const spaceOf = (doc: Y.Doc): SpaceId | undefined => listSpaces(deviceDoc).find((entry) => library.loadedSession(entry.id)?.doc === doc)?.id
    const counted: RunCounts = { performed: 0, failed: 0 }
    const kinds = countingKinds(nodeKinds({ folder: options.folder, http: options.http, spaceOf, ...(options.onNotify ? { onNotify: options.onNotify } : {}) }), counted)
    const warned = new Set<SpaceId>()
    const noRelay = (space: SpaceId): void => {
      if (warned.has(space)) return
      warned.add(space)
      options.log.warn('a keyed space has no relay to reach its peers through; set PII_RELAY_URL', { space })
    }
    const rooms = options.network
      ? new DurableRooms(new SpaceRelays(deviceDoc, (relay) => options.rooms(relay, kinds.runnableOn(HostKind.node)), options.defaultRelay, noRelay), (doc) => spaceStore.storedOf(doc))
      : undefined
    const author = { publicKey: options.key.publicKey, sign: (message: Uint8Array) => signWith(options.key, crypto.subtle, message) }
    const library = new SpaceLibrary({
      deviceDoc,
      store: spaceStore,
      // One process, one copy of each space: no tabs to keep in step.
      tabs: { connect: () => ({ close: () => undefined }) },
      now: clock,
      author: Promise.resolve(author),
      verify: (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message),
      digest: async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)),
      ...(rooms ? { rooms: () => Promise.resolve(rooms) } : {}),
      quietMoment: quiet.wait,
      sealing: Promise.resolve(options.sealing),
      subtle: crypto.subtle,
    })
    const device = new NodeDevice(options, deviceDoc, storedDeviceDoc, spaceStore, library, kinds, counted)
    if (options.network) {
      device.host(clock, quiet)
      // Once linked, every space of its person's comes through their home space, and is kept keyed here.
      device.stopHome = syncHome({ library, deviceDoc, now: clock, followName: false })
    }
    return device
  }

  get did(): string {
    return deviceDid(this.options.key)
  }

  private host(clock: () => number, quiet: QuietMoments): void {
    const { log } = this.options
    this.hosting = hostDeviceSpaces({
      library: this.library,
      deviceDoc: this.deviceDoc,
      device: this.did,
      host: HostKind.node,
      kinds: this.kinds,
      clock,
      measure: () => performance.now(),
      timers: this.options.timers ?? nodeTimers,
      newId: () => randomUUID(),
      onError: (error) => log.warn('the scheduler failed; it goes on', { error: error instanceof Error ? error.message : String(error) }),
      quiet,
      ...(this.options.onTick ? { onTick: this.options.onTick } : {}),
      ...(this.options.joinGraceMs === undefined ? {} : { joinGraceMs: this.options.joinGraceMs }),
      prepare: async ({ id, sync }) => {
        this.syncs.set(id, sync)
        // The content is rebuilt from the log (NodeSpaceStore): the schedule starts once what the disk held is in it and checked.
        await this.spaceStore.storedNamed(spaceLogName(id))?.loaded
        await sync.log.settled()
      },
      onScheduling: (space, running) => log.info(running ? 'running a space’s schedule' : 'stopped running a space’s schedule (its role here does not write)', { space }),
    })
  }

  /** Whether the node holds the space keyed. */
  has(space: SpaceId): boolean {
    return this.library.has(space)
  }

  /**
   * Joins a space with an ordinary member's share link, as a browser does
   * when its person clicks Join: the space is listed (with its secret and
   * the link's invite), and the node asks to be admitted as soon as a
   * member's device is in the room. Resolves once the listing is on disk.
   */
  async join(link: string): Promise<KeyedSpaceSummary> {
    const { space, secret, invite, relay } = joinLinkOf(link)
    if (this.library.has(space)) return this.summaryOf(space)
    putRelay(this.deviceDoc, space, relay)
    this.library.addShared(space, secret, invite)
    await this.storedDeviceDoc.saved()
    this.options.log.info('joined a space', { space, relay })
    return this.summaryOf(space)
  }

  /** Leaves a space on this node: its listing, its log, its schedule here. Its members keep theirs (and this node stays in its member list until removed there). */
  async remove(space: SpaceId): Promise<boolean> {
    if (!this.library.has(space)) return false
    await this.library.remove(space)
    forgetRelay(this.deviceDoc, space)
    this.syncs.delete(space)
    await this.storedDeviceDoc.saved()
    this.options.log.info('left a space', { space })
    return true
  }

  /** The spaces it holds keyed, each with when it was listed here (a backup's age counts from then until its first). */
  listed(): Array<{ readonly space: SpaceId; readonly since: number }> {
    return listSpaces(this.deviceDoc).map((entry) => ({ space: entry.id, since: entry.createdAt }))
  }

  /** The space's signed log as written here (its transport doc, as one update: envelopes, encrypted); undefined if the node holds no such space. */
  async writtenLog(space: SpaceId): Promise<Uint8Array | undefined> {
    if (!this.library.has(space)) return undefined
    return this.spaceStore.written(spaceLogName(space))
  }

  /**
   * Merges `log` (a backup's: a transport doc as one update) into the
   * space's log, through the library's own copy of the space (opened for the
   * while if no one holds it): a second copy writing the same rows would
   * overwrite the first's. The signed log checks every envelope it brings as
   * it checks a peer's. Its list entry (its secret) is not touched. Resolves
   * with how many envelopes the log holds, once written; undefined if the
   * node holds no such space.
   */
  async mergeLog(space: SpaceId, log: Uint8Array): Promise<number | undefined> {
    if (!this.library.has(space)) return undefined
    const session = this.library.openSpace(space)
    try {
      const sync = await session.sync
      const name = spaceLogName(space)
      const stored = this.spaceStore.storedNamed(name)
      const transport = this.spaceStore.docNamed(name)
      if (!stored || !transport) return undefined
      await stored.loaded
      Y.applyUpdate(transport, log)
      await sync.log.settled()
      await stored.saved()
      // What the log holds: envelopes waiting for a key or a membership statement are admitted as those arrive (in `spaces` then).
      return transportEnvelopes(transport).length
    } finally {
      session.release()
    }
  }

  spaces(): KeyedSpaceSummary[] {
    return listSpaces(this.deviceDoc).map((entry) => this.summaryOf(entry.id))
  }

  private summaryOf(space: SpaceId): KeyedSpaceSummary {
    const entry = findSpace(this.deviceDoc, space)
    const sync = this.syncs.get(space)
    const role = sync && memberOfDevice(sync.membership.state, this.options.key.publicKey)?.role
    let envelopes = 0
    for (const count of sync?.log.log.authorCounts().values() ?? []) envelopes += count
    return {
      space,
      kept: 'keyed',
      name: entry?.name ?? '',
      relay: relayOf(this.deviceDoc, space) ?? this.options.defaultRelay,
      role,
      admitted: role !== undefined,
      scheduling: this.hosting?.scheduling().includes(space) ?? false,
      envelopes,
      peers: sync?.room?.status.peers.length ?? 0,
    }
  }

  /** The scheduler's figures for /metrics. */
  figures(): SchedulerFigures {
    const stats = this.hosting?.stats()
    let skipped = 0
    const lateness = { p50Ms: 0, p99Ms: 0, maxMs: 0 }
    for (const schedulers of Object.values(stats?.spaces ?? {})) {
      for (const figures of Object.values(schedulers)) {
        skipped += figures.skipped
        if (figures.tickLate.samples === 0) continue
        lateness.p50Ms = Math.max(lateness.p50Ms, figures.tickLate.p50Ms)
        lateness.p99Ms = Math.max(lateness.p99Ms, figures.tickLate.p99Ms)
        lateness.maxMs = Math.max(lateness.maxMs, figures.tickLate.maxMs)
      }
    }
    return { spaces: this.hosting?.scheduling().length ?? 0, runsPerformed: this.counted.performed, runsFailed: this.counted.failed, runsSkipped: skipped, lateness }
  }

  /** Stops the schedule, leaves every room, and writes everything held. */
  async stop(): Promise<void> {
    this.pairing.stop()
    this.stopHome?.()
    this.hosting?.stop()
    this.hosting = undefined
    await this.spaceStore.closeAll()
    await this.storedDeviceDoc.close()
  }
}

/** Every kind, counting what its runs on this node did (performed, failed) for /metrics. */
function countingKinds(kinds: KindRegistry, counted: RunCounts): KindRegistry {
  const wrapped = [...kinds.names()].map((name): Kind => {
    const kind = kinds.get(name)!
    return {
      ...kind,
      // Not async: the kind's synchronous work must stay inside this call, where the runner measures it (SCH2).
      execute: (input, context) =>
        kind.execute(input, context).then(
          (note) => {
            counted.performed++
            return note
          },
          (error: unknown) => {
            counted.failed++
            throw error
          },
        ),
    }
  })
  return new KindRegistry(wrapped)
}

/** The space, secret, invite and relay of a member's share link, with a sentence a person can act on when it is wrong. */
export function joinLinkOf(link: string): { readonly space: SpaceId; readonly secret: ReturnType<typeof parseShareFragment>['secret']; readonly invite: string | undefined; readonly relay: string } {
  let url: URL
  try {
    url = new URL(link.trim())
  } catch {
    throw new NodeInputError(`"${link}" is not a link. Copy the whole link that Share shows ("Can edit").`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NodeInputError(`A share link starts with https:// or http://; this one starts with ${url.protocol}.`)
  if (url.hash.startsWith('#/r/')) throw new NodeInputError('This is a replica link: the node would keep the space blind and could not run its schedule. Use `replicate` for it, or ask for a "Can edit" link to join.')
  try {
    const { space, secret, invite } = parseShareFragment(url.hash)
    return { space, secret, invite, relay: relayUrl(url) }
  } catch (error) {
    if (error instanceof ShareLinkError) throw new NodeInputError(error.message)
    throw error
  }
}
