/** Peers for multi-browser specs: each in its own Chromium process, as separate devices are. */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test'
import { launchOptions } from './chromium.ts'
import { expect, itemTitles, recordConsole, test, watchProblems } from './fixtures.ts'

export interface Peer {
  readonly browser: Browser
  readonly context: BrowserContext
  page: Page
  readonly problems: string[]
  /** Its pages' and service worker's console, attached to the test by closePeers (shown if it fails). */
  readonly consoleLog: string[]
}

let launched = 0

/** A peer in its own browser process, failing the test on any page error. */
export async function launchPeer(baseURL: string, initScript?: () => void, contextOptions: BrowserContextOptions = {}): Promise<Peer> {
  const browser = await chromium.launch(launchOptions())
  const context = await browser.newContext({ ...contextOptions, baseURL })
  if (initScript) await context.addInitScript(initScript)
  // Before its first page, so that page's console is recorded from its start.
  const consoleLog = recordConsole(context, `peer ${++launched} `)
  const peer: Peer = { browser, context, page: await context.newPage(), problems: [], consoleLog }
  watch(peer)
  return peer
}

export function watch(peer: Peer): void {
  watchProblems(peer.page, peer.problems)
}

export async function closePeers(peers: readonly Peer[]): Promise<void> {
  for (const peer of peers) await peer.browser.close()
  // Peers are not the test's own page: without this, a failed multi-browser test leaves none of their console.
  const log = peers.flatMap((peer) => peer.consoleLog)
  if (log.length > 0) await test.info().attach('console', { body: log.join('\n'), contentType: 'text/plain' })
  for (const peer of peers) expect(peer.problems).toEqual([])
}

/** The link Share gives, for "Can edit" (the default) or "Can view". */
export async function shareLinkOf(page: Page, role: 'Can edit' | 'Can view' = 'Can edit'): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click()
  if (role !== 'Can edit') await page.getByLabel('People with the link').selectOption({ label: role })
  const field = page.getByRole('textbox', { name: 'Share link' })
  // The link's invite is signed into the space's log as the dialog opens.
  await expect(field).toHaveValue(/#\/s\/[^/]+\/[^/]+\/[^/]+$/)
  const link = await field.inputValue()
  await expect(page.getByRole('img', { name: 'QR code of the share link' })).toBeVisible()
  await page.getByRole('button', { name: 'Done' }).click()
  return link
}

async function sortedTitles(page: Page): Promise<string[]> {
  const values = await itemTitles(page).evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value))
  return values.sort()
}

export async function expectTitles(page: Page, titles: readonly string[]): Promise<void> {
  await expect.poll(() => sortedTitles(page), { timeout: 20_000 }).toEqual([...titles].sort())
}

export const syncStatus = (page: Page) => page.getByTestId('sync-status')
/** What the sync line announces to a screen reader: only the network coming and going. */
export const syncAnnouncement = (page: Page) => page.getByTestId('sync-announcement')

/** An init script that makes WebRTC unable to connect (relay-only ICE, no TURN), like a device behind a strict NAT. */
export function breakWebRtc(): void {
  const Native = window.RTCPeerConnection
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super({ ...config, iceServers: [], iceTransportPolicy: 'relay' })
    }
  }
}

/**
 * An init script that lets a test cut the page off the network mid-session
 * (`window.piiCutNetwork()`): it closes every WebRTC connection and WebSocket
 * the page opened. Together with context.setOffline(true), which keeps new
 * ones from opening, the page is offline without a reload, so its session
 * (and its Yjs clientID) goes on, as a laptop's does when its Wi-Fi drops.
 */
export function cuttableNetwork(): void {
  const open: Array<{ close(): void }> = []
  const NativePeerConnection = window.RTCPeerConnection
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config)
      open.push(this)
    }
  }
  const NativeWebSocket = window.WebSocket
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      open.push(this)
    }
  }
  Reflect.set(window, 'piiCutNetwork', () => {
    for (const connection of open.splice(0)) connection.close()
  })
}
