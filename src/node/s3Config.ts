/**
 * Where the personal node sends backups off this machine, if anywhere: an
 * S3-compatible bucket named by PII_S3_* settings. Read up front so a typo
 * stops start-up with a sentence naming the setting, rather than surfacing
 * hours later as a failed backup.
 */

export interface S3Config {
  /** The service's URL, e.g. https://s3.eu-central-1.amazonaws.com, without a trailing '/'. */
  readonly endpoint: string
  readonly bucket: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** Put before every key: '' or ending in '/'. */
  readonly prefix: string
}

export const S3Setting = {
  endpoint: 'PII_S3_ENDPOINT',
  bucket: 'PII_S3_BUCKET',
  accessKeyId: 'PII_S3_ACCESS_KEY_ID',
  secretAccessKey: 'PII_S3_SECRET_ACCESS_KEY',
  region: 'PII_S3_REGION',
  prefix: 'PII_S3_PREFIX',
} as const satisfies Record<keyof S3Config, string>

const REQUIRED = [S3Setting.endpoint, S3Setting.bucket, S3Setting.accessKeyId, S3Setting.secretAccessKey] as const
/** The region most S3-compatible services accept whatever their location. */
export const DEFAULT_S3_REGION = 'us-east-1'
export const DEFAULT_S3_PREFIX = 'pii/'

export class S3ConfigError extends Error {
  override readonly name = 'S3ConfigError'
}

/** The S3 settings, or undefined when none is set (backups then stay on this machine). */
export function readS3Config(env: NodeJS.ProcessEnv): S3Config | undefined {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined
  const set = Object.values(S3Setting).filter((name) => value(name) !== undefined)
  if (set.length === 0) return undefined
  const missing = REQUIRED.filter((name) => value(name) === undefined)
  if (missing.length > 0) {
    throw new S3ConfigError(
      `Backups to S3 storage need ${REQUIRED.join(', ')}; ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not. Set ${missing.length === 1 ? 'it' : 'them'}, or unset the others to keep backups on this machine only.`,
    )
  }
  return {
    endpoint: checkedEndpoint(value(S3Setting.endpoint) ?? ''),
    bucket: checkedBucket(value(S3Setting.bucket) ?? ''),
    region: checkedRegion(value(S3Setting.region) ?? DEFAULT_S3_REGION),
    accessKeyId: checkedAccessKeyId(value(S3Setting.accessKeyId) ?? ''),
    // The secret is never repeated in a message: it may end up in a log.
    secretAccessKey: value(S3Setting.secretAccessKey) ?? '',
    prefix: checkedPrefix(env[S3Setting.prefix]?.trim() ?? DEFAULT_S3_PREFIX),
  }
}

function checkedEndpoint(text: string): string {
  const problem = (what: string) =>
    new S3ConfigError(`${S3Setting.endpoint} must be the http:// or https:// URL of the storage service, such as https://s3.eu-central-1.amazonaws.com; it is "${text}" (${what}).`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw problem('not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw problem(`${url.protocol} is neither http: nor https:`)
  // Not repeated in the message: what is in the URL here is a key.
  if (url.username || url.password) {
    throw new S3ConfigError(`${S3Setting.endpoint} must not hold keys: put them in ${S3Setting.accessKeyId} and ${S3Setting.secretAccessKey}, and leave the URL as https://host[:port].`)
  }
  if (url.search || url.hash) throw problem('it has a query or fragment')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function checkedBucket(name: string): string {
  // S3's rules for bucket names, which path-style URLs put unescaped into the path.
  const valid = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name)
  if (!valid) {
    throw new S3ConfigError(
      `${S3Setting.bucket} must be an S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit; it is "${name}".`,
    )
  }
  return name
}

function checkedRegion(region: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(region)) throw new S3ConfigError(`${S3Setting.region} must be a region name such as us-east-1 or eu-central-1; it is "${region}".`)
  return region
}

function checkedAccessKeyId(id: string): string {
  // The id goes into the signed Authorization header, where a space, ',' or '/' would split it.
  if (!/^[\x21-\x7e]{1,128}$/.test(id) || /[,/=]/.test(id)) {
    throw new S3ConfigError(`${S3Setting.accessKeyId} must be an access key id, letters and digits such as AKIAIOSFODNN7EXAMPLE; it has a space, ',', '/', '=' or a character outside ASCII.`)
  }
  return id
}

function checkedPrefix(prefix: string): string {
  if (prefix === '') return ''
  const segments = prefix.replace(/\/$/, '').split('/')
  // A URL path drops "." and ".." segments, so such a prefix would sign one key and store another.
  if (prefix.startsWith('/') || segments.some((segment) => segment === '.' || segment === '..' || segment === '') || hasControlOrBackslash(prefix)) {
    throw new S3ConfigError(`${S3Setting.prefix} must be a key prefix such as "pii/" (no leading '/', no empty, '.' or '..' parts, no control characters or '\\'); it is "${prefix}".`)
  }
  // "backups" means the folder backups/, not keys beginning "backupsXYZ…".
  return prefix.endsWith('/') ? prefix : `${prefix}/`
}

function hasControlOrBackslash(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20 || char === '\x7f' || char === '\\')
}
