/**
 * The personal node's `http` kind: the core kind (Idempotency-Key, retries,
 * timeout) over Node's own HTTP client, fenced so that an operation any
 * member of a shared space planned cannot reach what only the node can
 * reach (privateAddresses.ts says why and which addresses).
 *
 * The fence holds at the moment of connecting, not only when the URL is
 * read: a name is resolved first, every address it resolves to is checked
 * (a name with one public and one private address is refused: it could
 * answer either), and the socket connects to the address that was checked,
 * never to a second answer of the same name (DNS rebinding). An IP literal
 * is checked as written (Node connects to it without a lookup). Redirects
 * are followed, at most MAX_REDIRECTS, each one through the same check, as
 * a browser's fetch does; Authorization is not carried to another origin.
 *
 * PII_HTTP_ALLOW_PRIVATE=1 lifts the fence, for a node whose webhooks live
 * on its own network, and for tests.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { HTTP_RETRY, httpKind, type HttpPort } from '../core/scheduler/httpKind.ts'
import type { Kind, KindContext } from '../core/scheduler/kinds.ts'
import { refusedRangeOf, type AddressRange } from './privateAddresses.ts'

/** As browsers do (Chrome follows 20; a webhook needs one or two). */
export const MAX_REDIRECTS = 5

export const HttpRefusal = { address: 'address', redirect: 'redirect' } as const
export type HttpRefusal = (typeof HttpRefusal)[keyof typeof HttpRefusal]

/**
 * How every refusal's sentence starts. The core kind wraps what the port
 * throws into a network failure of its own (keeping only the message), so
 * this is how a refusal met mid-request (a redirect, a name that resolved
 * elsewhere as it connected) is told from an outage, and not retried.
 */
const REFUSED = 'Refused by the node: '

/** A request the node will not send: the run record shows the sentence; it is not retried (the answer would not change). */
export class HttpRefused extends Error {
  override readonly name = 'HttpRefused'
  constructor(
    readonly reason: HttpRefusal,
    message: string,
  ) {
    super(REFUSED + message)
  }
}

const isRefusal = (error: unknown): boolean => error instanceof Error && error.message.includes(REFUSED)

export interface NodeHttpOptions {
  /** PII_HTTP_ALLOW_PRIVATE: connect to any address. */
  readonly allowPrivate: boolean
  /** Resolves a name to every address it has (dns.lookup with `all`, by default). */
  readonly resolve?: (hostname: string) => Promise<readonly LookupAddress[]>
  /** Which addresses are refused (privateAddresses.ts, by default). */
  readonly refusedRangeOf?: (address: string) => AddressRange | undefined
}

const defaultResolve = (hostname: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))))

function refusedAddress(host: string, address: string, range: AddressRange): HttpRefused {
  const where = host === address ? address : `${host} (${address})`
  return new HttpRefused(
    HttpRefusal.address,
    `${where} is ${/^[aeiou]/.test(range) ? 'an' : 'a'} ${range} address, which only the node's own network can reach. Use a public address, or set PII_HTTP_ALLOW_PRIVATE=1 on the node to allow it.`,
  )
}

/** The host part of a URL as Node connects to it: an IPv6 literal without its brackets. */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1')

/** Checks where a URL leads: its IP literal, or every address its name resolves to. Resolves with those addresses. */
async function checkedAddresses(url: URL, options: NodeHttpOptions): Promise<readonly LookupAddress[]> {
  const host = hostOf(url)
  const family = isIP(host)
  const addresses = family !== 0 ? [{ address: host, family }] : await (options.resolve ?? defaultResolve)(host)
  if (options.allowPrivate) return addresses
  const rangeOf = options.refusedRangeOf ?? refusedRangeOf
  if (addresses.length === 0) throw new Error(`${host} resolves to no address.`)
  for (const { address } of addresses) {
    const range = rangeOf(address)
    if (range !== undefined) throw refusedAddress(host, address, range)
  }
  return addresses
}

/**
 * The socket's lookup: the addresses checked for this very connection.
 * Node calls it for a name (not an IP literal), with `all` when it races
 * address families; its result is where the socket connects.
 */
function checkedLookup(url: URL, options: NodeHttpOptions): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    checkedAddresses(url, options).then(
      (addresses) => {
        if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: readonly LookupAddress[]) => void)(null, addresses)
        const first = addresses[0]!
        callback(null, first.address, first.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    )
  }
}

interface Request {
  readonly url: URL
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
  readonly signal: AbortSignal | undefined
}

/** One request, its body discarded: the status, and where a redirect points. */
async function send(request: Request, options: NodeHttpOptions): Promise<{ status: number; statusText: string | undefined; location: string | undefined }> {
  const { url } = request
  // An IP literal is connected to without a lookup: checked here. A name is checked by the lookup, as it connects.
  if (isIP(hostOf(url)) !== 0) await checkedAddresses(url, options)
  const call = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const outgoing = call(
      url,
      {
        method: request.method,
        headers: { ...request.headers, ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }) },
        lookup: checkedLookup(url, options),
        // No pooled sockets: each request's connection is the one its own check allowed.
        agent: false,
        ...(request.signal ? { signal: request.signal } : {}),
      },
      (response: IncomingMessage) => {
        // Only the status counts (httpKind): the body is not read, and not left to hold the connection.
        response.destroy()
        const location = response.headers.location
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage, location: typeof location === 'string' ? location : undefined })
      },
    )
    outgoing.on('error', reject)
    outgoing.end(request.body)
  })
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Headers about a request's body, which a redirect that turns it into a GET drops (Fetch standard). */
const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'content-location'])

/** Node's HTTP client as the http kind's port, behind the address fence. */
export function nodeHttpPort(options: NodeHttpOptions): HttpPort {
  return {
    async fetch(url, init) {
      let request: Request = { url: new URL(url), method: init.method, headers: { ...init.headers }, body: init.body, signal: init.signal }
      for (let redirects = 0; ; redirects++) {
        const answer = await send(request, options)
        if (!REDIRECTS.has(answer.status) || answer.location === undefined) return { status: answer.status, ...(answer.statusText ? { statusText: answer.statusText } : {}) }
        if (redirects >= MAX_REDIRECTS) throw new HttpRefused(HttpRefusal.redirect, `${request.url.host} redirected more than ${MAX_REDIRECTS} times; it was not followed further.`)
        let next: URL
        try {
          next = new URL(answer.location, request.url)
        } catch {
          throw new HttpRefused(HttpRefusal.redirect, `${request.url.host} redirected to "${answer.location.slice(0, 200)}", which is not a URL.`)
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new HttpRefused(HttpRefusal.redirect, `${request.url.host} redirected to a ${next.protocol} URL; only http and https are followed.`)
        // A 303, or a 301/302 of a POST, becomes a GET without a body, as fetch does.
        const toGet = answer.status === 303 ? request.method !== 'HEAD' : (answer.status === 301 || answer.status === 302) && request.method === 'POST'
        const headers = Object.fromEntries(
          Object.entries(request.headers).filter(([name]) => {
            const lower = name.toLowerCase()
            if (toGet && BODY_HEADERS.has(lower)) return false
            // Credentials meant for one server are not handed to another.
            return !(lower === 'authorization' && next.origin !== request.url.origin)
          }),
        )
        request = { url: next, method: toGet ? 'GET' : request.method, headers, body: toGet ? undefined : request.body, signal: request.signal }
      }
    },
  }
}

/**
 * The http kind the node runs: the core kind over nodeHttpPort. A target
 * the fence refuses is checked before the request too, so the run fails at
 * once with the fence's sentence instead of being retried as a network
 * failure (HTTP_RETRY) for minutes.
 */
export function nodeHttpKind(options: NodeHttpOptions, kindOptions: { readonly timeoutMs?: number } = {}): Kind {
  const kind = httpKind(nodeHttpPort(options), kindOptions)
  return {
    ...kind,
    retry: { ...HTTP_RETRY, retryable: (error) => !isRefusal(error) && HTTP_RETRY.retryable(error) },
    async execute(input: unknown, context: KindContext): Promise<string | void> {
      const url = typeof input === 'object' && input !== null ? (input as { url?: unknown }).url : undefined
      let parsed: URL | undefined
      try {
        parsed = typeof url === 'string' ? new URL(url) : undefined
      } catch {
        parsed = undefined
      }
      // A URL the kind's own check refuses is left to it, for its sentence.
      // A name that does not resolve now is the kind's to report (and retry), as a network failure.
      if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:'))
        await checkedAddresses(parsed, options).catch((error: unknown) => {
          if (error instanceof HttpRefused) throw error
        })
      return kind.execute(input, context)
    },
  }
}
