import { createClient } from '@redis/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPiiServer, type RunningPiiServer } from '../../../src/server/PiiServer.ts'
import { RelayClient } from '../../helpers/relayClient.ts'
import { startRedis, type TestRedis } from '../../helpers/redisServer.ts'

let redis: TestRedis
const servers: RunningPiiServer[] = []
const clients: RelayClient[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  for (const client of clients) client.socket.terminate()
  await Promise.all(servers.map((server) => server.close()))
  await redis.stop()
})

async function instance(): Promise<RunningPiiServer> {
  const server = await startPiiServer({ host: '127.0.0.1', port: 0, redisUrl: redis.url })
  servers.push(server)
  return server
}

async function clientOf(server: RunningPiiServer, topic: string): Promise<RelayClient> {
  const client = await RelayClient.connect(server.relayUrl)
  clients.push(client)
  await client.subscribe(topic)
  return client
}

/** Redis subscriptions complete asynchronously: publish until the first one crosses over. */
async function publishUntilReceived(from: RelayClient, to: RelayClient, topic: string): Promise<void> {
  await to.waitFor(() => {
    from.send({ type: 'publish', topic, data: 'hello from the other instance' })
    return to.published(topic).length > 0
  })
}

describe('relay scale-out through Redis', () => {
  it('[X1] clients on two relay instances in the same room exchange messages', async () => {
    const [first, second] = await Promise.all([instance(), instance()])
    const onFirst = await clientOf(first, 'shared-room')
    const onSecond = await clientOf(second, 'shared-room')

    await publishUntilReceived(onFirst, onSecond, 'shared-room')
    await publishUntilReceived(onSecond, onFirst, 'shared-room')
    expect(onSecond.published('shared-room')[0]).toMatchObject({ data: 'hello from the other instance', clients: 1 })
    // Each instance hears its own clients once: its own echo from Redis is skipped.
    const own = onFirst.published('shared-room').length
    onFirst.send({ type: 'publish', topic: 'shared-room', data: 'once' })
    await onSecond.waitFor(() => onSecond.published('shared-room').some((message) => message.data === 'once'))
    await onFirst.roundTrip()
    expect(onFirst.published('shared-room').filter((message) => message.data === 'once')).toHaveLength(1)
    expect(onFirst.published('shared-room').length).toBeGreaterThan(own)
  })

  it('[X2] ignores malformed messages arriving through Redis', async () => {
    const [first, second] = await Promise.all([instance(), instance()])
    const listener = await clientOf(first, 'guarded-room')
    const talker = await clientOf(second, 'guarded-room')
    await publishUntilReceived(talker, listener, 'guarded-room')

    const intruder = createClient({ url: redis.url })
    await intruder.connect()
    for (const junk of ['no separator', 'other\nnot json', 'other\n{"type":"publish","topic":"another-room"}']) {
      await intruder.publish('pii-relay:guarded-room', junk)
    }
    await intruder.close()
    // Published after the junk reached Redis, so it arrives after it.
    talker.send({ type: 'publish', topic: 'guarded-room', data: 'legit' })
    await listener.waitFor(() => listener.published('guarded-room').some((message) => message.data === 'legit'))
    expect(listener.received.filter((message) => message.type !== 'pong' && message.topic !== 'guarded-room')).toEqual([])
    expect(new Set(listener.published('guarded-room').map((message) => message.data))).toEqual(new Set(['hello from the other instance', 'legit']))
  })
})
