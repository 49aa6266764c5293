/**
 * The personal node: a Node process that is one of the person's devices,
 * always on. It keeps its data in a folder (PII_DATA): its keys, and a
 * LevelDB database with every space it keeps and its own docs. It keeps a
 * space one of two ways, under one device key:
 *   - as a blind replica (replica links): it stores and serves the space's
 *     signed log, encrypted, so a newcomer can join while every browser is
 *     closed, and it never can read it;
 *   - keyed (member links, and soon the person's home space): as any of the
 *     person's devices, it reads the space and runs its schedule, as the
 *     scheduler of record while every browser sleeps (NodeDevice).
 *
 * Sync is the browsers' own: y-webrtc over @roamhq/wrtc, framed as in the
 * browser, with the relay fallback, through the relay of each link's origin.
 */
import { chmod, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { deviceDid, signWith, verifySignature, type DeviceKey } from '../core/identity/deviceKey.ts'
import type { Did } from '../core/identity/didKey.ts'
import type { SealingKey } from '../core/identity/sealingKey.ts'
import { deviceAckLedger } from '../core/space/acknowledgements.ts'
import { BlindReplica } from '../core/space/BlindReplica.ts'
import type { SpaceId } from '../core/space/ids.ts'
import { spaceLogName } from '../core/space/SpaceLibrary.ts'
import type { RoomConnector } from '../core/space/SpaceRoom.ts'
import { parseReplicaFragment, ShareLinkError } from '../core/space/shareLink.ts'
import { transportEnvelopes } from '../core/space/SignedLog.ts'
import { LevelDbDocStore, type LevelStoredDoc } from '../storage/LevelDbDocStore.ts'
import { relayUrl } from '../sync/relayUrl.ts'
import { WebrtcRooms } from '../sync/WebrtcRooms.ts'
import { FileKeyStore } from './FileKeyStore.ts'
import { NodePush } from './nodePush.ts'
import { loadOrCreateVapidKeys } from './vapidKeys.ts'
import { PushSender } from './webPush.ts'
import { joinLinkOf, NodeDevice, type KeyedSpaceSummary, type SchedulerFigures } from './NodeDevice.ts'
import { NodeInputError } from './nodeErrors.ts'
import type { NodeHttpOptions } from './nodeHttp.ts'
import type { NodeNotification } from './nodeKinds.ts'
import type { NodeLog } from './nodeLog.ts'
import { framedNodeWebRtc } from './nodeWebRtc.ts'
import { findReplica, listReplicas, NODE_DOC_NAME, putReplica, removeReplica, type NodeReplica } from './replicaRecords.ts'
import { loadOrCreateSealingKeyFile } from './sealingKeyFile.ts'
import type { BackupEntry, BackupStore } from './backupStore.ts'
import { BackedUpLogs, encodeKeyedBackup, encodeReplicaBackup, readSpaceBackup, type BackupRound, type BackupSigner, type NamedBackupStore } from './replicaBackups.ts'

export { NodeInputError, type BackupRound, type NodeLog }

export interface PersonalNodeOptions {
  /** The data folder: keys and database. */
  readonly folder: string
  /** The name members see for this node. */
  readonly name: string
  readonly log: NodeLog
  /** False: open the data to read or change it, without joining any room (the CLI, with no node running). */
  readonly network?: boolean
  /** Rooms for a relay URL; WebRTC through that relay, by default (the keyed spaces' advertising the kinds the node runs). */
  readonly rooms?: (relay: string) => RoomConnector
  readonly now?: () => number
  /** Where backups go (the data folder's, S3's), and how often each changed space is backed up (0: only when asked). */
  readonly backups?: { readonly stores: readonly NamedBackupStore[]; readonly everyMs: number }
  /** The http kind's address fence (PII_HTTP_ALLOW_PRIVATE lifts it); fenced by default. */
  readonly http?: NodeHttpOptions
  /** The relay of keyed spaces listed without one (PII_RELAY_URL). */
  readonly defaultRelay?: string
  /** Told of each reminder the node's runs write (Web Push fan-out plugs in here). */
  readonly onNotify?: (notification: NodeNotification) => void
  /** Web Push to the person's browsers: the contact push services are given (PII_PUSH_CONTACT), and, for tests' local push service, loopback http. */
  readonly push?: { readonly contact?: string; readonly allowLoopback?: boolean }
  /** How long after joining a keyed space's room its schedule starts (JOIN_GRACE_MS by default; tests shorten it). */
  readonly joinGraceMs?: number
  /** Told of every scheduler tick of the keyed spaces, with when it was planned and when it ran (bench:ticks reads these). */
  readonly onTick?: (space: string, scheduler: string, plannedAt: number, ranAt: number) => void
}

/** What `spaces` says of one space kept as a blind replica. */
export interface ReplicaSummary {
  readonly space: SpaceId
  readonly kept: 'blind'
  readonly relay: string
  readonly epoch: number
  /** False until a member's device brings the invite and the node's accept counts. */
  readonly admitted: boolean
  readonly envelopes: number
  readonly peers: number
}

/** What `spaces` says of one space: kept blind, or keyed (NodeDevice). */
export type SpaceSummary = ReplicaSummary | KeyedSpaceSummary

/** After start, the first backup round waits this long (or the interval, if shorter), for the rooms to catch up first. */
const FIRST_BACKUP_AFTER_MS = 5 * 60_000

export class PersonalNode {
  private readonly replicas = new Map<SpaceId, BlindReplica>()
  private readonly roomsByRelay = new Map<string, RoomConnector>()
  private readonly backedUp: BackedUpLogs
  private backupTimer: ReturnType<typeof setInterval> | undefined
  private firstBackup: ReturnType<typeof setTimeout> | undefined
  private backingUp: Promise<BackupRound> | undefined
  private stopped = false

  private constructor(
    private readonly options: PersonalNodeOptions,
    private readonly store: LevelDbDocStore,
    private readonly nodeDoc: Y.Doc,
    private readonly storedNodeDoc: LevelStoredDoc,
    private readonly key: DeviceKey,
    private readonly sealing: SealingKey,
    /** The node as a keyed device of the spaces it was given member links to: their schedules run here. */
    readonly keyed: NodeDevice,
    private readonly push: NodePush | undefined,
  ) {
    this.backedUp = new BackedUpLogs(options.backups?.stores ?? [], options.log)
  }

  static async open(options: PersonalNodeOptions): Promise<PersonalNode> {
    // y-webrtc reaches its signaling server through the global WebSocket, which Node 20 lacks.
    ;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket
    // Its owner's alone: it holds the keys, the database and the control socket (whose own mode is set only once it exists).
    await mkdir(options.folder, { recursive: true, mode: 0o700 })
    // Also when it existed already: LevelDB's files follow the umask, which often lets every user of the machine read.
    await chmod(options.folder, 0o700)
    const [key, sealing] = await Promise.all([new FileKeyStore(options.folder).loadOrCreate(), loadOrCreateSealingKeyFile(options.folder)])
    const store = await LevelDbDocStore.open(join(options.folder, 'db'), {
      onWriteProblem: ({ name, error }) =>
        options.log.warn(error === undefined ? 'writing works again' : 'a write failed; retrying', { doc: name, ...(error === undefined ? {} : { error: error instanceof Error ? error.message : JSON.stringify(error) }) }),
    })
    const nodeDoc = new Y.Doc()
    const storedNodeDoc = store.attach(NODE_DOC_NAME, nodeDoc)
    await storedNodeDoc.loaded
    // One database, one device key, for both ways of keeping a space.
    const keyedRooms = new Map<string, RoomConnector>()
    // Reminders the node's runs write also go by Web Push to the person's sleeping browsers (once the node is linked).
    let push: NodePush | undefined
    const onNotify = (notification: NodeNotification): void => {
      options.onNotify?.(notification)
      push?.notify(notification).catch((error: unknown) => options.log.warn('a reminder could not be pushed', { error: error instanceof Error ? error.message : String(error) }))
    }
    const device = await NodeDevice.open({
      folder: options.folder,
      name: options.name,
      store,
      key,
      sealing,
      log: options.log,
      network: options.network !== false,
      rooms: (relay, kinds) => {
        let rooms = keyedRooms.get(relay)
        if (!rooms) keyedRooms.set(relay, (rooms = options.rooms?.(relay) ?? webrtcRooms(relay, options.name, kinds)))
        return rooms
      },
      http: options.http ?? { allowPrivate: false },
      ...(options.defaultRelay ? { defaultRelay: options.defaultRelay } : {}),
      onNotify,
      ...(options.now ? { clock: options.now } : {}),
      ...(options.joinGraceMs === undefined ? {} : { joinGraceMs: options.joinGraceMs }),
      ...(options.onTick ? { onTick: options.onTick } : {}),
    })
    if (options.network !== false) {
      const vapid = await loadOrCreateVapidKeys(options.folder, options.push?.contact)
      const allowLoopback = options.push?.allowLoopback === true
      push = new NodePush({ library: device.library, deviceDoc: device.deviceDoc, device: key.publicKey, vapid, sender: new PushSender({ keys: vapid, allowLoopback }), log: options.log, allowLoopback })
    }
    const node = new PersonalNode(options, store, nodeDoc, storedNodeDoc, key, sealing, device, push)
    const { replicas, damaged } = listReplicas(nodeDoc)
    for (const space of damaged) options.log.warn('skipped a damaged record of a kept space', { space })
    if (options.network !== false) for (const replica of replicas) node.start(replica)
    await node.backedUp.readFolder([...listReplicas(nodeDoc).replicas.map((record) => record.space), ...device.listed().map((listed) => listed.space)])
    const every = options.backups?.everyMs ?? 0
    if (options.network !== false && every > 0) {
      // The first round comes soon after start: a node restarted more often than the interval must still back up.
      const round = (): void => void node.backUpAll().catch((error: unknown) => options.log.warn('a backup round failed', { error: String(error) }))
      node.firstBackup = setTimeout(round, Math.min(every, FIRST_BACKUP_AFTER_MS))
      node.backupTimer = setInterval(round, every)
    }
    return node
  }

  get device(): Did {
    return deviceDid(this.key)
  }

  /** Keeps the space a replica link opens; the node asks to be admitted as soon as a member's device is in the room. */
  async replicate(link: string): Promise<NodeReplica> {
    const replica = replicaFromLink(link, this.now())
    if (this.keyed.has(replica.space)) throw new NodeInputError(`This node holds space ${replica.space} keyed already (it joined it with a member's link) and runs its schedule; it does not keep it blind as well.`)
    const existing = findReplica(this.nodeDoc, replica.space)
    const admitted = existing && (this.replicas.get(replica.space)?.admitted ?? existing.invite === undefined)
    if (existing && admitted) return existing
    // Not admitted yet (its invite expired, or a member removed the node and made a new link): the new link's room and invite replace the old.
    const running = this.replicas.get(replica.space)
    this.replicas.delete(replica.space)
    await running?.close()
    const kept = existing ? { ...replica, addedAt: existing.addedAt } : replica
    putReplica(this.nodeDoc, kept)
    await this.storedNodeDoc.saved()
    if (this.options.network !== false) this.start(kept)
    this.options.log.info('keeping a space as a blind replica', { space: replica.space, relay: replica.relay, ...(existing ? { again: true } : {}) })
    return kept
  }

  /**
   * Joins a space with a member's share link, as a browser does when its
   * person clicks Join: the node is admitted with the link's role once a
   * member's device is in the room, and runs the space's schedule.
   */
  async join(link: string): Promise<KeyedSpaceSummary> {
    const { space } = joinLinkOf(link)
    if (findReplica(this.nodeDoc, space)) {
      throw new NodeInputError(`This node keeps space ${space} as a blind replica. To hold it keyed instead, remove it first (\`remove ${space}\`), and have an admin remove the node from the space's members, so the new link admits it with the link's role.`)
    }
    return this.keyed.join(link)
  }

  /** Stops keeping a space (blind or keyed) and deletes what the node held of it. */
  async remove(space: SpaceId): Promise<boolean> {
    // A round under way must not back up the log this clears, as an empty newest backup.
    await this.backingUp?.catch(() => undefined)
    if (this.keyed.has(space)) return this.keyed.remove(space)
    const running = this.replicas.get(space)
    this.replicas.delete(space)
    await running?.close(true)
    const removed = removeReplica(this.nodeDoc, space)
    await this.store.remove(spaceLogName(space))
    await this.storedNodeDoc.saved()
    if (removed) this.options.log.info('stopped keeping a space', { space })
    return removed
  }

  /** Every space the node keeps: blind ones first, then keyed ones. */
  spaces(): SpaceSummary[] {
    return [...this.replicaSummaries(), ...this.keyed.spaces()]
  }

  /** What the node's scheduler did, for /metrics. */
  schedulerFigures(): SchedulerFigures {
    return this.keyed.figures()
  }

  private replicaSummaries(): ReplicaSummary[] {
    return listReplicas(this.nodeDoc).replicas.map((record) => {
      const running = this.replicas.get(record.space)
      return {
        space: record.space,
        kept: 'blind',
        relay: record.relay,
        epoch: running?.epoch ?? record.epoch,
        admitted: running ? running.admitted : record.invite === undefined,
        envelopes: running?.envelopes ?? 0,
        peers: running?.status?.peers.length ?? 0,
      }
    })
  }

  /** Resolves once every kept space has checked what it received. */
  async settled(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((replica) => replica.settled()))
  }

  /**
   * Backs up every kept space (blind, then keyed) whose log changed since
   * its last backup, to every store; a store that fails is reported and
   * retried next round. One round at a time: a round asked for during one
   * joins it.
   */
  backUpAll(): Promise<BackupRound> {
    this.backingUp ??= this.backUpRound().finally(() => (this.backingUp = undefined))
    return this.backingUp
  }

  private async backUpRound(): Promise<BackupRound> {
    const round: BackupRound = { backedUp: 0, unchanged: 0, failed: 0 }
    if ((this.options.backups?.stores ?? []).length === 0) return round
    const backUp = async (space: SpaceId, work: () => Promise<void>): Promise<void> => {
      try {
        await work()
      } catch (error) {
        // One space that cannot be read (a damaged row) must not stop the others' backups.
        this.backedUp.failures++
        round.failed++
        this.options.log.warn('a space could not be backed up', { space, error: error instanceof Error ? error.message : String(error) })
      }
    }
    for (const listed of listReplicas(this.nodeDoc).replicas) {
      // Read again: the space may have been removed, or moved to a newer epoch, while earlier ones were backed up.
      const record = findReplica(this.nodeDoc, listed.space)
      if (this.stopped) break
      if (!record) continue
      const encode = (log: Uint8Array, takenAt: Date): Promise<Uint8Array> => encodeReplicaBackup(record, log, takenAt, this.signer)
      await backUp(record.space, () => this.withLog(record.space, (transport) => this.backedUp.backUp(record.space, Y.encodeStateAsUpdate(transport), new Date(this.now()), encode, round)))
    }
    for (const { space } of this.keyed.listed()) {
      if (this.stopped) break
      await backUp(space, async () => {
        const log = await this.keyed.writtenLog(space)
        // Removed while earlier ones were backed up, or while it was read (what was read may be the cleared log): skipped, never backed up empty.
        if (log && this.keyed.has(space)) await this.backedUp.backUp(space, log, new Date(this.now()), (bytes, takenAt) => encodeKeyedBackup(space, bytes, takenAt, this.signer), round)
      })
    }
    if (round.backedUp > 0 || round.failed > 0) this.options.log.info('backup round', { ...round })
    return round
  }

  /** Backups are signed by the node's device key, and a restore takes only those this key signed (SECURITY NODE4). */
  private get signer(): BackupSigner {
    return {
      publicKey: this.key.publicKey,
      sign: (message) => signWith(this.key, crypto.subtle, message),
      verify: (signature, message) => verifySignature(crypto.subtle, this.key.publicKey, signature, message),
    }
  }

  /** The backups of `space` in the store named `from`, newest first. */
  async backups(space: SpaceId, from: NamedBackupStore['name'] = 'folder'): Promise<BackupEntry[]> {
    return this.storeNamed(from).list(space)
  }

  /**
   * Merges a backup of `space` (the newest, or the one named) into what the
   * node holds, and keeps a blind replica again if it had been removed.
   * Merging only adds: what the node holds that the backup lacks stays. A
   * keyed space's backup brings back its log only (it holds no secret): the
   * space itself must be held keyed again first.
   */
  async restore(space: SpaceId, from: NamedBackupStore['name'] = 'folder', name?: string): Promise<{ readonly backup: BackupEntry; readonly envelopes: number }> {
    const restored = await readSpaceBackup(this.storeNamed(from), space, this.signer, name)
    if (this.keyed.has(space)) {
      // Into the library's own copy, whose signed log checks each envelope as a peer's; its list entry and secret stay as they are.
      const envelopes = await this.keyed.mergeLog(space, restored.log)
      if (envelopes !== undefined) {
        this.options.log.info('restored a space from a backup', { space, kept: 'keyed', from, backup: restored.backup.name, envelopes })
        return { backup: restored.backup, envelopes }
      }
    }
    if (!findReplica(this.nodeDoc, space)) {
      if (!restored.record) {
        throw new NodeInputError(
          `This node no longer holds space ${space}, and its backups cannot bring it back on their own: they hold its log but never its secret. It comes back through your home space (link the node to you: \`link\`) or a new "Can edit" link (\`join\`); once \`spaces\` lists it, run \`restore ${space}\` again to merge the backup into it.`,
        )
      }
      // A space it keeps keeps its record: the room it is in now is newer than any backup's. Only a removed space takes the backup's.
      putReplica(this.nodeDoc, { ...restored.record, addedAt: this.now() })
    }
    await this.storedNodeDoc.saved()
    let envelopes = 0
    const running = this.replicas.get(space)
    if (running) {
      Y.applyUpdate(running.transport, restored.log)
      envelopes = running.envelopes
    } else {
      await this.withLog(space, (transport) => {
        Y.applyUpdate(transport, restored.log)
        envelopes = transportEnvelopes(transport).length
        return Promise.resolve()
      })
      // Two restores of one removed space at once: the second finds the first's replica started.
      const record = findReplica(this.nodeDoc, space)
      if (this.options.network !== false && record && !this.replicas.has(space)) this.start(record)
    }
    this.options.log.info('restored a space from a backup', { space, from, backup: restored.backup.name, envelopes })
    return { backup: restored.backup, envelopes }
  }

  /** Seconds since the oldest of the kept spaces' last backups (a space never backed up counts from when it was added); undefined without backups. */
  backupAgeSeconds(): number | undefined {
    if (!this.options.backups || this.options.backups.stores.length === 0) return undefined
    const now = this.now()
    let oldest = now
    for (const record of listReplicas(this.nodeDoc).replicas) oldest = Math.min(oldest, this.backedUp.lastAt(record.space) ?? record.addedAt)
    for (const { space, since } of this.keyed.listed()) oldest = Math.min(oldest, this.backedUp.lastAt(space) ?? since)
    return Math.round((now - oldest) / 1000)
  }

  get backupFailureCount(): number {
    return this.backedUp.failures
  }

  private storeNamed(name: NamedBackupStore['name']): BackupStore {
    const found = this.options.backups?.stores.find((each) => each.name === name)
    if (!found) throw new NodeInputError(name === 's3' ? 'No S3 storage is set up: set PII_S3_ENDPOINT, PII_S3_BUCKET, PII_S3_ACCESS_KEY_ID and PII_S3_SECRET_ACCESS_KEY.' : 'This node keeps no backups in its data folder.')
    return found.store
  }

  /** Runs `work` on the space's log: the running replica's, or one read from storage for the while. */
  private async withLog(space: SpaceId, work: (transport: Y.Doc) => Promise<void>): Promise<void> {
    const running = this.replicas.get(space)
    if (running) {
      await running.started
      return work(running.transport)
    }
    const transport = new Y.Doc()
    const stored = this.store.attach(spaceLogName(space), transport)
    try {
      await stored.loaded
      await work(transport)
      await stored.saved()
    } finally {
      await stored.close()
      transport.destroy()
    }
  }

  /** Leaves every room and writes everything held; the data folder is free once it resolves. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.backupTimer) clearInterval(this.backupTimer)
    if (this.firstBackup) clearTimeout(this.firstBackup)
    await this.backingUp?.catch(() => undefined)
    await Promise.all([...this.replicas.values()].map((replica) => replica.close()))
    this.replicas.clear()
    this.push?.stop()
    await this.keyed.stop()
    await this.storedNodeDoc.close()
    await this.store.close()
  }

  private start(record: NodeReplica): void {
    const { space } = record
    const replica = new BlindReplica(record, {
      store: this.store,
      rooms: this.roomsFor(record.relay),
      author: { publicKey: this.key.publicKey, sign: (message) => signWith(this.key, crypto.subtle, message) },
      verify: (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message),
      sealing: this.sealing,
      subtle: crypto.subtle,
      now: () => this.now(),
      name: this.options.name,
      acknowledgements: deviceAckLedger(this.nodeDoc, space),
      keep: (kept) => {
        const before = findReplica(this.nodeDoc, space)
        if (!before) return
        // From `kept` and only the node's own fields: a spent invite is absent from `kept`, and must not come back.
        putReplica(this.nodeDoc, { ...kept, relay: before.relay, addedAt: before.addedAt })
        if (before.invite !== undefined && kept.invite === undefined) this.options.log.info('admitted to a space', { space, epoch: kept.epoch })
        if (kept.epoch > before.epoch) this.options.log.info('followed a space into a new epoch', { space, epoch: kept.epoch })
      },
    })
    replica.started.catch((error: unknown) => this.options.log.warn('a kept space did not start', { space, error: String(error) }))
    this.replicas.set(space, replica)
  }

  private roomsFor(relay: string): RoomConnector {
    let rooms = this.roomsByRelay.get(relay)
    if (!rooms) {
      // A blind replica runs no scheduler kinds (it cannot read the space): it advertises none, so no peer ranks it for an occurrence.
      rooms = this.options.rooms?.(relay) ?? webrtcRooms(relay, this.options.name, [])
      this.roomsByRelay.set(relay, rooms)
    }
    return rooms
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }
}

/** y-webrtc through a relay, over @roamhq/wrtc with the app's framing; presence names the node and the kinds it runs there. */
function webrtcRooms(relay: string, name: string, kinds: readonly string[]): RoomConnector {
  return new WebrtcRooms({
    signalingUrl: relay,
    presence: { kinds, name: () => name, onNameChange: () => () => undefined },
    connectivity: { online: () => true, onChange: () => () => undefined },
    webRtc: () => framedNodeWebRtc(),
  })
}

/** Reads a replica link, with a sentence a person can act on when it is wrong. */
export function replicaFromLink(link: string, now: number): NodeReplica {
  let url: URL
  try {
    url = new URL(link.trim())
  } catch {
    throw new NodeInputError(`"${link}" is not a link. Copy the whole link that Share → "For a personal node" shows.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NodeInputError(`A replica link starts with https:// or http://; this one starts with ${url.protocol}.`)
  try {
    const { space, access, invite } = parseReplicaFragment(url.hash)
    return { space, access, epoch: 0, invite, relay: relayUrl(url), addedAt: now }
  } catch (error) {
    if (error instanceof ShareLinkError) throw new NodeInputError(error.message)
    throw error
  }
}
