/**
 * The personal node as its own process, as `npm run node` runs it (the
 * built dist/server/node.js, PII_DATA its folder, PII_NODE_PORT=0 so runs
 * never collide, no backup rounds), watched from outside: its JSON log
 * lines, its control socket (what `npm run node -- spaces` asks), and
 * /proc for its memory and CPU time.
 */
import { spawn, execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ReplicaSummary } from '../../src/node/PersonalNode.ts'
import { askRunningNode, CONTROL_SOCKET } from '../../src/node/nodeServer.ts'

const NODE_ENTRY = fileURLToPath(new URL('../../dist/server/node.js', import.meta.url))
/** How often the control socket is asked how the spaces are doing: each ask costs the node a walk over its spaces. */
const POLL_MS = 100
/** /proc/<pid>/stat counts CPU time in clock ticks. */
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

export interface SpawnedNode {
  readonly pid: number
  readonly folder: string
  /** performance.now() when it was spawned. */
  readonly spawnedAt: number
  /** Resolves with ms since spawn at the first log line whose msg is `message`; rejects if the process exits first or `timeoutMs` passes. */
  logged(message: string, timeoutMs: number): Promise<number>
  /** SIGTERM: the node writes what it holds; resolves with its exit code. */
  stop(): Promise<number | null>
  /** SIGKILL, for cleaning up after a failure. */
  kill(): Promise<void>
  /** What it printed, for error messages. */
  output(): string
}

export function spawnNode(folder: string): SpawnedNode {
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, [NODE_ENTRY], {
    env: { ...process.env, PII_DATA: folder, PII_NODE_PORT: '0', PII_BACKUP_EVERY_MINUTES: '0', PII_NODE_NAME: 'Bench node', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const seen = new Map<string, number>()
  const raw: string[] = []
  const waiters = new Set<() => void>()
  let exit: number | null | undefined
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  void exited.then((code) => {
    exit = code
    for (const wake of waiters) wake()
  })
  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = performance.now() - spawnedAt
    raw.push(line)
    try {
      const { msg } = JSON.parse(line) as { msg?: unknown }
      if (typeof msg === 'string' && !seen.has(msg)) seen.set(msg, at)
    } catch {
      // Not a log line.
    }
    for (const wake of waiters) wake()
  })
  createInterface({ input: child.stderr }).on('line', (line) => raw.push(`stderr: ${line}`))
  const output = (): string => raw.slice(-40).join('\n')
  return {
    pid: child.pid ?? -1,
    folder,
    spawnedAt,
    output,
    logged: (message, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const check = (): void => {
          const at = seen.get(message)
          if (at !== undefined) return done(() => resolve(at))
          if (exit !== undefined) done(() => reject(new Error(`The node exited (${exit}) before logging "${message}":\n${output()}`)))
        }
        const timer = setTimeout(() => done(() => reject(new Error(`The node did not log "${message}" within ${timeoutMs} ms:\n${output()}`))), timeoutMs)
        const done = (settle: () => void): void => {
          clearTimeout(timer)
          waiters.delete(check)
          settle()
        }
        waiters.add(check)
        check()
      }),
    stop: async () => {
      if (exit === undefined) child.kill('SIGTERM')
      return exited
    },
    kill: async () => {
      if (exit === undefined) child.kill('SIGKILL')
      await exited
    },
  }
}

/** The node's answer to `spaces`, through its control socket. */
export async function spacesOf(node: SpawnedNode): Promise<ReplicaSummary[]> {
  const answer = await askRunningNode(join(node.folder, CONTROL_SOCKET), 'GET', '/spaces')
  if (answer?.status !== 200) throw new Error(`The node did not answer "spaces" (${answer ? `status ${answer.status}` : 'nothing listens'}):\n${node.output()}`)
  return answer.body as ReplicaSummary[]
}

/** Ms since spawn at which `spaces` first lists `expected` spaces, every one holding envelopes (read from its disk). */
export async function untilLoaded(node: SpawnedNode, expected: number, timeoutMs: number): Promise<number> {
  for (;;) {
    const spaces = await spacesOf(node)
    const at = performance.now() - node.spawnedAt
    if (spaces.length === expected && spaces.every((space) => space.envelopes > 0)) return at
    if (at > timeoutMs) {
      const loaded = spaces.filter((space) => space.envelopes > 0).length
      throw new Error(`After ${timeoutMs} ms the node lists ${spaces.length} of ${expected} spaces, ${loaded} of them loaded.`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/** Resident memory, KiB (VmRSS in /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB$/m)
  if (!line?.[1]) throw new Error(`No VmRSS for process ${pid}.`)
  return Number(line[1])
}

/** CPU time used so far (user + system), ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces), from field 3 on: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_S) * 1000
}

export interface Quiet {
  /** Ms since spawn from which the node's CPU use stayed under QUIET_SHARE for a whole window; NaN if it never did within the limit. */
  readonly quietMs: number
  /** Its CPU use over the last window watched, as a share of one core. */
  readonly lastShare: number
}

/** Below this share of one core over a whole window, the node is idle (timers, heartbeats). */
const QUIET_SHARE = 0.05
const QUIET_WINDOW_MS = 1_000

/** Watches the node's CPU time until a whole window uses under 5% of a core, or `limitMs` since spawn passes. */
export async function untilQuiet(node: SpawnedNode, limitMs: number): Promise<Quiet> {
  for (;;) {
    const before = cpuMs(node.pid)
    const from = performance.now()
    await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS))
    const now = performance.now()
    const lastShare = (cpuMs(node.pid) - before) / (now - from)
    if (lastShare < QUIET_SHARE) return { quietMs: from - node.spawnedAt, lastShare }
    if (now - node.spawnedAt > limitMs) return { quietMs: Number.NaN, lastShare }
  }
}
