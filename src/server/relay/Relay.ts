/**
 * The relay: y-webrtc-compatible signaling and an opaque message relay for
 * peers that cannot open WebRTC. It only ever routes frames by topic; what a
 * publish carries is encrypted by the peers and never read here.
 *
 * Unlike the stock y-webrtc server it survives any input (every frame is
 * validated; bad ones close that connection with a reason), bounds what one
 * client can cost (frame size, topics, connections per address, message
 * rate, unread output), serialises each publish once for all receivers, and
 * forgets a topic as soon as its last subscriber leaves. Web pages it was not
 * told to serve are turned away before they cost anything (originPolicy.ts),
 * and clients behind a trusted reverse proxy are counted by their own
 * address (clientAddress.ts).
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { RELAY_ACCESS_ENV, type RelayAccess, type RelayLimits } from '../config.ts'
import type { Logger } from '../log.ts'
import { clientAddress } from './clientAddress.ts'
import { refusedOrigin } from './originPolicy.ts'
import { CloseCode, deliveryFrame, parseClientFrame, Rejection } from './protocol.ts'
import { RelayMetrics } from './RelayMetrics.ts'
import { TokenBucket } from './TokenBucket.ts'
import type { TopicBridge } from './TopicBridge.ts'

const PONG_FRAME = Buffer.from('{"type":"pong"}')
/** How long shutdown waits for clients to acknowledge the close before cutting them off. */
const SHUTDOWN_GRACE_MS = 2_000
/** Enough of a refused Origin to recognise it in the 403 and the log; the header itself may run to kilobytes. */
const SHOWN_ORIGIN_CHARS = 200

export interface RelayOptions {
  readonly limits: RelayLimits
  readonly access: RelayAccess
  readonly log: Logger
  readonly bridge?: TopicBridge | undefined
  /** Milliseconds; injectable so rate limits can be tested without waiting. */
  readonly now?: () => number
}

class Peer {
  readonly topics = new Set<string>()
  answeredPing = true
  closed = false
  /** Output is held (TCP cork) until the end of this tick; see Relay.deliver. */
  corked = false

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under the WebSocket. */
    readonly transport: Duplex,
    readonly address: string,
    readonly bucket: TokenBucket,
  ) {}
}

export class Relay {
  readonly metrics = new RelayMetrics()
  private readonly server: WebSocketServer
  private readonly peers = new Set<Peer>()
  private readonly topics = new Map<string, Set<Peer>>()
  private readonly connectionsPerAddress = new Map<string, number>()
  private readonly heartbeat: NodeJS.Timeout
  private readonly now: () => number
  private closing = false
  private readonly corkedPeers: Peer[] = []

  constructor(private readonly options: RelayOptions) {
    this.now = options.now ?? Date.now
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    })
    this.heartbeat = setInterval(() => this.checkHeartbeats(), options.limits.heartbeatMs)
    this.heartbeat.unref()
    options.bridge?.onPublish((topic, text) => {
      this.metrics.bridgeMessagesIn++
      this.deliver(topic, text)
    })
  }

  get connectionCount(): number {
    return this.peers.size
  }

  get topicCount(): number {
    return this.topics.size
  }

  /** For an HTTP server's 'upgrade' event on the relay's path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n')
      return
    }
    // Judged first, and before the connection counts: a hostile page's sockets must not use up its visitors' slots.
    const origin = refusedOrigin(request, this.options.access.allowedOrigins)
    if (origin !== undefined) return this.refuseOrigin(request, socket, origin)
    const address = this.clientAddressOf(request)
    if ((this.connectionsPerAddress.get(address) ?? 0) >= this.options.limits.maxConnectionsPerAddress) {
      this.metrics.reject(Rejection.tooManyConnections)
      socket.end(
        'HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n' +
          `At most ${this.options.limits.maxConnectionsPerAddress} connections per address; close some and try again.\n`,
      )
      return
    }
    // With no verifyClient, ws completes the handshake synchronously, so the
    // count below is up to date before the next upgrade is looked at.
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, socket, address))
  }

  private clientAddressOf(request: IncomingMessage): string {
    const socketAddress = request.socket.remoteAddress ?? 'unknown'
    return clientAddress(socketAddress, request.headersDistinct['x-forwarded-for'], this.options.access.trustedProxies)
  }

  private refuseOrigin(request: IncomingMessage, socket: Duplex, origin: string): void {
    this.metrics.reject(Rejection.originNotAllowed)
    const shown = origin.slice(0, SHOWN_ORIGIN_CHARS)
    this.options.log.debug('refused origin', { address: this.clientAddressOf(request), origin: shown })
    socket.end(
      'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n' +
        `Pages at ${JSON.stringify(shown)} may not use this relay; its operator can allow them by adding that origin to ${RELAY_ACCESS_ENV.allowedOrigins}.\n`,
    )
  }

  private accept(socket: WebSocket, transport: Duplex, address: string): void {
    const { limits } = this.options
    const peer = new Peer(socket, transport, address, new TokenBucket(limits.messageBurst, limits.messagesPerSecond, this.now()))
    this.peers.add(peer)
    this.connectionsPerAddress.set(address, (this.connectionsPerAddress.get(address) ?? 0) + 1)
    this.metrics.connectionsOpened++
    socket.on('message', (data, isBinary) => this.receive(peer, data, isBinary))
    socket.on('pong', () => {
      peer.answeredPing = true
    })
    socket.on('close', () => this.forget(peer))
    // ws reports protocol errors (an oversized frame, bad framing) here and
    // closes the socket itself; without a listener they would crash the process.
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.metrics.reject(Rejection.frameTooBig)
      this.options.log.debug('connection error', { address, error: error.message, code: error.code })
    })
  }

  private receive(peer: Peer, data: RawData, isBinary: boolean): void {
    if (peer.closed) return
    this.metrics.framesIn++
    if (!peer.bucket.take(this.now())) {
      const { messagesPerSecond } = this.options.limits
      return this.refuse(peer, Rejection.rateLimited, CloseCode.policyViolation, `Too many messages: at most ${messagesPerSecond} a second.`)
    }
    if (isBinary) return this.refuse(peer, Rejection.binaryFrame, CloseCode.unsupportedData, 'Only JSON text frames are accepted.')
    const parsed = parseClientFrame(rawDataToString(data))
    if (!parsed.ok) return this.refuse(peer, parsed.rejection, parsed.closeCode, parsed.reason)
    const { message } = parsed
    switch (message.type) {
      case 'subscribe':
        return this.subscribe(peer, message.topics)
      case 'unsubscribe':
        return this.unsubscribe(peer, message.topics)
      case 'publish':
        this.metrics.publishes++
        this.deliver(message.topic, parsed.text)
        if (this.options.bridge) {
          this.options.bridge.publish(message.topic, parsed.text)
          this.metrics.bridgeMessagesOut++
        }
        return
      case 'ping':
        if (peer.socket.readyState === WebSocket.OPEN) {
          peer.socket.send(PONG_FRAME, { binary: false })
          this.metrics.framesOut++
        }
    }
  }

  private subscribe(peer: Peer, topics: readonly string[]): void {
    for (const topic of topics) {
      if (peer.topics.has(topic)) continue
      if (peer.topics.size >= this.options.limits.maxTopicsPerConnection) {
        const limit = this.options.limits.maxTopicsPerConnection
        return this.refuse(peer, Rejection.tooManyTopics, CloseCode.policyViolation, `At most ${limit} topics per connection.`)
      }
      peer.topics.add(topic)
      let subscribers = this.topics.get(topic)
      if (!subscribers) {
        subscribers = new Set()
        this.topics.set(topic, subscribers)
        this.options.bridge?.join(topic)
      }
      subscribers.add(peer)
    }
  }

  private unsubscribe(peer: Peer, topics: Iterable<string>): void {
    for (const topic of topics) {
      if (!peer.topics.delete(topic)) continue
      const subscribers = this.topics.get(topic)
      subscribers?.delete(peer)
      // The stock server keeps empty topics forever; a long-running relay would grow without bound.
      if (subscribers?.size === 0) {
        this.topics.delete(topic)
        this.options.bridge?.leave(topic)
      }
    }
  }

  /** Sends one publish to every local subscriber of its topic, serialised once for all of them. */
  private deliver(topic: string, publishText: string): void {
    const subscribers = this.topics.get(topic)
    if (!subscribers) return
    const frame = Buffer.from(deliveryFrame(publishText, subscribers.size))
    const { maxBufferedBytes } = this.options.limits
    for (const subscriber of subscribers) {
      const { socket } = subscriber
      if (socket.readyState !== WebSocket.OPEN) continue
      if (socket.bufferedAmount > maxBufferedBytes) {
        // Buffering for a reader that cannot keep up would let one slow phone exhaust the relay's memory.
        this.metrics.droppedConsumers++
        this.metrics.reject(Rejection.slowConsumer)
        this.options.log.info('dropped slow consumer', { address: subscriber.address, bufferedBytes: socket.bufferedAmount })
        subscriber.closed = true
        socket.terminate()
        continue
      }
      this.holdOutputUntilEndOfTick(subscriber)
      socket.send(frame, { binary: false })
      this.metrics.framesOut++
      this.metrics.deliveries++
    }
  }

  /**
   * One read from a busy publisher often holds several publishes. Corking
   * each subscriber's socket until the tick ends sends all of them in one
   * system call instead of one per frame; on loopback that call, not our
   * JavaScript, was ~80% of the cost of a delivery.
   */
  private holdOutputUntilEndOfTick(peer: Peer): void {
    if (peer.corked) return
    peer.corked = true
    peer.transport.cork()
    if (this.corkedPeers.push(peer) === 1) process.nextTick(this.releaseOutput)
  }

  private readonly releaseOutput = (): void => {
    for (const peer of this.corkedPeers) {
      peer.corked = false
      peer.transport.uncork()
    }
    this.corkedPeers.length = 0
  }

  private refuse(peer: Peer, rejection: Rejection, code: number, reason: string): void {
    this.metrics.reject(rejection)
    this.options.log.debug('refused frame', { address: peer.address, rejection })
    peer.closed = true
    // Topics go at once, not when the close handshake ends: nothing more is delivered to a refused client.
    this.unsubscribe(peer, [...peer.topics])
    peer.socket.close(code, reason)
  }

  private forget(peer: Peer): void {
    if (!this.peers.delete(peer)) return
    peer.closed = true
    this.unsubscribe(peer, [...peer.topics])
    const count = (this.connectionsPerAddress.get(peer.address) ?? 1) - 1
    if (count > 0) this.connectionsPerAddress.set(peer.address, count)
    else this.connectionsPerAddress.delete(peer.address)
  }

  private checkHeartbeats(): void {
    for (const peer of this.peers) {
      if (!peer.answeredPing) {
        this.metrics.reject(Rejection.heartbeatTimeout)
        peer.socket.terminate()
        continue
      }
      peer.answeredPing = false
      peer.socket.ping()
    }
  }

  metricsText(): string {
    return this.metrics.render({ connections: this.peers.size, topics: this.topics.size })
  }

  /** Closes every connection with 1001 so clients reconnect elsewhere, then stops. */
  async close(): Promise<void> {
    this.closing = true
    clearInterval(this.heartbeat)
    const closed = [...this.peers].map(
      (peer) =>
        new Promise<void>((resolve) => {
          if (peer.socket.readyState === WebSocket.CLOSED) return resolve()
          peer.socket.once('close', () => resolve())
          peer.socket.close(CloseCode.goingAway, 'The relay is restarting; reconnect in a moment.')
        }),
    )
    const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())
    await Promise.race([Promise.all(closed), grace])
    for (const peer of this.peers) peer.socket.terminate()
    await this.options.bridge?.close()
  }
}

function rawDataToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
