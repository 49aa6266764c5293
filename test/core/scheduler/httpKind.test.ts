import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { HttpFailure, type HttpPort, httpKind } from '../../../src/core/scheduler/httpKind.ts'
import type { KindContext } from '../../../src/core/scheduler/kinds.ts'
import { occurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'

const OP: Operation = {
  id: 'hook' as OperationId,
  schedulerId: 's' as SchedulerId,
  title: 'Ping the webhook',
  kind: 'http',
  input: { url: 'https://example.com/hook', body: '{"ping":true}', headers: { 'Content-Type': 'application/json' } },
  dueAt: 0,
  repeat: { kind: 'every', everyMs: 60_000 },
  catchUp: 'skip',
  status: 'active',
  createdBy: 'did:key:z6Mk',
  createdAt: 0,
}

const contextFor = (index: number, operationId: string = OP.id): KindContext => {
  const id = occurrenceId(operationId, index)
  return { operation: OP, occurrence: { id, index, dueAt: index * 60_000 }, idempotencyKey: id, doc: new Y.Doc(), peer: 'p', now: () => 0, signal: new AbortController().signal }
}

type Sent = { url: string } & Parameters<HttpPort['fetch']>[1]

/** A port that records what it was asked to send and answers with `status`. */
function recordingPort(status: number, statusText?: string): { port: HttpPort; sent: Sent[] } {
  const sent: Sent[] = []
  const port: HttpPort = {
    fetch: (url, init) => {
      sent.push({ url, ...init })
      return Promise.resolve(statusText === undefined ? { status } : { status, statusText })
    },
  }
  return { port, sent }
}

const fieldsOf = (input: unknown): string[] => httpKind(recordingPort(200).port).checkInput(input).map((problem) => problem.field)

describe('http kind', () => {
  it('[K2] names the input field that is wrong, and fails the run instead of sending', async () => {
    expect(fieldsOf(OP.input)).toEqual([])
    expect(fieldsOf({ url: 'http://localhost:8080/x', method: 'DELETE' })).toEqual([])
    expect(fieldsOf({ url: 'ftp://example.com/file' })).toEqual(['input.url'])
    expect(fieldsOf({ url: 'example.com/hook' })).toEqual(['input.url'])
    expect(fieldsOf({ url: `https://example.com/${'a'.repeat(2048)}` })).toEqual(['input.url'])
    expect(fieldsOf({ url: 'https://user:secret@example.com/' })).toEqual(['input.url'])
    expect(fieldsOf({ url: 'https://example.com', method: 'post' })).toEqual(['input.method'])
    expect(fieldsOf({ url: 'https://example.com', method: 'GET', body: 'x' })).toEqual(['input.body'])
    expect(fieldsOf({ url: 'https://example.com', body: 'x'.repeat(100 * 1024 + 1) })).toEqual(['input.body'])
    expect(fieldsOf({ url: 'https://example.com', headers: ['Accept: */*'] })).toEqual(['input.headers'])
    expect(fieldsOf({ url: 'https://example.com', headers: Object.fromEntries(Array.from({ length: 51 }, (_, n) => [`x-h${n}`, 'v'])) })).toEqual(['input.headers'])
    expect(fieldsOf({ url: 'https://example.com', headers: { 'X-Bad': 'one\r\nInjected: yes' } })).toEqual(['input.headers'])
    expect(fieldsOf({ url: 'https://example.com', headers: { 'Bad Name': 'v' } })).toEqual(['input.headers'])
    expect(fieldsOf({ url: 'https://example.com', headers: { 'X-A': 'v', 'x-a': 'w' } })).toEqual(['input.headers'])
    expect(fieldsOf(null)).toEqual(['input'])
    const kind = httpKind(recordingPort(200).port)
    for (const header of ['Idempotency-Key', 'host', 'Content-Length', 'Sec-Fetch-Mode', 'Proxy-Authorization']) {
      expect(kind.checkInput({ url: 'https://example.com', headers: { [header]: 'x' } })[0]?.message).toContain(header)
    }
    const { port, sent } = recordingPort(200)
    await expect(httpKind(port).execute({ url: 'mailto:me@example.com' }, contextFor(0))).rejects.toThrow(/must start with http:\/\/ or https:\/\//)
    expect(sent).toEqual([])
  })

  it('[G3] sends the occurrence id as Idempotency-Key, the same on every repeat, and POST by default', async () => {
    const { port, sent } = recordingPort(201)
    const kind = httpKind(port)
    expect(await kind.execute(OP.input, contextFor(3))).toBe('HTTP 201')
    expect(await kind.execute(OP.input, contextFor(3))).toBe('HTTP 201')
    await kind.execute({ url: 'https://example.com/status', method: 'GET' }, contextFor(4))
    expect(sent.map((request) => request.headers['Idempotency-Key'])).toEqual(['hook#3', 'hook#3', 'hook#4'])
    expect(sent[0]).toMatchObject({ url: 'https://example.com/hook', method: 'POST', body: '{"ping":true}', headers: { 'Content-Type': 'application/json' } })
    expect(sent[2]?.method).toBe('GET')
    expect(sent[2] && 'body' in sent[2]).toBe(false)
    // An operation id that is not a valid header value still gives one key, the same each time.
    await kind.execute(OP.input, contextFor(0, 'réveil ☀'))
    await kind.execute(OP.input, contextFor(0, 'réveil ☀'))
    expect(sent[3]?.headers['Idempotency-Key']).toBe('r%C3%A9veil%20%E2%98%80%230')
    expect(sent[4]?.headers['Idempotency-Key']).toBe(sent[3]?.headers['Idempotency-Key'])
  })

  it('resolves on 2xx and 3xx, and fails with the status and what to do for 4xx and 5xx', async () => {
    expect(await httpKind(recordingPort(302).port).execute(OP.input, contextFor(0))).toBe('HTTP 302')
    await expect(httpKind(recordingPort(503, 'Service Unavailable').port).execute(OP.input, contextFor(0))).rejects.toThrow(/^The server answered HTTP 503 Service Unavailable\. It failed to handle the request/)
    // HTTP/2 answers carry no reason phrase: the kind supplies the usual one.
    await expect(httpKind(recordingPort(404, '').port).execute(OP.input, contextFor(0))).rejects.toThrow(/^The server answered HTTP 404 Not Found\. It refused the request: check the URL/)
    await expect(httpKind(recordingPort(499).port).execute(OP.input, contextFor(0))).rejects.toMatchObject({ reason: HttpFailure.status, status: 499, message: expect.stringMatching(/^The server answered HTTP 499\. /) as unknown })
  })

  it('fails with a readable message when the server cannot be reached or does not answer in time', async () => {
    const refused: HttpPort = { fetch: () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') })) }
    await expect(httpKind(refused).execute({ url: 'http://127.0.0.1:9/x' }, contextFor(0))).rejects.toMatchObject({
      reason: HttpFailure.network,
      message: expect.stringMatching(/^Could not reach 127\.0\.0\.1:9 \(connect ECONNREFUSED 127\.0\.0\.1:9\)\. Check the URL/) as unknown,
    })
    const throwsAtOnce: HttpPort = {
      fetch: () => {
        throw new TypeError('Failed to fetch')
      },
    }
    await expect(httpKind(throwsAtOnce).execute(OP.input, contextFor(0))).rejects.toThrow(/^Could not reach example\.com \(Failed to fetch\)/)
    // A port that honours the signal, and one that ignores it: both time out.
    const abortable: HttpPort = { fetch: (_url, init) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))) }
    const stuck: HttpPort = { fetch: () => new Promise(() => undefined) }
    for (const port of [abortable, stuck]) {
      await expect(httpKind(port, { timeoutMs: 20 }).execute(OP.input, contextFor(0))).rejects.toMatchObject({ reason: HttpFailure.timeout, message: 'example.com did not answer within 20 ms; it may still have received the request.' })
    }
    expect(() => httpKind(refused, { timeoutMs: 0 })).toThrow(RangeError)
  })

  it('[G3] end to end: a real server receives the Idempotency-Key, and its errors come back readable', async () => {
    const received: Array<{ method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders; body: string }> = []
    const server = createServer((request, response) => {
      let body = ''
      request.setEncoding('utf8')
      request.on('data', (chunk: string) => (body += chunk))
      request.on('end', () => {
        received.push({ method: request.method, url: request.url, headers: request.headers, body })
        response.statusCode = request.url === '/down' ? 503 : 200
        response.end('a body the kind does not read')
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    try {
      const kind = httpKind({ fetch: globalThis.fetch })
      const base = `http://127.0.0.1:${port}`
      expect(await kind.execute({ url: `${base}/hook`, body: 'hello', headers: { 'X-Token': 'abc' } }, contextFor(7))).toBe('HTTP 200')
      expect(await kind.execute({ url: `${base}/hook`, body: 'hello', headers: { 'X-Token': 'abc' } }, contextFor(7))).toBe('HTTP 200')
      await expect(kind.execute({ url: `${base}/down`, method: 'PUT' }, contextFor(8))).rejects.toThrow(/^The server answered HTTP 503 Service Unavailable\./)
      expect(received.map(({ method, url, headers, body }) => [method, url, headers['idempotency-key'], headers['x-token'], body])).toEqual([
        ['POST', '/hook', 'hook#7', 'abc', 'hello'],
        ['POST', '/hook', 'hook#7', 'abc', 'hello'],
        ['PUT', '/down', 'hook#8', undefined, ''],
      ])
    } finally {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
    // The server is gone: the same request now cannot reach it.
    await expect(httpKind({ fetch: globalThis.fetch }).execute({ url: `http://127.0.0.1:${port}/hook` }, contextFor(9))).rejects.toMatchObject({ reason: HttpFailure.network })
  })
})
