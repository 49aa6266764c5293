/**
 * The one HTTP server behind `npm start` and `npm run relay`: the relay's
 * WebSocket at the root path, health and metrics, and (when given the built
 * app) the app itself. The personal node joins it in a later issue.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_RELAY_ACCESS, DEFAULT_RELAY_LIMITS, type RelayAccess, type RelayLimits } from './config.ts'
import { createLogger, type Logger } from './log.ts'
import { RedisBridge } from './relay/RedisBridge.ts'
import { Relay } from './relay/Relay.ts'
import { safePathname, StaticSite } from './staticSite.ts'

/** y-webrtc clients connect to `ws://host:port` with no path. */
const RELAY_PATH = '/'

export interface PiiServerOptions {
  /** Folder of the built app (dist/app); without it only the relay is served. */
  readonly appRoot?: string | undefined
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly relayLimits?: RelayLimits | undefined
  /** Trusted proxies and allowed origins; by default no proxy is trusted and only the app's own origin is allowed. */
  readonly relayAccess?: RelayAccess | undefined
  /** Share relay topics with other instances through this Redis. */
  readonly redisUrl?: string | undefined
  readonly log?: Logger | undefined
  /** Another part of this process (the personal node, under `npm start`) whose health and metrics this port reports too. */
  readonly alsoReport?: AlsoReported | undefined
}

export interface AlsoReported {
  readonly name: string
  /** Its health, or undefined while it is not serving (the port's health check then says 503). */
  readonly health: () => object | undefined
  readonly metricsText: () => string
}

export interface RunningPiiServer {
  readonly url: string
  /** The relay's WebSocket address, for y-webrtc's `signaling` option. */
  readonly relayUrl: string
  readonly server: Server
  readonly relay: Relay
  close(): Promise<void>
}

export async function startPiiServer(options: PiiServerOptions): Promise<RunningPiiServer> {
  const log = options.log ?? createLogger('silent')
  const site = options.appRoot === undefined ? undefined : await StaticSite.load(options.appRoot)
  const bridge = options.redisUrl === undefined ? undefined : await RedisBridge.connect(options.redisUrl, log)
  const relay = new Relay({ limits: options.relayLimits ?? DEFAULT_RELAY_LIMITS, access: options.relayAccess ?? DEFAULT_RELAY_ACCESS, log, bridge })

  const server = createServer((request, response) => {
    if (route(request, response, relay, options.alsoReport)) return
    if (site) return site.handle(request, response)
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
    response.end('This is a Pii relay: connect with a WebSocket at / (y-webrtc signaling).\n')
  })
  server.on('upgrade', (request, socket, head) => {
    // A socket error during the handshake must not become an uncaught exception.
    socket.on('error', () => socket.destroy())
    // Parsed like every other path: `new URL` throws on some (`//`, `/\\`), and a throw here would stop the server.
    const path = safePathname(request.url)
    if (path === RELAY_PATH) relay.handleUpgrade(request, socket, head)
    else socket.end(`HTTP/1.1 ${path === undefined ? '400 Bad Request' : '404 Not Found'}\r\nConnection: close\r\n\r\n`)
  })
  server.on('clientError', (_error, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  log.info('listening', { host: options.host, port, app: site !== undefined, redis: bridge !== undefined })
  return {
    url: `http://${host}:${port}/`,
    relayUrl: `ws://${host}:${port}`,
    server,
    relay,
    close: async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      await relay.close()
      server.closeAllConnections()
      await stopped
    },
  }
}

/** Health and metrics; true when it answered. */
function route(request: IncomingMessage, response: ServerResponse, relay: Relay, also: AlsoReported | undefined): boolean {
  const path = request.url?.split('?')[0]
  if (path === '/healthz') {
    const other = also?.health()
    const healthy = !also || other !== undefined
    response.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    response.end(JSON.stringify({ status: healthy ? 'ok' : `${also?.name ?? ''} is not serving`, connections: relay.connectionCount, topics: relay.topicCount, ...(also ? { [also.name]: other ?? null } : {}) }))
    return true
  }
  if (path === '/metrics') {
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' })
    response.end(relay.metricsText() + (also?.metricsText() ?? ''))
    return true
  }
  return false
}
