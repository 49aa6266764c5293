/**
 * Web Push between a person's devices and their personal node. A browser
 * subscribes to its push service and publishes the subscription as a record
 * in the person's home space; the node sends reminders through it, so they
 * reach a device whose tabs are all closed; the service worker reads the
 * message and shows it.
 *
 * Both shapes cross a boundary: a record comes from a peer (any device of the
 * home space, one of them possibly stolen), a message from a push service.
 * Every byte is checked here, once, for the node and the worker alike:
 * a record that names anything but a push service's https: address would make
 * the always-on node post to whatever its network can reach (PUSH1).
 */
import { isSpaceId } from '../space/ids.ts'
import { isDid, type Did } from './didKey.ts'

export interface PushSubscriptionRecord {
  /** The device (did:key) that subscribed: one record per device. */
  readonly device: Did
  /** The push service's URL for this subscription: a capability, shown to no one else. */
  readonly endpoint: string
  /** RFC 8291 keys, base64url: the browser's P-256 key (65-byte uncompressed point) and its 16-byte auth secret. */
  readonly keys: { readonly p256dh: string; readonly auth: string }
  /** The VAPID public key (base64url, 65 bytes) it subscribed with: a push service refuses pushes signed by any other. */
  readonly vapidKey: string
  /** When it subscribed, ms since the epoch. */
  readonly createdAt: number
}

export interface PushEndpointRules {
  /** Tests only: also take `http://127.0.0.1:<port>`, `http://[::1]:<port>` and `http://localhost:<port>`. */
  readonly allowLoopback?: boolean
}

/** Real endpoints are a few hundred characters (WNS's are the longest, ~500); anything near this is junk. */
export const MAX_ENDPOINT_CHARS = 2048
/** An uncompressed P-256 point: 0x04 ‖ x ‖ y. */
export const P256_POINT_BYTES = 65
/** RFC 8291's auth secret; browsers make exactly 16 bytes. */
export const AUTH_SECRET_BYTES = 16
/** The latest time a Date can hold: a peer's 1e300 would make every formatter that shows it throw. */
const LATEST_MS = 8_640_000_000_000_000

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])
/** Names that only mean something on the node's own network; no push service is found by them. */
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.lan', '.home', '.home.arpa', '.intranet', '.corp', '.private']

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype

/**
 * Whether `endpoint` may be posted to: an `https:` URL in canonical form
 * (what is checked is what is requested), on the default port, with no
 * credentials or fragment, whose host is a public DNS name. IP literals,
 * single-label names and local suffixes are refused: push services are
 * named hosts. A name can still resolve to a private address, so the
 * node's sender checks the address it connects to as well.
 */
export function isPushEndpoint(endpoint: unknown, rules: PushEndpointRules = {}): endpoint is string {
  // Printable ASCII only: the URL parser drops tabs and newlines silently, which would make the checked and the sent URL differ.
  if (typeof endpoint !== 'string' || endpoint.length > MAX_ENDPOINT_CHARS || !/^[\x21-\x7e]+$/.test(endpoint)) return false
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return false
  }
  if (url.href !== endpoint || url.username !== '' || url.password !== '' || url.hash !== '' || endpoint.includes('#')) return false
  if (rules.allowLoopback === true && LOOPBACK_HOSTS.has(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:')) return true
  if (url.protocol !== 'https:' || url.port !== '') return false
  return isPublicHostName(url.hostname)
}

function isPublicHostName(host: string): boolean {
  if (host.length > 253 || !host.includes('.') || host.endsWith('.')) return false
  // An IPv6 literal is bracketed; WHATWG URL writes every IPv4 form (decimal, octal, hex) as dotted decimal.
  if (host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host)) return false
  if (LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return false
  return host.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label))
}

/** The record as published, or undefined for anything that is not one (PUSH1). Fields beyond the known ones are left out. */
export function readPushSubscription(value: unknown, rules: PushEndpointRules = {}): PushSubscriptionRecord | undefined {
  if (!isPlainObject(value) || !isPlainObject(value.keys)) return undefined
  const { device, endpoint, keys, vapidKey, createdAt } = value as Record<string, unknown> & { keys: Record<string, unknown> }
  const { p256dh, auth } = keys
  if (!isDid(device) || !isPushEndpoint(endpoint, rules)) return undefined
  if (!isP256PointText(p256dh) || !isP256PointText(vapidKey)) return undefined
  if (typeof auth !== 'string' || decodeBase64Url(auth)?.length !== AUTH_SECRET_BYTES) return undefined
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || createdAt < 0 || createdAt > LATEST_MS) return undefined
  return { device, endpoint, keys: { p256dh, auth }, vapidKey, createdAt }
}

const isP256PointText = (value: unknown): value is string => {
  if (typeof value !== 'string' || value.length !== 87) return false
  const bytes = decodeBase64Url(value)
  return bytes !== undefined && isP256Point(bytes)
}

// P-256 (FIPS 186-4 D.1.2.3): y² = x³ − 3x + b over the prime p.
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn

/** Whether `bytes` is an uncompressed point on P-256: a key of the wrong curve, or a point off it, is refused here, not deep in a sender's ECDH. */
export function isP256Point(bytes: Uint8Array): boolean {
  if (bytes.length !== P256_POINT_BYTES || bytes[0] !== 0x04) return false
  const x = bigIntOf(bytes.subarray(1, 33))
  const y = bigIntOf(bytes.subarray(33, 65))
  if (x >= P || y >= P) return false
  const right = (((x * x) % P) * x - 3n * x + B) % P
  return (y * y) % P === (right + P) % P
}

const bigIntOf = (bytes: Uint8Array): bigint => bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n)

/** Unpadded base64url, as browsers give push keys. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The bytes of canonical unpadded base64url (one text per byte string), or undefined. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4))
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
  // Non-zero spare bits would give a second text for the same key, and two records that compare unequal for one subscription.
  return encodeBase64Url(bytes) === text ? bytes : undefined
}

/** What the node pushes: one inbox entry (notifyKind), for the worker to show as its own inbox notification would. */
export interface PushMessage {
  readonly space: string
  readonly title: string
  readonly body?: string
  /** The inbox entry's key (its occurrence): with the space, the system notification's tag. */
  readonly tag: string
  /** When the entry was written, ms since the epoch. */
  readonly at: number
}

/** Push services take 4,096 bytes after encryption (RFC 8291 adds 103 to a single record); this leaves room and bounds what a worker parses. */
export const PUSH_MESSAGE_MAX_BYTES = 3072
/** As notifyKind's limits: a banner cuts a title well before this. */
export const PUSH_TITLE_MAX_CHARS = 200
export const PUSH_BODY_MAX_CHARS = 2000
const TAG_MAX_CHARS = 256
const ELLIPSIS = '…'

const hasControl = (text: string): boolean => /\p{Cc}/u.test(text)
const isTitle = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '' && value.length <= PUSH_TITLE_MAX_CHARS
const isBody = (value: unknown): value is string | undefined => value === undefined || (typeof value === 'string' && value.length <= PUSH_BODY_MAX_CHARS)
const isTag = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= TAG_MAX_CHARS && !hasControl(value)
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= LATEST_MS

export class PushMessageError extends Error {
  override readonly name = 'PushMessageError'
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length

/**
 * The message as the JSON text pushed, within PUSH_MESSAGE_MAX_BYTES: a
 * body too long for it is cut (whole characters, with an ellipsis), then
 * left out. Throws PushMessageError for a message no worker would read.
 */
export function encodePushMessage(message: PushMessage): string {
  const { space, title, body, tag, at } = message
  if (!isSpaceId(space) || !isTitle(title) || !isBody(body) || !isTag(tag) || !isTime(at)) {
    throw new PushMessageError(`A push message needs a space id, a title of 1 to ${PUSH_TITLE_MAX_CHARS} characters, a tag and a time; this one has not.`)
  }
  const encode = (text: string | undefined): string => JSON.stringify({ space, title, ...(text === undefined || text === '' ? {} : { body: text }), tag, at })
  let json = encode(body)
  if (utf8Bytes(json) <= PUSH_MESSAGE_MAX_BYTES || body === undefined) return json
  // Cut by characters (code points), never inside one; halving keeps this a handful of tries even for escape-heavy text.
  let characters = Array.from(body)
  while (characters.length > 0) {
    characters = characters.slice(0, Math.floor(characters.length * Math.min(0.9, PUSH_MESSAGE_MAX_BYTES / utf8Bytes(json))))
    json = encode(characters.length === 0 ? undefined : characters.join('') + ELLIPSIS)
    if (utf8Bytes(json) <= PUSH_MESSAGE_MAX_BYTES) return json
  }
  // A valid title and tag alone always fit: 200 + 256 characters, six bytes each at worst.
  return encode(undefined)
}

/** The message a push carried, or undefined for anything else (PUSH5): no field beyond the known ones is kept. */
export function readPushMessage(text: unknown): PushMessage | undefined {
  if (typeof text !== 'string' || text.length > PUSH_MESSAGE_MAX_BYTES) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isPlainObject(value)) return undefined
  const { space, title, body, tag, at } = value
  if (!isSpaceId(space) || !isTitle(title) || !isBody(body) || !isTag(tag) || !isTime(at)) return undefined
  return { space, title, ...(body === undefined ? {} : { body }), tag, at }
}
