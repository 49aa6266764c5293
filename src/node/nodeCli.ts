/**
 * `npm run node -- <command>`: the personal node's command line.
 *   (none) | run          run the node: keep and serve its spaces
 *   replicate <link>      keep a space as a blind replica (a replica link from Share)
 *   join <link>           join a space as a member (a share link): read it, run its schedule
 *   spaces                the spaces it keeps, and how each is doing
 *   status                the node as a whole
 *   remove <space>        stop keeping a space, and delete what the node held of it
 *   backup, backups <space>, restore <space> [name]   backups (see USAGE)
 * Commands other than `run` go to the node running on the data folder
 * (through its control socket); with none running, they open the folder
 * themselves, and `replicate` and `join` go on to run the node.
 */
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { isSpaceId } from '../core/space/ids.ts'
import { createLogger, type Logger } from '../server/log.ts'
import { DEFAULT_NODE_PORT, readNodeConfig, type NodeConfig } from './nodeConfig.ts'
import { answerCommand, askRunningNode, CONTROL_SOCKET, nodeStatus } from './nodeServer.ts'
import type { BackupEntry } from './backupStore.ts'
import { NodeInputError, PersonalNode, type BackupRound } from './PersonalNode.ts'
import { backupStoresOf, startRunningNode, type RunningNode } from './runningNode.ts'

const USAGE = `Usage: npm run node -- [command]
  run                 run the node (the default)
  replicate <link|->  keep a space as a blind replica: the link from Share → "are your personal node" ("-": read it from standard input)
  link <link|->       link this node to you, as another of your devices: the pairing link from "Add a device"; then type yes if the code matches
  join <link|->       join a space as a member, with a share link ("Can edit"): the node reads it and runs its schedule
  spaces              the spaces this node keeps (blind or keyed)
  status              the node as a whole
  remove <space>      stop keeping a space (blind or keyed) and delete what the node held of it
  backup              back up every space changed since its last backup, now
  backups <space> [--from folder|s3]          the backups of a space, newest first
  restore <space> [name] [--from folder|s3]   merge a backup (the newest, or the one named) into the node
Settings: PII_DATA (data folder, ./pii-data), PII_NODE_NAME, PII_NODE_HOST, PII_NODE_PORT (health and metrics, ${DEFAULT_NODE_PORT}), LOG_LEVEL,
  PII_HTTP_ALLOW_PRIVATE (1: scheduled webhooks may reach private addresses), PII_RELAY_URL (relay of spaces listed without one),
  PII_BACKUP_EVERY_MINUTES (60; 0: only on \`backup\`), PII_BACKUP_KEEP (24 per space),
  PII_S3_ENDPOINT, PII_S3_BUCKET, PII_S3_ACCESS_KEY_ID, PII_S3_SECRET_ACCESS_KEY, PII_S3_REGION, PII_S3_PREFIX (backups to S3 too).`

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
        // "-": the link comes on standard input, so it never shows in the process list for as long as the node runs.
        const link = rest[0] === '-' ? (await readStdin()).trim() : rest[0]
        if (!link) return usage(io, 'replicate needs the replica link (or "-" to read it from standard input).')
        const asked = await askRunningNode(socket, 'POST', '/replicate', { link })
        if (asked) return reply(io, asked, (body) => `Keeping space ${(body as { space: string }).space}. ${ADMISSION_HINT}`)
        return await runNode(config, io, stopSignal, { replicate: link })
      }
      case 'join': {
        const link = rest[0] === '-' ? (await readStdin()).trim() : rest[0]
        if (!link) return usage(io, 'join needs a share link (or "-" to read it from standard input).')
        const asked = await askRunningNode(socket, 'POST', '/join', { link })
        if (asked) return reply(io, asked, (body) => `Joined space ${(body as { space: string }).space}. ${JOIN_HINT}`)
        return await runNode(config, io, stopSignal, { join: link })
      }
      case 'link': {
        // The link and then the answer to "does it show this code?", both read line by line from standard input.
        const lines = stdinLines()
        const link = rest[0] === undefined || rest[0] === '-' ? await lines.next() : rest[0]
        if (!link) return usage(io, 'link needs a pairing link (from "Add a device" on a device of yours), or "-" to read it from standard input.')
        const asked = await askRunningNode(socket, 'POST', '/link', { link })
        if (asked) {
          if (asked.status !== 200) return reply(io, asked, () => '')
          const confirmed = await askToConfirm(io, lines, asked.body as { code: string; other: string })
          if (!confirmed) return (await askRunningNode(socket, 'POST', '/link-cancel', {}), io.err('Not linked.'), 1)
          return reply(io, (await askRunningNode(socket, 'POST', '/link-confirm', {}))!, linkedSentence)
        }
        return await runNode(config, io, stopSignal, { pair: { link, lines } })
      }
      case 'spaces':
      case 'status':
        return await ask(`/${command}`, {}, (body) => JSON.stringify(body, null, 2))
      case 'remove': {
        const space = rest[0]
        if (!isSpaceId(space)) return usage(io, 'remove needs the id of a space this node keeps (see `spaces`).')
        return await ask('/remove', { space }, () => `Removed space ${space} from this node.`)
      }
      case 'backup':
        return await ask('/backup', {}, (body) => {
          const round = body as BackupRound
          return `Backed up ${round.backedUp} space(s); ${round.unchanged} unchanged since their last backup${round.failed > 0 ? `; ${round.failed} failed (see the log)` : ''}.`
        })
      case 'backups':
      case 'restore': {
        const { positional, from } = withFrom(rest)
        const [space, name] = positional
        if (!isSpaceId(space) || from === undefined) return usage(io, `${command} needs the id of a space (see \`spaces\`), and takes --from folder or --from s3.`)
        if (command === 'backups') return await ask('/backups', { space, from }, (body) => (body as BackupEntry[]).map((each) => `${each.name}  ${each.size} bytes`).join('\n') || `No backups of ${space} there.`)
        return await ask('/restore', { space, from, ...(name === undefined ? {} : { name }) }, (body) => {
          const restored = body as { backup: BackupEntry; envelopes: number }
          return `Restored space ${space} from ${restored.backup.name}: it holds ${restored.envelopes} envelopes.`
        })
      }
      default:
        return usage(io, `Unknown command "${command}".`)
    }
  } catch (error) {
    io.err(`The Pii node could not do that: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }

  /** Asks the node running on the folder; with none, runs the command on the folder itself (no rooms joined). */
  async function ask(path: string, body: Record<string, unknown>, say: (body: unknown) => string): Promise<number> {
    const asked = await askRunningNode(socket, path === '/status' || path === '/spaces' ? 'GET' : 'POST', path, path === '/status' || path === '/spaces' ? undefined : body)
    if (asked) return reply(io, asked, say)
    const node = await PersonalNode.open({ folder: config.folder, name: config.name, log: createLogger('warn'), network: false, backups: { stores: backupStoresOf(config), everyMs: 0 } })
    try {
      const [status, answer] = await answerCommand(node, path, body, () => nodeStatus(node, { name: config.name, folder: config.folder, startedAt: undefined }))
      return reply(io, { status, body: answer }, say)
    } finally {
      await node.stop()
    }
  }
}

/** The arguments without `--from <store>`, and the store (folder by default; undefined if --from names none). */
function withFrom(args: readonly string[]): { readonly positional: string[]; readonly from: 'folder' | 's3' | undefined } {
  const at = args.indexOf('--from')
  if (at === -1) return { positional: [...args], from: 'folder' }
  const from = args[at + 1]
  return { positional: args.filter((_, index) => index !== at && index !== at + 1), from: from === 'folder' || from === 's3' ? from : undefined }
}

const linkedSentence = (body: unknown): string => `Linked with ${(body as { linked: string }).linked}. Your spaces are arriving here; \`spaces\` lists them.`

/** Shows the code and asks the person to compare it with their other device's; true for yes. */
async function askToConfirm(io: CliIo, lines: StdinLines, pairing: { readonly code: string; readonly other: string }): Promise<boolean> {
  // The other device's name comes without control characters (readPairingMessage).
  io.out(`Does ${pairing.other} show the code ${pairing.code}? Type yes to link this node, anything else to cancel:`)
  const answer = (await lines.next())?.trim().toLowerCase()
  return answer === 'yes' || answer === 'y'
}

interface StdinLines {
  next(): Promise<string | undefined>
}

/** Standard input, a line at a time (undefined once it ends). */
function stdinLines(): StdinLines {
  const reader = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  return { next: async () => (await reader.next()).value as string | undefined }
}

const ADMISSION_HINT = 'It is admitted once a device that has the space is open (it brings the invite); `spaces` says when.'
const JOIN_HINT = 'It is admitted with the link\'s role once a device that has the space is open, then runs its schedule; `spaces` says when.'

function usage(io: CliIo, problem: string): number {
  io.err(`${problem}\n${USAGE}`)
  return 2
}

function reply(io: CliIo, asked: { readonly status: number; readonly body: unknown }, say: (body: unknown) => string): number {
  if (asked.status === 200) return io.out(say(asked.body)), 0
  io.err((asked.body as { error?: string }).error ?? `The node answered ${asked.status}.`)
  return 1
}

async function runNode(config: NodeConfig, io: CliIo, stopSignal: Promise<string>, link: { readonly replicate?: string; readonly join?: string; readonly pair?: { readonly link: string; readonly lines: StdinLines } } = {}): Promise<number> {
  const log: Logger = createLogger(config.logLevel, (line) => io.out(line.trimEnd()))
  let running: RunningNode
  try {
    running = await startRunningNode(config, log, {
      ownPort: true,
      beforeServing: async (node) => {
        if (link.replicate) {
          const replica = await node.replicate(link.replicate)
          io.err(`Keeping space ${replica.space}. ${ADMISSION_HINT}`)
        }
        if (link.join) {
          const joined = await node.join(link.join)
          io.err(`Joined space ${joined.space}. ${JOIN_HINT}`)
        }
        if (link.pair) {
          const pairing = await node.keyed.pairing.open(link.pair.link)
          if (!(await askToConfirm(io, link.pair.lines, pairing))) {
            node.keyed.pairing.cancel()
            throw new NodeInputError('Not linked.')
          }
          io.err(linkedSentence(await node.keyed.pairing.confirm()))
        }
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    // A link is short: more is not a link, and must not be held.
    if (chunks.reduce((total, each) => total + each.length, 0) > 16 * 1024) break
  }
  return Buffer.concat(chunks).toString('utf8')
}
