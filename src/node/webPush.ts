/**
 * Sends the node's reminders to the person's sleeping devices by Web Push
 * (RFC 8030, encrypted per RFC 8291, signed per RFC 8292 with the node's
 * VAPID keys, vapidKeys.ts). The subscriptions come from the home space, so
 * from peers: each is checked again here (PUSH1), and the address a name
 * resolves to must be public, so no record can point the always-on node at
 * its own network (PUSH2).
 *
 * web-push builds each request (encryption, the VAPID token); this module
 * sends it itself, because web-push's own send reads any response whole and
 * into memory, and times out only an idle socket, so an endpoint that
 * answers a byte at a time would hold a send forever.
 *
 * A send never throws for a subscription: each gets a result. Each endpoint
 * takes a burst and then a steady rate (PUSH4): anything beyond is dropped
 * and counted, since the entry is in the inbox anyway and a member must not
 * be able to make the node flood a push service (which would throttle, then
 * drop, the node's every push).
 */
import { AddressRange, refusedRangeOf } from './privateAddresses.ts'
import type { LookupAddress } from 'node:dns'
import { lookup as dnsLookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import webPush from 'web-push'
import { encodePushMessage, readPushSubscription, type PushMessage, type PushSubscriptionRecord } from '../core/identity/pushSubscription.ts'
import type { VapidKeys } from './vapidKeys.ts'

/** Long enough for a push service across the world; short enough that one dead endpoint does not hold a round of reminders. */
export const PUSH_TIMEOUT_MS = 10_000
/** Endpoints sent to at once: the person's devices are a handful; this bounds sockets when they are not. */
export const PUSH_CONCURRENCY = 8
/** Pushes one endpoint takes at once: a morning's reminders due together all go (notificationAllowance lets a space show 5). */
export const PUSH_BURST = 10
/** Then one push per this many ms (10 a minute): more than a person reads, far below what push services throttle at. */
export const PUSH_REFILL_MS = 6_000
/** A reminder a device gets a day late is history (SHOW_WITHIN_MS): the push service may drop it after that, s. */
export const PUSH_TTL_SECONDS = 24 * 60 * 60
/** Reminders are asked for at a time: "high" lets a phone in doze wake for them. */
const DEFAULT_URGENCY = 'high'
/** What a push service answers is a status; more than this of a body is junk, and the socket is dropped. */
const MAX_RESPONSE_BYTES = 4096
/** Rate-limit buckets kept; full ones go first when there are more. */
const MAX_TRACKED_ENDPOINTS = 10_000
/** The longest Retry-After honoured, ms: past it, the push is stale anyway. */
const MAX_RETRY_AFTER_MS = PUSH_TTL_SECONDS * 1000

export const PushOutcome = {
  /** The push service took it (2xx). */
  delivered: 'delivered',
  /** 404 or 410: the subscription is no more; the caller should remove its record. */
  gone: 'gone',
  /** Never sent: the record is not one this node posts to (see `reason`); the caller should remove it. */
  refused: 'refused',
  /** Never sent: the endpoint had its share of pushes (PUSH4); the entry is in the inbox, so nothing is retried. */
  limited: 'limited',
  /** Sent, or tried, and not taken: see `retryable`. */
  failed: 'failed',
} as const
export type PushOutcome = (typeof PushOutcome)[keyof typeof PushOutcome]

export const PushRefusal = {
  /** Not a valid subscription record (readPushSubscription): a non-https endpoint, a key of the wrong size… */
  invalid: 'invalid',
  /** Subscribed with another VAPID key (another node's, or this node's before its keys were replaced): its push service would refuse. */
  otherVapidKey: 'other-vapid-key',
  /** Its host resolves to a private, loopback or otherwise non-public address. */
  privateAddress: 'private-address',
} as const
export type PushRefusal = (typeof PushRefusal)[keyof typeof PushRefusal]

export const PushFailure = {
  timeout: 'timeout',
  network: 'network',
  /** A 3xx: redirects are never followed (the new address was never checked). */
  redirect: 'redirect',
  status: 'status',
} as const
export type PushFailure = (typeof PushFailure)[keyof typeof PushFailure]

export type PushResult =
  | { readonly endpoint: string; readonly outcome: typeof PushOutcome.delivered | typeof PushOutcome.gone; readonly status: number }
  | { readonly endpoint: string; readonly outcome: typeof PushOutcome.refused; readonly reason: PushRefusal }
  | { readonly endpoint: string; readonly outcome: typeof PushOutcome.limited }
  | {
      readonly endpoint: string
      readonly outcome: typeof PushOutcome.failed
      readonly reason: PushFailure
      /** Worth trying again later (a timeout, a network error, 429, 5xx); otherwise the same request would fail the same way. */
      readonly retryable: boolean
      readonly status?: number
      /** From the push service's Retry-After, when it sent one. */
      readonly retryAfterMs?: number
      /** For the node's log: a status or an error code, never text from the endpoint. */
      readonly detail: string
    }

export type PushStats = Readonly<Record<PushOutcome, number>>

export interface PushSenderOptions {
  readonly keys: VapidKeys
  readonly timeoutMs?: number
  readonly concurrency?: number
  readonly burst?: number
  readonly refillMs?: number
  readonly ttlSeconds?: number
  readonly urgency?: 'very-low' | 'low' | 'normal' | 'high'
  readonly now?: () => number
  /** Tests only: loopback endpoints (http: too) and addresses are allowed. */
  readonly allowLoopback?: boolean
  /** How host names are resolved (tests); every address is checked either way. */
  readonly resolveHost?: (host: string) => Promise<readonly LookupAddress[]>
}

interface Bucket {
  tokens: number
  countedAt: number
}

/** Web Push from the personal node to the person's subscribed devices. */
export class PushSender {
  private readonly buckets = new Map<string, Bucket>()
  private readonly counts: Record<PushOutcome, number> = { delivered: 0, gone: 0, refused: 0, limited: 0, failed: 0 }
  private readonly agent: HttpsAgent
  private readonly now: () => number
  private readonly lookup: LookupFunction

  constructor(private readonly options: PushSenderOptions) {
    this.now = options.now ?? Date.now
    this.lookup = publicOnlyLookup(options.resolveHost ?? ((host) => dnsLookup(host, { all: true })), options.allowLoopback === true)
    this.agent = new HttpsAgent({ keepAlive: true, maxSockets: this.concurrency })
  }

  /**
   * Pushes `message` to each subscription; resolves with one result per
   * subscription, in order (a repeated endpoint is sent once and shares the
   * result). Rejects only for a malformed message (PushMessageError), a
   * caller's bug: never for a subscription.
   */
  async send(message: PushMessage, subscriptions: readonly PushSubscriptionRecord[]): Promise<PushResult[]> {
    const payload = encodePushMessage(message)
    const byEndpoint = new Map<string, Promise<PushResult>>()
    const queue: Array<() => Promise<void>> = []
    const results = subscriptions.map((subscription): Promise<PushResult> => {
      const record = readPushSubscription(subscription, { allowLoopback: this.options.allowLoopback === true })
      if (!record) return Promise.resolve(this.count({ endpoint: endpointText(subscription), outcome: PushOutcome.refused, reason: PushRefusal.invalid }))
      const known = byEndpoint.get(record.endpoint)
      if (known) return known
      let result: Promise<PushResult>
      if (record.vapidKey !== this.options.keys.publicKey) {
        result = Promise.resolve(this.count({ endpoint: record.endpoint, outcome: PushOutcome.refused, reason: PushRefusal.otherVapidKey }))
      } else if (!this.take(record.endpoint)) {
        result = Promise.resolve(this.count({ endpoint: record.endpoint, outcome: PushOutcome.limited }))
      } else {
        result = new Promise((resolve) =>
          queue.push(() =>
            this.post(record, payload)
              // post settles every request it makes; this is for what Node itself might throw while making one.
              .catch((error: unknown): PushResult => ({ endpoint: record.endpoint, outcome: PushOutcome.failed, reason: PushFailure.network, retryable: true, detail: String((error as Error).name) }))
              .then((sent) => resolve(this.count(sent))),
          ),
        )
      }
      byEndpoint.set(record.endpoint, result)
      return result
    })
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) await next()
    }
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker))
    return Promise.all(results)
  }

  /** Results so far, by outcome: for the node's metrics. */
  stats(): PushStats {
    return { ...this.counts }
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy()
  }

  private get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? PUSH_CONCURRENCY)
  }

  private count(result: PushResult): PushResult {
    this.counts[result.outcome]++
    return result
  }

  /** A token of the endpoint's bucket (PUSH4), if it has one. */
  private take(endpoint: string): boolean {
    const burst = this.options.burst ?? PUSH_BURST
    const refillMs = this.options.refillMs ?? PUSH_REFILL_MS
    const now = this.now()
    const bucket = this.buckets.get(endpoint) ?? { tokens: burst, countedAt: now }
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.countedAt) / refillMs)
    bucket.countedAt = now
    this.buckets.set(endpoint, bucket)
    if (this.buckets.size > MAX_TRACKED_ENDPOINTS) this.forgetBuckets(burst, refillMs, now)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  private forgetBuckets(burst: number, refillMs: number, now: number): void {
    for (const [endpoint, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.countedAt) / refillMs >= burst) this.buckets.delete(endpoint)
    }
    for (const endpoint of this.buckets.keys()) {
      if (this.buckets.size <= MAX_TRACKED_ENDPOINTS) break
      this.buckets.delete(endpoint)
    }
  }

  private post(record: PushSubscriptionRecord, payload: string): Promise<PushResult> {
    const { endpoint } = record
    const failed: Failed = (reason, retryable, detail, status, retryAfterMs) => ({
      endpoint,
      outcome: PushOutcome.failed,
      reason,
      retryable,
      detail,
      ...(status === undefined ? {} : { status }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
    let details: ReturnType<typeof webPush.generateRequestDetails>
    try {
      const { publicKey, privateKey, subject } = this.options.keys
      details = webPush.generateRequestDetails(record, payload, {
        vapidDetails: { subject, publicKey, privateKey },
        TTL: this.options.ttlSeconds ?? PUSH_TTL_SECONDS,
        urgency: this.options.urgency ?? DEFAULT_URGENCY,
        contentEncoding: 'aes128gcm',
      })
    } catch {
      // The record passed readPushSubscription, so this is a key web-push still cannot use.
      return Promise.resolve({ endpoint, outcome: PushOutcome.refused, reason: PushRefusal.invalid })
    }
    const url = new URL(endpoint)
    const secure = url.protocol === 'https:'
    const timeoutMs = this.options.timeoutMs ?? PUSH_TIMEOUT_MS
    return new Promise((resolve) => {
      let settled = false
      const settle = (result: PushResult): void => {
        if (settled) return
        settled = true
        resolve(result)
      }
      const request = (secure ? httpsRequest : httpRequest)({
        method: 'POST',
        // URL keeps an IPv6 literal's brackets; a socket wants the address alone.
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers: details.headers as OutgoingHttpHeaders,
        lookup: this.lookup,
        // Plain HTTP only ever reaches loopback in tests; it gets no kept-alive socket to leak.
        agent: secure ? this.agent : false,
      })
      // One deadline for the whole exchange, not for an idle socket: a byte every few seconds does not keep it open.
      const deadline = setTimeout(() => request.destroy(new PushTimeout()), timeoutMs)
      request.on('close', () => clearTimeout(deadline))
      request.on('error', (error) => {
        if (error instanceof PushTimeout) settle(failed(PushFailure.timeout, true, `no answer within ${timeoutMs} ms`))
        else if (error instanceof NonPublicAddress) settle({ endpoint, outcome: PushOutcome.refused, reason: PushRefusal.privateAddress })
        else settle(failed(PushFailure.network, true, (error as NodeJS.ErrnoException).code ?? error.name))
      })
      request.on('response', (response: IncomingMessage) => {
        settle(classify(endpoint, response, this.now(), failed))
        drainBounded(response, () => request.destroy())
      })
      request.end(details.body)
    })
  }
}

class PushTimeout extends Error {
  override readonly name = 'PushTimeout'
}

class NonPublicAddress extends Error {
  override readonly name = 'NonPublicAddress'
}

type Failed = (reason: PushFailure, retryable: boolean, detail: string, status?: number, retryAfterMs?: number) => PushResult

function classify(endpoint: string, response: IncomingMessage, now: number, failed: Failed): PushResult {
  const status = response.statusCode ?? 0
  if (status >= 200 && status < 300) return { endpoint, outcome: PushOutcome.delivered, status }
  if (status === 404 || status === 410) return { endpoint, outcome: PushOutcome.gone, status }
  if (status >= 300 && status < 400) return failed(PushFailure.redirect, false, `HTTP ${status}, not followed`, status)
  const retryable = status === 408 || status === 429 || status >= 500
  return failed(PushFailure.status, retryable, `HTTP ${status}`, status, retryable ? retryAfter(response.headers['retry-after'], now) : undefined)
}

/** Retry-After as seconds or an HTTP date, in ms from now, within MAX_RETRY_AFTER_MS. */
function retryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined
  const ms = /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - now
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined
}

/** Reads and discards a response body, dropping the connection past MAX_RESPONSE_BYTES. */
function drainBounded(response: IncomingMessage, drop: () => void): void {
  let bytes = 0
  response.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    if (bytes > MAX_RESPONSE_BYTES) drop()
  })
  response.on('error', () => undefined)
}

const endpointText = (subscription: unknown): string => {
  const endpoint = typeof subscription === 'object' && subscription !== null ? (subscription as { endpoint?: unknown }).endpoint : undefined
  return typeof endpoint === 'string' ? endpoint.slice(0, 200) : ''
}

/** A public unicast address: the node's one rule for where it may connect (privateAddresses.ts, shared with webhooks). */
export function isPublicAddress(address: string): boolean {
  return refusedRangeOf(address) === undefined
}

const isLoopback = (address: string): boolean => refusedRangeOf(address) === AddressRange.loopback

/** A socket lookup that answers only with public addresses (PUSH2), in the form `net` asks for (one, or all). */
function publicOnlyLookup(resolve: (host: string) => Promise<readonly LookupAddress[]>, allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const allowed = (address: string): boolean => isPublicAddress(address) || (allowLoopback && isLoopback(address))
        const addresses = found.filter((entry) => options.family === undefined || options.family === 0 || entry.family === options.family)
        const first = addresses[0]
        if (!found.every((entry) => allowed(entry.address))) {
          callback(new NonPublicAddress(`${hostname} resolves to an address that is not public`), '', 0)
        } else if (!first) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
        } else if (options.all === true) {
          callback(null, addresses.map(({ address, family }) => ({ address, family })))
        } else {
          callback(null, first.address, first.family)
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    )
  }
}
