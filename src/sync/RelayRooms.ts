/**
 * Rooms through the relay only, for a context with no WebRTC: the service
 * worker, which hosts the device's scheduler while no tab shows a space. The relay fallback carries the
 * transport doc and awareness, end-to-end encrypted, on the room's relay
 * topic; browsers in the room see this peer as one reached "via relay"
 * once their fallback's grace period has passed without a direct
 * connection, which never comes.
 */
import { Awareness } from 'y-protocols/awareness'
import { relayKeyBytes, relayTopic } from '../core/space/shareLink.ts'
import type { RoomConnection, RoomConnector, RoomRequest, RoomStatus } from '../core/space/SpaceRoom.ts'
import { importRelayKey, RelayFallback } from './RelayFallback.ts'
import { localPresence, roomStatus, seenKey, StatusBoard, type Presence } from './roomPresence.ts'

/** Awareness states expire; re-reading them this often drops a peer that went quiet. */
const STATUS_REFRESH_MS = 1_000
/** Presence (with what this peer has seen) goes out at most this often. */
const SEEN_PUBLISH_MS = 500
/** With no direct connection to wait for, peers are taken on as relay peers after this: short, but not a busy check. */
const RELAY_GRACE_MS = 250

export interface RelayRoomsOptions {
  /** The relay's WebSocket URL. */
  readonly url: string
  readonly presence: Presence
}

export class RelayRooms implements RoomConnector {
  constructor(private readonly options: RelayRoomsOptions) {}

  join(request: RoomRequest): RoomConnection {
    return new RelayRoom(request, this.options)
  }
}

class RelayRoom implements RoomConnection {
  private readonly board = new StatusBoard()
  private readonly awareness: Awareness
  private readonly peerId = crypto.randomUUID()
  private readonly me: string
  private fallback: RelayFallback | undefined
  private readonly stops: Array<() => void> = []
  private seenTimer: ReturnType<typeof setTimeout> | undefined
  private closed = false

  constructor(
    private readonly request: RoomRequest,
    private readonly options: RelayRoomsOptions,
  ) {
    this.me = seenKey(request.log)
    this.awareness = new Awareness(request.transport)
    this.publishPresence()
    const refresh = (): void => this.refresh()
    this.awareness.on('change', refresh)
    this.stops.push(() => this.awareness.off('change', refresh))
    this.stops.push(request.log.onChange(() => this.scheduleSeen()))
    this.stops.push(options.presence.onNameChange(() => this.publishPresence()))
    const interval = setInterval(refresh, STATUS_REFRESH_MS)
    this.stops.push(() => clearInterval(interval))
    this.startFallback().catch((error: unknown) => console.warn('Pii could not reach the relay for this space:', error))
  }

  private async startFallback(): Promise<void> {
    const key = await importRelayKey(relayKeyBytes(this.request.secret))
    if (this.closed) return
    this.fallback = new RelayFallback({
      url: this.options.url,
      topic: relayTopic(this.request.secret),
      key,
      doc: this.request.transport,
      awareness: this.awareness,
      peerId: this.peerId,
      isDirect: () => false,
      graceMs: RELAY_GRACE_MS,
    })
    this.stops.push(this.fallback.onChange(() => this.refresh()))
    this.refresh()
  }

  get status(): RoomStatus {
    return this.board.status
  }

  onStatus(listener: () => void): () => void {
    return this.board.onStatus(listener)
  }

  private publishPresence(): void {
    if (!this.closed) this.awareness.setLocalState(localPresence(this.options.presence, this.peerId, this.request.log))
  }

  private scheduleSeen(): void {
    this.refresh()
    this.seenTimer ??= setTimeout(() => {
      this.seenTimer = undefined
      this.publishPresence()
    }, SEEN_PUBLISH_MS)
  }

  private refresh(): void {
    if (this.closed) return
    this.board.publish(
      roomStatus({
        states: this.awareness.getStates(),
        ownClientId: this.awareness.clientID,
        me: this.me,
        device: this.options.presence.device,
        // Only peers the relay connects us with now are "here".
        connectionOf: (peer) => (this.fallback?.relayPeers.has(peer) ? 'relay' : undefined),
        request: this.request,
        online: true,
        relayConnected: this.fallback?.connected === true,
      }),
    )
  }

  close(): void {
    this.closed = true
    if (this.seenTimer) clearTimeout(this.seenTimer)
    for (const stop of this.stops) stop()
    this.board.clear()
    this.fallback?.destroy()
    this.awareness.destroy()
  }
}
