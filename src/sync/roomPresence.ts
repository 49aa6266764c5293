/**
 * What a session says about itself in a room's awareness (presence), and
 * what it reads there: every room transport (WebRTC, the relay-only room of
 * the service worker) publishes and reads the same shape. Awareness is open
 * to anyone in the room, so nothing in it counts unless signed: a session
 * publishes a presence statement (core/space/presenceStatement.ts) signed by
 * its lane, and only verified statements name peers, rank them for the
 * schedule, or acknowledge this device's changes (acknowledgements.ts).
 */
import { toHexString } from 'lib0/buffer'
import type { Awareness } from 'y-protocols/awareness'
import { acknowledgedByOthers, acknowledgementsFor, ownProgress, type OwnProgress } from '../core/space/acknowledgements.ts'
import { chainKey, sameBytes } from '../core/space/envelope.ts'
import { openPresence, signPresence, verifyPresence, type PresenceContent, type PresenceSigner, type PresenceStatement } from '../core/space/presenceStatement.ts'
import { didFromPublicKey, type Did } from '../core/identity/didKey.ts'
import { syncState, type PeerConnection, type RoomPeer, type RoomRequest, type RoomStatus } from '../core/space/SpaceRoom.ts'

/**
 * A statement is signed again this often even if nothing in it changed: a
 * peer drops one that has not been renewed for STALE_MS (a replay of an old
 * one never counts as renewed, see `fresh`).
 */
const RESIGN_MS = 15_000
/**
 * The transport says who is gone (connectionOf); this only bounds how long
 * a copy of a session's last statement can stand for it. Generous: a hidden
 * tab's timers may run once a minute, and it must not flicker out of lists.
 */
const STALE_MS = 3 * 60_000
/**
 * A change of the log is reflected in the status this long after it, once
 * for a whole burst: the edit (or the envelope that arrived) reaches the
 * screen and the wire first, and reading everyone's progress is not done
 * once per envelope.
 */
const STATUS_AFTER_LOG_CHANGE_MS = 50

/** A statement's content as comparable text, its time left out. */
function contentKey(content: Omit<PresenceContent, 'issuedAt'>): string {
  const hex = (bytes: Uint8Array): string => toHexString(bytes)
  return JSON.stringify([content.peer, content.name, content.kinds, content.awaiting.map(hex), content.acks.map((ack) => [hex(ack.lane), ack.seq, hex(ack.hash)])])
}

/** How this device shows itself in rooms; who it is comes from its signed statements, not from here. */
export interface Presence {
  /** The scheduler kinds this device's host can run, advertised so peers rank it for their occurrences (SPEC CL1). */
  readonly kinds: readonly string[]
  name(): string
  onNameChange(listener: () => void): () => void
}

/** What the awareness state holds: the statement, base64. */
interface PublishedState {
  readonly signed: string
}

/** A statement verified here, and when (by this peer's clock) its lane last renewed it. */
interface Verified {
  readonly raw: string
  readonly statement: PresenceStatement
  /** The statement's device as the UI names it, worked out once. */
  readonly device: Did
  readonly renewedAt: number
}

export interface RoomPresenceOptions {
  readonly request: RoomRequest
  readonly presence: Presence
  /** The room's awareness, whatever carries it (y-webrtc's, or one of the relay room's own). */
  readonly awareness: Awareness
  /** This peer's id in the room; undefined until the transport has one (y-webrtc derives it with the room key). */
  readonly peerId: () => string | undefined
  /** How a peer is reached now, or undefined when it is not. */
  readonly connectionOf: (peer: string) => PeerConnection | undefined
  readonly online: () => boolean
  readonly relayConnected: () => boolean
  /** Presence (with what this peer has seen) goes out at most this often. */
  readonly seenPublishMs: number
  /** Where a transport has no event for a connection becoming usable, the status is read again this often. */
  readonly refreshEveryMs?: number
}

/**
 * A room's presence and status, whatever transport carries the room: it
 * publishes this session's signed presence (again when its name, what it
 * has seen or what it awaits changes, and every RESIGN_MS), verifies the
 * others', derives the status from the verified ones, and tells the room's
 * listeners of a change, not of a repeat.
 */
export class RoomPresence {
  status: RoomStatus = { state: { kind: 'connecting', unseen: 0 }, peers: [] }
  /** The status as last published, to tell a change from a repeat without serialising both each time. */
  private statusJson = JSON.stringify(this.status)
  private readonly listeners = new Set<() => void>()
  private readonly stops: Array<() => void> = []
  private seenTimer: ReturnType<typeof setTimeout> | undefined
  private statusTimer: ReturnType<typeof setTimeout> | undefined
  private closed = false
  private signer: Promise<PresenceSigner> | undefined
  /** Verified statements by awareness client. */
  private readonly verified = new Map<number, Verified>()
  /** Per lane (chainKey): the newest statement time accepted, so a replayed older statement is never taken. */
  private readonly newestIssued = new Map<string, number>()
  /** Lane certificates checked in this room: a lane's later statements need only its own signature. */
  private readonly certifiedLanes = new Set<string>()
  private readonly checking = new Map<number, string>()
  /** What the last statement said, but for its time: a change of what others await is answered, a repeat is not. */
  private lastContent = ''

  constructor(private readonly options: RoomPresenceOptions) {
    const onAwareness = (): void => this.readStates()
    options.awareness.on('change', onAwareness)
    this.stops.push(() => options.awareness.off('change', onAwareness))
    this.stops.push(
      options.request.log.onChange(() => {
        this.statusTimer ??= setTimeout(() => {
          this.statusTimer = undefined
          this.refresh()
        }, STATUS_AFTER_LOG_CHANGE_MS)
        this.scheduleSeen()
      }),
    )
    this.stops.push(options.presence.onNameChange(() => this.publish()))
    const renew = setInterval(() => this.publish(), RESIGN_MS)
    this.stops.push(() => clearInterval(renew))
    if (options.refreshEveryMs !== undefined) {
      const interval = setInterval(() => this.refresh(), options.refreshEveryMs)
      this.stops.push(() => clearInterval(interval))
    }
    this.publish()
    this.readStates()
  }

  onStatus(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Something the status is read from is gone with the room: `stop` runs when it closes. */
  onClose(stop: () => void): void {
    this.stops.push(stop)
  }

  /** Puts this session's signed presence in the awareness (once the room has given it an id and the lane is certified). */
  publish(): void {
    const peer = this.options.peerId()
    if (this.closed || peer === undefined) return
    const { log } = this.options.request
    this.signer ??= log.presenceSigner()
    this.signer
      .then((signer) => {
        if (this.closed) return
        const content = this.content(peer)
        this.lastContent = contentKey(content)
        const signed = signPresence(signer, { ...content, issuedAt: Date.now() })
        this.options.awareness.setLocalState({ signed } satisfies PublishedState)
      })
      .catch(() => {
        // The lane could not be certified (the device key is unavailable): asked again at the next publish.
        this.signer = undefined
      })
  }

  refresh(): void {
    this.refreshWith(this.othersStatements())
  }

  /** Refreshes the status from `others` (othersStatements); returns where this device stands, unless closed. */
  private refreshWith(others: readonly PresenceStatement[]): OwnProgress | undefined {
    if (this.closed) return undefined
    const now = Date.now()
    const peers: RoomPeer[] = []
    const seenPeers = new Set<string>()
    for (const [client, { statement, device, renewedAt }] of this.verified) {
      if (client === this.options.awareness.clientID || now - renewedAt > STALE_MS) continue
      const connection = this.options.connectionOf(statement.peer)
      // One entry per session: a copy of its statement under another awareness client adds nobody.
      if (!connection || seenPeers.has(statement.peer)) continue
      seenPeers.add(statement.peer)
      peers.push({ id: statement.peer, name: statement.name, device, kinds: statement.kinds, connection })
    }
    peers.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    const progress = this.progress(others)
    for (const [lane, acknowledged] of progress.ledgerWrites) this.options.request.acknowledgements.write(lane, acknowledged)
    const status: RoomStatus = {
      peers,
      state: syncState({ online: this.options.online(), relayConnected: this.options.relayConnected(), peers: peers.length, unseen: progress.unseen }),
    }
    const statusJson = JSON.stringify(status)
    if (statusJson !== this.statusJson) {
      this.status = status
      this.statusJson = statusJson
      for (const listener of this.listeners) listener()
    }
    return progress
  }

  close(): void {
    this.closed = true
    if (this.seenTimer) clearTimeout(this.seenTimer)
    if (this.statusTimer) clearTimeout(this.statusTimer)
    for (const stop of this.stops) stop()
    this.listeners.clear()
  }

  /** What this session says now: who it is, what it awaits, and its acknowledgements of what the others await. */
  private content(peer: string, others = this.othersStatements(), progress = this.progress(others)): Omit<PresenceContent, 'issuedAt'> {
    return {
      peer,
      name: this.options.presence.name(),
      kinds: this.options.presence.kinds,
      awaiting: progress.awaiting,
      acks: acknowledgementsFor(others, this.options.request.log.log),
    }
  }

  /** Verified statements of other devices' sessions, live (renewed within STALE_MS) and still in the awareness. */
  private othersStatements(): PresenceStatement[] {
    const now = Date.now()
    const me = this.options.request.log.author
    const statements: PresenceStatement[] = []
    for (const [client, { statement, renewedAt }] of this.verified) {
      if (client !== this.options.awareness.clientID && now - renewedAt <= STALE_MS && !sameBytes(statement.author, me)) statements.push(statement)
    }
    return statements
  }

  private progress(others: readonly PresenceStatement[]): OwnProgress {
    const { log, acknowledgements } = this.options.request
    const acknowledged = acknowledgedByOthers(log.author, others, log.log)
    return ownProgress({ me: log.author, currentLane: log.lanePublicKey, log: log.log, ledger: acknowledgements.read(), acknowledged })
  }

  /** Verifies each state that changed; the status is refreshed once they are checked. */
  private readStates(): void {
    if (this.closed) return
    const states = this.options.awareness.getStates()
    for (const client of this.verified.keys()) if (!states.has(client)) this.verified.delete(client)
    const checks: Array<Promise<void>> = []
    for (const [client, state] of states) {
      if (client === this.options.awareness.clientID) continue
      const raw = (state as Partial<PublishedState> | null)?.signed
      if (typeof raw !== 'string') {
        this.verified.delete(client)
        continue
      }
      if (this.verified.get(client)?.raw === raw || this.checking.get(client) === raw) continue
      checks.push(this.check(client, raw))
    }
    if (checks.length === 0) return this.refresh()
    void Promise.all(checks).then(() => {
      const others = this.othersStatements()
      const progress = this.refreshWith(others)
      // Someone awaits something new (or holds more of what this device awaits): answer, once.
      const peer = this.options.peerId()
      if (peer !== undefined && progress && contentKey(this.content(peer, others, progress)) !== this.lastContent) this.scheduleSeen()
    })
  }

  private async check(client: number, raw: string): Promise<void> {
    this.checking.set(client, raw)
    try {
      const statement = openPresence(raw, this.options.request.space)
      const valid = statement !== undefined && (await verifyPresence(statement, this.options.request.log.verifier, this.certifiedLanes))
      if (this.closed || this.checking.get(client) !== raw) return
      if (!valid || !this.fresh(statement)) {
        this.verified.delete(client)
        return
      }
      this.verified.set(client, { raw, statement, device: didFromPublicKey(statement.author), renewedAt: Date.now() })
    } finally {
      if (this.checking.get(client) === raw) this.checking.delete(client)
    }
  }

  /** Whether a statement is its lane's newest yet (equal counts: the same statement arriving again). */
  private fresh(statement: PresenceStatement): boolean {
    const lane = chainKey(statement.author, statement.lane)
    const newest = this.newestIssued.get(lane)
    if (newest !== undefined && statement.issuedAt < newest) return false
    this.newestIssued.set(lane, statement.issuedAt)
    return true
  }

  private scheduleSeen(): void {
    this.seenTimer ??= setTimeout(() => {
      this.seenTimer = undefined
      this.publish()
    }, this.options.seenPublishMs)
  }
}
