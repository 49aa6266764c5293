/** Settings from the environment, checked up front so a typo stops start-up with a sentence, not a stack trace. */
import { isLogLevel, LogLevel, type LogLevelName } from './log.ts'
import { TrustedProxies } from './relay/clientAddress.ts'
import { OWN_ORIGIN_ONLY, parseOriginList, type OriginPolicy } from './relay/originPolicy.ts'

export interface ServerConfig {
  readonly host: string
  readonly port: number
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

export function readServerConfig(env: NodeJS.ProcessEnv, defaults: ServerConfig): ServerConfig {
  const host = env.HOST?.trim() || defaults.host
  const rawPort = env.PORT?.trim()
  if (rawPort === undefined || rawPort === '') return { host, port: defaults.port }
  const port = Number(rawPort)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535; it is "${rawPort}".`)
  }
  return { host, port }
}

export interface RelayLimits {
  /** Largest frame a client may send, in bytes; larger closes with 1009. */
  readonly maxFrameBytes: number
  readonly maxTopicsPerConnection: number
  readonly maxConnectionsPerAddress: number
  /** Sustained frames per second per connection, and the burst allowed above it. */
  readonly messagesPerSecond: number
  readonly messageBurst: number
  /** A subscriber whose unsent data passes this many bytes is dropped rather than buffered without end. */
  readonly maxBufferedBytes: number
  /** Ping interval; a connection that has not answered the previous ping by the next is dropped. */
  readonly heartbeatMs: number
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  // Relayed sync messages carry encrypted Yjs updates; clients split anything bigger.
  maxFrameBytes: 1024 * 1024,
  // A person rarely has more than a few dozen spaces open at once.
  maxTopicsPerConnection: 256,
  // Room for a household or an office behind one NAT address.
  maxConnectionsPerAddress: 64,
  // Typing produces ~20 updates a second; signalling bursts on join.
  messagesPerSecond: 100,
  messageBurst: 300,
  // Eight maximum-size frames queued for one slow reader.
  maxBufferedBytes: 8 * 1024 * 1024,
  // The stock y-webrtc server's interval; browsers answer pings even in hidden tabs.
  heartbeatMs: 30_000,
}

const RELAY_LIMIT_ENV: Record<keyof RelayLimits, string> = {
  maxFrameBytes: 'RELAY_MAX_FRAME_BYTES',
  maxTopicsPerConnection: 'RELAY_MAX_TOPICS_PER_CONNECTION',
  maxConnectionsPerAddress: 'RELAY_MAX_CONNECTIONS_PER_ADDRESS',
  messagesPerSecond: 'RELAY_MESSAGES_PER_SECOND',
  messageBurst: 'RELAY_MESSAGE_BURST',
  maxBufferedBytes: 'RELAY_MAX_BUFFERED_BYTES',
  heartbeatMs: 'RELAY_HEARTBEAT_MS',
}

/** Who the relay lets in, and under which address it counts them. */
export interface RelayAccess {
  /** Reverse proxies whose X-Forwarded-For names the client (relay/clientAddress.ts). */
  readonly trustedProxies: TrustedProxies
  /** Web pages, by their Origin, that may open a connection (relay/originPolicy.ts). */
  readonly allowedOrigins: OriginPolicy
}

export const DEFAULT_RELAY_ACCESS: RelayAccess = {
  // Believing X-Forwarded-For from anyone would let one client claim a fresh address, and a fresh limit, per connection.
  trustedProxies: TrustedProxies.none,
  // `npm start` serves the app and the relay from one origin, so that works with nothing set; pages elsewhere are refused.
  allowedOrigins: OWN_ORIGIN_ONLY,
}

export const RELAY_ACCESS_ENV = {
  trustedProxies: 'RELAY_TRUSTED_PROXIES',
  allowedOrigins: 'RELAY_ALLOWED_ORIGINS',
} as const satisfies Record<keyof RelayAccess, string>

export interface RelayConfig {
  readonly limits: RelayLimits
  readonly access: RelayAccess
  /** Set to share topics with other relay instances through Redis pub/sub. */
  readonly redisUrl: string | undefined
  readonly logLevel: LogLevelName
}

export function readRelayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const limits = { ...DEFAULT_RELAY_LIMITS }
  for (const key of Object.keys(RELAY_LIMIT_ENV) as (keyof RelayLimits)[]) {
    const name = RELAY_LIMIT_ENV[key]
    const raw = env[name]?.trim()
    if (raw === undefined || raw === '') continue
    const value = Number(raw)
    if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number of at least 1; it is "${raw}".`)
    limits[key] = value
  }
  const redisUrl = env.REDIS_URL?.trim() || undefined
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://; it is "${redisUrl}".`)
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info'
  if (!isLogLevel(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${Object.keys(LogLevel).join(', ')}; it is "${logLevel}".`)
  return { limits, access: readRelayAccess(env), redisUrl, logLevel }
}

function readRelayAccess(env: NodeJS.ProcessEnv): RelayAccess {
  const { trustedProxies, allowedOrigins } = RELAY_ACCESS_ENV
  const proxies = TrustedProxies.parse(env[trustedProxies] ?? '')
  if (!proxies.ok) {
    throw new ConfigError(
      `${trustedProxies} must be IP addresses or CIDR ranges separated by commas, such as 10.0.0.5, 10.0.0.0/8, 2001:db8::/32; "${proxies.badEntry}" is neither.`,
    )
  }
  const origins = parseOriginList(env[allowedOrigins] ?? '')
  if (!origins.ok) {
    throw new ConfigError(
      `${allowedOrigins} must be * or origins (scheme://host[:port], such as https://pii.example) separated by commas; "${origins.badEntry}" is not one.`,
    )
  }
  return { trustedProxies: proxies.proxies, allowedOrigins: origins.policy }
}
