import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPiiServer, type RunningPiiServer } from '../../src/server/PiiServer.ts'
import { StaticSite } from '../../src/server/staticSite.ts'

let root: string
let server: RunningPiiServer

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** Raw requests: fetch would normalise the `..` paths this test needs to send. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const { port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pii-site-'))
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Pii</title>' + ' '.repeat(600))
  await writeFile(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  await writeFile(join(root, 'assets', 'app-abc123.js'), 'console.log("app")'.repeat(100))
  server = await startPiiServer({ appRoot: root, host: '127.0.0.1', port: 0 })
})

afterAll(async () => {
  await server.close()
  await rm(root, { recursive: true, force: true })
})

describe('static site', () => {
  it('[S1] hashed assets are cached for a year; the service worker and the shell must revalidate', async () => {
    expect((await get('/assets/app-abc123.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await get('/sw.js')).headers['cache-control']).toBe('no-cache')
    expect((await get('/')).headers['cache-control']).toBe('no-cache')
  })

  it('[S2] page paths get the app shell; missing files are 404', async () => {
    const page = await get('/space/whatever')
    expect(page.status).toBe(200)
    expect(page.body.toString()).toContain('<title>Pii</title>')
    expect((await get('/assets/missing.js')).status).toBe(404)
  })

  it('[S3] compresses for clients that accept gzip, and answers 304 to a matching ETag', async () => {
    const zipped = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, br' })
    expect(zipped.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(zipped.body).toString()).toContain('console.log("app")')
    const etag = String(zipped.headers.etag)
    expect((await get('/assets/app-abc123.js', { 'if-none-match': etag })).status).toBe(304)
  })

  it('[S4] refuses paths that try to leave the site, and methods it does not serve', async () => {
    // Dot segments are resolved inside the site, so these land on the app shell, never on /etc.
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      expect((await get(path)).body.toString()).toContain('<title>Pii</title>')
    }
    expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBe(400)
    expect((await get('/a%00b')).status).toBe(400)
    expect((await get('/%E0%A4%A')).status).toBe(400)
    expect((await get('/', {}, 'POST')).status).toBe(405)
  })

  it('[S7] answers a WebSocket upgrade to an unparsable path with 400, and keeps serving', async () => {
    const { port } = new URL(server.url)
    for (const path of ['//', '/\\', '//@']) {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`),
        )
        let text = ''
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
        socket.on('end', () => resolve(text))
        socket.on('error', reject)
      })
      expect(reply).toMatch(/^HTTP\/1\.1 400 /)
    }
    expect((await get('/healthz')).status).toBe(200)
  })

  it('[S5] says to build first when the built app is missing', async () => {
    await expect(StaticSite.load(join(root, 'nope'))).rejects.toThrow(/npm run build/)
  })

  it('[S6] reports health', async () => {
    const health = await get('/healthz')
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body.toString())).toEqual({ status: 'ok', connections: 0, topics: 0 })
  })
})
