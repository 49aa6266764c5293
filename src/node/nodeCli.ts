/**
 * `npm run node -- <command>`: the personal node's command line.
 *   (none) | run          run the node: keep and serve its spaces
 *   replicate <link>      keep a space as a blind replica (a replica link from Share)
 *   spaces                the spaces it keeps, and how each is doing
 *   status                the node as a whole
 *   remove <space>        stop keeping a space, and delete what the node held of it
 * Commands other than `run` go to the node running on the data folder
 * (through its control socket); with none running, they open the folder
 * themselves, and `replicate` goes on to run the node.
 */
import { join } from 'node:path'
import { isSpaceId } from '../core/space/ids.ts'
import { createLogger, type Logger } from '../server/log.ts'
import { DEFAULT_NODE_PORT, readNodeConfig, type NodeConfig } from './nodeConfig.ts'
import { askRunningNode, CONTROL_SOCKET, nodeStatus } from './nodeServer.ts'
import { NodeInputError, PersonalNode } from './PersonalNode.ts'
import { startRunningNode, type RunningNode } from './runningNode.ts'

const USAGE = `Usage: npm run node -- [command]
  run                 run the node (the default)
  replicate <link>    keep a space as a blind replica: the link from Share → "For a personal node"
  spaces              the spaces this node keeps
  status              the node as a whole
  remove <space>      stop keeping a space and delete what the node held of it
Settings: PII_DATA (data folder, ./pii-data), PII_NODE_NAME, PII_NODE_HOST, PII_NODE_PORT (health and metrics, ${DEFAULT_NODE_PORT}), LOG_LEVEL.`

export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

/** Runs one command; resolves with the exit code (for `run`, once the node has stopped). */
export async function runNodeCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo, stopSignal: Promise<string>): Promise<number> {
  const [command = 'run', ...rest] = argv
  // Before the settings are read: usage helps most when something is wrong with them.
  if (command === 'help' || command === '--help') return io.out(USAGE), 0
  let config: NodeConfig
  try {
    config = readNodeConfig(env)
  } catch (error) {
    io.err(`The Pii node could not start: ${(error as Error).message}`)
    return 1
  }
  const socket = join(config.folder, CONTROL_SOCKET)
  try {
    switch (command) {
      case 'run':
        return await runNode(config, io, stopSignal)
      case 'replicate': {
        const link = rest[0]
        if (!link) return usage(io, 'replicate needs the replica link.')
        const asked = await askRunningNode(socket, 'POST', '/replicate', { link })
        if (asked) return reply(io, asked, (body) => `Keeping space ${(body as { space: string }).space}. ${ADMISSION_HINT}`)
        return await runNode(config, io, stopSignal, link)
      }
      case 'spaces':
      case 'status': {
        const asked = await askRunningNode(socket, 'GET', `/${command}`)
        if (asked) return reply(io, asked, (body) => JSON.stringify(body, null, 2))
        return await offline(config, (node) => {
          io.out(JSON.stringify(command === 'spaces' ? node.spaces() : nodeStatus(node, { name: config.name, folder: config.folder, startedAt: undefined }), null, 2))
          return Promise.resolve(0)
        })
      }
      case 'remove': {
        const space = rest[0]
        if (!isSpaceId(space)) return usage(io, 'remove needs the id of a space this node keeps (see `spaces`).')
        const asked = await askRunningNode(socket, 'POST', '/remove', { space })
        if (asked) return reply(io, asked, () => `Removed space ${space} from this node.`)
        return await offline(config, async (node) => {
          if (await node.remove(space)) return io.out(`Removed space ${space} from this node.`), 0
          return io.err(`This node keeps no space ${space}.`), 1
        })
      }
      default:
        return usage(io, `Unknown command "${command}".`)
    }
  } catch (error) {
    io.err(`The Pii node could not do that: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }

  async function offline(config: NodeConfig, work: (node: PersonalNode) => Promise<number>): Promise<number> {
    const node = await PersonalNode.open({ folder: config.folder, name: config.name, log: createLogger('warn'), network: false })
    try {
      return await work(node)
    } finally {
      await node.stop()
    }
  }
}

const ADMISSION_HINT = 'It is admitted once a device that has the space is open (it brings the invite); `spaces` says when.'

function usage(io: CliIo, problem: string): number {
  io.err(`${problem}\n${USAGE}`)
  return 2
}

function reply(io: CliIo, asked: { readonly status: number; readonly body: unknown }, say: (body: unknown) => string): number {
  if (asked.status === 200) return io.out(say(asked.body)), 0
  io.err((asked.body as { error?: string }).error ?? `The node answered ${asked.status}.`)
  return 1
}

async function runNode(config: NodeConfig, io: CliIo, stopSignal: Promise<string>, link?: string): Promise<number> {
  const log: Logger = createLogger(config.logLevel, (line) => io.out(line.trimEnd()))
  let running: RunningNode
  try {
    running = await startRunningNode(config, log, {
      ownPort: true,
      beforeServing: async (node) => {
        if (!link) return
        const replica = await node.replicate(link)
        io.err(`Keeping space ${replica.space}. ${ADMISSION_HINT}`)
      },
    })
  } catch (error) {
    if (error instanceof NodeInputError) return io.err(error.message), 1
    const hint = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ` Another program uses port ${config.port}: set PII_NODE_PORT to a free one.` : ''
    io.err(`The Pii node could not start: ${error instanceof Error ? error.message : String(error)}${hint}`)
    return 1
  }
  const signal = await stopSignal
  log.info('shutting down', { signal })
  await running.close()
  return 0
}
