/**
 * Shared start-up of the server entry points: read the environment, start,
 * print where, stop cleanly on SIGTERM/SIGINT, and turn any start-up failure
 * into one sentence and exit code 1.
 */
import { readRelayConfig, readServerConfig, type ServerConfig } from './config.ts'
import { createLogger } from './log.ts'
import { startPiiServer } from './PiiServer.ts'

export async function serve(what: string, defaults: ServerConfig, appRoot: string | undefined): Promise<void> {
  try {
    const { host, port } = readServerConfig(process.env, defaults)
    const relay = readRelayConfig(process.env)
    const log = createLogger(relay.logLevel)
    const running = await startPiiServer({
      appRoot,
      host,
      port,
      relayLimits: relay.limits,
      relayAccess: relay.access,
      redisUrl: relay.redisUrl,
      log,
    })
    console.log(`${what} is running at ${running.url} (relay: ${running.relayUrl})`)
    const stop = (signal: string): void => {
      log.info('shutting down', { signal })
      void running.close().then(() => process.exit(0))
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const hint =
      error instanceof Error && 'code' in error && error.code === 'EADDRINUSE'
        ? ' Another program uses that port: set PORT to a free one, e.g. PORT=8081.'
        : ''
    console.error(`${what} could not start: ${message}${hint}`)
    process.exit(1)
  }
}
