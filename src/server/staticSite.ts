/**
 * Serves the built app. Files are read once and kept in memory with their
 * gzip form and ETag: the build is small and immutable while the server runs.
 *
 * Caching is what lets updates arrive: hashed files under /assets/ never
 * change, so they are cached for a year; everything else (index.html, sw.js,
 * the manifest) must be revalidated on every request, or a browser could sit
 * on an old service worker forever.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, relative, sep } from 'node:path'
import { gzipSync } from 'node:zlib'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
}
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt'])
const IMMUTABLE_PREFIX = '/assets/'
const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable'
const CACHE_REVALIDATE = 'no-cache'
/**
 * The app loads only from its own origin. It connects to its own origin, its
 * WebSocket for sync, and, for the `http` kind (a webhook a member planned,
 * SPEC K2), to any http(s) URL: with `connect-src 'self'` alone, the page and
 * the service worker could not send one webhook, and every http run failed
 * as "could not reach". Scripts stay 'self' only, which is what keeps an
 * injected script out.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss: http: https:; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

interface StaticFile {
  readonly body: Buffer
  readonly gzipped: Buffer | undefined
  readonly contentType: string
  readonly etag: string
  readonly cacheControl: string
}

export class StaticSite {
  private constructor(private readonly files: ReadonlyMap<string, StaticFile>) {}

  /** Loads every file under `root`; fails with a clear message when the app was not built. */
  static async load(root: string): Promise<StaticSite> {
    let paths: string[]
    try {
      paths = (await readdir(root, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
    } catch (error) {
      throw new Error(`The built app is missing at ${root} (${String(error)}). Run \`npm run build\` first.`, { cause: error })
    }
    const files = new Map<string, StaticFile>()
    for (const path of paths) {
      const urlPath = '/' + relative(root, path).split(sep).join('/')
      const body = await readFile(path)
      const extension = extname(path)
      files.set(urlPath, {
        body,
        gzipped: COMPRESSIBLE.has(extension) && body.length > 512 ? gzipSync(body) : undefined,
        contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        cacheControl: urlPath.startsWith(IMMUTABLE_PREFIX) ? CACHE_IMMUTABLE : CACHE_REVALIDATE,
      })
    }
    if (!files.has('/index.html')) throw new Error(`${root} has no index.html. Run \`npm run build\` first.`)
    return new StaticSite(files)
  }

  /** Answers GET and HEAD for app files; unknown paths that look like pages get the app shell. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
      response.end('Only GET and HEAD are served here.\n')
      return
    }
    const pathname = safePathname(request.url)
    if (pathname === undefined) {
      response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' })
      response.end('That address is not a valid path.\n')
      return
    }
    const file = this.files.get(pathname === '/' ? '/index.html' : pathname) ?? (looksLikePage(pathname) ? this.files.get('/index.html') : undefined)
    if (!file) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
      response.end('Not found.\n')
      return
    }
    const headers: Record<string, string> = {
      'Content-Type': file.contentType,
      'Cache-Control': file.cacheControl,
      ETag: file.etag,
      Vary: 'Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    }
    if (request.headers['if-none-match'] === file.etag) {
      response.writeHead(304, headers)
      response.end()
      return
    }
    const gzip = file.gzipped !== undefined && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')
    const body = gzip && file.gzipped ? file.gzipped : file.body
    if (gzip) headers['Content-Encoding'] = 'gzip'
    headers['Content-Length'] = String(body.length)
    response.writeHead(200, headers)
    response.end(request.method === 'HEAD' ? undefined : body)
  }
}

/** The decoded path, or undefined for anything that could escape the site (`..`, NUL, bad escapes). */
export function safePathname(url: string | undefined): string | undefined {
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(url ?? '/', 'http://pii.invalid').pathname)
  } catch {
    return undefined
  }
  if (pathname.includes('\0') || pathname.split('/').includes('..')) return undefined
  return pathname
}

function looksLikePage(pathname: string): boolean {
  return extname(pathname) === ''
}
