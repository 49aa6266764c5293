/**
 * The relay works with the unmodified y-webrtc client: peers in separate
 * processes (two Chromium browsers, and a browser with a Node peer on
 * @roamhq/wrtc) find each other through it and sync a Y.Doc over WebRTC.
 */
import { chromium, test as base, expect, type Browser, type Page } from '@playwright/test'
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { build } from 'vite'
import { startPiiServer, type RunningPiiServer } from '../src/server/PiiServer.ts'
import { launchOptions } from './chromium.ts'

const REPO = join(import.meta.dirname, '..')

/** The peer page, built from e2e/peers/page, served with the relay on one port. */
const test = base.extend<object, { peerServer: RunningPiiServer }>({
  peerServer: [
    async ({}, use) => {
      const outDir = await mkdtemp(join(tmpdir(), 'pii-peer-page-'))
      await build({ configFile: false, root: join(REPO, 'e2e/peers/page'), logLevel: 'error', build: { outDir, emptyOutDir: true } })
      const server = await startPiiServer({ appRoot: outDir, host: '127.0.0.1', port: 0 })
      await use(server)
      await server.close()
      await rm(outDir, { recursive: true, force: true })
    },
    { scope: 'worker' },
  ],
})

async function openPeer(browser: Browser, server: RunningPiiServer, room: string): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(`${server.url}?relay=${encodeURIComponent(server.relayUrl)}&room=${room}&password=secret-${room}`)
  await expect(page.locator('#status')).toHaveText('ready')
  return page
}

class NodePeer {
  readonly values = new Map<string, string>()
  peers = 0
  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { key?: string; value?: string; peers?: number }
      if (message.key !== undefined && message.value !== undefined) this.values.set(message.key, message.value)
      if (message.peers !== undefined) this.peers = message.peers
    })
  }

  static start(server: RunningPiiServer, room: string): NodePeer {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'e2e/peers/nodePeer.ts'), server.relayUrl, room, `secret-${room}`], {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    return new NodePeer(child)
  }

  set(key: string, value: string): void {
    this.child.stdin.write(JSON.stringify({ set: [key, value] }) + '\n')
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve())
      this.child.stdin.end()
      setTimeout(() => this.child.kill('SIGKILL'), 3_000).unref()
    })
  }
}

test('two Chromium processes sync through the relay with stock y-webrtc', async ({ peerServer }) => {
  const [first, second] = await Promise.all([chromium.launch(launchOptions()), chromium.launch(launchOptions())])
  try {
    const alice = await openPeer(first, peerServer, 'browsers')
    const bob = await openPeer(second, peerServer, 'browsers')
    await expect.poll(() => alice.evaluate(() => window.peer?.webrtcPeers())).toBe(1)

    await alice.evaluate(() => window.peer?.set('greeting', 'from alice'))
    await expect.poll(() => bob.evaluate(() => window.peer?.get('greeting'))).toBe('from alice')
    await bob.evaluate(() => window.peer?.set('reply', 'from bob'))
    await expect.poll(() => alice.evaluate(() => window.peer?.get('reply'))).toBe('from bob')
  } finally {
    await Promise.all([first.close(), second.close()])
  }
})

test('a Chromium peer and a Node peer (@roamhq/wrtc) sync through the relay with stock y-webrtc', async ({ peerServer, browser }) => {
  const node = NodePeer.start(peerServer, 'mixed')
  try {
    const page = await openPeer(browser, peerServer, 'mixed')
    await expect.poll(() => page.evaluate(() => window.peer?.webrtcPeers()), { timeout: 20_000 }).toBe(1)

    await page.evaluate(() => window.peer?.set('from-browser', 'hello node'))
    await expect.poll(() => node.values.get('from-browser')).toBe('hello node')
    node.set('from-node', 'hello browser')
    await expect.poll(() => page.evaluate(() => window.peer?.get('from-node'))).toBe('hello browser')
  } finally {
    await node.stop()
  }
})
