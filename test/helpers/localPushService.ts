/**
 * A push service on 127.0.0.1 for tests: it makes subscriptions as a
 * browser would (a P-256 key pair and a 16-byte auth secret per
 * subscription), and for each request to one of them checks what a real
 * push service and browser check: the VAPID token (RFC 8292: an ES256
 * JWT whose signature verifies against `k`, whose `aud` is this service's
 * origin and whose `exp` is in the coming 24 hours) and the encrypted body,
 * which it decrypts (RFC 8291 key derivation, RFC 8188 aes128gcm) so a test
 * can assert exactly what arrived. Written from the RFCs with node:crypto
 * alone, not with web-push's own http_ece, so it checks the sender rather
 * than agreeing with it.
 */
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** What a subscription answers: 201 after checking, 410, never, a redirect to `to`, or a given status. */
export type PushAnswer = 'accept' | 'gone' | 'hang' | { readonly redirectTo: string } | { readonly status: number; readonly retryAfter?: string }

export interface LocalSubscription {
  readonly endpoint: string
  readonly keys: { readonly p256dh: string; readonly auth: string }
}

export interface ReceivedPush {
  readonly endpoint: string
  /** The decrypted payload. */
  readonly text: string
  readonly ttl: number
  readonly urgency: string | undefined
  /** The VAPID key (`k`) the token verified against, and the token's claims. */
  readonly vapidKey: string
  readonly claims: { readonly aud: string; readonly exp: number; readonly sub: string }
}

export interface LocalPushService {
  /** This service's origin, `http://127.0.0.1:<port>`: what a VAPID token's `aud` must be. */
  readonly origin: string
  /** A new subscription; with `vapidKey`, like a browser's subscribed with that applicationServerKey, it refuses tokens of any other key (403). */
  subscribe(options?: { readonly answer?: PushAnswer; readonly vapidKey?: string }): LocalSubscription
  /** Pushes checked, decrypted and answered 201, oldest first (for one endpoint, or all). */
  received(endpoint?: string): ReceivedPush[]
  /** Requests that reached an endpoint, whatever became of them. */
  requestsTo(endpoint: string): number
  /** Why requests were refused (a bad token, a body that does not decrypt): empty when every sender was right. */
  readonly refusals: string[]
  close(): Promise<void>
}

/** Larger than any push service takes (4,096): what is over it is refused without being read further. */
const MAX_BODY_BYTES = 8192

interface Subscription {
  readonly endpoint: string
  readonly ecdh: ECDH
  readonly publicKey: Buffer
  readonly auth: Buffer
  readonly answer: PushAnswer
  readonly vapidKey: string | undefined
  requests: number
}

export async function startLocalPushService(): Promise<LocalPushService> {
  const subscriptions = new Map<string, Subscription>()
  const received: ReceivedPush[] = []
  const refusals: string[] = []
  const sockets = new Set<Socket>()
  let origin = ''
  let sent = 0

  const server = createServer((request, response) => {
    const id = /^\/push\/([A-Za-z0-9_-]+)$/.exec(request.url ?? '')?.[1]
    const subscription = id === undefined ? undefined : subscriptions.get(id)
    if (request.method !== 'POST' || !subscription) return answer(response, 404)
    subscription.requests++
    const { answer: behaviour } = subscription
    if (behaviour === 'hang') return
    if (behaviour === 'gone') return answer(response, 410)
    if (typeof behaviour === 'object' && 'redirectTo' in behaviour) return answer(response, 307, { location: behaviour.redirectTo })
    if (typeof behaviour === 'object') return answer(response, behaviour.status, behaviour.retryAfter === undefined ? {} : { 'retry-after': behaviour.retryAfter })
    readBody(request).then(
      (body) => {
        const refuse = (status: number, why: string): void => {
          refusals.push(`${subscription.endpoint}: ${why}`)
          answer(response, status)
        }
        const vapid = checkVapid(request.headers.authorization, origin)
        if (typeof vapid === 'string') return refuse(401, vapid)
        if (subscription.vapidKey !== undefined && vapid.vapidKey !== subscription.vapidKey) return refuse(403, 'token signed by another VAPID key than the subscription’s')
        if (request.headers['content-encoding'] !== 'aes128gcm') return refuse(400, `Content-Encoding ${request.headers['content-encoding']}`)
        const ttl = request.headers.ttl
        if (typeof ttl !== 'string' || !/^\d+$/.test(ttl)) return refuse(400, 'no TTL')
        if (body === undefined) return refuse(413, 'body over 8 KiB')
        const text = decrypt(body, subscription)
        if (typeof text !== 'string') return refuse(400, text.problem)
        const urgency = request.headers.urgency
        received.push({ endpoint: subscription.endpoint, text, ttl: Number(ttl), urgency: typeof urgency === 'string' ? urgency : undefined, ...vapid })
        answer(response, 201, { location: `${origin}/message/${++sent}` })
      },
      () => answer(response, 400),
    )
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    subscribe(options = {}) {
      const ecdh = createECDH('prime256v1')
      const publicKey = ecdh.generateKeys()
      const auth = randomBytes(16)
      const id = randomBytes(12).toString('base64url')
      const endpoint = `${origin}/push/${id}`
      subscriptions.set(id, { endpoint, ecdh, publicKey, auth, answer: options.answer ?? 'accept', vapidKey: options.vapidKey, requests: 0 })
      return { endpoint, keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') } }
    },
    received: (endpoint) => received.filter((push) => endpoint === undefined || push.endpoint === endpoint),
    requestsTo: (endpoint) => [...subscriptions.values()].find((subscription) => subscription.endpoint === endpoint)?.requests ?? 0,
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Hung requests hold their sockets open: closing means ending them too.
        for (const socket of sockets) socket.destroy()
      }),
  }
}

function answer(response: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...headers, 'content-length': '0' }).end()
}

/** The body, or undefined past MAX_BODY_BYTES. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    request.on('data', (chunk: Buffer) => {
      length += chunk.length
      if (length <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    request.on('end', () => resolve(length > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

const fromBase64Url = (text: string): Buffer | undefined => (/^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url') : undefined)

/** RFC 8292 §3: `vapid t=<JWT>, k=<key>`; the checked key and claims, or why not. */
function checkVapid(header: string | undefined, origin: string): Pick<ReceivedPush, 'vapidKey' | 'claims'> | string {
  const match = /^vapid (.*)$/i.exec(header ?? '')
  if (!match?.[1]) return `Authorization is not a vapid one: ${header}`
  const params = new Map(match[1].split(',').map((part) => part.trim().split('=', 2) as [string, string]))
  const token = params.get('t')
  const vapidKey = params.get('k')
  if (!token || !vapidKey) return 'vapid Authorization without t= and k='
  const key = fromBase64Url(vapidKey)
  if (key?.length !== 65 || key[0] !== 0x04) return 'k is not an uncompressed P-256 key'
  const [header64, claims64, signature64, ...rest] = token.split('.')
  if (!header64 || !claims64 || !signature64 || rest.length > 0) return 't is not a JWS compact serialisation'
  let jwtHeader: { alg?: unknown; typ?: unknown }
  let claims: { aud?: unknown; exp?: unknown; sub?: unknown }
  try {
    jwtHeader = JSON.parse(Buffer.from(header64, 'base64url').toString('utf8')) as typeof jwtHeader
    claims = JSON.parse(Buffer.from(claims64, 'base64url').toString('utf8')) as typeof claims
  } catch {
    return 'JWT parts are not JSON'
  }
  if (jwtHeader.alg !== 'ES256') return `JWT alg ${String(jwtHeader.alg)}`
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: key.subarray(1, 33).toString('base64url'), y: key.subarray(33).toString('base64url') },
    format: 'jwk',
  })
  const signature = fromBase64Url(signature64)
  // JWS ES256 signatures are r ‖ s, 64 bytes (IEEE P1363), not DER.
  if (signature?.length !== 64 || !verify('sha256', Buffer.from(`${header64}.${claims64}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
    return 'JWT signature does not verify against k'
  }
  const nowSeconds = Date.now() / 1000
  if (claims.aud !== origin) return `JWT aud ${String(claims.aud)}, not ${origin}`
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds || claims.exp > nowSeconds + 24 * 60 * 60) return `JWT exp ${String(claims.exp)} is not within the next 24 hours`
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return `JWT sub ${String(claims.sub)}`
  return { vapidKey, claims: { aud: claims.aud, exp: claims.exp, sub: claims.sub } }
}

const label = (text: string): Buffer => Buffer.from(`${text}\0`, 'latin1')
const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, info, length))

/** The plaintext of an aes128gcm body to `subscription`, or what is wrong with it. */
function decrypt(body: Buffer, subscription: Subscription): string | { problem: string } {
  // RFC 8188 §2.1 header: salt (16) ‖ rs (uint32) ‖ idlen (1) ‖ keyid; RFC 8291 §4: keyid is the sender's ephemeral public key.
  if (body.length < 21) return { problem: 'body shorter than an aes128gcm header' }
  const salt = body.subarray(0, 16)
  const recordSize = body.readUInt32BE(16)
  const idLength = body[20] ?? 0
  const senderKey = body.subarray(21, 21 + idLength)
  const ciphertext = body.subarray(21 + idLength)
  if (idLength !== 65 || senderKey[0] !== 0x04) return { problem: `keyid of ${idLength} bytes, not a P-256 point` }
  // RFC 8291 §4: a push message is one record.
  if (recordSize < 18 || ciphertext.length > recordSize || ciphertext.length < 17) return { problem: `not one record (rs ${recordSize}, ${ciphertext.length} bytes)` }
  let sharedSecret: Buffer
  try {
    sharedSecret = subscription.ecdh.computeSecret(senderKey)
  } catch {
    return { problem: 'keyid is not on the curve' }
  }
  // RFC 8291 §3.3–3.4: IKM from the ECDH secret, keyed by the auth secret, bound to both public keys.
  const keyInfo = Buffer.concat([label('WebPush: info'), subscription.publicKey, senderKey])
  const ikm = hkdf(sharedSecret, subscription.auth, keyInfo, 32)
  // RFC 8188 §2.2–2.3: the content key and the nonce (record 0, so no sequence number to mix in).
  const contentKey = hkdf(ikm, salt, label('Content-Encoding: aes128gcm'), 16)
  const nonce = hkdf(ikm, salt, label('Content-Encoding: nonce'), 12)
  const decipher = createDecipheriv('aes-128-gcm', contentKey, nonce)
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16))
  let padded: Buffer
  try {
    padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()])
  } catch {
    return { problem: 'does not decrypt (wrong keys, or altered)' }
  }
  // RFC 8188 §2: content ‖ delimiter (2 for the last record) ‖ zero padding.
  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end--
  if (padded[end] !== 2) return { problem: 'the last record does not end with delimiter 0x02' }
  return padded.subarray(0, end).toString('utf8')
}
