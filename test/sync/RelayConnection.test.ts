import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { Rejection } from '../../src/server/relay/protocol.ts'
import { startPiiServer, type RunningPiiServer } from '../../src/server/PiiServer.ts'
import { RelayConnection } from '../../src/sync/RelayConnection.ts'
import { importRelayKey, RelayFallback } from '../../src/sync/RelayFallback.ts'
import { startCapturingProxy, type CapturingProxy } from '../helpers/capturingProxy.ts'

const GRACE_MS = 50
const WAIT = { timeout: 30_000, interval: 20 }

interface Space {
  readonly topic: string
  readonly key: CryptoKey
}

interface Room {
  readonly doc: Y.Doc
  readonly fallback: RelayFallback
}

const servers: RunningPiiServer[] = []
const captures: CapturingProxy[] = []
const rooms: Room[] = []

afterEach(async () => {
  for (const room of rooms.splice(0)) room.fallback.destroy()
  await Promise.all(captures.splice(0).map((capture) => capture.close()))
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function relay(): Promise<RunningPiiServer> {
  const server = await startPiiServer({ host: '127.0.0.1', port: 0 })
  servers.push(server)
  return server
}

async function spaces(count: number): Promise<Space[]> {
  return Promise.all(Array.from({ length: count }, async () => ({ topic: `pii-${randomUUID()}`, key: await importRelayKey(crypto.getRandomValues(new Uint8Array(32))) })))
}

/** One device: its one relay connection, as a page or service worker makes it. */
const device = (url: string): RelayConnection => new RelayConnection({ url, WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket })

/** The device joins each space's room through the relay only. */
function join(connection: RelayConnection, list: readonly Space[]): Room[] {
  return list.map(({ topic, key }) => {
    const doc = new Y.Doc()
    const fallback = new RelayFallback({ connection, topic, key, doc, awareness: new Awareness(doc), peerId: randomUUID(), isDirect: () => false, graceMs: GRACE_MS })
    const room = { doc, fallback }
    rooms.push(room)
    return room
  })
}

/** Refusals the relay counted for a client overstepping its limits. */
function limitRefusals(server: RunningPiiServer): number {
  const { rejections } = server.relay.metrics
  return [Rejection.rateLimited, Rejection.tooManyTopics, Rejection.badTopics, Rejection.tooManyConnections].reduce((sum, reason) => sum + (rejections.get(reason) ?? 0), 0)
}

const text = (room: Room): string => room.doc.getText('t').toString()

describe('RelayConnection', { timeout: 60_000 }, () => {
  it('[RLY6] one device with 100 spaces uses one relay connection, and gives it up when it leaves them', async () => {
    const server = await relay()
    const joined = join(device(server.relayUrl), await spaces(100))
    await vi.waitFor(() => expect(joined.every((room) => room.fallback.connected)).toBe(true), WAIT)
    expect(server.relay.connectionCount).toBe(1)
    expect(server.relay.topicCount).toBe(100)
    expect(limitRefusals(server)).toBe(0)

    for (const room of joined) room.fallback.destroy()
    await vi.waitFor(() => expect(server.relay.connectionCount).toBe(0), WAIT)
  })

  it('[RLY6] a device with 300 spaces uses two connections, neither over the relay’s topic limit', async () => {
    const server = await relay()
    const joined = join(device(server.relayUrl), await spaces(300))
    await vi.waitFor(() => expect(joined.every((room) => room.fallback.connected)).toBe(true), WAIT)
    expect(server.relay.connectionCount).toBe(2)
    expect(server.relay.topicCount).toBe(300)
    expect(limitRefusals(server)).toBe(0)
  })

  it('[RLY6] a device leaving 256 spaces at once (a node stopping) stays within the relay’s rate limit', async () => {
    const server = await relay()
    const joined = join(device(server.relayUrl), await spaces(256))
    await vi.waitFor(() => expect(joined.every((room) => room.fallback.connected)).toBe(true), WAIT)
    // Each room's hello has gone: the relay's budget for the connection is partly spent.
    await vi.waitFor(() => expect(server.relay.metrics.publishes).toBeGreaterThanOrEqual(256), WAIT)
    for (const room of rooms.splice(0)) room.fallback.destroy()
    await vi.waitFor(() => expect(server.relay.connectionCount).toBe(0), WAIT)
    expect(limitRefusals(server)).toBe(0)
  })

  it('[RLY6] two devices with 100 spaces in common sync every space through the relay, one connection each, within its rate limit', async () => {
    const server = await relay()
    const common = await spaces(100)
    const laptop = join(device(server.relayUrl), common)
    const phone = join(device(server.relayUrl), common)
    laptop.forEach((room, index) => room.doc.getText('t').insert(0, `laptop ${index}. `))
    phone.forEach((room, index) => room.doc.getText('t').insert(0, `phone ${index}. `))
    await vi.waitFor(() => {
      laptop.forEach((room, index) => {
        expect(text(room)).toContain(`phone ${index}. `)
        expect(text(room)).toBe(text(phone[index]!))
      })
    }, WAIT)
    expect(server.relay.connectionCount).toBe(2)
    expect(limitRefusals(server)).toBe(0)
    for (const room of [...laptop, ...phone]) expect(room.fallback.rejected).toBe(0)
  })

  it('[RLY6] a device whose 60 spaces have nobody else in them says hello once per space, then only pings the relay', { timeout: 60_000 }, async () => {
    const server = await relay()
    const relayView = await startCapturingProxy(server.url)
    captures.push(relayView)
    const joined = join(device(relayView.relayUrl), await spaces(60))
    await vi.waitFor(() => expect(joined.every((room) => room.fallback.connected)).toBe(true), WAIT)
    // Past the 20 s at which every space used to say hello again.
    await new Promise((resolve) => setTimeout(resolve, 21_000))
    const types = relayView.frames.map((frame) => (JSON.parse(frame) as { type?: unknown }).type)
    expect(types.filter((type) => type === 'publish')).toHaveLength(60)
    expect(types.filter((type) => type === 'subscribe').length).toBeLessThanOrEqual(2)
    expect(new Set(types)).toEqual(new Set(['subscribe', 'ping', 'publish']))
    expect(server.relay.connectionCount).toBe(1)
  })
})
