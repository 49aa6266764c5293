/**
 * What a running node answers:
 *   - on its HTTP port (PII_NODE_HOST:PII_NODE_PORT): GET /healthz and the
 *     Prometheus GET /metrics, for whoever watches the machine;
 *   - on its control socket (a Unix socket in the data folder, readable by
 *     the folder's owner only, so no web page and no other user can reach
 *     it): the CLI's commands (`replicate`, `join`, `spaces`, `status`,
 *     `remove`, `backup`, `backups`, `restore`),
 *     as JSON.
 * Every request is checked: an unknown path is a 404, a body over 16 KiB or
 * not JSON is a 400 with a sentence, and nothing a request says can stop
 * the node.
 */
import { chmod, rm } from 'node:fs/promises'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isSpaceId } from '../core/space/ids.ts'
import { BackupError } from './backupFile.ts'
import { BackupStoreError } from './backupStore.ts'
import type { SchedulerFigures } from './NodeDevice.ts'
import { NodeInputError, type PersonalNode, type SpaceSummary } from './PersonalNode.ts'
import { ReplicaBackupError } from './replicaBackups.ts'
import { S3Error } from './s3Client.ts'

const MAX_BODY_BYTES = 16 * 1024
export const CONTROL_SOCKET = 'control.sock'

export interface NodeStatus {
  readonly device: string
  readonly name: string
  readonly folder: string
  /** When the node running on the folder started; undefined when none runs (the CLI read the folder itself). */
  readonly startedAt: number | undefined
  readonly spaces: number
  /** Of those, the spaces it holds keyed (it reads them and runs their schedules); the others it keeps blind. */
  readonly keyed: number
  readonly admitted: number
  readonly peers: number
  readonly envelopes: number
  /** Seconds since the oldest of the kept spaces' last backups; undefined when the node keeps no backups. */
  readonly backupAgeSeconds: number | undefined
  readonly backupFailures: number
  /** What its scheduler did since it started (keyed spaces). */
  readonly scheduler: SchedulerFigures
}

export function nodeStatus(node: PersonalNode, about: Pick<NodeStatus, 'name' | 'folder' | 'startedAt'>): NodeStatus {
  const spaces = node.spaces()
  return {
    device: node.device,
    ...about,
    spaces: spaces.length,
    keyed: spaces.filter((space) => space.kept === 'keyed').length,
    admitted: spaces.filter((space) => space.admitted).length,
    peers: sum(spaces, 'peers'),
    envelopes: sum(spaces, 'envelopes'),
    backupAgeSeconds: node.backupAgeSeconds(),
    backupFailures: node.backupFailureCount,
    scheduler: node.schedulerFigures(),
  }
}

const sum = (spaces: readonly SpaceSummary[], key: 'peers' | 'envelopes'): number => spaces.reduce((total, space) => total + space[key], 0)

export function metricsText(status: NodeStatus, now: number): string {
  const gauge = (name: string, help: string, value: number): string => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`
  const counter = (name: string, help: string, value: number): string => `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} ${value}\n`
  const { scheduler } = status
  const lateness = (quantile: string, value: number): string => `pii_node_scheduler_tick_lateness_ms{quantile="${quantile}"} ${value}\n`
  return [
    gauge('pii_node_spaces', 'Spaces this node keeps.', status.spaces),
    gauge('pii_node_spaces_keyed', 'Kept spaces this node holds keyed: it reads them and runs their schedules.', status.keyed),
    gauge('pii_node_spaces_admitted', 'Kept spaces whose membership log admits this node.', status.admitted),
    gauge('pii_node_peers', 'Peers connected, summed over the kept spaces.', status.peers),
    gauge('pii_node_envelopes_stored', 'Signed envelopes stored, over every kept space.', status.envelopes),
    ...(status.backupAgeSeconds === undefined ? [] : [gauge('pii_node_backup_age_seconds', 'Seconds since the oldest of the kept spaces\' last backups.', status.backupAgeSeconds)]),
    `# HELP pii_node_backup_failures_total Backups that failed (each is tried again next round).\n# TYPE pii_node_backup_failures_total counter\npii_node_backup_failures_total ${status.backupFailures}\n`,
    gauge('pii_node_uptime_seconds', 'Seconds since the node started.', Math.round((now - (status.startedAt ?? now)) / 1000)),
    gauge('pii_node_scheduler_spaces', 'Spaces whose schedule runs on this node now.', scheduler.spaces),
    counter('pii_node_runs_performed_total', 'Occurrences this node ran that succeeded.', scheduler.runsPerformed),
    counter('pii_node_runs_failed_total', 'Attempts at occurrences that failed on this node (a retried failure counts each time).', scheduler.runsFailed),
    counter('pii_node_runs_skipped_total', 'Occurrences this node\'s ticks skipped by their catch-up policy.', scheduler.runsSkipped),
    `# HELP pii_node_scheduler_tick_lateness_ms How late this node's scheduler ticks ran over their last 600 ticks, ms (the worst of its schedulers).\n# TYPE pii_node_scheduler_tick_lateness_ms summary\n`,
    lateness('0.5', scheduler.lateness.p50Ms),
    lateness('0.99', scheduler.lateness.p99Ms),
    lateness('1', scheduler.lateness.maxMs),
  ].join('')
}

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n'
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  response.end(text)
}

const NOT_A_PATH = 'The request names no path that reads as a URL.'

/**
 * The request's path; undefined when its target is not a URL. The HTTP
 * parser lets through absolute targets such as `http://[` that URL cannot
 * read, and a throw in a request handler would stop the node.
 */
function pathOf(request: IncomingMessage): string | undefined {
  try {
    return new URL(request.url ?? '/', 'http://node').pathname
  } catch {
    return undefined
  }
}

/** The public port: health and metrics, read-only. */
export async function startHealthServer(status: () => NodeStatus | undefined, host: string, port: number): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = pathOf(request)
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, { error: 'Only GET is answered here.' })
    if (path === undefined) return send(response, 400, { error: NOT_A_PATH })
    const now = status()
    if (path === '/healthz') return now ? send(response, 200, { status: 'ok', spaces: now.spaces, peers: now.peers }) : send(response, 503, { status: 'starting or stopping' })
    if (path === '/metrics') return now ? send(response, 200, metricsText(now, Date.now()), 'text/plain; version=0.0.4') : send(response, 503, 'starting or stopping\n', 'text/plain')
    send(response, 404, { error: `Nothing at ${path}: this port answers /healthz and /metrics.` })
  })
  await listen(server, { host, port })
  const address = server.address() as AddressInfo
  return { url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`, close: () => closeServer(server) }
}

/** The control socket: the CLI's commands, for the owner of the data folder only. */
export async function startControlServer(node: PersonalNode, socketPath: string, status: () => NodeStatus): Promise<{ close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void answerControl(node, request, status)
      .then(([code, body]) => send(response, code, body))
      .catch((error: unknown) => send(response, 500, { error: `The node failed to do that: ${String(error)}` }))
  })
  // A socket file left by a node that was killed: nothing listens on it (the database lock said no node runs here).
  await rm(socketPath, { force: true })
  await listen(server, { path: socketPath })
  await chmod(socketPath, 0o600)
  return { close: () => closeServer(server).then(() => rm(socketPath, { force: true })) }
}

async function answerControl(node: PersonalNode, request: IncomingMessage, status: () => NodeStatus): Promise<[number, unknown]> {
  const path = pathOf(request)
  if (path === undefined) return [400, { error: NOT_A_PATH }]
  if (request.method === 'GET' && (path === '/status' || path === '/spaces')) return answerCommand(node, path, {}, status)
  if (request.method !== 'POST' || !COMMANDS.has(path)) return [404, { error: `Unknown command ${request.method ?? ''} ${path}.` }]
  const body = await readJson(request)
  if (typeof body === 'string') return [400, { error: body }]
  return answerCommand(node, path, body, status)
}

/**
 * One command, checked, as the control socket answers it and as the CLI
 * runs it itself on a folder no node runs on: [HTTP status, JSON body].
 */
export async function answerCommand(node: PersonalNode, command: string, body: Readonly<Record<string, unknown>>, status: () => NodeStatus): Promise<[number, unknown]> {
  try {
    if (command === '/status') return [200, status()]
    if (command === '/spaces') return [200, node.spaces()]
    if (command === '/replicate') {
      if (typeof body.link !== 'string') return [400, { error: 'Give the replica link: {"link": "https://…#/r/…"}.' }]
      return [200, await node.replicate(body.link)]
    }
    if (command === '/join') {
      if (typeof body.link !== 'string') return [400, { error: 'Give the share link: {"link": "https://…#/s/…"}.' }]
      return [200, await node.join(body.link)]
    }
    if (command === '/link') {
      if (typeof body.link !== 'string') return [400, { error: 'Give the pairing link: {"link": "https://…#/pair/…"}.' }]
      return [200, await node.keyed.pairing.open(body.link)]
    }
    if (command === '/link-confirm') return [200, await node.keyed.pairing.confirm()]
    if (command === '/link-cancel') return node.keyed.pairing.cancel(), [200, { cancelled: true }]
    if (command === '/backup') return [200, await node.backUpAll()]
    if (!COMMANDS.has(command)) return [404, { error: `Unknown command ${command}.` }]
    if (!isSpaceId(body.space)) return [400, { error: 'Give the id of a space this node keeps: {"space": "…"} (see `spaces`).' }]
    if (command === '/remove') return (await node.remove(body.space)) ? [200, { removed: body.space }] : [404, { error: `This node keeps no space ${body.space}.` }]
    const from = body.from ?? 'folder'
    if (from !== 'folder' && from !== 's3') return [400, { error: 'Backups are "from" "folder" (the data folder\'s) or "s3".' }]
    if (command === '/backups') return [200, await node.backups(body.space, from)]
    if (body.name !== undefined && typeof body.name !== 'string') return [400, { error: 'A backup\'s "name" is text, as `backups` lists it.' }]
    return [200, await node.restore(body.space, from, body.name)]
  } catch (error) {
    // Sentences for the person: a bad link, a backup that is missing, damaged or unreachable.
    if (error instanceof NodeInputError || error instanceof ReplicaBackupError || error instanceof BackupError || error instanceof BackupStoreError || error instanceof S3Error) return [400, { error: error.message }]
    throw error
  }
}

const COMMANDS = new Set(['/replicate', '/join', '/link', '/link-confirm', '/link-cancel', '/remove', '/backup', '/backups', '/restore'])

/** The request's JSON object, or a sentence saying why there is none. */
async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) return `A command is at most ${MAX_BODY_BYTES} bytes.`
    chunks.push(chunk)
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : 'A command is a JSON object.'
  } catch {
    return 'A command is a JSON object; this was not JSON.'
  }
}

/** Sends a command to the node running on `socketPath`; undefined if none answers there. */
export function askRunningNode(socketPath: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ readonly status: number; readonly body: unknown } | undefined> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ socketPath, method, path, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown })
        } catch {
          reject(new Error(`The running node answered something that is not JSON: ${text.slice(0, 200)}`))
        }
      })
    })
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? resolve(undefined) : reject(error)))
    request.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

function listen(server: Server, where: { host: string; port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(where, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
