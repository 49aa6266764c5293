/**
 * Builds the baseline page (baseline/) with Vite and serves it on its own
 * free 127.0.0.1 port. Its y-webrtc signals through the app's relay (a
 * WebSocket to another port of the same host, which the page allows), so
 * both pages meet peers through the same server.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { StaticSite } from '../../src/server/staticSite.ts'
import { serveLocally, type LocalServer } from '../harness.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SOURCE = join(REPO, 'bench/sync/baseline')
const OUT_DIR = join(REPO, 'dist/bench-sync-baseline')

export async function startBaselineSite(): Promise<LocalServer> {
  await build({
    configFile: false,
    root: SOURCE,
    base: '/',
    logLevel: 'warn',
    // Same target as the app's build, so neither page gets different syntax lowering.
    build: { outDir: OUT_DIR, emptyOutDir: true, target: 'es2022' },
  })
  const site = await StaticSite.load(OUT_DIR)
  return serveLocally((request, response) => site.handle(request, response))
}
