/**
 * The node's command line, run in-process: its settings (readNodeConfig),
 * and runNodeCli with an io that collects lines, a temp data folder, port 0
 * and a stop signal the test gives. A second runNodeCli call while `run`
 * runs is a second terminal: it must reach the node through its socket.
 */
import { readdir, stat } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { newShareSecret, replicaLink, shareLink, type InviteSecret } from '../../src/core/space/shareLink.ts'
import { runNodeCli } from '../../src/node/nodeCli.ts'
import { NodeConfigError, readNodeConfig } from '../../src/node/nodeConfig.ts'
import { CONTROL_SOCKET } from '../../src/node/nodeServer.ts'
import { PersonalNode } from '../../src/node/PersonalNode.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-cli-')
const UNTIL = { timeout: 1_500, interval: 5 }
/** For commands that must not wait on a stop signal. */
const never = new Promise<string>(() => {})

interface LogLine {
  readonly level: string
  readonly msg: string
  readonly [field: string]: unknown
}

function terminal() {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) },
    /** The JSON log lines `run` wrote to out. */
    logs: (): LogLine[] => out.filter((line) => line.startsWith('{"time"')).map((line) => JSON.parse(line) as LogLine),
  }
}

function stopSignal() {
  let stop: (signal: string) => void = () => {}
  const promise = new Promise<string>((resolve) => (stop = resolve))
  return { promise, stop: (signal: string) => stop(signal) }
}

const envFor = (folder: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PII_DATA: folder, PII_NODE_PORT: '0', LOG_LEVEL: 'info', ...more })

/** Starts `run` and waits for its "node started" line. */
async function runningNode(env: NodeJS.ProcessEnv) {
  const shell = terminal()
  const signal = stopSignal()
  const exit = runNodeCli(['run'], env, shell.io, signal.promise)
  const started = await vi.waitFor(() => {
    const line = shell.logs().find((log) => log.msg === 'node started')
    if (!line) throw new Error(`not started yet: ${shell.err.join(' ')}`)
    return line as LogLine & { readonly device: string; readonly health: string }
  }, UNTIL)
  return { ...shell, exit, started, stop: signal.stop }
}

async function command(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const shell = terminal()
  const code = await runNodeCli(argv, env, shell.io, never)
  return { code, out: shell.out.join('\n'), err: shell.err.join('\n') }
}

const wellFormedLink = (): string => replicaLink('https://pii.example', newSpaceId(), newShareSecret(), newShareSecret() as string as InviteSecret)

describe('readNodeConfig', () => {
  it('defaults to ./pii-data, "Personal node", 127.0.0.1:8790 and info, also for settings left blank', () => {
    const defaults = { folder: resolve('pii-data'), name: 'Personal node', host: '127.0.0.1', port: 8790, logLevel: 'info', backupEveryMinutes: 60, backupKeep: 24, s3: undefined, httpAllowPrivate: false, relay: undefined }
    expect(readNodeConfig({})).toEqual(defaults)
    expect(readNodeConfig({ PII_DATA: ' ', PII_NODE_NAME: '', PII_NODE_HOST: ' ', PII_NODE_PORT: '', LOG_LEVEL: '  ' })).toEqual(defaults)
  })

  it('reads each setting, trimmed, the folder made absolute', () => {
    expect(readNodeConfig({ PII_DATA: ' data/node ', PII_NODE_NAME: ' Attic ', PII_NODE_HOST: '0.0.0.0', PII_NODE_PORT: ' 0 ', LOG_LEVEL: 'warn' })).toEqual({
      folder: resolve('data/node'),
      name: 'Attic',
      host: '0.0.0.0',
      port: 0,
      logLevel: 'warn',
      backupEveryMinutes: 60,
      backupKeep: 24,
      s3: undefined,
      httpAllowPrivate: false,
      relay: undefined,
    })
    expect(readNodeConfig({ PII_NODE_PORT: '65535' }).port).toBe(65_535)
  })

  it('reads PII_HTTP_ALLOW_PRIVATE (1 or 0) and PII_RELAY_URL (a WebSocket address), refusing anything else with a sentence', () => {
    expect(readNodeConfig({ PII_HTTP_ALLOW_PRIVATE: '1', PII_RELAY_URL: ' wss://pii.example.org ' })).toMatchObject({ httpAllowPrivate: true, relay: 'wss://pii.example.org/' })
    expect(readNodeConfig({ PII_HTTP_ALLOW_PRIVATE: '0' }).httpAllowPrivate).toBe(false)
    expect(() => readNodeConfig({ PII_HTTP_ALLOW_PRIVATE: 'yes' })).toThrow('PII_HTTP_ALLOW_PRIVATE is 1 (allow) or 0 (refuse, the default); it is "yes".')
    expect(() => readNodeConfig({ PII_RELAY_URL: 'https://pii.example.org/' })).toThrow(/PII_RELAY_URL is the relay's WebSocket address/)
  })

  it('reads the backup settings, refusing what is not a whole number in range and S3 settings given in part', () => {
    expect(readNodeConfig({ PII_BACKUP_EVERY_MINUTES: '0', PII_BACKUP_KEEP: '3' })).toMatchObject({ backupEveryMinutes: 0, backupKeep: 3 })
    expect(() => readNodeConfig({ PII_BACKUP_EVERY_MINUTES: 'hourly' })).toThrow('PII_BACKUP_EVERY_MINUTES must be a whole number from 0 to 10080; it is "hourly".')
    expect(() => readNodeConfig({ PII_BACKUP_KEEP: '0' })).toThrow('PII_BACKUP_KEEP must be a whole number from 1 to 10000; it is "0".')
    expect(() => readNodeConfig({ PII_S3_BUCKET: 'pii' })).toThrow(NodeConfigError)
    expect(readNodeConfig({ PII_S3_ENDPOINT: 'http://127.0.0.1:9000', PII_S3_BUCKET: 'pii', PII_S3_ACCESS_KEY_ID: 'id', PII_S3_SECRET_ACCESS_KEY: 'secret' }).s3).toMatchObject({ bucket: 'pii', region: 'us-east-1', prefix: 'pii/' })
  })

  it('refuses a PII_NODE_PORT that is not a whole number from 0 to 65535, saying what it was', () => {
    // "0x1F90" and "1e3" are numbers to Number(), and were once taken as ports 8080 and 1000.
    for (const port of ['abc', '-1', '65536', '80.5', '0x1F90', '1e3', '8790 8791']) {
      expect(() => readNodeConfig({ PII_NODE_PORT: port })).toThrow(NodeConfigError)
      expect(() => readNodeConfig({ PII_NODE_PORT: port })).toThrow(`PII_NODE_PORT must be a whole number from 0 to 65535; it is "${port}".`)
    }
  })

  it('refuses an unknown LOG_LEVEL and a PII_NODE_NAME over 60 characters', () => {
    expect(() => readNodeConfig({ LOG_LEVEL: 'verbose' })).toThrow(new NodeConfigError('LOG_LEVEL must be one of debug, info, warn, error, silent; it is "verbose".'))
    expect(readNodeConfig({ PII_NODE_NAME: 'n'.repeat(60) }).name).toHaveLength(60)
    expect(() => readNodeConfig({ PII_NODE_NAME: 'n'.repeat(61) })).toThrow(new NodeConfigError('PII_NODE_NAME is at most 60 characters; it is 61.'))
  })

  it('refuses a PII_DATA too long for the control socket path, counting bytes', () => {
    const fits = '/tmp/' + 'd'.repeat(100 - '/tmp/'.length - `/${CONTROL_SOCKET}`.length)
    expect(Buffer.byteLength(join(fits, CONTROL_SOCKET))).toBe(100)
    expect(readNodeConfig({ PII_DATA: fits }).folder).toBe(fits)
    for (const folder of [fits + 'd', '/tmp/' + 'é'.repeat(42)]) {
      expect(() => readNodeConfig({ PII_DATA: folder })).toThrow(NodeConfigError)
      expect(() => readNodeConfig({ PII_DATA: folder })).toThrow(`PII_DATA is too long a path for the node's control socket (${folder}); choose a shorter one.`)
    }
  })
})

describe('runNodeCli', () => {
  it('help prints the usage and exits 0; a wrong command or a missing argument exits 2 with the usage, touching no data', async () => {
    const folder = await newFolder()
    const env = envFor(folder)
    for (const help of ['help', '--help']) {
      const asked = await command([help], env)
      expect(asked).toMatchObject({ code: 0, err: '' })
      expect(asked.out).toMatch(/^Usage: npm run node -- \[command\]\n/)
      expect(asked.out).toContain('replicate <link|->')
    }
    const cases: Array<[string[], string]> = [
      [['frobnicate'], 'Unknown command "frobnicate".'],
      [['remove'], 'remove needs the id of a space this node keeps (see `spaces`).'],
      [['remove', 'not-a-space-id'], 'remove needs the id of a space this node keeps (see `spaces`).'],
      [['replicate'], 'replicate needs the replica link (or "-" to read it from standard input).'],
    ]
    for (const [argv, problem] of cases) {
      const wrong = await command(argv, env)
      expect(wrong).toMatchObject({ code: 2, out: '' })
      expect(wrong.err).toMatch(new RegExp(`^${problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\nUsage: `))
    }
    expect(await readdir(folder)).toEqual([])
  })

  it('exits 1 with the setting named when a setting is wrong', async () => {
    const folder = await newFolder()
    const wrong = await command(['spaces'], envFor(folder, { PII_NODE_PORT: 'eighty' }))
    expect(wrong).toEqual({ code: 1, out: '', err: 'The Pii node could not start: PII_NODE_PORT must be a whole number from 0 to 65535; it is "eighty".' })
    // Help still helps: it needs no settings.
    expect(await command(['help'], envFor(folder, { PII_NODE_PORT: 'eighty' }))).toMatchObject({ code: 0, err: '' })
  })

  it('with no node running, spaces, status and remove open the folder themselves', async () => {
    const folder = await newFolder()
    const env = envFor(folder)
    expect(await command(['spaces'], env)).toEqual({ code: 0, out: '[]', err: '' })
    const status = await command(['status'], env)
    expect(status.code).toBe(0)
    const read = JSON.parse(status.out) as Record<string, unknown>
    // No startedAt: nothing runs; the command read the folder.
    expect(read).toEqual({
      device: expect.stringMatching(/^did:key:/) as string,
      name: 'Personal node',
      folder,
      spaces: 0,
      keyed: 0,
      admitted: 0,
      peers: 0,
      envelopes: 0,
      backupAgeSeconds: 0,
      backupFailures: 0,
      scheduler: { spaces: 0, runsPerformed: 0, runsFailed: 0, runsSkipped: 0, lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0 } },
    })

    const node = await PersonalNode.open({ folder, name: 'Personal node', log: { info: () => {}, warn: () => {} }, network: false })
    expect(node.device).toBe(read.device)
    const { space } = await node.replicate(wellFormedLink())
    await node.stop()
    expect(JSON.parse((await command(['spaces'], env)).out)).toMatchObject([{ space, admitted: false }])
    const unknown = newSpaceId()
    expect(await command(['remove', unknown], env)).toEqual({ code: 1, out: '', err: `This node keeps no space ${unknown}.` })
    expect(await command(['remove', space], env)).toEqual({ code: 0, out: `Removed space ${space} from this node.`, err: '' })
    expect(await command(['spaces'], env)).toMatchObject({ code: 0, out: '[]' })
  })

  it('replicate with a bad link and no node running exits 1 with the sentence, keeps nothing and leaves the folder free', async () => {
    const folder = await newFolder()
    const env = envFor(folder)
    const refused = terminal()
    expect(await runNodeCli(['replicate', 'not a link'], env, refused.io, never)).toBe(1)
    expect(refused.err).toEqual([`"not a link" is not a link. Copy the whole link that Share → "For a personal node" shows.`])
    expect(refused.logs().map((log) => log.msg)).not.toContain('node started')
    expect(await command(['replicate', 'https://host/#/s/abc/def'], env)).toMatchObject({ code: 1, err: expect.stringMatching(/not a Pii replica link/) as string })
    await expect(stat(join(folder, CONTROL_SOCKET))).rejects.toMatchObject({ code: 'ENOENT' })
    // The database lock is released: a command can open the folder, and finds nothing kept.
    expect(await command(['spaces'], env)).toEqual({ code: 0, out: '[]', err: '' })
  })

  it('join keeps a space keyed from a share link, through a running node or on the folder; spaces says how each is kept; remove works for both', async () => {
    const folder = await newFolder()
    const env = envFor(folder)
    const refused = terminal()
    expect(await runNodeCli(['join', 'not a link'], env, refused.io, never)).toBe(1)
    expect(refused.err).toEqual([`"not a link" is not a link. Copy the whole link that Share shows ("Can edit").`])
    expect(await command(['join', wellFormedLink()], env)).toMatchObject({ code: 1, err: expect.stringMatching(/This is a replica link/) as string })

    const node = await runningNode(env)
    const keyed = shareLink('https://pii.example', newSpaceId(), newShareSecret(), newShareSecret() as string as InviteSecret)
    const joined = await command(['join', keyed], env)
    expect(joined).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^Joined space \w+\. It is admitted with the link's role once/) as string })
    const blind = await command(['replicate', wellFormedLink()], env)
    expect(blind.code).toBe(0)
    const listed = JSON.parse((await command(['spaces'], env)).out) as Array<{ space: string; kept: string; admitted: boolean }>
    expect(listed.map((space) => [space.kept, space.admitted])).toEqual([
      ['blind', false],
      ['keyed', false],
    ])
    expect(JSON.parse((await command(['status'], env)).out)).toMatchObject({ spaces: 2, keyed: 1 })
    node.stop('SIGTERM')
    expect(await node.exit).toBe(0)

    // With the node gone, the command opens the folder: the keyed space is still listed, and goes.
    for (const { space } of listed) expect(await command(['remove', space], env)).toEqual({ code: 0, out: `Removed space ${space} from this node.`, err: '' })
    expect(await command(['spaces'], env)).toEqual({ code: 0, out: '[]', err: '' })
  })

  it('run logs "node started" with its health URL, answers other commands through its socket, and stops on the signal', async () => {
    const folder = await newFolder()
    const env = envFor(folder)
    const node = await runningNode(env)
    expect(node.started).toMatchObject({ level: 'info', name: 'Personal node', folder, spaces: 0, device: expect.stringMatching(/^did:key:/) as string })
    expect(node.started.health).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/healthz$/)
    const health = await fetch(node.started.health)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok', spaces: 0, peers: 0 })

    // Opening the folder would fail on the node's lock: these answers come through the socket.
    const status = await command(['status'], env)
    expect(status.code).toBe(0)
    expect(JSON.parse(status.out)).toMatchObject({ device: node.started.device, folder, startedAt: expect.any(Number) as number, spaces: 0 })
    expect(await command(['spaces'], env)).toEqual({ code: 0, out: '[]', err: '' })
    const unknown = newSpaceId()
    expect(await command(['remove', unknown], env)).toEqual({ code: 1, out: '', err: `This node keeps no space ${unknown}.` })
    expect(await command(['replicate', 'not a link'], env)).toEqual({ code: 1, out: '', err: `"not a link" is not a link. Copy the whole link that Share → "For a personal node" shows.` })
    expect((await fetch(node.started.health)).status).toBe(200)

    node.stop('SIGTERM')
    expect(await node.exit).toBe(0)
    const logs = node.logs()
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }))
    expect(logs.at(-1)).toMatchObject({ level: 'info', msg: 'stopped; everything held is written' })
    expect(node.err).toEqual([])
    await expect(stat(join(folder, CONTROL_SOCKET))).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(fetch(node.started.health)).rejects.toThrow()
    // With the node gone, commands open the folder themselves again.
    expect(await command(['spaces'], env)).toEqual({ code: 0, out: '[]', err: '' })
  })

  it('a second run on a folder a node runs on exits 1 naming the other node, and leaves the first one serving', async () => {
    const folder = await newFolder()
    const env = envFor(folder)
    const first = await runningNode(env)
    const second = await command(['run'], env)
    expect(second.code).toBe(1)
    expect(second.err).toMatch(/^The Pii node could not start: Cannot open the data folder .* Is another Pii node running on it\?$/)
    expect(second.out).not.toContain('node started')
    // The second must not have taken or removed the first one's socket.
    const status = await command(['status'], env)
    expect(status.code).toBe(0)
    expect(JSON.parse(status.out)).toMatchObject({ device: first.started.device, startedAt: expect.any(Number) as number })
    first.stop('SIGINT')
    expect(await first.exit).toBe(0)
  })

  it('run on a port another program holds exits 1 saying to set PII_NODE_PORT, and leaves the folder free', async () => {
    const holder = createServer()
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening))
    const { port } = holder.address() as AddressInfo
    try {
      const folder = await newFolder()
      const env = envFor(folder, { PII_NODE_PORT: String(port) })
      const refused = await command(['run'], env)
      expect(refused.code).toBe(1)
      expect(refused.err).toMatch(new RegExp(`^The Pii node could not start: .*EADDRINUSE.* Another program uses port ${port}: set PII_NODE_PORT to a free one\\.$`))
      await expect(stat(join(folder, CONTROL_SOCKET))).rejects.toMatchObject({ code: 'ENOENT' })
      expect(await command(['spaces'], env)).toEqual({ code: 0, out: '[]', err: '' })
    } finally {
      await new Promise((closed) => holder.close(closed))
    }
  })
})
