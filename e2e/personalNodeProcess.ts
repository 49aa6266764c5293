/**
 * The personal node as its own process (the built `dist/server/node.js`, as
 * `npm run node` runs it), on a data folder of the test's: its JSON log
 * lines are collected, and a test waits for the one it needs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { expect, test } from './fixtures.ts'

const NODE_ENTRY = join(import.meta.dirname, '..', 'dist', 'server', 'node.js')

export interface LogLine {
  readonly msg: string
  readonly [field: string]: unknown
}

export interface NodeProcess {
  readonly folder: string
  readonly lines: LogLine[]
  /** Resolves with the first log line (from the start) whose msg is `message`; fails if the process exits first. */
  logged(message: string, timeout?: number): Promise<LogLine>
  /** Attaches everything it printed to the test (shown if it fails). */
  attachOutput(): Promise<void>
  /** SIGKILL, as `kill -9`: nothing is flushed. */
  kill(): Promise<void>
  /** SIGTERM: the node writes what it holds and exits 0. */
  stop(): Promise<number | null>
}

/** A value of the running node's Prometheus /metrics (its health port is in its "node started" line); NaN when it has none. */
export async function metricOf(node: NodeProcess, name: string): Promise<number> {
  const started = await node.logged('node started')
  const text = await (await fetch(String(started.health).replace(/\/healthz$/, '/metrics'))).text()
  const line = text.split('\n').find((each) => each.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1))
}

export async function newDataFolder(): Promise<{ readonly folder: string; remove(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'pii-node-e2e-'))
  return { folder, remove: () => rm(folder, { recursive: true, force: true }) }
}

/** Starts `node.js <args>` on `folder`, as `npm run node -- <args>` does (`env` adds settings). */
export function startNode(folder: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): NodeProcess {
  const child: ChildProcess = spawn(process.execPath, [NODE_ENTRY, ...args], {
    env: { ...process.env, PII_DATA: folder, PII_NODE_PORT: '0', PII_NODE_NAME: 'Home node', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: LogLine[] = []
  const raw: string[] = []
  const waiters = new Set<() => void>()
  let exit: number | null | undefined
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  void exited.then((code) => {
    exit = code
    for (const wake of waiters) wake()
  })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    raw.push(line)
    try {
      lines.push(JSON.parse(line) as LogLine)
    } catch {
      // Not a log line (the CLI's sentences go to stderr; this is someone else's).
    }
    for (const wake of waiters) wake()
  })
  createInterface({ input: child.stderr! }).on('line', (line) => raw.push(`stderr: ${line}`))
  return {
    folder,
    lines,
    attachOutput: () => test.info().attach(`node on ${folder}`, { body: raw.join('\n'), contentType: 'text/plain' }),
    logged: (message, timeout = 60_000) =>
      new Promise<LogLine>((resolve, reject) => {
        const check = (): void => {
          const found = lines.find((line) => line.msg === message)
          if (found) return done(() => resolve(found))
          if (exit !== undefined) done(() => reject(new Error(`The node exited (${exit}) before logging "${message}":\n${raw.join('\n')}`)))
        }
        const timer = setTimeout(() => done(() => reject(new Error(`The node did not log "${message}" within ${timeout} ms:\n${raw.join('\n')}`))), timeout)
        const done = (settle: () => void): void => {
          clearTimeout(timer)
          waiters.delete(check)
          settle()
        }
        waiters.add(check)
        check()
      }),
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
  }
}

/**
 * Links the node running on `folder` to a person, as they would: `link -`,
 * the pairing link on standard input, then "yes" once the code it prints is
 * the one `codeOnScreen` reads on the person's device. Resolves with what it
 * printed, once it has exited 0.
 */
export async function linkNode(folder: string, link: string, codeOnScreen: () => Promise<string>): Promise<string> {
  const child = spawn(process.execPath, [NODE_ENTRY, 'link', '-'], { env: { ...process.env, PII_DATA: folder, PII_NODE_NAME: 'Home node', LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] })
  const printed: string[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  createInterface({ input: child.stderr }).on('line', (line) => printed.push(line))
  const code = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      printed.push(line)
      const asked = /show the code (\d{3} \d{3})\?/.exec(line)
      if (asked) resolve(asked[1]!)
    })
    void exited.then((exit) => reject(new Error(`node link exited (${exit}) before showing a code:\n${printed.join('\n')}`)))
    child.stdin.write(`${link}\n`)
  })
  expect(code, 'the code the node shows is the one on the person’s screen').toBe(await codeOnScreen())
  child.stdin.end('yes\n')
  expect(await exited, printed.join('\n')).toBe(0)
  return printed.join('\n')
}
