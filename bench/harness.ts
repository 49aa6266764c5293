/** What every benchmark script needs around its measurement: settings from the environment, deadlines, a local server. */
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A whole-number setting ≥ 1 from the environment (e.g. BENCH_RUNS), or the default; anything else stops the run with a sentence. */
export function wholeNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${raw}".`)
  return value
}

/** Rejects with "<what> took over <ms> ms." if `work` has not settled by then. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms.`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

export interface LocalServer {
  readonly origin: string
  close(): Promise<void>
}

/** Serves `handler` on a free 127.0.0.1 port. */
export async function serveLocally(handler: RequestListener): Promise<LocalServer> {
  const server = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/**
 * A plain-text table: columns padded to their widest cell, the first
 * `labelColumns` left-aligned and the rest (numbers) right-aligned, with a
 * dashed rule under the header if asked.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], { labelColumns = 0, rule = false } = {}): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column < labelColumns ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')
  return [line(header), ...(rule ? [widths.map((width) => '-'.repeat(width)).join('  ')] : []), ...rows.map(line)].join('\n')
}

/**
 * Page errors a benchmark page may raise without its numbers being wrong:
 * workbox-window's register() throws "reading 'waiting'" when service workers
 * are blocked (the benches block them), and y-webrtc's glareToken TypeError
 * (bench/coldsync/nodePeer.ts) is its own bug and harmless to sync.
 */
export function isExpectedPageError(message: string): boolean {
  return message.includes("reading 'waiting'") || message.includes("'glareToken'")
}
