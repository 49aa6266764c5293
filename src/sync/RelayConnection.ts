/**
 * This context's connection to one relay (a page, the service worker, a
 * Node process each make one per relay URL), shared by all its rooms'
 * fallbacks. The relay allows 64 connections per address, and a person's
 * service worker joins the room of every space they have: a socket per
 * room would lock out a person with sixty spaces, and the relay's
 * per-connection rate limit would count each room on its own.
 *
 * Sockets open when the first room joins and close when the last leaves.
 * The relay lets one connection hold 256 topics; a 257th room opens a
 * second socket, so any number of spaces still works.
 */
import { RelaySocket, type RelayTopic, type RelayTopicMember } from './RelaySocket.ts'

/** The relay's default maxTopicsPerConnection: a subscribe beyond it closes the connection. */
const MAX_TOPICS_PER_SOCKET = 256

export interface RelayConnectionOptions {
  /** The relay's WebSocket URL. */
  readonly url: string
  /** For Node, which has no global WebSocket: the `ws` package's. */
  readonly WebSocketImpl?: typeof WebSocket
}

export class RelayConnection {
  private readonly sockets = new Set<RelaySocket>()
  private readonly WebSocketImpl: typeof WebSocket

  constructor(private readonly options: RelayConnectionOptions) {
    const WebSocketImpl = options.WebSocketImpl ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket
    if (!WebSocketImpl) throw new TypeError('This runtime has no WebSocket: pass WebSocketImpl (in Node, the ws package).')
    this.WebSocketImpl = WebSocketImpl
  }

  /** Subscribes `member` to `topic`, on a socket that has room for it. */
  join(topic: string, member: RelayTopicMember): RelayTopic {
    const sockets = [...this.sockets]
    let socket = sockets.find((candidate) => candidate.has(topic)) ?? sockets.find((candidate) => candidate.topicCount < MAX_TOPICS_PER_SOCKET)
    if (!socket) {
      const opened: RelaySocket = new RelaySocket(this.options.url, this.WebSocketImpl, () => this.sockets.delete(opened))
      this.sockets.add(opened)
      socket = opened
    }
    return socket.join(topic, member)
  }
}
