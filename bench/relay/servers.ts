/**
 * The two relays under test, each in its own child process so the load
 * generator (the bench process) never shares their event loop:
 *   ours  — src/server/relayMain.ts (PiiServer + Relay), limits raised by
 *           environment so no rate or per-address limit trips;
 *   stock — node_modules/y-webrtc/bin/server.js, as shipped.
 * Also reads a child's CPU time and resident memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../test/helpers/freePort.ts'

export type ServerKind = 'ours' | 'stock'
export const SERVER_KINDS: readonly ServerKind[] = ['ours', 'stock']

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000
/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100

/** Far above anything the benchmark does, so what is measured is relaying, not refusing. */
const OURS_ENV = {
  LOG_LEVEL: 'warn',
  RELAY_MESSAGES_PER_SECOND: '1000000000',
  RELAY_MESSAGE_BURST: '1000000000',
  RELAY_MAX_CONNECTIONS_PER_ADDRESS: '100000',
}

export interface ServerChild {
  readonly kind: ServerKind
  readonly pid: number
  /** ws://127.0.0.1:PORT */
  readonly wsUrl: string
  /** http://127.0.0.1:PORT */
  readonly httpUrl: string
  /** CPU seconds the child has used so far, in its own code (user) and in the kernel on its behalf (system). */
  cpuTimes(): CpuTimes
  rssKiB(): number
  /** True once the process has ended, on its own or stopped. */
  hasExited(): boolean
  stop(): Promise<void>
}

export interface CpuTimes {
  readonly user: number
  readonly system: number
}

export interface StartOptions {
  /** When set, the child writes a V8 CPU profile here on a clean exit (SIGTERM). */
  readonly cpuProfDir?: string | undefined
  /** Our relay with its shipped limits instead of raised ones (for fuzzing the limits themselves). */
  readonly defaultLimits?: boolean | undefined
}

const live = new Set<ChildProcess>()

/** Last resort for an error path or Ctrl-C: no child outlives the bench. */
export function killAllChildrenSync(): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
}

export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<ServerChild> {
  return kind === 'ours' ? startOurs(options) : startStock(options)
}

function profileArgs(options: StartOptions): string[] {
  if (options.cpuProfDir === undefined) return []
  // The stock server has no SIGTERM handler, and V8 only writes the profile on a normal exit.
  const exitOnTerm = 'data:text/javascript,process.once("SIGTERM",()=>process.exit(0))'
  return ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--import=${exitOnTerm}`]
}

async function startOurs(options: StartOptions): Promise<ServerChild> {
  const child = spawnChild([...profileArgs(options), '--import', 'tsx', join(REPO, 'src/server/relayMain.ts')], {
    ...(options.defaultLimits ? { LOG_LEVEL: 'warn' } : OURS_ENV),
    HOST: '127.0.0.1',
    PORT: '0',
  })
  // relayMain prints "Pii relay is running at http://… (relay: ws://127.0.0.1:PORT)".
  const match = await waitForLine(child, /\(relay: ws:\/\/127\.0\.0\.1:(\d+)\)/)
  return handle('ours', child, Number(match[1]))
}

async function startStock(options: StartOptions): Promise<ServerChild> {
  const port = await freePort()
  const child = spawnChild([...profileArgs(options), join(REPO, 'node_modules/y-webrtc/bin/server.js')], { PORT: String(port) })
  await waitForLine(child, /Signaling server running on localhost:/)
  // It prints right after calling listen(), before the port is bound.
  await waitForPort(port)
  return handle('stock', child, port)
}

function spawnChild(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

function handle(kind: ServerKind, child: ChildProcess, port: number): ServerChild {
  const pid = child.pid
  if (pid === undefined) throw new Error(`${kind} server did not start (no pid).`)
  return {
    kind,
    pid,
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    cpuTimes: () => readCpuTimes(pid),
    rssKiB: () => readRssKiB(pid),
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => stopChild(child),
  }
}

/** Resolves with the first stdout line matching; rejects with stderr if the child exits or is slow. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000)
  })
  let ready = false
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      if (!ready) reject(new Error(`${why}\nstdout: ${stdout.slice(-2_000)}\nstderr: ${stderr}`))
    }
    const timer = setTimeout(() => fail(`Server did not print ${String(pattern)} within ${START_TIMEOUT_MS} ms.`), START_TIMEOUT_MS)
    child.once('exit', (code) => fail(`Server exited with code ${String(code)} before it was ready.`))
    // The listener stays after the match: a full pipe would block the child.
    child.stdout?.on('data', (chunk: Buffer) => {
      if (ready) return
      stdout += chunk.toString()
      const match = pattern.exec(stdout)
      if (!match) return
      ready = true
      clearTimeout(timer)
      resolve(match)
    })
  })
}

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    const socket = createConnection(port, '127.0.0.1')
    try {
      await once(socket, 'connect')
      socket.destroy()
      return
    } catch (error) {
      socket.destroy()
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

function readCpuTimes(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND }
}

function readRssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error(`No VmRSS for pid ${pid}.`)
  return Number(match[1])
}
