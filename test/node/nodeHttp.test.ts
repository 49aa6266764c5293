/**
 * The node's http kind against the attacks a member of a shared space can
 * plan (nodeHttp.ts): requests at loopback, private, link-local and cloud
 * metadata addresses, IPv6 and IPv4-in-IPv6 spellings of them, names that
 * resolve to them (before or while connecting), and redirects to them. Each
 * is refused, the target never hears a byte, and the refusal is not retried.
 * With PII_HTTP_ALLOW_PRIVATE the same requests go through.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Kind, KindContext } from '../../src/core/scheduler/kinds.ts'
import { nodeHttpKind, nodeHttpPort, type NodeHttpOptions } from '../../src/node/nodeHttp.ts'
import { refusedRangeOf } from '../../src/node/privateAddresses.ts'

interface Heard {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

/** A server on `host` that records every request and answers with `answer`'s status and headers. */
async function target(host = '127.0.0.1', answer: (heard: Heard) => [number, Record<string, string>?] = () => [200]) {
  const heard: Heard[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const one = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }
      heard.push(one)
      const [status, headers = {}] = answer(one)
      response.writeHead(status, headers).end('body the kind does not read')
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as AddressInfo
  return { heard, port, url: `http://${host}:${port}` }
}

const context = (occurrence = 'op1#0'): KindContext =>
  ({ operation: { id: 'op1' }, occurrence: { id: occurrence }, idempotencyKey: occurrence, doc: new Y.Doc(), peer: 'did:key:z6MkNode', now: Date.now, signal: new AbortController().signal }) as unknown as KindContext

const fenced: NodeHttpOptions = { allowPrivate: false }

async function refusal(kind: Kind, url: string): Promise<Error> {
  const error = await kind.execute({ url }, context()).then(
    () => undefined,
    (failure: unknown) => failure,
  )
  expect(error, `${url} was sent`).toBeInstanceOf(Error)
  // Refused for good: the fence's answer will not change on a retry.
  expect(kind.retry?.retryable(error), `${url}'s refusal would be retried`).toBe(false)
  return error as Error
}

describe('the node’s http kind refuses what only the node can reach', () => {
  it('refuses loopback 127.0.0.1, and the server there hears nothing', async () => {
    const local = await target()
    const error = await refusal(nodeHttpKind(fenced), `${local.url}/hook`)
    expect(error.message).toBe('Refused by the node: 127.0.0.1 is a loopback address, which only the node’s own network can reach. Use a public address, or set PII_HTTP_ALLOW_PRIVATE=1 on the node to allow it.'.replace('’', "'"))
    expect(local.heard).toEqual([])
  })

  it.each([
    ['http://10.0.0.1/hook', /10\.0\.0\.1 is a private address/],
    ['http://192.168.1.1/admin', /192\.168\.1\.1 is a private address/],
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', /169\.254\.169\.254 is a link-local address/],
    ['http://100.100.100.200/latest/meta-data/', /100\.100\.100\.200 is a shared \(CGNAT\) address/],
    ['http://0.0.0.0:8790/metrics', /0\.0\.0\.0 is an unspecified address/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback address/],
    ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://[::1]:8790/metrics', /::1 is a loopback address/],
    ['http://[::ffff:127.0.0.1]/', /::ffff:7f00:1 is a loopback address/],
    ['http://[::ffff:169.254.169.254]/', /::ffff:a9fe:a9fe is a link-local address/],
    ['http://[fd00::1]/', /fd00::1 is a private address/],
    ['http://[fe80::1]/', /fe80::1 is a link-local address/],
  ])('refuses %s before connecting', async (url, message) => {
    const error = await refusal(nodeHttpKind({ ...fenced, resolve: () => Promise.reject(new Error('an IP literal is never resolved')) }), url)
    expect(error.message).toMatch(message)
  })

  it('refuses a name that resolves to loopback (localhost), and one with a private address among public ones', async () => {
    const local = await target()
    expect((await refusal(nodeHttpKind(fenced), `http://localhost:${local.port}/hook`)).message).toMatch(/^Refused by the node: localhost \((127\.0\.0\.1|::1)\) is a loopback address/)
    const mixed = nodeHttpKind({ ...fenced, resolve: () => Promise.resolve([{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }]) })
    expect((await refusal(mixed, `http://rebind.example:${local.port}/hook`)).message).toMatch(/rebind\.example \(127\.0\.0\.1\) is a loopback address/)
    expect(local.heard).toEqual([])
  })

  it('refuses a name that resolved to a public address when checked and to loopback when connecting (DNS rebinding)', async () => {
    const local = await target()
    let lookups = 0
    const rebinding = nodeHttpKind({ ...fenced, resolve: () => Promise.resolve([{ address: ++lookups === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }]) })
    const error = await refusal(rebinding, `http://rebind.example:${local.port}/hook`)
    expect(lookups).toBe(2)
    expect(error.message).toMatch(/Could not reach rebind\.example:\d+ \(Refused by the node: rebind\.example \(127\.0\.0\.1\) is a loopback address/)
    expect(local.heard).toEqual([])
  })

  it('fences https the same way: the name is checked as the TLS connection is made', async () => {
    const port = nodeHttpPort({ ...fenced, resolve: () => Promise.resolve([{ address: '10.0.0.7', family: 4 }]) })
    await expect(port.fetch('https://internal.example/hook', { method: 'POST', headers: {} })).rejects.toThrow(/^Refused by the node: internal\.example \(10\.0\.0\.7\) is a private address/)
  })

  it('follows no redirect to a private address: by IP literal or by a name that resolves to one', async () => {
    // 127.0.0.1 stands in for a public server here (the only address this test's fence lets through); 127.0.0.2 is the private one.
    const hidden = await target('127.0.0.2')
    const asPublic: NodeHttpOptions = {
      allowPrivate: false,
      refusedRangeOf: (address) => (address === '127.0.0.1' ? undefined : refusedRangeOf(address)),
      resolve: (name) => Promise.resolve([{ address: name === 'metadata.example' ? '169.254.169.254' : '127.0.0.1', family: 4 }]),
    }
    for (const [location, message] of [
      [`${hidden.url}/admin`, /127\.0\.0\.2 is a loopback address/],
      ['http://metadata.example/latest/meta-data/', /metadata\.example \(169\.254\.169\.254\) is a link-local address/],
    ] as const) {
      const redirector = await target('127.0.0.1', () => [302, { location }])
      const error = await refusal(nodeHttpKind(asPublic), `${redirector.url}/hook`)
      expect(error.message).toMatch(message)
      expect(redirector.heard).toHaveLength(1)
    }
    expect(hidden.heard).toEqual([])
  })
})

describe('with PII_HTTP_ALLOW_PRIVATE=1', () => {
  const open: NodeHttpOptions = { allowPrivate: true }

  it('sends to 127.0.0.1 and to localhost, with the occurrence id as Idempotency-Key', async () => {
    const local = await target()
    const kind = nodeHttpKind(open)
    expect(await kind.execute({ url: `${local.url}/hook`, body: '{"n":1}', headers: { 'Content-Type': 'application/json' } }, context('op1#4'))).toBe('HTTP 200')
    expect(await kind.execute({ url: `http://localhost:${local.port}/again`, method: 'GET' }, context('op1#5'))).toBe('HTTP 200')
    expect(local.heard.map((heard) => [heard.method, heard.url, heard.headers['idempotency-key'], heard.body])).toEqual([
      ['POST', '/hook', 'op1#4', '{"n":1}'],
      ['GET', '/again', 'op1#5', ''],
    ])
  })

  it('follows a 303 as a GET without the body, and carries no Authorization to another origin', async () => {
    const landing = await target()
    const redirector = await target('127.0.0.1', () => [303, { location: `${landing.url}/landed` }])
    const answer = await nodeHttpPort(open).fetch(`${redirector.url}/hook`, { method: 'POST', headers: { Authorization: 'Bearer secret', 'Content-Type': 'text/plain', 'Idempotency-Key': 'op1#0' }, body: 'payload' })
    expect(answer.status).toBe(200)
    expect(redirector.heard[0]).toMatchObject({ method: 'POST', body: 'payload', headers: { authorization: 'Bearer secret' } })
    expect(landing.heard).toHaveLength(1)
    expect(landing.heard[0]).toMatchObject({ method: 'GET', url: '/landed', body: '' })
    expect(landing.heard[0]!.headers).not.toHaveProperty('authorization')
    expect(landing.heard[0]!.headers).not.toHaveProperty('content-type')
    expect(landing.heard[0]!.headers['idempotency-key']).toBe('op1#0')
  })

  it('stops after 5 redirects', async () => {
    const loop = await target('127.0.0.1', (heard) => [307, { location: `${heard.url}x` }])
    const error = await refusal(nodeHttpKind(open), `${loop.url}/a`)
    expect(error.message).toMatch(/redirected more than 5 times/)
    expect(loop.heard).toHaveLength(6)
  })
})
