/**
 * Shared start-up of the server entry points: read the environment, start,
 * print where, stop cleanly on SIGTERM/SIGINT, and turn any start-up failure
 * into one sentence and exit code 1.
 */
import { readNodeConfig } from '../node/nodeConfig.ts'
import { startRunningNode, type RunningNode } from '../node/runningNode.ts'
import { readRelayConfig, readServerConfig, type ServerConfig } from './config.ts'
import { createLogger } from './log.ts'
import { startPiiServer } from './PiiServer.ts'

export interface ServeOptions {
  /** The built app to serve; the relay alone without it. */
  readonly appRoot?: string
  /** Also run the personal node on PII_DATA (unless PII_NODE=off), reported on this port's /healthz and /metrics. */
  readonly withNode?: boolean
}

export async function serve(what: string, defaults: ServerConfig, options: ServeOptions = {}): Promise<void> {
  let node: RunningNode | undefined
  try {
    const { host, port } = readServerConfig(process.env, defaults)
    const relay = readRelayConfig(process.env)
    const nodeConfig = options.withNode && process.env.PII_NODE?.trim() !== 'off' ? readNodeConfig(process.env) : undefined
    const log = createLogger(relay.logLevel)
    const running = await startPiiServer({
      appRoot: options.appRoot,
      host,
      port,
      relayLimits: relay.limits,
      relayAccess: relay.access,
      redisUrl: relay.redisUrl,
      log,
      alsoReport: nodeConfig && { name: 'node', health: () => node?.status(), metricsText: () => node?.metricsText() ?? '' },
    })
    // After the server listens: the node's rooms reach their relays, this one among them, as soon as it starts.
    if (nodeConfig) node = await startRunningNode(nodeConfig, log, { ownPort: false })
    const withNode = node ? `; personal node ${node.node.device}, data in ${nodeConfig?.folder ?? ''}` : ''
    console.log(`${what} is running at ${running.url} (relay: ${running.relayUrl}${withNode})`)
    const stop = (signal: string): void => {
      log.info('shutting down', { signal })
      void Promise.all([node?.close(), running.close()]).then(() => process.exit(0))
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
