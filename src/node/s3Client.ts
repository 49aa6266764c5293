/**
 * The four S3 calls the personal node's backups need (put, get, list, delete),
 * against any S3-compatible service, signed with AWS Signature Version 4 by
 * hand: the AWS SDK is megabytes of code for what fits here. Path-style URLs
 * (`<endpoint>/<bucket>/<key>`), which every S3-compatible service accepts and
 * which need no DNS name per bucket. Every call times out rather than hang a
 * backup on a service that never answers.
 */
import { createHash, createHmac } from 'node:crypto'
import { S3Setting, type S3Config } from './s3Config.ts'

export type S3Connection = Pick<S3Config, 'endpoint' | 'bucket' | 'region' | 'accessKeyId' | 'secretAccessKey'>

export interface S3ClientOptions {
  /** How long one request may take, answer included. */
  readonly timeoutMs?: number
  /** Keys asked for per ListObjectsV2 page; S3 gives at most 1000. */
  readonly pageSize?: number
}

export interface S3Object {
  readonly key: string
  /** In bytes. */
  readonly size: number
  readonly lastModified: Date
}

/** Long enough for a few megabytes over a slow uplink; short enough that a dead service fails the backup, not hangs it. */
export const S3_TIMEOUT_MS = 30_000
/** S3's own maximum page. */
const MAX_PAGE_SIZE = 1000

export const S3ErrorReason = {
  /** The service answered with an error status. */
  refused: 'refused',
  /** No answer: unreachable, or none within the timeout. */
  unreachable: 'unreachable',
  /** A 2xx answer that is not what S3 answers. */
  unexpectedAnswer: 'unexpected-answer',
} as const
export type S3ErrorReason = (typeof S3ErrorReason)[keyof typeof S3ErrorReason]

export class S3Error extends Error {
  override readonly name = 'S3Error'
  constructor(
    readonly reason: S3ErrorReason,
    /** The HTTP status, when there was an answer. */
    readonly status: number | undefined,
    /** S3's error Code (e.g. NoSuchBucket, SignatureDoesNotMatch), when the answer had one. */
    readonly code: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export class S3Client {
  readonly #connection: S3Connection
  readonly #timeoutMs: number
  readonly #pageSize: number

  constructor(connection: S3Connection, options: S3ClientOptions = {}) {
    this.#connection = { ...connection, endpoint: connection.endpoint.replace(/\/+$/, '') }
    this.#timeoutMs = options.timeoutMs ?? S3_TIMEOUT_MS
    this.#pageSize = options.pageSize ?? MAX_PAGE_SIZE
    if (!Number.isInteger(this.#pageSize) || this.#pageSize < 1 || this.#pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`An S3 listing page holds 1 to ${MAX_PAGE_SIZE} keys; pageSize is ${this.#pageSize}.`)
    }
  }

  async putObject(key: string, bytes: Uint8Array): Promise<void> {
    await this.#send('PUT', `store ${key}`, key, {}, bytes)
  }

  /** The object's bytes, or undefined if the bucket has no such key. */
  async getObject(key: string): Promise<Uint8Array | undefined> {
    const answer = await this.#send('GET', `read ${key}`, key, {}, undefined, ['NoSuchKey'])
    return answer.status === 404 ? undefined : answer.body
  }

  /** Every object whose key starts with `prefix`, in key order, however many pages that takes. */
  async listObjects(prefix: string): Promise<S3Object[]> {
    const objects: S3Object[] = []
    let token: string | undefined
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': String(this.#pageSize) }
      if (token !== undefined) query['continuation-token'] = token
      const action = `list the keys starting with ${prefix}`
      const xml = new TextDecoder().decode((await this.#send('GET', action, undefined, query)).body)
      const page = parseListPage(xml, () => this.#unexpected(action, 'it is not a ListObjectsV2 result'))
      objects.push(...page.objects)
      // A service that hands back the token it was given would otherwise keep this loop going for ever.
      if (page.nextToken !== undefined && page.nextToken === token) throw this.#unexpected(action, 'it gave the same continuation token twice')
      token = page.nextToken
    } while (token !== undefined)
    return objects
  }

  /** Deletes the object; deleting one that is not there is not an error (as in S3). */
  async deleteObject(key: string): Promise<void> {
    await this.#send('DELETE', `delete ${key}`, key, {})
  }

  /** The answer, read whole; any status but 2xx (or a 404 whose Code is one of `absent`) throws S3Error. */
  async #send(method: string, action: string, key: string | undefined, query: Record<string, string>, body?: Uint8Array, absent: readonly string[] = []): Promise<Answer> {
    const { endpoint, bucket } = this.#connection
    const base = new URL(endpoint)
    const path = `${base.pathname.replace(/\/+$/, '')}/${encodeRfc3986(bucket)}${key === undefined ? '' : `/${encodedKey(key)}`}`
    const queryString = canonicalQuery(query)
    const headers = signS3Request(
      { method, host: base.host, path, query, headers: {}, payloadSha256: sha256Hex(body ?? new Uint8Array()) },
      this.#connection,
      new Date(),
    )
    let status: number
    let answer: Uint8Array
    try {
      // The timeout covers reading the answer too: a service can stall halfway through a body.
      const response = await fetch(`${base.origin}${path}${queryString ? `?${queryString}` : ''}`, {
        method,
        headers,
        // A copy: fetch takes only ArrayBuffer-backed bytes, and the caller may reuse its array while this uploads.
        ...(body === undefined ? {} : { body: new Uint8Array(body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
      status = response.status
      answer = new Uint8Array(await response.arrayBuffer())
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      const why = timedOut ? `no answer within ${this.#timeoutMs / 1000} s` : describeCause(error)
      throw new S3Error(
        S3ErrorReason.unreachable,
        undefined,
        undefined,
        `Could not ${action} in S3 bucket ${bucket} at ${endpoint}: ${why}. Check ${S3Setting.endpoint} and that this machine can reach it.`,
        { cause: error },
      )
    }
    if (status >= 200 && status < 300) return { status, body: answer }
    const text = new TextDecoder().decode(answer)
    const code = xmlElement(text, 'Code')
    if (status === 404 && code !== undefined && absent.includes(code)) return { status, body: answer }
    throw new S3Error(S3ErrorReason.refused, status, code, refusal(action, this.#connection, status, code, xmlElement(text, 'Message')))
  }

  #unexpected(action: string, what: string): S3Error {
    const { endpoint } = this.#connection
    return new S3Error(
      S3ErrorReason.unexpectedAnswer,
      200,
      undefined,
      `Could not ${action}: the answer from ${endpoint} is not S3's (${what}). Check that ${S3Setting.endpoint} is the S3 service's URL, without the bucket in it.`,
    )
  }
}

interface Answer {
  readonly status: number
  readonly body: Uint8Array
}

/** The sentence for an error answer: what was refused, S3's own words, and which setting to check. */
function refusal(action: string, { endpoint, bucket }: S3Connection, status: number, code: string | undefined, message: string | undefined): string {
  const said = code === undefined ? `HTTP ${status}` : `HTTP ${status} ${code}${message === undefined ? '' : `: "${message}"`}`
  const keys = `${S3Setting.accessKeyId} and ${S3Setting.secretAccessKey}`
  const advice =
    code === 'NoSuchBucket'
      ? `Check ${S3Setting.bucket}: there is no bucket ${bucket} there; create it first.`
      : code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'InvalidToken'
        ? `Check ${keys}: the service does not accept them.`
        : code === 'AccessDenied' || status === 403
          ? `Check ${keys}, and that those keys may read and write bucket ${bucket}.`
          : code === 'AuthorizationHeaderMalformed' || code === 'PermanentRedirect' || (status >= 300 && status < 400)
            ? `Check ${S3Setting.region} and ${S3Setting.endpoint}: the bucket lives in another region or at another address.`
            : code === 'RequestTimeTooSkewed'
              ? "Check this machine's clock: S3 refuses requests more than 15 minutes off."
              : status >= 500
                ? 'The storage service failed; try again later.'
                : `Check ${S3Setting.endpoint}, ${S3Setting.bucket} and ${keys}.`
  return `S3 refused to ${action} in bucket ${bucket} at ${endpoint} (${said}). ${advice}`
}

function describeCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error
  return cause instanceof Error ? cause.message : String(cause)
}

// ---- ListObjectsV2 answers -------------------------------------------------

interface ListPage {
  readonly objects: S3Object[]
  readonly nextToken: string | undefined
}

/** One page of a ListObjectsV2 answer, read from the few well-defined elements it has; `unexpected` says an answer is not one. */
export function parseListPage(xml: string, unexpected: () => Error): ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml)) throw unexpected()
  const objects: S3Object[] = []
  for (const [, contents = ''] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = xmlElement(contents, 'Key')
    const size = Number(xmlElement(contents, 'Size'))
    const lastModified = new Date(xmlElement(contents, 'LastModified') ?? '')
    if (key === undefined || !Number.isSafeInteger(size) || size < 0 || !Number.isFinite(lastModified.getTime())) throw unexpected()
    objects.push({ key, size, lastModified })
  }
  const truncated = xmlElement(xml, 'IsTruncated') === 'true'
  const nextToken = truncated ? xmlElement(xml, 'NextContinuationToken') : undefined
  // Truncated with no way to go on: stopping here would pass off part of the listing as all of it.
  if (truncated && !nextToken) throw unexpected()
  return { objects, nextToken }
}

/** The text of the first `<name>` element in `xml`, entities decoded; S3 writes these elements with no attributes and no markup inside. */
export function xmlElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>|<${name}/>`).exec(xml)
  if (!match) return undefined
  return decodeXmlText(match[1] ?? '')
}

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (entity, body: string) => {
    if (!body.startsWith('#')) return XML_ENTITIES[body] ?? entity
    const codePoint = body.startsWith('#x') ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : entity
  })
}

// ---- Signature Version 4 ---------------------------------------------------

export interface SignableRequest {
  readonly method: string
  /** The URL's host as sent, with the port when it is not the scheme's default. */
  readonly host: string
  /** The URL's path, each segment percent-encoded once (encodedKey). */
  readonly path: string
  /** The query parameters, not yet encoded. */
  readonly query: Readonly<Record<string, string>>
  /** Further headers to send and sign. */
  readonly headers: Readonly<Record<string, string>>
  /** SHA-256 of the body, hex. */
  readonly payloadSha256: string
}

export type S3Credentials = Pick<S3Config, 'region' | 'accessKeyId' | 'secretAccessKey'>

/**
 * The headers to send `request` with: its own, plus x-amz-date,
 * x-amz-content-sha256 and the Authorization header that signs them all
 * (AWS Signature Version 4, as in the S3 API reference's
 * "Signature Calculations for the Authorization Header"). Host is signed but
 * not returned: fetch sets it from the URL.
 */
export function signS3Request(request: SignableRequest, credentials: S3Credentials, now: Date): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const scope = `${day}/${credentials.region}/s3/aws4_request`
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
  headers['x-amz-date'] = amzDate
  headers['x-amz-content-sha256'] = request.payloadSha256
  const signed: Record<string, string> = { ...headers, host: request.host }
  const names = Object.keys(signed).sort()
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    ...names.map((name) => `${name}:${(signed[name] ?? '').trim().replace(/ +/g, ' ')}`),
    '',
    names.join(';'),
    request.payloadSha256,
  ].join('\n')
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day)
  for (const part of [credentials.region, 's3', 'aws4_request']) key = hmac(key, part)
  const signature = hmac(key, stringToSign).toString('hex')
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`
  return headers
}

/** The key as a URL path: each '/'-separated part percent-encoded once, as S3 signs it. */
export function encodedKey(key: string): string {
  const parts = key.split('/')
  // URLs drop "." and ".." parts, so such a key would be signed as one path and sent as another.
  if (key === '' || Buffer.byteLength(key) > 1024 || parts.some((part) => part === '.' || part === '..')) {
    throw new RangeError(`${JSON.stringify(key)} cannot be an S3 key here: keys are 1 to 1024 bytes, with no "." or ".." parts.`)
  }
  return parts.map(encodeRfc3986).join('/')
}

/** Parameters sorted by name, names and values percent-encoded: the same string is signed and sent. */
function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
}

/** Everything but A–Z a–z 0–9 - . _ ~ percent-encoded, as SigV4 wants (encodeURIComponent leaves !'()* as they are). */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}
