/**
 * Opens, creates, joins, renames and deletes this device's spaces. One live
 * Y.Doc per open space, shared by every view that asks for it (reference
 * counted), attached to storage, to the other tabs, and, through its signed
 * log, to the space's room.
 *
 * Storage, tab sync and rooms arrive as ports, so the same logic runs over
 * IndexedDB in a browser, memory in tests, and LevelDB on the personal node.
 */
import { fromHexString, toHexString } from 'lib0/buffer'
import * as Y from 'yjs'
import { encodeBase58 } from '../identity/base58.ts'
import { FIELD_EDIT } from './editOrigins.ts'
import { readDisplayName } from '../identity/profile.ts'
import type { SealingKey } from '../identity/sealingKey.ts'
import { devicePairings } from '../devices/pairingRecords.ts'
import { unlinkedDevices } from '../devices/HomeSync.ts'
import { EpochKeyring } from '../members/epochKeyring.ts'
import { followEpochs } from '../members/followEpochs.ts'
import { rekeyAfterUnlinks } from '../members/unlinkDevice.ts'
import { Role } from '../members/roles.ts'
import { settleMembership } from '../members/settleMembership.ts'
import { MovableRoom } from './MovableRoom.ts'
import { legacyOwnerOf } from '../members/legacyOwner.ts'
import { SpaceMembership } from '../members/SpaceMembership.ts'
import { SALT_BYTES, spaceIdOf } from '../members/statement.ts'
import type { Digest, Verifier } from './envelope.ts'
import type { DocStore, StoredDoc } from './DocStore.ts'
import type { DocConnection, DocTransport } from './DocTransport.ts'
import type { SpaceId } from './ids.ts'
import { deviceAckLedger, forgetAckLedger } from './acknowledgements.ts'
import { holdsLaneWrites, writeAsLane } from './clientIds.ts'
import { newLaneKeyPair, type LaneKeyPair } from './laneKeyPair.ts'
import { initialiseSpace, metaMap, normaliseSpaceName, readSpaceMeta, renameSpace } from './schema.ts'
import { newShareSecret, roomAccessOf, type ShareSecret } from './shareLink.ts'
import { SignedLog, type LogAuthor } from './SignedLog.ts'
import { contentGeneration, findSpace, observeSpaceList, putSpaceEntry, readEntry, removeSpaceEntry } from './spaceList.ts'
import type { RoomConnection, RoomConnector } from './SpaceRoom.ts'

/** A space's replication once it is running: its membership, its signed log, and its room when the space has a secret. */
export interface SpaceSync {
  readonly membership: SpaceMembership
  /** This device, as it signs the space's statements. */
  readonly author: LogAuthor
  readonly log: SignedLog
  readonly room: RoomConnection | undefined
  readonly secret: ShareSecret | undefined
}

export interface SpaceSession {
  readonly id: SpaceId
  readonly doc: Y.Doc
  readonly undo: Y.UndoManager
  /** Resolves once the stored content is in `doc`. */
  readonly loaded: Promise<void>
  /** True once `loaded` has resolved, for renderers that cannot wait on a promise. */
  readonly isLoaded: boolean
  /** True once the space was deleted (here or in another tab); the doc no longer saves. */
  readonly removed: boolean
  /** Resolves once the signed log (and the room) are attached; a view can render before. */
  readonly sync: Promise<SpaceSync>
  /** Applies one user action (add, delete, move, toggle) as its own undo step; typing merges by time instead. A tick in a box passes FIELD_EDIT (editOrigins.ts). */
  edit(change: (doc: Y.Doc) => void, origin?: typeof FIELD_EDIT): void
  /** True once the space's content was rebuilt (see SpaceLibrary.onReplaced): this copy is closed; open the space again. */
  readonly replaced: boolean
  /** Every `open` needs one `release`. */
  release(): void
}

export interface SpaceLibraryDeps {
  readonly deviceDoc: Y.Doc
  /** Resolves once `deviceDoc` holds what storage had: a space's sync reads its list entry only after. Absent: loaded already. */
  readonly deviceLoaded?: Promise<void>
  readonly store: DocStore
  readonly tabs: DocTransport
  readonly now: () => number
  /** This device's signing key; a promise, so opening a space need not wait for it. */
  readonly author: Promise<LogAuthor>
  readonly verify: Verifier
  /** SHA-256 off the main thread, for large batches of envelopes (a cold sync). */
  readonly digest?: Digest
  /** Network sync, loaded when the first space starts syncing; without it spaces stay on this device (and its tabs). */
  readonly rooms?: () => Promise<RoomConnector>
  /** Resolves once what a change just rendered is on screen; sync starts after a space's stored content is painted. */
  readonly afterRender?: () => Promise<void>
  /** Runs its callback once the page has painted: the log signs typed edits there (SignedLogOptions.afterPaint). */
  readonly afterPaint?: (callback: () => void) => void
  /** Resolves when a space's log may compact itself without delaying the device's scheduler (QuietMoments); now, by default. */
  readonly quietMoment?: () => Promise<void>
  /** The device's X25519 key, to which epoch secrets are sealed (undefined where the platform has none): without it the device follows no rekey. */
  readonly sealing?: Promise<SealingKey | undefined>
  /** WebCrypto, for opening sealed epoch secrets. */
  readonly subtle?: SubtleCrypto
}

/** Storage name of a space's doc; stable, since renaming it would orphan stored data. */
export function spaceDocName(id: SpaceId): string {
  return `pii-space-${id}`
}

/**
 * Name under which a space's content is kept in step with the device's
 * other tabs: a copy of an earlier generation (before a rebuild, see
 * SpaceEntry.contentGeneration) must not hand back what the rebuild took out.
 */
function tabChannelName(id: SpaceId, generation: number): string {
  return generation === 0 ? spaceDocName(id) : `${spaceDocName(id)}#${generation}`
}

/** Storage name of a space's envelope log (its transport doc). */
export function spaceLogName(id: SpaceId): string {
  return `pii-log-${id}`
}

/** Resolves at the doc's next change (from storage, another tab or a peer). */
function firstUpdate(doc: Y.Doc): Promise<void> {
  return new Promise((resolve) => doc.once('update', () => resolve()))
}

class OpenSpace implements SpaceSession {
  readonly doc = new Y.Doc()
  readonly transport = new Y.Doc()
  readonly undo: Y.UndoManager
  readonly loaded: Promise<void>
  readonly sync: Promise<SpaceSync>
  removed = false
  replaced = false
  isLoaded = false
  references = 1
  /** The content generation this copy talks to other tabs in (SpaceEntry.contentGeneration). */
  generation = 0
  private readonly stored: StoredDoc
  private storedLog: StoredDoc | undefined
  private connection: DocConnection | undefined
  private logConnection: DocConnection | undefined
  private running: SpaceSync | undefined
  private closed = false
  private readonly stopNameSync: () => void
  /** This session's lane key pair: its public key names the clientID this session's edits are written under. */
  private readonly laneKeyPair: Promise<LaneKeyPair>
  private stopWritingAsLane: (() => void) | undefined
  private stopFollowingEpochs: (() => void) | undefined
  private stopKeyring: (() => void) | undefined

  constructor(
    readonly id: SpaceId,
    private readonly deps: SpaceLibraryDeps,
    private readonly onRelease: (space: OpenSpace) => void,
    /** Its log found content that no peer may show in the doc: the library rebuilds it. */
    private readonly onRebuild: (space: OpenSpace) => void,
    /** A copy of this space still closing in this tab: its room must be gone before this one joins. */
    private readonly previous: Promise<void>,
    /** Resolves once the space's entry in the device's list (its secret) is there to read. */
    private readonly listed: Promise<void>,
  ) {
    // Undo covers this tab's own edits only; a collaborator's change is never undone from here.
    // Typing and ticking carry their own origin (FIELD_EDIT, for when they are signed); they are undone like any edit.
    this.undo = new Y.UndoManager([this.doc.getMap('items'), metaMap(this.doc)], { captureTimeout: 500, trackedOrigins: new Set([null, FIELD_EDIT]) })
    this.stored = deps.store.attach(spaceDocName(id), this.doc)
    // Made while storage loads: the doc must write under the lane's clientID before anything can edit it.
    this.laneKeyPair = newLaneKeyPair()
    this.loaded = Promise.all([this.stored.loaded, this.laneKeyPair]).then(([, lane]) => {
      this.stopWritingAsLane = writeAsLane(this.doc, id, lane.publicKey)
      this.isLoaded = true
      // Connecting after the load keeps the whole stored history from being re-sent to every other tab;
      // after the list, which says which generation of the content the other tabs' copies must be.
      void listed
        .then(() => {
          if (this.removed || this.closed) return
          this.generation = contentGeneration(deps.deviceDoc, id)
          this.connection = deps.tabs.connect(tabChannelName(id, this.generation), this.doc)
        })
        .catch(() => undefined)
    })
    this.sync = this.loaded.then(() => this.startSync())
    // A view that never asks for sync must not turn a failure into an unhandled rejection; one that asks sees it.
    this.sync.catch(() => undefined)
    const meta = metaMap(this.doc)
    const syncName = (): void => this.copyNameToList()
    meta.observe(syncName)
    this.stopNameSync = () => meta.unobserve(syncName)
  }

  /**
   * After the content is shown: the log loads and catches up in the
   * background, so a large log never delays opening a space. Edits made
   * before it is attached are signed by `reconcile`.
   */
  private async startSync(): Promise<SpaceSync> {
    // A space shows from disk before its log loads or its peers are sought; edits made meanwhile are signed by `reconcile`.
    // With nothing stored (a space just joined) there is nothing to paint: its content can only come from peers, so they are sought at once.
    const nothingStored = this.doc.store.clients.size === 0
    await Promise.all([this.previous, this.listed, nothingStored ? undefined : this.deps.afterRender?.()])
    const pair = await this.laneKeyPair
    // A space opened only to be looked at and released fetches no sync code. One written to (created, renamed from
    // the list, edited and left at once) still starts its log, without a room: only this session's lane may sign
    // what it wrote, and closing has it sealed (see close).
    const startsLog = (): boolean => !this.closed || (!this.removed && holdsLaneWrites(this.doc, this.id, pair.publicKey))
    if (!startsLog()) throw new Error('The space was closed before its sync started.')
    const [author, rooms] = await Promise.all([this.deps.author, this.closed ? undefined : this.deps.rooms?.()])
    if (!startsLog()) throw new Error('The space was closed before its sync started.')
    const lane = {
      publicKey: pair.publicKey,
      key: async () => {
        const { laneKeyFrom } = await import('./laneKey.ts')
        const key = laneKeyFrom(pair)
        // noble builds its tables on its first signature (tens of ms): here, not in the first edit.
        key.sign(new Uint8Array(0))
        return key
      },
    }
    const { verify, digest, quietMoment, afterPaint, deviceDoc, now } = this.deps
    // The log is made after the membership it asks, and the membership reads the log's writers (legacyOwner) once it exists.
    const made: { log?: SignedLog } = {}
    const requiresGenesis = findSpace(deviceDoc, this.id)?.rolesEnforced === true
    const membership = new SpaceMembership({
      space: this.id,
      transport: this.transport,
      verify,
      now,
      requiresGenesis,
      // Only a space from before membership has an owner recorded in its content (M1).
      ...(requiresGenesis ? {} : { legacyOwner: () => made.log && legacyOwnerOf(this.doc, (client) => made.log?.writerOf(client)) }),
    })
    // Spaces made before sharing existed get their secret now: every epoch's content key comes from one.
    const secret = this.removed ? undefined : this.ensureSecret()
    const keys = new EpochKeyring(this.id, deviceDoc, membership, this.deps.subtle)
    this.stopKeyring = () => keys.stop()
    const log = new SignedLog({ space: this.id, content: this.doc, transport: this.transport, author, verify, keys, lane, gate: membership, ...(digest ? { digest } : {}), ...(quietMoment ? { quietMoment } : {}), ...(afterPaint ? { afterPaint } : {}) })
    made.log = log
    log.onRebuildNeeded(() => this.onRebuild(this))
    // A space from before membership: its genesis counts once the log has verified who wrote its recorded owner (M1).
    if (!requiresGenesis)
      log.onChange(() => {
        if (!membership.founded) membership.refresh()
      })
    const room = secret && !this.closed && rooms ? new MovableRoom(rooms, { space: this.id, access: roomAccessOf(secret), transport: this.transport, log, acknowledgements: deviceAckLedger(this.deps.deviceDoc, this.id) }) : undefined
    const { sealing, subtle } = this.deps
    if (room && sealing && subtle) this.stopFollowingEpochs = followEpochs({ deviceDoc, space: this.id, transport: this.transport, membership, room, device: author.publicKey, sealing, subtle })
    if (subtle) {
      const stopRekeying = rekeyAfterUnlinks(membership, author, () => {
        const entry = findSpace(deviceDoc, this.id)
        return entry?.secret && (entry.epoch ?? -1) === membership.state.epoch ? { subtle, space: this.id, secret: entry.secret } : undefined
      })
      const stopFollowing = this.stopFollowingEpochs
      this.stopFollowingEpochs = () => {
        stopFollowing?.()
        stopRekeying()
      }
    }
    this.running = { membership, author, log, room, secret }
    if (this.removed) return this.running
    // The lane key is made ahead of the first edit, when it competes with nothing (noble's first key costs
    // tens of ms of main thread): a stored space is painted by now; a just-joined one waits for its content.
    const quiet = nothingStored ? firstUpdate(this.doc).then(() => this.deps.afterRender?.()) : undefined
    void Promise.resolve(quiet).then(() => log.prepareToSign())
    this.storedLog = this.deps.store.attach(spaceLogName(this.id), this.transport)
    void this.storedLog.loaded.then(async () => {
      if (this.removed) return
      this.logConnection = this.deps.tabs.connect(spaceLogName(this.id), this.transport)
      // A copy closing already seals its edits as it closes.
      if (!this.closed) await log.reconcile()
      // With what storage held in the log: a genesis written in an earlier session is there, not written twice.
      const x25519 = (await sealing?.catch(() => undefined))?.publicKey
      const writers = (): Uint8Array[] => [...log.log.authorCounts().keys()].map((author) => fromHexString(author))
      if (!this.closed) await settleMembership({ deviceDoc, space: this.id, membership, author, displayName: readDisplayName(deviceDoc), ...(x25519 ? { x25519 } : {}), writers, closed: () => this.closed, pairings: () => devicePairings(deviceDoc), unlinkedDevices: () => unlinkedDevices(deviceDoc) })
      // Envelopes from before content encryption are re-sealed by the owner's device, which peers take them from (M11).
      const owner = membership.state.members.get(toHexString(author.publicKey))?.role === Role.owner
      if (owner && !this.closed) await keys.settled().then(() => log.migrate())
    })
    return this.running
  }

  /** Spaces made before sharing existed get their secret the first time they open. */
  private ensureSecret(): ShareSecret | undefined {
    const entry = findSpace(this.deps.deviceDoc, this.id)
    if (!entry) return undefined
    if (entry.secret) return entry.secret
    const secret = newShareSecret()
    putSpaceEntry(this.deps.deviceDoc, { ...entry, secret })
    return secret
  }

  private copyNameToList(): void {
    const entry = findSpace(this.deps.deviceDoc, this.id)
    const { name } = readSpaceMeta(this.doc)
    if (entry && name && entry.name !== name) putSpaceEntry(this.deps.deviceDoc, { ...entry, name })
  }

  /** What the doc should hold, as the log makes it (SignedLog.rebuiltContent); undefined before the log is attached. */
  async rebuiltContent(): Promise<Uint8Array | undefined> {
    return this.running?.log.rebuiltContent()
  }

  edit(change: (doc: Y.Doc) => void, origin?: typeof FIELD_EDIT): void {
    // A closed copy (deleted, or replaced by a rebuild) saves and signs nothing: an edit here would be lost silently.
    if (this.closed) return
    this.undo.stopCapturing()
    this.doc.transact(() => change(this.doc), origin ?? null)
    this.undo.stopCapturing()
  }

  release(): void {
    if (--this.references === 0) this.onRelease(this)
  }

  /**
   * Storage closes first: while it is still retrying a failed save, the doc
   * stays alive and connected, so reopening the space in this tab gets the
   * unsaved changes back over the tab transport instead of losing them.
   */
  async close(): Promise<void> {
    this.closed = true
    await (this.removed ? this.stored.discard() : this.stored.close())
    // A started log may still be attaching; closing waits for it, so nothing it holds is dropped unsaved.
    // A space closed before it loaded never starts one (and may never finish loading).
    if (this.isLoaded) await this.sync.catch(() => undefined)
    if (this.storedLog && !this.removed) {
      // Once loaded, the stored log saves what is sealed and is connected to the other tabs (see startSync).
      await this.storedLog.loaded.catch(() => undefined)
      // This session's lane is the only one that may sign its edits, and it ends here: whatever it has not sealed
      // yet (an edit made while its key was being made, or before its log started) is sealed now, or never.
      await this.running?.log.sealOwnEdits().catch(() => undefined)
    }
    this.stopFollowingEpochs?.()
    this.stopKeyring?.()
    this.running?.room?.close()
    this.running?.log.destroy()
    this.running?.membership.stop()
    if (this.storedLog) await (this.removed ? this.storedLog.discard() : this.storedLog.close())
    this.stopNameSync()
    this.stopWritingAsLane?.()
    this.connection?.close()
    this.logConnection?.close()
    this.undo.destroy()
    this.doc.destroy()
    this.transport.destroy()
  }
}

export class SpaceLibrary {
  private readonly open = new Map<SpaceId, OpenSpace>()
  private readonly deviceLoaded: Promise<void>
  private readonly closing = new Map<SpaceId, Promise<void>>()
  private readonly replacedListeners = new Set<(id: SpaceId) => void>()

  constructor(private readonly deps: SpaceLibraryDeps) {
    this.deviceLoaded = deps.deviceLoaded ?? Promise.resolve()
    observeSpaceList(deps.deviceDoc, (event) => {
      for (const [key, change] of event.changes.keys) {
        const id = key as SpaceId
        // Another tab deleting a space removes its entry; stop saving our copy so it stays deleted.
        if (change.action === 'delete') void this.forget(id)
        // A context rebuilt the space's content: every copy of the earlier generation closes, and its holders open it again.
        else if (change.action === 'update' && (readEntry(id, change.oldValue)?.contentGeneration ?? 0) !== contentGeneration(deps.deviceDoc, id)) void this.reopen(id)
      }
    })
  }

  /**
   * Called with a space's id when its content was rebuilt (its log found
   * content in it that no peer may show): copies held open are closed
   * (`replaced`), and whoever held one should open the space again.
   */
  onReplaced(listener: (id: SpaceId) => void): () => void {
    this.replacedListeners.add(listener)
    return () => this.replacedListeners.delete(listener)
  }

  has(id: SpaceId): boolean {
    return findSpace(this.deps.deviceDoc, id) !== undefined
  }

  /** The space if some view already holds it open and loaded; takes no reference. */
  loadedSession(id: SpaceId): SpaceSession | undefined {
    const space = this.open.get(id)
    return space?.isLoaded ? space : undefined
  }

  openSpace(id: SpaceId): SpaceSession {
    const existing = this.open.get(id)
    if (existing) {
      existing.references++
      return existing
    }
    const space = new OpenSpace(
      id,
      this.deps,
      (released) => void this.closeSpace(released),
      (stale) => void this.rebuild(stale),
      this.closing.get(id) ?? Promise.resolve(),
      this.deviceLoaded,
    )
    this.open.set(id, space)
    return space
  }

  /**
   * Creates a space owned by this device and returns an open session on it.
   * Its id comes from the device's key and a salt, so the genesis of its
   * membership log (written once the log starts) is the only one any peer
   * takes for it (MEMBERSHIP.md M1).
   */
  async create(name: string): Promise<SpaceSession> {
    const author = await this.deps.author
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
    const id = spaceIdOf(author.publicKey, salt)
    const createdAt = this.deps.now()
    putSpaceEntry(this.deps.deviceDoc, { id, name: normaliseSpaceName(name), createdAt, secret: newShareSecret(), epoch: 0, founding: encodeBase58(salt), rolesEnforced: true })
    const session = this.openSpace(id)
    await session.loaded
    initialiseSpace(session.doc, { name, createdAt })
    // Creating the space is not an edit anyone should be able to undo.
    session.undo.clear()
    return session
  }

  /**
   * Adds a space someone shared with this device; its content arrives from
   * whichever peers are online once it is opened. Adding a space already
   * here keeps the secret it has (or gives it this one if it had none).
   * `invite`: the secret key of the link's invite, with which this device
   * asks to be admitted once the space's log is there (settleMembership).
   */
  addShared(id: SpaceId, secret: ShareSecret, invite?: string): void {
    const entry = findSpace(this.deps.deviceDoc, id)
    const joining = invite ? { invite, rolesEnforced: true } : {}
    if (!entry) putSpaceEntry(this.deps.deviceDoc, { id, name: '', createdAt: this.deps.now(), secret, ...joining })
    else if (!entry.secret || (invite && !entry.invite)) putSpaceEntry(this.deps.deviceDoc, { ...entry, secret: entry.secret ?? secret, ...joining })
  }

  async rename(id: SpaceId, name: string): Promise<void> {
    const session = this.openSpace(id)
    try {
      await session.loaded
      renameSpace(session.doc, name)
    } finally {
      session.release()
    }
  }

  /** Deletes the space from this device: its list entry, its open copies in every tab, its stored data. */
  async remove(id: SpaceId): Promise<void> {
    removeSpaceEntry(this.deps.deviceDoc, id)
    forgetAckLedger(this.deps.deviceDoc, id)
    await this.forget(id)
    await Promise.all([this.deps.store.remove(spaceDocName(id)), this.deps.store.remove(spaceLogName(id))])
  }

  private async forget(id: SpaceId): Promise<void> {
    const space = this.open.get(id)
    if (space) {
      space.removed = true
      await this.closeSpace(space)
    }
    await this.closing.get(id)
  }

  /**
   * Rewrites a space's stored content from its log, without what no peer
   * may show (content of a lane found to have signed two histories, EQV1),
   * then bumps its content generation: every copy on the device, this one
   * included, closes and is opened again from the rebuilt content.
   */
  private async rebuild(space: OpenSpace): Promise<void> {
    if (this.open.get(space.id) !== space || space.replaced) return
    space.replaced = true
    const content = await space.rebuiltContent()
    if (!content || this.open.get(space.id) !== space) return
    await this.closeSpace(space)
    await this.deps.store.replace(spaceDocName(space.id), content)
    const entry = findSpace(this.deps.deviceDoc, space.id)
    if (entry) putSpaceEntry(this.deps.deviceDoc, { ...entry, contentGeneration: (entry.contentGeneration ?? 0) + 1 })
  }

  /** The space's content has a new generation: an open copy of an earlier one closes, and its holders are told. */
  private async reopen(id: SpaceId): Promise<void> {
    const space = this.open.get(id)
    if (space && space.generation < contentGeneration(this.deps.deviceDoc, id)) {
      space.replaced = true
      await this.closeSpace(space)
    }
    for (const listener of this.replacedListeners) listener(id)
  }

  private closeSpace(space: OpenSpace): Promise<void> {
    if (this.open.get(space.id) !== space) return this.closing.get(space.id) ?? Promise.resolve()
    this.open.delete(space.id)
    const closed = space.close().finally(() => this.closing.delete(space.id))
    this.closing.set(space.id, closed)
    return closed
  }
}
