/**
 * `npm start` on a home server: the app, the relay and the personal node on
 * one port, from the built `dist/server/start.js` with embedded defaults
 * and a data folder of the test's. The node's commands reach it through its
 * control socket while it runs.
 */
import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { closePeers, launchPeer, syncStatus, type Peer } from './browserPeers.ts'
import { addItems, createSpace, expect, openApp, test } from './fixtures.ts'
import { newDataFolder } from './personalNodeProcess.ts'
import { replicaLinkOf } from './personalNodeLinks.ts'

const DIST = join(import.meta.dirname, '..', 'dist', 'server')
const run = promisify(execFile)

test('npm start serves the app, the relay and the personal node on one port; the node CLI reaches the running node', async () => {
  test.setTimeout(120_000)
  const data = await newDataFolder()
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', PII_DATA: data.folder, PII_NODE_NAME: 'Home server', LOG_LEVEL: 'info' }
  const server = spawn(process.execPath, [join(DIST, 'start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve))
  createInterface({ input: server.stderr }).on('line', (line) => output.push(`stderr: ${line}`))
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout }).on('line', (line) => {
      output.push(line)
      const match = /^Pii is running at (http:\/\/\S+) \(relay: .*personal node (did:key:\S+), data in /.exec(line)
      if (match) resolve(match[1]!)
    })
    void exited.then((code) => reject(new Error(`start.js exited (${code}) before saying where it runs:\n${output.join('\n')}`)))
  })
  const peers: Peer[] = []
  try {
    const health = (await (await fetch(new URL('/healthz', url))).json()) as { status: string; node: Record<string, unknown> }
    expect(health).toMatchObject({ status: 'ok', node: { spaces: 0, peers: 0 } })
    // Counts only on this public port: the node's id, name and folder stay on its control socket (SECURITY NODE1).
    expect(Object.keys(health.node).sort()).toEqual(['admitted', 'backupAgeSeconds', 'envelopes', 'peers', 'spaces'])
    expect(await (await fetch(new URL('/metrics', url))).text()).toMatch(/^pii_node_spaces 0$/m)

    const owner = await launchPeer(url)
    peers.push(owner)
    await openApp(owner.page)
    await createSpace(owner.page, 'Home server trip')
    await addItems(owner.page, ['Kept at home'])
    const link = await replicaLinkOf(owner.page)
    // The CLI finds the node that npm start runs on the folder, and hands it the link, read from standard input ("-").
    const cli = spawn(process.execPath, [join(DIST, 'node.js'), 'replicate', '-'], { env, stdio: ['pipe', 'pipe', 'inherit'] })
    let said = ''
    cli.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()))
    const cliExit = new Promise<number | null>((resolve) => cli.once('exit', resolve))
    cli.stdin.end(link + '\n')
    expect(await cliExit).toBe(0)
    expect(said).toMatch(/^Keeping space \S+\./)
    // The owner's open device brings the invite: the node is admitted and holds the log.
    const keptSpaces = async (): Promise<Array<{ admitted: boolean; envelopes: number }>> => JSON.parse((await run(process.execPath, [join(DIST, 'node.js'), 'spaces'], { env })).stdout) as Array<{ admitted: boolean; envelopes: number }>
    await expect.poll(keptSpaces, { timeout: 60_000, intervals: [500] }).toMatchObject([{ admitted: true }])
    await expect(syncStatus(owner.page)).toHaveText('Up to date', { timeout: 30_000 })
    expect((await keptSpaces())[0]!.envelopes).toBeGreaterThan(0)
    expect(await (await fetch(new URL('/metrics', url))).text()).toMatch(/^pii_node_spaces_admitted 1$/m)
  } finally {
    await closePeers(peers)
    server.kill('SIGTERM')
    const code = await exited
    await test.info().attach('npm start output', { body: output.join('\n'), contentType: 'text/plain' })
    await data.remove()
    expect(code, output.join('\n')).toBe(0)
  }
  expect(output.join('\n')).toContain('"msg":"stopped; everything held is written"')
})
