/**
 * A WebSocket proxy in front of a relay that records every frame clients send
 * through it: exactly what the relay (or whoever runs it) receives. Frames
 * from the relay are passed back untouched.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer, type RawData } from 'ws'

export interface RelayCapture {
  /** Connect here instead of to the relay. */
  readonly url: string
  /** Every client → relay frame, in arrival order, as text. */
  readonly frames: string[]
  close(): Promise<void>
}

const text = (data: RawData): string => (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8')

export async function startRelayCapture(relayUrl: string): Promise<RelayCapture> {
  const frames: string[] = []
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  const sockets = new Set<WebSocket>()
  server.on('connection', (client) => {
    const upstream = new WebSocket(relayUrl, { perMessageDeflate: false })
    const queued: { data: RawData; binary: boolean }[] = []
    sockets.add(client).add(upstream)
    client.on('message', (data, binary) => {
      frames.push(text(data))
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary })
      else queued.push({ data, binary })
    })
    upstream.on('open', () => {
      for (const { data, binary } of queued.splice(0)) upstream.send(data, { binary })
    })
    upstream.on('message', (data, binary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary })
    })
    const closeOther = (other: WebSocket) => () => {
      if (other.readyState === WebSocket.OPEN || other.readyState === WebSocket.CONNECTING) other.terminate()
    }
    client.on('close', closeOther(upstream))
    upstream.on('close', closeOther(client))
    client.on('error', () => client.terminate())
    upstream.on('error', () => upstream.terminate())
  })
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    frames,
    close: async () => {
      for (const socket of sockets) socket.terminate()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
