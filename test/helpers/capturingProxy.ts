/**
 * Stands in front of a Pii server (or a bare relay) as the only address its
 * clients know, passing HTTP through and recording every WebSocket frame a
 * client sends: exactly what the relay, or whoever runs it, receives. Frames
 * from the relay pass back untouched.
 */
import { once } from 'node:events'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'

export interface CapturingProxy {
  /** Open pages here instead of at the server. */
  readonly url: string
  /** Connect relay clients here instead of to the relay. */
  readonly relayUrl: string
  /** Every client → relay frame, in arrival order, as text. */
  readonly frames: string[]
  close(): Promise<void>
}

export async function startCapturingProxy(target: string): Promise<CapturingProxy> {
  const frames: string[] = []
  const upstreamUrl = new URL(target)
  const sockets = new Set<WebSocket>()
  const server = createServer((incoming, outgoing) => {
    const forwarded = request({ host: upstreamUrl.hostname, port: upstreamUrl.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers)
      response.pipe(outgoing)
    })
    forwarded.on('error', () => outgoing.destroy())
    incoming.pipe(forwarded)
  })
  const upgrades = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  server.on('upgrade', (incoming, socket, head) => {
    upgrades.handleUpgrade(incoming, socket, head, (client) => {
      const upstream = new WebSocket(`ws://${upstreamUrl.host}/`, { perMessageDeflate: false })
      const queued: Buffer[] = []
      sockets.add(client).add(upstream)
      client.on('message', (data: Buffer) => {
        frames.push(data.toString('utf8'))
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data.toString('utf8'))
        else queued.push(data)
      })
      upstream.on('open', () => queued.splice(0).forEach((data) => upstream.send(data.toString('utf8'))))
      upstream.on('message', (data: Buffer) => client.readyState === WebSocket.OPEN && client.send(data.toString('utf8')))
      const end = (): void => {
        client.terminate()
        upstream.terminate()
      }
      client.on('close', end).on('error', end)
      upstream.on('close', end).on('error', end)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    relayUrl: `ws://127.0.0.1:${port}/`,
    frames,
    close: async () => {
      for (const socket of sockets) socket.terminate()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * The texts of captured frames that contain any of `secrets`: in the frame
 * itself or in the base64 payloads it carries (what a relay could decode
 * without any key). Empty when the relay saw none of them.
 */
export function framesRevealing(frames: readonly string[], secrets: readonly string[]): string[] {
  const revealing: string[] = []
  for (const frame of frames) {
    const decoded = [...frame.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((match) => Buffer.from(match[1]!, 'base64').toString('latin1'))
    if ([frame, ...decoded].some((text) => secrets.some((secret) => text.includes(secret)))) revealing.push(frame.slice(0, 200))
  }
  return revealing
}
