import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../src/server/config.ts'
import { startPiiServer, type RunningPiiServer } from '../../../src/server/PiiServer.ts'
import { RelayClient } from '../../helpers/relayClient.ts'

const running: RunningPiiServer[] = []
const clients: RelayClient[] = []

async function relay(limits: Partial<RelayLimits> = {}): Promise<RunningPiiServer> {
  const server = await startPiiServer({ host: '127.0.0.1', port: 0, relayLimits: { ...DEFAULT_RELAY_LIMITS, ...limits } })
  running.push(server)
  return server
}

async function client(server: RunningPiiServer, options = {}): Promise<RelayClient> {
  const connected = await RelayClient.connect(server.relayUrl, options)
  clients.push(connected)
  return connected
}

afterEach(async () => {
  for (const connected of clients.splice(0)) connected.socket.terminate()
  await Promise.all(running.splice(0).map((server) => server.close()))
})

describe('relay protocol', () => {
  it('[R1] delivers a publish to every subscriber of its topic, sender included, with the subscriber count', async () => {
    const server = await relay()
    const [alice, bob, carol] = await Promise.all([client(server), client(server), client(server)])
    await alice.subscribe('room-a')
    await bob.subscribe('room-a')
    await carol.subscribe('room-b')

    alice.send({ type: 'publish', topic: 'room-a', data: 'ciphertext', clients: 999 })
    await bob.waitFor(() => bob.published('room-a').length === 1)
    await alice.waitFor(() => alice.published('room-a').length === 1)
    expect(bob.published('room-a')[0]).toEqual({ type: 'publish', topic: 'room-a', data: 'ciphertext', clients: 2 })
    await carol.roundTrip()
    expect(carol.published('room-a')).toEqual([])
  })

  it('[R2] unsubscribe stops delivery, and a topic disappears with its last subscriber', async () => {
    const server = await relay()
    const [alice, bob] = await Promise.all([client(server), client(server)])
    await alice.subscribe('room')
    await bob.subscribe('room')
    expect(server.relay.topicCount).toBe(1)

    bob.send({ type: 'unsubscribe', topics: ['room'] })
    await bob.roundTrip()
    alice.send({ type: 'publish', topic: 'room', data: 1 })
    await alice.waitFor(() => alice.published('room').length === 1)
    await bob.roundTrip()
    expect(bob.published('room')).toEqual([])
    expect(alice.published('room')[0]?.clients).toBe(1)

    alice.send({ type: 'unsubscribe', topics: ['room'] })
    await alice.roundTrip()
    expect(server.relay.topicCount).toBe(0)
  })

  it('[R3] answers ping with pong', async () => {
    const alice = await client(await relay())
    await alice.roundTrip()
    expect(alice.received).toEqual([{ type: 'pong' }])
  })

  it('[R5] relays encrypted sync messages on a room topic byte for byte, without reading them', async () => {
    const server = await relay()
    const [alice, bob] = await Promise.all([client(server), client(server)])
    await alice.subscribe('room-topic')
    await bob.subscribe('room-topic')
    // What a peer without WebRTC sends: an opaque ciphertext, as large as a cold sync chunk.
    const ciphertext = randomBytes(512 * 1024).toString('base64')
    alice.send({ type: 'publish', topic: 'room-topic', sync: { iv: 'AAECAwQFBgcICQoL', ciphertext } })
    await bob.waitFor(() => bob.published('room-topic').length === 1)
    expect(bob.published('room-topic')[0]).toEqual({ type: 'publish', topic: 'room-topic', sync: { iv: 'AAECAwQFBgcICQoL', ciphertext }, clients: 2 })
  })

  it('[R4] closes a connection that sends bad input with 1007 and a reason, and keeps serving everyone else', async () => {
    const server = await relay()
    const bystander = await client(server)
    await bystander.subscribe('room')
    for (const [frame, reason] of [
      ['not json {', /JSON text/],
      ['[1,2,3]', /JSON objects/],
      ['{"type":"drop-tables"}', /subscribe, unsubscribe, publish or ping/],
      ['{"type":"subscribe","topics":"room"}', /"topics" must be an array/],
      [JSON.stringify({ type: 'subscribe', topics: ['x'.repeat(600)] }), /"topics" must be an array/],
      ['{"type":"publish","topic":42}', /"topic" must be a string/],
    ] as const) {
      const attacker = await client(server)
      attacker.send(frame)
      const closed = await attacker.closed
      expect(closed.code).toBe(1007)
      expect(closed.reason).toMatch(reason)
    }
    bystander.send({ type: 'publish', topic: 'room', data: 'still here' })
    await bystander.waitFor(() => bystander.published('room').length === 1)
    expect(server.relay.metricsText()).toMatch(/pii_relay_rejections_total\{reason="not_json"\} 1/)
  })
})

describe('relay limits', () => {
  it('[L1] binary frames are refused with 1003', async () => {
    const attacker = await client(await relay())
    attacker.send(Buffer.from([1, 2, 3]))
    expect(await attacker.closed).toMatchObject({ code: 1003, reason: expect.stringMatching(/JSON text/) as string })
  })

  it('[L2] a frame over the size limit is refused with 1009', async () => {
    const attacker = await client(await relay({ maxFrameBytes: 1024 }))
    attacker.send({ type: 'publish', topic: 'room', data: 'x'.repeat(2048) })
    expect((await attacker.closed).code).toBe(1009)
  })

  it('[L3] subscribing to more topics than allowed closes with 1008', async () => {
    const server = await relay({ maxTopicsPerConnection: 3 })
    const attacker = await client(server)
    attacker.send({ type: 'subscribe', topics: ['a', 'b', 'c', 'd'] })
    expect(await attacker.closed).toMatchObject({ code: 1008, reason: 'At most 3 topics per connection.' })
    expect(server.relay.topicCount).toBe(0)
  })

  it('[L4] one address cannot open more connections than allowed', async () => {
    const server = await relay({ maxConnectionsPerAddress: 2 })
    await client(server)
    await client(server)
    await expect(RelayClient.connect(server.relayUrl)).rejects.toThrow('HTTP 429')
  })

  it('[L5] a client sending faster than the rate limit is closed with 1008', async () => {
    const server = await relay({ messagesPerSecond: 10, messageBurst: 20 })
    const attacker = await client(server)
    for (let i = 0; i < 50; i++) attacker.send({ type: 'ping' })
    expect(await attacker.closed).toMatchObject({ code: 1008, reason: 'Too many messages: at most 10 a second.' })
  })

  it('[L6] a subscriber that stops reading is dropped; the others keep receiving', async () => {
    const server = await relay({ maxBufferedBytes: 256 * 1024, messagesPerSecond: 10_000, messageBurst: 10_000 })
    const [publisher, reader, stalled] = await Promise.all([client(server), client(server), client(server)])
    for (const subscriber of [publisher, reader, stalled]) await subscriber.subscribe('room')
    // The stalled client's TCP buffers fill, then the relay's queue for it passes the limit.
    ;(stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause()
    const payload = 'x'.repeat(256 * 1024)
    for (let i = 0; i < 200 && server.relay.metrics.droppedConsumers === 0; i++) {
      publisher.send({ type: 'publish', topic: 'room', data: payload })
      await publisher.roundTrip()
    }
    expect(server.relay.metrics.droppedConsumers).toBe(1)
    const before = reader.published('room').length
    publisher.send({ type: 'publish', topic: 'room', data: 'after' })
    await reader.waitFor(() => reader.published('room').length === before + 1)
  })

  it('[L7] a client that stops answering pings is dropped', async () => {
    const server = await relay({ heartbeatMs: 50 })
    const silent = await client(server, { autoPong: false })
    const healthy = await client(server)
    await silent.closed
    expect(server.relay.metricsText()).toMatch(/reason="heartbeat_timeout"\} 1/)
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN)
  })

  it('[L8] shutting down closes every client with 1001', async () => {
    const server = await relay()
    const alice = await client(server)
    await server.close()
    running.splice(running.indexOf(server), 1)
    expect((await alice.closed).code).toBe(1001)
  })
})

describe('relay operations', () => {
  it('[O1] reports health and Prometheus metrics', async () => {
    const server = await relay()
    const alice = await client(server)
    await alice.subscribe('room')
    alice.send({ type: 'publish', topic: 'room', data: 1 })
    await alice.waitFor(() => alice.published('room').length === 1)

    const health = (await (await fetch(new URL('/healthz', server.url))).json()) as Record<string, unknown>
    expect(health).toEqual({ status: 'ok', connections: 1, topics: 1 })
    const metrics = await (await fetch(new URL('/metrics', server.url))).text()
    for (const line of ['pii_relay_connections 1', 'pii_relay_topics 1', 'pii_relay_deliveries_total 1', 'pii_relay_publishes_total 1']) {
      expect(metrics).toContain(line)
    }
    expect(metrics).toMatch(/# TYPE pii_relay_frames_in_total counter/)
    expect(metrics).toMatch(/pii_relay_dropped_consumers_total 0/)
  })

  it('[O2] answers a non-relay path without a WebSocket upgrade', async () => {
    const server = await relay()
    await expect(RelayClient.connect(server.relayUrl + '/elsewhere')).rejects.toThrow('HTTP 404')
  })
})
