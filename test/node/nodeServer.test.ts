/**
 * The node's two servers: the health port (GET /healthz, /metrics) on
 * 127.0.0.1, and the control socket in front of a real PersonalNode on a
 * temp folder (its rooms an in-process network, so nothing leaves the
 * machine). Hostile requests get a status and a sentence, and the server
 * answers the next request as before.
 */
import { stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { newShareSecret, replicaLink, type InviteSecret } from '../../src/core/space/shareLink.ts'
import { askRunningNode, CONTROL_SOCKET, metricsText, nodeStatus, startControlServer, startHealthServer, type NodeStatus } from '../../src/node/nodeServer.ts'
import { PersonalNode } from '../../src/node/PersonalNode.ts'
import { InstantNetwork } from '../helpers/instantNetwork.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-server-')
const quiet = { info: () => {}, warn: () => {} }

const STATUS: NodeStatus = {
  device: 'did:key:z6Mk-test',
  name: 'Home node',
  folder: '/data',
  startedAt: 1_000_000,
  spaces: 3,
  keyed: 1,
  admitted: 2,
  peers: 5,
  envelopes: 42,
  backupAgeSeconds: 90,
  backupFailures: 1,
  scheduler: { spaces: 1, runsPerformed: 120, runsFailed: 2, runsSkipped: 7, lateness: { p50Ms: 1, p99Ms: 4, maxMs: 9 } },
}

type Where = { readonly socketPath: string } | { readonly host: string; readonly port: number }

/** One request by hand: node:http sends what fetch refuses (a target such as `http://[`, a body that is not JSON, any method). */
function call(where: Where, method: string, path: string, body?: string): Promise<{ readonly status: number; readonly type: string | undefined; readonly text: string }> {
  return new Promise((resolve, reject) => {
    // A server that never answers (a handler that threw) fails the test in a second, not at vitest's timeout.
    const sent = request({ ...where, method, path, agent: false, timeout: 1_000 }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }))
    })
    sent.on('error', reject)
    sent.on('timeout', () => sent.destroy(new Error(`No answer to ${method} ${path} within a second.`)))
    sent.end(body)
  })
}

const errorOf = (text: string): string => (JSON.parse(text) as { error: string }).error

async function healthServer(status: () => NodeStatus | undefined) {
  const server = await startHealthServer(status, '127.0.0.1', 0)
  const url = new URL(server.url)
  return { ...server, where: { host: url.hostname, port: Number(url.port) } }
}

/** A well-formed replica link: the node keeps its space without checking the invite until a member's device is in the room. */
const wellFormedLink = (): string => replicaLink('https://pii.example', newSpaceId(), newShareSecret(), newShareSecret() as string as InviteSecret)

async function controlledNode() {
  const folder = await newFolder()
  const node = await PersonalNode.open({ folder, name: 'Home node', log: quiet, rooms: () => new InstantNetwork() })
  const socketPath = join(folder, CONTROL_SOCKET)
  const control = await startControlServer(node, socketPath, () => nodeStatus(node, { name: 'Home node', folder, startedAt: 1_000 }))
  return {
    node,
    socketPath,
    control,
    close: async () => {
      await control.close()
      await node.stop()
    },
  }
}

describe('startHealthServer', () => {
  it('answers GET /healthz with 200 and the counts while the node serves, 503 while it starts or stops', async () => {
    let now: NodeStatus | undefined = STATUS
    const health = await healthServer(() => now)
    try {
      expect(health.url).toBe(`http://127.0.0.1:${health.where.port}`)
      const ok = await fetch(`${health.url}/healthz`)
      expect(ok.status).toBe(200)
      expect(ok.headers.get('cache-control')).toBe('no-store')
      expect(await ok.json()).toEqual({ status: 'ok', spaces: 3, peers: 5 })
      // A query string does not change the path.
      expect((await fetch(`${health.url}/healthz?probe=1`)).status).toBe(200)
      now = undefined
      const starting = await fetch(`${health.url}/healthz`)
      expect(starting.status).toBe(503)
      expect(await starting.json()).toEqual({ status: 'starting or stopping' })
    } finally {
      await health.close()
    }
  })

  it('answers GET /metrics with Prometheus text: a HELP, a TYPE and a value for each gauge', async () => {
    let now: NodeStatus | undefined = { ...STATUS, startedAt: Date.now() - 60_000 }
    const health = await healthServer(() => now)
    try {
      const metrics = await fetch(`${health.url}/metrics`)
      expect(metrics.status).toBe(200)
      expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4')
      const text = await metrics.text()
      for (const [name, value] of [
        ['pii_node_spaces', 3],
        ['pii_node_spaces_admitted', 2],
        ['pii_node_peers', 5],
        ['pii_node_envelopes_stored', 42],
        ['pii_node_spaces_keyed', 1],
        ['pii_node_scheduler_spaces', 1],
      ] as const) {
        expect(text).toContain(`# HELP ${name} `)
        expect(text).toContain(`# TYPE ${name} gauge\n${name} ${value}\n`)
      }
      // What the node's scheduler did: runs as counters, tick lateness as a summary.
      for (const [name, value] of [
        ['pii_node_runs_performed_total', 120],
        ['pii_node_runs_failed_total', 2],
        ['pii_node_runs_skipped_total', 7],
      ] as const) {
        expect(text).toContain(`# HELP ${name} `)
        expect(text).toContain(`# TYPE ${name} counter\n${name} ${value}\n`)
      }
      expect(text).toContain('# TYPE pii_node_scheduler_tick_lateness_ms summary\n')
      expect(text).toContain('pii_node_scheduler_tick_lateness_ms{quantile="0.5"} 1\npii_node_scheduler_tick_lateness_ms{quantile="0.99"} 4\npii_node_scheduler_tick_lateness_ms{quantile="1"} 9\n')
      const uptime = Number(/^pii_node_uptime_seconds (\d+)$/m.exec(text)?.[1])
      expect(uptime).toBeGreaterThanOrEqual(60)
      expect(uptime).toBeLessThan(70)
      now = undefined
      const stopping = await fetch(`${health.url}/metrics`)
      expect(stopping.status).toBe(503)
      expect(await stopping.text()).toBe('starting or stopping\n')
    } finally {
      await health.close()
    }
  })

  it('computes uptime from startedAt, and 0 when no node runs', () => {
    expect(metricsText(STATUS, 1_000_000 + 12_400)).toContain('pii_node_uptime_seconds 12\n')
    expect(metricsText({ ...STATUS, startedAt: undefined }, 5_000_000)).toContain('pii_node_uptime_seconds 0\n')
  })

  it('refuses what is not a GET with 405, an unknown path with 404 and a sentence, a target that is no URL with 400, and keeps answering', async () => {
    const health = await healthServer(() => STATUS)
    try {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const refused = await call(health.where, method, '/healthz', '{}')
        expect(refused.status).toBe(405)
        expect(errorOf(refused.text)).toBe('Only GET is answered here.')
      }
      const head = await call(health.where, 'HEAD', '/healthz')
      expect([head.status, head.text]).toEqual([200, ''])
      const unknown = await call(health.where, 'GET', '/admin')
      expect(unknown.status).toBe(404)
      expect(errorOf(unknown.text)).toBe('Nothing at /admin: this port answers /healthz and /metrics.')
      // The HTTP parser lets these targets through; URL cannot read them. Once, each stopped the whole node.
      for (const target of ['http://[', 'http://a:b:c/', 'http://host:99999/']) {
        const odd = await call(health.where, 'GET', target)
        expect(odd.status).toBe(400)
        expect(errorOf(odd.text)).toMatch(/no path/)
      }
      expect((await call(health.where, 'GET', '/healthz')).status).toBe(200)
    } finally {
      await health.close()
    }
  })

  it('frees its port on close', async () => {
    const health = await healthServer(() => STATUS)
    await health.close()
    await expect(fetch(`${health.url}/healthz`)).rejects.toThrow()
  })
})

describe('startControlServer and askRunningNode', () => {
  it('answers GET /status and /spaces, and keeps, lists and removes a space through POST /replicate and /remove', async () => {
    const { node, socketPath, close } = await controlledNode()
    try {
      expect(await askRunningNode(socketPath, 'GET', '/status')).toEqual({
        status: 200,
        body: {
          device: node.device,
          name: 'Home node',
          folder: socketPath.slice(0, -CONTROL_SOCKET.length - 1),
          startedAt: 1_000,
          spaces: 0,
          keyed: 0,
          admitted: 0,
          peers: 0,
          envelopes: 0,
          backupFailures: 0,
          scheduler: { spaces: 0, runsPerformed: 0, runsFailed: 0, runsSkipped: 0, lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0 } },
        },
      })
      expect(await askRunningNode(socketPath, 'GET', '/spaces')).toEqual({ status: 200, body: [] })

      const link = wellFormedLink()
      const kept = await askRunningNode(socketPath, 'POST', '/replicate', { link })
      expect(kept?.status).toBe(200)
      const space = (kept?.body as { space: string }).space
      expect(await askRunningNode(socketPath, 'GET', '/spaces')).toMatchObject({ status: 200, body: [{ space, relay: 'wss://pii.example/', admitted: false }] })
      expect(await askRunningNode(socketPath, 'GET', '/status')).toMatchObject({ body: { spaces: 1, admitted: 0 } })

      expect(await askRunningNode(socketPath, 'POST', '/remove', { space })).toEqual({ status: 200, body: { removed: space } })
      expect(node.spaces()).toEqual([])
      const again = await askRunningNode(socketPath, 'POST', '/remove', { space })
      expect(again).toEqual({ status: 404, body: { error: `This node keeps no space ${space}.` } })
    } finally {
      await close()
    }
  })

  it('answers a bad command with 400 or 404 and a sentence, keeps nothing for it, and answers the next command', async () => {
    const { node, socketPath, close } = await controlledNode()
    try {
      const asked = async (path: string, body: unknown) => {
        const answer = await askRunningNode(socketPath, 'POST', path, body)
        return [answer?.status, (answer?.body as { error?: string }).error]
      }
      // The sentence is NodeInputError's, as the CLI shows it.
      expect(await asked('/replicate', { link: 'not a link' })).toEqual([400, `"not a link" is not a link. Copy the whole link that Share → "For a personal node" shows.`])
      expect(await asked('/replicate', { link: 'https://host/#/s/abc/def' })).toEqual([400, expect.stringMatching(/not a Pii replica link/)])
      expect(await asked('/replicate', { url: 'https://host/' })).toEqual([400, expect.stringMatching(/^Give the replica link/)])
      expect(await asked('/replicate', { link: 'x'.repeat(16 * 1024) })).toEqual([400, 'A command is at most 16384 bytes.'])
      expect(await asked('/replicate', ['https://host/'])).toEqual([400, 'A command is a JSON object.'])
      expect(await asked('/remove', { space: 'not-a-space-id' })).toEqual([400, expect.stringMatching(/^Give the id of a space/)])
      expect(await asked('/remove', { space: newSpaceId() })).toEqual([404, expect.stringMatching(/^This node keeps no space /)])
      expect(await asked('/status', {})).toEqual([404, 'Unknown command POST /status.'])

      const notJson = await call({ socketPath }, 'POST', '/replicate', '{"link": "https://')
      expect([notJson.status, errorOf(notJson.text)]).toEqual([400, 'A command is a JSON object; this was not JSON.'])
      const empty = await call({ socketPath }, 'POST', '/replicate')
      expect([empty.status, errorOf(empty.text)]).toEqual([400, 'A command is a JSON object; this was not JSON.'])
      const deleting = await call({ socketPath }, 'DELETE', '/spaces')
      expect([deleting.status, errorOf(deleting.text)]).toEqual([404, 'Unknown command DELETE /spaces.'])
      const odd = await call({ socketPath }, 'GET', 'http://[')
      expect([odd.status, errorOf(odd.text)]).toEqual([400, expect.stringMatching(/no path/)])

      // A client that leaves halfway through its body, once the server has its first bytes.
      const halfway = request({ socketPath, method: 'POST', path: '/replicate', headers: { 'content-length': '1000' }, agent: false })
      const closed = new Promise((resolve) => halfway.on('close', resolve))
      halfway.on('error', () => {}) // "socket hang up": this side hung up
      await new Promise((resolve) => halfway.write('{"link": "https://', resolve))
      halfway.destroy()
      await closed

      expect(node.spaces()).toEqual([])
      expect(await askRunningNode(socketPath, 'GET', '/spaces')).toEqual({ status: 200, body: [] })
    } finally {
      await close()
    }
  })

  it('makes its socket readable by the owner only, replacing a file a killed node left', async () => {
    const folder = await newFolder()
    const socketPath = join(folder, CONTROL_SOCKET)
    await writeFile(socketPath, 'left by a node that was killed')
    const node = await PersonalNode.open({ folder, name: 'Home node', log: quiet, network: false })
    const control = await startControlServer(node, socketPath, () => nodeStatus(node, { name: 'Home node', folder, startedAt: 1 }))
    try {
      const socket = await stat(socketPath)
      expect(socket.isSocket()).toBe(true)
      expect(socket.mode & 0o777).toBe(0o600)
      expect(await askRunningNode(socketPath, 'GET', '/spaces')).toEqual({ status: 200, body: [] })
    } finally {
      await control.close()
      await node.stop()
    }
  })

  it('removes its socket on close; askRunningNode then resolves undefined, as where nothing ever listened', async () => {
    const { socketPath, close } = await controlledNode()
    expect(await askRunningNode(socketPath, 'GET', '/status')).toMatchObject({ status: 200 })
    await close()
    await expect(stat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await askRunningNode(socketPath, 'GET', '/status')).toBeUndefined()

    const nothing = join(await newFolder(), CONTROL_SOCKET)
    expect(await askRunningNode(nothing, 'GET', '/status')).toBeUndefined()
    // A file where the socket would be, and nobody listening on it.
    await writeFile(nothing, '')
    expect(await askRunningNode(nothing, 'POST', '/remove', { space: newSpaceId() })).toBeUndefined()
  })
})
