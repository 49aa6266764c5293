/**
 * Rooms through the relay only, for a context with no WebRTC: the service
 * worker, which hosts the device's scheduler while no tab shows a space. The relay fallback carries the
 * transport doc and awareness, end-to-end encrypted, on the room's relay
 * topic; browsers in the room see this peer as one reached "via relay"
 * once their fallback's grace period has passed without a direct
 * connection, which never comes. All rooms share one relay connection.
 */
import { Awareness } from 'y-protocols/awareness'
import type { RoomConnection, RoomConnector, RoomRequest, RoomStatus } from '../core/space/SpaceRoom.ts'
import { RelayConnection } from './RelayConnection.ts'
import { importRelayKey, RelayFallback } from './RelayFallback.ts'
import { RoomPresence, type Presence } from './roomPresence.ts'

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
  private readonly connection: RelayConnection

  constructor(private readonly options: RelayRoomsOptions) {
    this.connection = new RelayConnection({ url: options.url })
  }

  join(request: RoomRequest): RoomConnection {
    return new RelayRoom(request, this.options.presence, this.connection)
  }
}

class RelayRoom implements RoomConnection {
  private readonly awareness: Awareness
  private readonly peerId = crypto.randomUUID()
  private readonly presence: RoomPresence
  private fallback: RelayFallback | undefined
  private closed = false

  constructor(
    private readonly request: RoomRequest,
    presence: Presence,
    private readonly connection: RelayConnection,
  ) {
    this.awareness = new Awareness(request.transport)
    // No poll: awareness expiry, the fallback's peers and what this device has seen all come as events.
    this.presence = new RoomPresence({
      request,
      presence,
      awareness: this.awareness,
      peerId: () => this.peerId,
      // Only peers the relay connects us with now are "here".
      connectionOf: (peer) => (this.fallback?.relayPeers.has(peer) ? 'relay' : undefined),
      online: () => true,
      relayConnected: () => this.fallback?.connected === true,
      seenPublishMs: SEEN_PUBLISH_MS,
    })
    this.startFallback().catch((error: unknown) => console.warn('Pii could not reach the relay for this space:', error))
  }

  private async startFallback(): Promise<void> {
    const key = await importRelayKey(this.request.access.relayKey)
    if (this.closed) return
    this.fallback = new RelayFallback({
      connection: this.connection,
      topic: this.request.access.relayTopic,
      key,
      doc: this.request.transport,
      awareness: this.awareness,
      peerId: this.peerId,
      isDirect: () => false,
      graceMs: RELAY_GRACE_MS,
    })
    this.presence.onClose(this.fallback.onChange(() => this.presence.refresh()))
    this.presence.refresh()
  }

  get status(): RoomStatus {
    return this.presence.status
  }

  onStatus(listener: () => void): () => void {
    return this.presence.onStatus(listener)
  }

  close(): void {
    this.closed = true
    this.presence.close()
    this.fallback?.destroy()
    this.awareness.destroy()
  }
}
