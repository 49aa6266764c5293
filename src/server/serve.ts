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
      alsoReport: nodeConfig && { name: 'node', health: () => nodeHealth(node), metricsText: () => node?.metricsText() ?? '' },
    })
    // After the server listens: the node's rooms reach their relays, this one among them, as soon as it starts.
    // A node that cannot start (its folder held by another, unwritable) leaves the app and the relay serving; /healthz says it is down.
    if (nodeConfig) node = await startRunningNode(nodeConfig, log, { ownPort: false }).catch((error: unknown) => void log.error('the personal node could not start; the app and relay go on without it', { error: error instanceof Error ? error.message : String(error) }))
    const withNode = node ? `; personal node ${node.node.device}, data in ${nodeConfig?.folder ?? ''}` : ''
    console.log(`${what} is running at ${running.url} (relay: ${running.relayUrl}${withNode})`)
    const stop = (signal: string): void => {
      log.info('shutting down', { signal })
      // The node first, while the relay it talks through is still up: it leaves its rooms cleanly, then the server stops.
      void (async () => {
        await node?.close()
        await running.close()
      })().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error('shutting down failed', { error: error instanceof Error ? error.message : String(error) })
          process.exit(1)
        },
      )
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

/**
 * What this public port says of the node: counts only. Its device id, name
 * and data folder stay on its control socket (SECURITY NODE1).
 */
function nodeHealth(node: RunningNode | undefined): object | undefined {
  const status = node?.status()
  return status && { spaces: status.spaces, admitted: status.admitted, peers: status.peers, envelopes: status.envelopes, backupAgeSeconds: status.backupAgeSeconds }
}
