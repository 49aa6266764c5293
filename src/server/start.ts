/** `npm start`: serves the built app with embedded defaults and prints where. */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, readServerConfig } from './config.ts'
import { startPiiServer } from './PiiServer.ts'

const DEFAULTS = { host: '127.0.0.1', port: 8080 } as const

async function main(): Promise<void> {
  const config = readServerConfig(process.env, DEFAULTS)
  // Built to dist/server/start.js; the app is built beside it in dist/app.
  const appRoot = process.env.PII_APP_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'app')
  const running = await startPiiServer({ appRoot, ...config })
  console.log(`Pii is running at ${running.url}`)
  const stop = (): void => {
    console.log('Stopping Pii…')
    void running.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error)
  const hint =
    error instanceof Error && 'code' in error && error.code === 'EADDRINUSE' ? ' Another program uses that port: set PORT to a free one, e.g. PORT=8081 npm start.' : ''
  console.error(`Pii could not start: ${message}${hint}`)
  process.exit(1)
})
