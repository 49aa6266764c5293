/**
 * Joins a space's room: y-webrtc carries the transport doc between peers
 * over WebRTC, the relay fallback carries it when WebRTC cannot connect, and
 * awareness carries presence and how much of each device's log a peer has
 * seen. Between tabs the library's own tab transport carries the transport
 * doc; y-webrtc's BroadcastChannel is left for presence (see
 * sendUpdatesOverWebrtcOnly). The rooms' fallbacks share the context's
 * relay connection (RelayConnection); y-webrtc's signaling goes over one
 * connection per 256 rooms (SignalingGroups), which keeps it within the
 * relay's limits. Status (who is here, how, and the one sync indicator) is
 * derived from all of those.
 *
 * Everything a peer puts in awareness crosses the network, so it is
 * validated before it is shown or counted.
 */
import * as encoding from 'lib0/encoding'
import { WebrtcProvider, type Room } from 'y-webrtc'
import { writeUpdate } from 'y-protocols/sync'
import type { RoomConnection, RoomConnector, RoomRequest, RoomStatus } from '../core/space/SpaceRoom.ts'
import { framedWebRtc, type WebRtcClasses } from './framedPeerConnection.ts'
import { RelayConnection } from './RelayConnection.ts'
import { importRelayKey, RelayFallback } from './RelayFallback.ts'
import { RoomPresence, type Presence } from './roomPresence.ts'
import { SignalingGroups, type SignalingSeat } from './SignalingGroups.ts'


/** How often connection kinds are re-read: y-webrtc has no event for a connection becoming usable. */
const STATUS_REFRESH_MS = 1000
/** Acknowledgements of what this peer has seen go out at most this often, not once per envelope. */
const SEEN_PUBLISH_MS = 200

export interface Connectivity {
  online(): boolean
  onChange(listener: () => void): () => void
}

export interface WebrtcRoomsOptions {
  readonly signalingUrl: string
  readonly presence: Presence
  readonly connectivity: Connectivity
  /** simple-peer's `wrtc` for one room's connections: the browser's, framed (framedWebRtc), by default; the personal node brings wrtc's. */
  readonly webRtc?: () => WebRtcClasses | undefined
}

/** What this module uses of y-webrtc's signaling connection (a lib0 WebsocketClient, untyped there). */
interface SignalingConnection {
  readonly connected: boolean
  on(event: 'connect' | 'disconnect', listener: () => void): void
  off(event: 'connect' | 'disconnect', listener: () => void): void
}

/** y-webrtc's message type for y-protocols sync messages. */
const MESSAGE_SYNC = 0

/** What this module uses of a y-webrtc connection's simple-peer instance (untyped there): a Node-style stream. */
interface PeerChannel {
  send(message: Uint8Array): void
  prependListener?(event: 'data', listener: () => void): void
}

/** What this module uses of a y-webrtc connection. */
interface PeerConnectionParts {
  readonly peer: unknown
}

/**
 * Which WebRTC connection y-webrtc is reading a message from, while it
 * does (synchronously, in its 'data' listener): an update that message
 * brings is not sent back to the peer that sent it.
 */
export class MessageSenders {
  private current: PeerConnectionParts | undefined
  private readonly watched = new WeakSet<PeerConnectionParts>()

  /** Starts telling when `connection` delivers; y-webrtc's own listener is registered by then, so this one goes in front. */
  watch(connection: PeerConnectionParts): void {
    if (this.watched.has(connection)) return
    this.watched.add(connection)
    ;(connection.peer as PeerChannel).prependListener?.('data', () => {
      this.current = connection
      // Over once y-webrtc's synchronous read of the message is.
      queueMicrotask(() => {
        if (this.current === connection) this.current = undefined
      })
    })
  }

  /** The connection whose message is being read now, if any. */
  get delivering(): PeerConnectionParts | undefined {
    return this.current
  }
}

/**
 * y-webrtc sends each update of the doc to its WebRTC peers and, encrypted,
 * over BroadcastChannel to other tabs, where lib0 also hands it back to this
 * tab to decrypt and apply again. The tab transport already carries the doc
 * between tabs, so that is an AES-GCM round trip, a BroadcastChannel post
 * (at times milliseconds long) and a redundant apply per envelope, queued on
 * both sides of every live edit: ahead of the receiving peer's verification.
 * It also sends every update a peer brought straight back to that peer.
 * Replaced by a handler that sends to WebRTC peers only, and not to the one
 * the update came from (other peers still get it: one whose own connection
 * to that peer is down hears it from here); y-webrtc registers whatever
 * `_docUpdateHandler` holds whenever the room (re)connects.
 */
export function sendUpdatesOverWebrtcOnly(room: Pick<Room, 'doc' | 'webrtcConns' | '_docUpdateHandler' | 'bcconnected'>, senders?: MessageSenders): void {
  // y-webrtc sets bcconnected exactly while the room is connected, which is while its handler is registered.
  const connected = room.bcconnected
  room.doc.off('update', room._docUpdateHandler)
  room._docUpdateHandler = (update: Uint8Array, origin: unknown) => {
    // y-webrtc applies what a peer sends with the room as origin.
    const from = origin === room ? senders?.delivering : undefined
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    writeUpdate(encoder, update)
    const message = encoding.toUint8Array(encoder)
    for (const connection of room.webrtcConns.values()) {
      if (connection === from) continue
      try {
        ;(connection.peer as PeerChannel).send(message)
      } catch {
        // A channel closing under us; y-webrtc drops the connection itself (it ignores these the same way).
      }
    }
  }
  if (connected) room.doc.on('update', room._docUpdateHandler)
}

/** How a peer is reached without the relay, if it is. */
function directConnection(room: Pick<Room, 'bcConns' | 'webrtcConns'>, peer: string): 'same-browser' | 'direct' | undefined {
  if (room.bcConns.has(peer)) return 'same-browser'
  return room.webrtcConns.get(peer)?.connected === true ? 'direct' : undefined
}

export class WebrtcRooms implements RoomConnector {
  private readonly relay: RelayConnection

  constructor(private readonly options: WebrtcRoomsOptions) {
    this.relay = new RelayConnection({ url: options.signalingUrl })
  }

  join(request: RoomRequest): RoomConnection {
    return new WebrtcRoom(request, this.options, this.relay)
  }
}

class WebrtcRoom implements RoomConnection {
  private readonly provider: WebrtcProvider
  private readonly presence: RoomPresence
  private fallback: RelayFallback | undefined
  private readonly senders = new MessageSenders()
  /** Undefined when the context has as many rooms as SignalingGroups serves: this one then syncs through its fallback only. */
  private readonly signaling: SignalingSeat | undefined
  private closed = false

  constructor(
    private readonly request: RoomRequest,
    options: WebrtcRoomsOptions,
    private readonly relay: RelayConnection,
  ) {
    this.signaling = SignalingGroups.of(options.signalingUrl).join(request.access.name)
    this.provider = new WebrtcProvider(request.access.name, request.transport, {
      signaling: this.signaling ? [this.signaling.url] : [],
      password: request.access.password,
      // Data channels that frame messages too large for one SCTP message; one reassembly budget per room.
      peerOpts: { wrtc: (options.webRtc ?? framedWebRtc)() },
    })
    // Before the signaling connection can open: y-webrtc's own handling of it would subscribe every room of the context.
    this.signaling?.attach(this.provider)
    this.presence = new RoomPresence({
      request,
      presence: options.presence,
      awareness: this.provider.awareness,
      peerId: () => this.provider.room?.peerId,
      // Only peers reachable now are "here".
      connectionOf: (peer) => {
        const joined = this.provider.room
        return joined ? (directConnection(joined, peer) ?? (this.fallback?.relayPeers.has(peer) ? 'relay' : undefined)) : undefined
      },
      online: () => options.connectivity.online(),
      relayConnected: () => this.signalingConnections().some((signaling) => signaling.connected) || this.fallback?.connected === true,
      seenPublishMs: SEEN_PUBLISH_MS,
      refreshEveryMs: STATUS_REFRESH_MS,
    })
    const refresh = (): void => this.presence.refresh()
    this.provider.on('peers', refresh)
    // y-webrtc announces each connection it makes as a peer change.
    this.provider.on('peers', () => {
      for (const connection of this.provider.room?.webrtcConns.values() ?? []) this.senders.watch(connection)
    })
    this.presence.onClose(options.connectivity.onChange(refresh))
    for (const signaling of this.signalingConnections()) {
      signaling.on('connect', refresh)
      signaling.on('disconnect', refresh)
      this.presence.onClose(() => (signaling.off('connect', refresh), signaling.off('disconnect', refresh)))
    }
    this.startFallback().catch((error: unknown) => console.warn('Pii could not start the relay fallback for this space:', error))
  }

  /** The fallback needs y-webrtc's peer id, which exists once the room key is derived. */
  private async startFallback(): Promise<void> {
    const [key] = await Promise.all([importRelayKey(this.request.access.relayKey), this.provider.key])
    const room = this.provider.room
    if (this.closed || !room) return
    sendUpdatesOverWebrtcOnly(room, this.senders)
    this.presence.publish()
    this.fallback = new RelayFallback({
      connection: this.relay,
      topic: this.request.access.relayTopic,
      key,
      doc: this.request.transport,
      awareness: this.provider.awareness,
      peerId: room.peerId,
      isDirect: (peer) => directConnection(room, peer) !== undefined,
    })
    this.presence.onClose(this.fallback.onChange(() => this.presence.refresh()))
    this.presence.refresh()
  }

  private signalingConnections(): SignalingConnection[] {
    return this.provider.signalingConns as SignalingConnection[]
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
    this.signaling?.leave()
    // y-webrtc's destroy leaves the provider on its signaling connection, which then never closes: disconnect first
    // unsubscribes the room and closes the connection once no room uses it.
    this.provider.disconnect()
    this.provider.destroy()
  }
}
