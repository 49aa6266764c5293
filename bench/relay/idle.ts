/**
 * Idle connections: what each costs a server in resident memory, and whether
 * our relay holds 10,000 of them from one address and stays responsive.
 * Every idle client subscribes to one topic, ten clients to a topic, as a
 * quiet household of devices would.
 */
import { readFileSync } from 'node:fs'
import type { WebSocket } from 'ws'
import { closeAll, confirm, openSubscribed } from './clients.ts'
import type { ServerChild } from './servers.ts'

const OPEN_BATCH = 500
/** Lets the server finish handshake garbage and the kernel settle socket buffers before RSS is read. */
const SETTLE_MS = 2_000
/** How long the 10k connections must stay open before they count as held. */
const HOLD_MS = 3_000

const idleTopic = (index: number): string => `idle-${Math.floor(index / 10)}`
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export interface IdleMemory {
  readonly server: ServerChild['kind']
  readonly connections: number
  readonly rssBeforeKiB: number
  readonly rssAfterKiB: number
  readonly mibPer1k: number
}

export interface Health {
  readonly status: string
  readonly connections: number
  readonly topics: number
}

export interface IdleHold {
  readonly target: number
  readonly openFileLimit: number
  readonly opened: number
  /** Clients still open after the hold. */
  readonly stillOpen: number
  readonly pingAnswered: boolean
  readonly health: Health | undefined
  readonly rssKiB: number
  readonly held: boolean
  readonly note: string
}

/** The soft limit on open files, which the relay child inherits from this process. */
function openFileLimit(): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
  if (!match?.[1] || match[1] === 'unlimited') return Number.POSITIVE_INFINITY
  return Number(match[1])
}

/**
 * RSS before and after opening `count` idle clients. One client is opened
 * first, so the baseline already includes the code paths and buffers of a
 * first connection and the difference is what more connections cost.
 * The caller owns the returned clients (the first one included).
 */
export async function measureIdleMemory(server: ServerChild, count: number): Promise<{ memory: IdleMemory; clients: WebSocket[] }> {
  const clients = await openSubscribed(server.wsUrl, 1, 1, idleTopic)
  try {
    await sleep(SETTLE_MS / 2)
    const rssBeforeKiB = server.rssKiB()
    clients.push(...(await openSubscribed(server.wsUrl, count, OPEN_BATCH, idleTopic, 1)))
    await sleep(SETTLE_MS)
    const rssAfterKiB = server.rssKiB()
    const mibPer1k = (rssAfterKiB - rssBeforeKiB) / 1024 / (count / 1000)
    return { memory: { server: server.kind, connections: count, rssBeforeKiB, rssAfterKiB, mibPer1k }, clients }
  } catch (error) {
    closeAll(clients)
    throw error
  }
}

/** Opens clients until `target` are open (counting `existing`), holds them, then checks they all still work. */
export async function holdIdle(server: ServerChild, existing: WebSocket[], target: number): Promise<{ hold: IdleHold; clients: WebSocket[] }> {
  const limit = openFileLimit()
  // Each side needs one descriptor per connection plus a few dozen for itself.
  if (limit < target + 100) {
    const note = `open-file limit (ulimit -n) is ${limit}, below the ${target} connections plus overhead; raise it before running`
    return { hold: notHeld(target, limit, existing.length, note), clients: existing }
  }
  const clients = [...existing]
  clients.push(...(await openSubscribed(server.wsUrl, target - existing.length, OPEN_BATCH, idleTopic, existing.length)))
  let closed = 0
  for (const client of clients) client.once('close', () => closed++)
  await sleep(HOLD_MS)
  const stillOpen = clients.length - closed
  const pingAnswered = await answersPing(clients[clients.length - 1])
  const health = await readHealth(server)
  const held = stillOpen >= target && pingAnswered && (health?.connections ?? 0) >= target
  const note = held ? `held for ${HOLD_MS / 1000} s; a ping on the last client was answered` : 'not all connections survived the hold'
  return { hold: { target, openFileLimit: limit, opened: clients.length, stillOpen, pingAnswered, health, rssKiB: server.rssKiB(), held, note }, clients }
}

function notHeld(target: number, limit: number, opened: number, note: string): IdleHold {
  return { target, openFileLimit: limit, opened, stillOpen: opened, pingAnswered: false, health: undefined, rssKiB: 0, held: false, note }
}

async function answersPing(client: WebSocket | undefined): Promise<boolean> {
  if (!client) return false
  return confirm(client).then(
    () => true,
    () => false,
  )
}

async function readHealth(server: ServerChild): Promise<Health | undefined> {
  const response = await fetch(`${server.httpUrl}/healthz`)
  if (!response.ok) return undefined
  const body = (await response.json()) as Partial<Health>
  if (typeof body.status !== 'string' || typeof body.connections !== 'number' || typeof body.topics !== 'number') return undefined
  return { status: body.status, connections: body.connections, topics: body.topics }
}
