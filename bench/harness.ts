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
