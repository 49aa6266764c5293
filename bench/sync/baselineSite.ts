/**
 * Builds the baseline page (baseline/) with Vite and serves it on its own
 * free 127.0.0.1 port. Its y-webrtc signals through the app's relay (a
 * WebSocket to another port of the same host, which the page allows), so
 * both pages meet peers through the same server.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { StaticSite } from '../../src/server/staticSite.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SOURCE = join(REPO, 'bench/sync/baseline')
const OUT_DIR = join(REPO, 'dist/bench-sync-baseline')

export interface BaselineSite {
  readonly origin: string
  close(): Promise<void>
}

export async function startBaselineSite(): Promise<BaselineSite> {
  await build({
    configFile: false,
    root: SOURCE,
    base: '/',
    logLevel: 'warn',
    // Same target as the app's build, so neither page gets different syntax lowering.
    build: { outDir: OUT_DIR, emptyOutDir: true, target: 'es2022' },
  })
  const site = await StaticSite.load(OUT_DIR)
  const server = createServer((request, response) => site.handle(request, response))
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
