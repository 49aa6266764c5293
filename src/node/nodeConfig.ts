/** The personal node's settings, from the environment, checked up front so a typo stops start-up with a sentence. */
import { readVapidSubject } from './vapidKeys.ts'
import { join, resolve } from 'node:path'
import { isLogLevel, type LogLevelName } from '../server/log.ts'
import { DEFAULT_KEEP } from './backupStore.ts'
import { CONTROL_SOCKET } from './nodeServer.ts'
import { readS3Config, type S3Config } from './s3Config.ts'

export interface NodeConfig {
  readonly folder: string
  readonly name: string
  readonly host: string
  readonly port: number
  readonly logLevel: LogLevelName
  /** The contact push services are given with the node's reminders (a mailto: or https: address), PII_PUSH_CONTACT. */
  readonly pushContact?: string | undefined
  /** How often a changed space is backed up; 0: only when asked (`backup`). */
  readonly backupEveryMinutes: number
  /** Backups kept per space, in each store. */
  readonly backupKeep: number
  /** Where backups also go, when PII_S3_* is set. */
  readonly s3: S3Config | undefined
  /** PII_HTTP_ALLOW_PRIVATE=1: the http kind may reach loopback, private and link-local addresses (nodeHttp.ts). */
  readonly httpAllowPrivate: boolean
  /** PII_RELAY_URL: the relay of keyed spaces listed without one (those that arrive from the home space). */
  readonly relay: string | undefined
}

export class NodeConfigError extends Error {
  override readonly name = 'NodeConfigError'
}

export const DEFAULT_NODE_PORT = 8790

export function readNodeConfig(env: NodeJS.ProcessEnv): NodeConfig {
  const folder = resolve(env.PII_DATA?.trim() || 'pii-data')
  const name = env.PII_NODE_NAME?.trim() || 'Personal node'
  if (name.length > 60) throw new NodeConfigError(`PII_NODE_NAME is at most 60 characters; it is ${name.length}.`)
  const host = env.PII_NODE_HOST?.trim() || '127.0.0.1'
  const rawPort = env.PII_NODE_PORT?.trim()
  // Digits only: Number() alone would take "0x1F90" or "1e3" and listen on a port the person never wrote.
  const port = rawPort ? (/^\d+$/.test(rawPort) ? Number(rawPort) : Number.NaN) : DEFAULT_NODE_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new NodeConfigError(`PII_NODE_PORT must be a whole number from 0 to 65535; it is "${rawPort}".`)
  const level = env.LOG_LEVEL?.trim() || 'info'
  if (!isLogLevel(level)) throw new NodeConfigError(`LOG_LEVEL must be one of debug, info, warn, error, silent; it is "${level}".`)
  // A Unix socket's path is at most 107 bytes; the control socket lives in the folder.
  if (Buffer.byteLength(join(folder, CONTROL_SOCKET)) > 100) throw new NodeConfigError(`PII_DATA is too long a path for the node's control socket (${folder}); choose a shorter one.`)
  const backupEveryMinutes = wholeNumber(env, 'PII_BACKUP_EVERY_MINUTES', 60, 0, 7 * 24 * 60)
  const backupKeep = wholeNumber(env, 'PII_BACKUP_KEEP', DEFAULT_KEEP, 1, 10_000)
  let s3: S3Config | undefined
  try {
    s3 = readS3Config(env)
  } catch (error) {
    throw new NodeConfigError((error as Error).message)
  }
  const allowPrivate = env.PII_HTTP_ALLOW_PRIVATE?.trim() ?? ''
  if (!['', '0', '1'].includes(allowPrivate)) throw new NodeConfigError(`PII_HTTP_ALLOW_PRIVATE is 1 (allow) or 0 (refuse, the default); it is "${allowPrivate}".`)
  const relay = env.PII_RELAY_URL?.trim() || undefined
  if (relay !== undefined && !/^wss?:\/\/[^/\s]+\/?$/.test(relay)) throw new NodeConfigError(`PII_RELAY_URL is the relay's WebSocket address, like wss://pii.example.org/; it is "${relay}".`)
  const pushContact = env.PII_PUSH_CONTACT?.trim() || undefined
  try {
    readVapidSubject(pushContact)
  } catch (error) {
    throw new NodeConfigError(`PII_PUSH_CONTACT: ${(error as Error).message}`)
  }
  return { folder, name, host, port, logLevel: level, backupEveryMinutes, backupKeep, s3, httpAllowPrivate: allowPrivate === '1', relay: relay && (relay.endsWith('/') ? relay : `${relay}/`), pushContact }
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, least: number, most: number): number {
  const raw = env[name]?.trim()
  if (!raw) return fallback
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < least || value > most) throw new NodeConfigError(`${name} must be a whole number from ${least} to ${most}; it is "${raw}".`)
  return value
}
