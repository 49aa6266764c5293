import type { OutgoingHttpHeaders } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { readRelayConfig } from '../../../src/server/config.ts'
import { startPiiServer, type RunningPiiServer } from '../../../src/server/PiiServer.ts'
import { RelayClient } from '../../helpers/relayClient.ts'

const running: RunningPiiServer[] = []
const clients: RelayClient[] = []

/** A relay set up as `npm run relay` would be with these environment variables. */
async function relay(env: NodeJS.ProcessEnv = {}): Promise<RunningPiiServer> {
  const config = readRelayConfig(env)
  const server = await startPiiServer({ host: '127.0.0.1', port: 0, relayLimits: config.limits, relayAccess: config.access })
  running.push(server)
  return server
}

async function client(server: RunningPiiServer, headers: OutgoingHttpHeaders = {}): Promise<RelayClient> {
  const connected = await RelayClient.connect(server.relayUrl, { headers })
  clients.push(connected)
  return connected
}

const forwardedFor = (addresses: string | string[]): OutgoingHttpHeaders => ({ 'X-Forwarded-For': addresses })
const ownOrigin = (server: RunningPiiServer): string => new URL(server.url).origin
const rejections = (server: RunningPiiServer, reason: string): number =>
  Number(new RegExp(`pii_relay_rejections_total\\{reason="${reason}"\\} (\\d+)`).exec(server.relay.metricsText())?.[1])

afterEach(async () => {
  for (const connected of clients.splice(0)) connected.socket.terminate()
  await Promise.all(running.splice(0).map((server) => server.close()))
})

describe('clients behind a reverse proxy', () => {
  it('[RLY1a] behind a trusted proxy, each forwarded client address has its own connection limit', async () => {
    const server = await relay({ RELAY_TRUSTED_PROXIES: '127.0.0.1', RELAY_MAX_CONNECTIONS_PER_ADDRESS: '2' })
    await client(server, forwardedFor('203.0.113.1'))
    await client(server, forwardedFor('203.0.113.1'))
    await expect(RelayClient.connect(server.relayUrl, { headers: forwardedFor('203.0.113.1') })).rejects.toThrow('HTTP 429')

    await client(server, forwardedFor('203.0.113.2'))
    await client(server, forwardedFor('203.0.113.2'))
    expect(server.relay.connectionCount).toBe(4)
  })

  it('[RLY1b] X-Forwarded-For is believed only from a trusted proxy; from anyone else the socket address is counted', async () => {
    const trusting = await relay({ RELAY_TRUSTED_PROXIES: '127.0.0.0/8', RELAY_MAX_CONNECTIONS_PER_ADDRESS: '1' })
    await client(trusting, forwardedFor('203.0.113.1'))
    await client(trusting, forwardedFor('203.0.113.2'))

    for (const env of [{}, { RELAY_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }]) {
      const untrusting = await relay({ ...env, RELAY_MAX_CONNECTIONS_PER_ADDRESS: '1' })
      await client(untrusting, forwardedFor('203.0.113.1'))
      // A client writing a fresh address per connection must not get a fresh limit per connection.
      await expect(RelayClient.connect(untrusting.relayUrl, { headers: forwardedFor('203.0.113.2') })).rejects.toThrow('HTTP 429')
    }
  })

  it('[RLY1c] a forwarded chain is counted by its right-most address that is not a trusted proxy, whatever the client wrote left of it', async () => {
    const server = await relay({ RELAY_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8', RELAY_MAX_CONNECTIONS_PER_ADDRESS: '1' })
    await client(server, forwardedFor('198.51.100.1, 203.0.113.7'))
    // Same right-most client, a different spoofed entry in front: the same limit.
    await expect(RelayClient.connect(server.relayUrl, { headers: forwardedFor('198.51.100.2, 203.0.113.7') })).rejects.toThrow('HTTP 429')
    // The same spoofed entry from another client, through a second trusted proxy: that client's own limit.
    await client(server, forwardedFor('198.51.100.1, 203.0.113.8, 10.0.0.5'))
    // Several X-Forwarded-For headers read as one list.
    await expect(RelayClient.connect(server.relayUrl, { headers: forwardedFor(['198.51.100.3', '203.0.113.8']) })).rejects.toThrow('HTTP 429')
  })
})

describe('web pages, by Origin', () => {
  it("[RLY2a] by default the app's own origin and clients without an Origin connect; a page elsewhere gets 403 naming the setting", async () => {
    const server = await relay()
    const own = ownOrigin(server)
    await client(server, { Origin: own })
    await client(server, { Origin: own.replace('http:', 'https:') })
    await client(server)

    for (const origin of ['https://evil.example', 'http://127.0.0.1:1']) {
      const refused = await RelayClient.refusal(server.relayUrl, { headers: { Origin: origin } })
      expect(refused.status).toBe(403)
      expect(refused.body).toContain(`"${origin}"`)
      expect(refused.body).toContain('RELAY_ALLOWED_ORIGINS')
    }
    expect(rejections(server, 'origin_not_allowed')).toBe(2)
    expect(server.relay.connectionCount).toBe(3)
  })

  it('[RLY2b] RELAY_ALLOWED_ORIGINS lists the pages that may connect, compared normalised; * lets any page in', async () => {
    const listed = await relay({ RELAY_ALLOWED_ORIGINS: 'HTTPS://Pii.Example:443/, http://localhost:5173' })
    await client(listed, { Origin: 'https://pii.example' })
    await client(listed, { Origin: 'http://localhost:5173' })
    await client(listed)
    for (const origin of [ownOrigin(listed), 'http://localhost:5174', 'http://pii.example', 'https://pii.example.evil.example']) {
      expect((await RelayClient.refusal(listed.relayUrl, { headers: { Origin: origin } })).status).toBe(403)
    }

    const open = await relay({ RELAY_ALLOWED_ORIGINS: '*' })
    await client(open, { Origin: 'https://evil.example' })
    await client(open, { Origin: 'null' })
  })

  it("[RLY3] a disallowed origin does not use up the address's connection slots", async () => {
    // The finding: 64 sockets from one hostile page locked out everyone else behind that address.
    const server = await relay()
    const refusals = await Promise.all(
      Array.from({ length: 64 }, () => RelayClient.refusal(server.relayUrl, { headers: { Origin: 'https://evil.example' } })),
    )
    expect(refusals.map((refusal) => refusal.status)).toEqual(Array.from({ length: 64 }, () => 403))
    await client(server, { Origin: ownOrigin(server) })

    // The Origin is judged first: even at its limit, the address hears 403, not 429.
    const full = await relay({ RELAY_MAX_CONNECTIONS_PER_ADDRESS: '1' })
    await client(full)
    expect((await RelayClient.refusal(full.relayUrl, { headers: { Origin: 'https://evil.example' } })).status).toBe(403)
    expect(rejections(full, 'too_many_connections')).toBe(0)
  })
})

describe('hostile headers', () => {
  it('[RLY4] no header value crashes the relay: a bad Origin is refused, a bad X-Forwarded-For ends at the last good address', async () => {
    const server = await relay({ RELAY_TRUSTED_PROXIES: '127.0.0.1', RELAY_MAX_CONNECTIONS_PER_ADDRESS: '1' })
    const own = ownOrigin(server)
    const long = 'x'.repeat(8_000)
    const hostileOrigins: OutgoingHttpHeaders[] = [
      { Origin: '' },
      { Origin: ' ' },
      { Origin: 'garbage' },
      { Origin: 'javascript:alert(1)' },
      { Origin: 'http://[::1' },
      { Origin: `https://${long}.example` },
      { Origin: long },
      { Origin: `${own}/path` },
      { Origin: own.replace('http://', 'http://user@') },
      { Origin: 'https://\u00e9vil.example' },
      { Origin: [own, own] },
      { Origin: own, Host: 'evil.example' },
      { Origin: own, Host: `${new URL(own).host}/path` },
      { Origin: own, Host: long },
    ]
    for (const headers of hostileOrigins) {
      const refused = await RelayClient.refusal(server.relayUrl, { headers })
      expect(refused.status).toBe(403)
      expect(refused.body.length).toBeLessThan(400)
    }

    // 127.0.0.1 itself takes the only slot; every malformed chain below must land on it, not on an address of its own.
    await client(server)
    const short = 'x'.repeat(4_000)
    const hostileChains = ['', ' , ,', 'garbage', '203.0.113.1:4711', '[2001:db8::1]', '999.0.0.1', long, `x,${'127.0.0.1,'.repeat(500)}127.0.0.1`]
    for (const chain of [...hostileChains, ['203.0.113.1', ''], [short, short]]) {
      await expect(RelayClient.connect(server.relayUrl, { headers: forwardedFor(chain) })).rejects.toThrow('HTTP 429')
    }

    await client(server, { Origin: own, ...forwardedFor('203.0.113.9') })
    const health = (await (await fetch(new URL('/healthz', server.url))).json()) as Record<string, unknown>
    expect(health).toMatchObject({ status: 'ok', connections: 2 })
  })
})
