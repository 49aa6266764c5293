/**
 * A personal node at work on its data folder: the node, its control socket,
 * and (when it has a port of its own) its health server. `npm run node`
 * runs one alone; `npm start` runs one beside the app and the relay, and
 * reports its health and metrics on the server's own port.
 */
import { join } from 'node:path'
import type { Logger } from '../server/log.ts'
import type { NodeConfig } from './nodeConfig.ts'
import { CONTROL_SOCKET, metricsText, nodeStatus, startControlServer, startHealthServer, type NodeStatus } from './nodeServer.ts'
import { FolderBackups } from './folderBackups.ts'
import { PersonalNode } from './PersonalNode.ts'
import type { NamedBackupStore } from './replicaBackups.ts'
import { S3Backups } from './s3Backups.ts'
import { S3Client } from './s3Client.ts'

export interface RunningNode {
  readonly node: PersonalNode
  /** Undefined while starting and once stopping: health checks then say 503. */
  status(): NodeStatus | undefined
  metricsText(): string
  /** The health server's address, when it has a port of its own. */
  readonly healthUrl: string | undefined
  /** Stops serving, leaves every room, writes everything held. */
  close(): Promise<void>
}

export async function startRunningNode(config: NodeConfig, log: Logger, options: { readonly ownPort: boolean; readonly beforeServing?: (node: PersonalNode) => Promise<void> }): Promise<RunningNode> {
  const startedAt = Date.now()
  const node = await PersonalNode.open({
    folder: config.folder,
    name: config.name,
    log,
    backups: { stores: backupStoresOf(config), everyMs: config.backupEveryMinutes * 60_000 },
    http: { allowPrivate: config.httpAllowPrivate },
    ...(config.relay ? { defaultRelay: config.relay } : {}),
    ...(config.pushContact ? { push: { contact: config.pushContact } } : {}),
  })
  let serving = false
  const status = (): NodeStatus => nodeStatus(node, { name: config.name, folder: config.folder, startedAt })
  let control: { close(): Promise<void> } | undefined
  let health: { readonly url: string; close(): Promise<void> } | undefined
  try {
    await options.beforeServing?.(node)
    control = await startControlServer(node, join(config.folder, CONTROL_SOCKET), status)
    if (options.ownPort) health = await startHealthServer(() => (serving ? status() : undefined), config.host, config.port)
  } catch (error) {
    await control?.close()
    await node.stop()
    throw error
  }
  serving = true
  log.info('node started', { device: node.device, name: config.name, folder: config.folder, ...(health ? { health: `${health.url}/healthz` } : {}), spaces: node.spaces().length })
  return {
    node,
    status: () => (serving ? status() : undefined),
    metricsText: () => (serving ? metricsText(status(), Date.now()) : ''),
    healthUrl: health?.url,
    close: async () => {
      serving = false
      await health?.close()
      await control?.close()
      await node.stop()
      log.info('stopped; everything held is written')
    },
  }
}

/** The data folder's backups, and S3's when it is set up. */
export function backupStoresOf(config: NodeConfig): NamedBackupStore[] {
  const stores: NamedBackupStore[] = [{ name: 'folder', store: new FolderBackups(join(config.folder, 'backups'), { keep: config.backupKeep }) }]
  if (config.s3) stores.push({ name: 's3', store: new S3Backups(new S3Client(config.s3), { prefix: config.s3.prefix, keep: config.backupKeep }) })
  return stores
}
