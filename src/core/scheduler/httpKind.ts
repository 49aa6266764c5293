/**
 * The `http` kind: one HTTP request per occurrence, the webhook case. The
 * request carries `Idempotency-Key: <occurrence id>` (G3), so a server that
 * honours the header recognises the repeat after a partition; one that
 * ignores it may see the request twice (SPEC, where the guarantees end).
 *
 * The network comes in through a port shaped like `fetch` (core has no
 * globals of its own runtime), so the host passes its `fetch` and tests a
 * fake. In a page or the service worker, the browser's CORS rules apply: a
 * server that does not allow cross-origin requests with these headers is
 * reached only from the personal node.
 *
 * An operation's input is in the space's doc, which every member reads: a
 * token in `headers` is visible to the whole space.
 */
import type { FieldProblem } from './InvalidFields.ts'
import { HostKind, inputError, type Kind, type KindContext, type RetryPolicy } from './kinds.ts'

export interface HttpPort {
  /** Sends one request; resolves with the response's status once its headers are in, rejects when it cannot be sent or `signal` aborts it. `fetch` itself will do. */
  fetch(url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<{ status: number; statusText?: string }>
}

const HttpMethod = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE' } as const
type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod]

interface HttpInput {
  /** An http: or https: URL. */
  readonly url: string
  /** POST when absent. */
  readonly method?: HttpMethod
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

/** The header that carries the occurrence id (G3), set by this kind and never by the input. */
const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key'
/** Longer URLs are refused by common servers and proxies. */
const MAX_URL_CHARS = 2048
const MAX_HEADERS = 50
/** Per header value; servers commonly refuse headers of 8 KB or more in total. */
const MAX_HEADER_VALUE_CHARS = 4096
/** The body sits in the space's doc on every member's devices: a webhook's payload, not a file. */
const MAX_BODY_BYTES = 100 * 1024
/** Well inside a run's 10-minute timeout (CL5a); a webhook that has not answered in 30 s is not going to. */
const DEFAULT_TIMEOUT_MS = 30_000

/** A header name is an RFC 9110 token; anything else makes `fetch` throw. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Header values may not hold line breaks or NUL (they would split the request), nor characters outside Latin-1 (`fetch` refuses them). */
const HEADER_VALUE = /^[\t\x20-\x7E\x80-\xFF]*$/
/** The Fetch standard's forbidden request headers: a browser drops or refuses them, so a request would differ between a page and the node. */
const FORBIDDEN_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
  'x-http-method',
  'x-http-method-override',
  'x-method-override',
])
const isForbiddenHeader = (lowerName: string): boolean => FORBIDDEN_HEADERS.has(lowerName) || lowerName.startsWith('proxy-') || lowerName.startsWith('sec-')

/** Reason phrases for when the response carries none (HTTP/2 has none at all). */
const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

function checkUrl(problems: FieldProblem[], value: unknown): void {
  const problem = (message: string): void => void problems.push({ field: 'input.url', message })
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_URL_CHARS) return problem(`The URL must be text of 1 to ${MAX_URL_CHARS.toLocaleString('en')} characters.`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return problem(`"${value}" is not a URL; write it in full, e.g. https://example.com/hook.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return problem('The URL must start with http:// or https://.')
  // `fetch` refuses a URL with a user name or password in it.
  if (url.username !== '' || url.password !== '') problem('The URL must not hold a user name or password; send them in an Authorization header instead.')
}

function checkHeaders(problems: FieldProblem[], value: unknown): void {
  const problem = (message: string): void => void problems.push({ field: 'input.headers', message })
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return problem('Headers must be a map of header names to text.')
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length > MAX_HEADERS) return problem(`At most ${MAX_HEADERS} headers.`)
  const seen = new Set<string>()
  for (const [name, text] of entries) {
    const lowerName = name.toLowerCase()
    if (!HEADER_NAME.test(name)) problem(`"${name}" is not a header name: use letters, digits and - only.`)
    else if (lowerName === IDEMPOTENCY_KEY_HEADER.toLowerCase()) problem(`Leave out ${IDEMPOTENCY_KEY_HEADER}: it is set to the occurrence id on every request.`)
    else if (isForbiddenHeader(lowerName)) problem(`${name} is set by the browser or the network, not by an operation; leave it out.`)
    else if (seen.has(lowerName)) problem(`${name} appears twice (header names ignore case); keep one.`)
    else if (typeof text !== 'string' || text.length > MAX_HEADER_VALUE_CHARS || !HEADER_VALUE.test(text)) {
      problem(`The value of ${name} must be one line of at most ${MAX_HEADER_VALUE_CHARS.toLocaleString('en')} Latin-1 characters.`)
    }
    seen.add(lowerName)
  }
}

function checkHttpInput(input: unknown): FieldProblem[] {
  if (typeof input !== 'object' || input === null) return [{ field: 'input', message: 'An HTTP operation needs at least a URL.' }]
  const fields = input as Record<string, unknown>
  const problems: FieldProblem[] = []
  checkUrl(problems, fields.url)
  const methods: readonly unknown[] = Object.values(HttpMethod)
  if (fields.method !== undefined && !methods.includes(fields.method)) problems.push({ field: 'input.method', message: `The method must be one of ${methods.join(', ')}.` })
  if (fields.headers !== undefined) checkHeaders(problems, fields.headers)
  if (fields.body !== undefined) {
    if (typeof fields.body !== 'string' || new TextEncoder().encode(fields.body).length > MAX_BODY_BYTES) {
      problems.push({ field: 'input.body', message: `The body must be text of at most ${MAX_BODY_BYTES / 1024} KB.` })
    } else if ((fields.method ?? HttpMethod.post) === HttpMethod.get) {
      problems.push({ field: 'input.body', message: 'A GET request carries no body; remove it or use POST, PUT or PATCH.' })
    }
  }
  return problems
}

export const HttpFailure = { status: 'status', network: 'network', timeout: 'timeout' } as const
export type HttpFailure = (typeof HttpFailure)[keyof typeof HttpFailure]

/** Why a request did not succeed; its message is what the run record shows. */
class HttpRequestFailed extends Error {
  constructor(
    readonly reason: HttpFailure,
    message: string,
    /** The response's status, for `status`. */
    readonly status?: number,
  ) {
    super(message)
    this.name = 'HttpRequestFailed'
  }
}

/**
 * K5: a request that could not be sent, timed out, or met a server error
 * (5xx) is sent again, 5 times in all, after 2 s, 8 s, 32 s and 2 min: a
 * server restarting or briefly down is waited for, one that refused the
 * request (4xx) is not asked again. Every attempt carries the same
 * Idempotency-Key (G3).
 */
export const HTTP_RETRY: RetryPolicy = {
  maxAttempts: 5,
  firstDelayMs: 2_000,
  growth: 4,
  maxDelayMs: 120_000,
  retryable: (error) => error instanceof HttpRequestFailed && (error.reason !== HttpFailure.status || (error.status ?? 0) >= 500),
}

/** The occurrence id as a header value: as is when it can be, else percent-encoded, which is as repeatable (G3) and cannot make `fetch` throw. */
const headerValueOf = (key: string): string => (/^[!-~]+$/.test(key) ? key : encodeURIComponent(key))

function statusFailure(status: number, statusText: string | undefined): HttpRequestFailed {
  const reason = statusText?.trim() || REASONS[status]
  const answer = `The server answered HTTP ${status}${reason === undefined ? '' : ` ${reason}`}.`
  const advice =
    status >= 500 ? ' It failed to handle the request; if it keeps failing, tell whoever runs it.' : status >= 400 ? ' It refused the request: check the URL, method, headers and body.' : ''
  return new HttpRequestFailed(HttpFailure.status, answer + advice, status)
}

/** The readable part of what `fetch` threw: Node puts the real reason (ECONNREFUSED…) in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error
  return cause instanceof Error ? cause.message : String(cause)
}

/**
 * Cancels the body of a real `Response` (the port may be `fetch` itself):
 * this kind reads only the status, and an unread body holds its connection
 * open until the response is garbage-collected.
 */
function discardBody(response: object): void {
  const body: unknown = (response as { body?: unknown }).body
  if (body instanceof ReadableStream) body.cancel().catch(() => undefined)
}

const formatMs = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toLocaleString('en')} s`)

/**
 * The port's response, or a readable failure. The timeout is the platform's
 * own timer (`AbortSignal.timeout`: every host has it, and the lint's ban on
 * timers is about `setTimeout`); it ends the wait even when the port ignores
 * the signal, so a stuck request cannot hold the run until its own timeout.
 */
function send(port: HttpPort, timeoutMs: number, runSignal: AbortSignal, host: string, url: string, init: Omit<Parameters<HttpPort['fetch']>[1], 'signal'>): Promise<{ status: number; statusText?: string }> {
  // The request's own timeout, or the run's (CL5a), whichever comes first.
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), runSignal])
  // Sent is not the same as not received: the server may act on a request whose answer never came back (G3 covers the repeat).
  const timedOut = (): HttpRequestFailed => new HttpRequestFailed(HttpFailure.timeout, `${host} did not answer within ${formatMs(timeoutMs)}; it may still have received the request.`)
  const unreachable = (error: unknown): HttpRequestFailed =>
    new HttpRequestFailed(HttpFailure.network, `Could not reach ${host} (${describeNetworkError(error)}). Check the URL and that the server is up; from a browser, the server must also allow cross-origin requests.`)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(timedOut())
    signal.addEventListener('abort', onAbort, { once: true })
    const settle = (): void => signal.removeEventListener('abort', onAbort)
    void Promise.resolve()
      .then(() => port.fetch(url, { ...init, signal }))
      .then(
        (response) => {
          settle()
          discardBody(response)
          resolve(response)
        },
        (error: unknown) => {
          settle()
          reject(signal.aborted ? timedOut() : unreachable(error))
        },
      )
  })
}

export function httpKind(port: HttpPort, options: { readonly timeoutMs?: number } = {}): Kind {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`The HTTP timeout must be a whole number of ms, at least 1; got ${timeoutMs}.`)
  return {
    name: 'http',
    runsOn: [HostKind.page, HostKind.serviceWorker, HostKind.node],
    checkInput: checkHttpInput,
    retry: HTTP_RETRY,
    // A browser keeps 6 connections per server; a few more in flight cover several servers without a hundred sockets.
    maxConcurrent: 8,
    async execute(input: unknown, context: KindContext): Promise<string> {
      const invalid = inputError(checkHttpInput(input))
      if (invalid) throw invalid
      const request = input as HttpInput
      const host = new URL(request.url).host
      const response = await send(port, timeoutMs, context.signal, host, request.url, {
        method: request.method ?? HttpMethod.post,
        headers: { ...request.headers, [IDEMPOTENCY_KEY_HEADER]: headerValueOf(context.idempotencyKey) },
        ...(request.body === undefined ? {} : { body: request.body }),
      })
      if (response.status >= 200 && response.status < 400) return `HTTP ${response.status}`
      throw statusFailure(response.status, response.statusText)
    },
  }
}
