/** Peers for multi-browser specs: each in its own Chromium process, as separate devices are. */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { launchOptions } from './chromium.ts'
import { expect, itemTitles, watchProblems } from './fixtures.ts'

export interface Peer {
  readonly browser: Browser
  readonly context: BrowserContext
  page: Page
  readonly problems: string[]
}

/** A peer in its own browser process, failing the test on any page error. */
export async function launchPeer(baseURL: string, initScript?: () => void): Promise<Peer> {
  const browser = await chromium.launch(launchOptions())
  const context = await browser.newContext({ baseURL })
  if (initScript) await context.addInitScript(initScript)
  const peer: Peer = { browser, context, page: await context.newPage(), problems: [] }
  watch(peer)
  return peer
}

export function watch(peer: Peer): void {
  watchProblems(peer.page, peer.problems)
}

export async function closePeers(peers: readonly Peer[]): Promise<void> {
  for (const peer of peers) await peer.browser.close()
  for (const peer of peers) expect(peer.problems).toEqual([])
}

export async function shareLinkOf(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click()
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue()
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

export const syncStatus = (page: Page) => page.getByRole('status', { name: 'Sync status' })

/** An init script that makes WebRTC unable to connect (relay-only ICE, no TURN), like a device behind a strict NAT. */
export function breakWebRtc(): void {
  const Native = window.RTCPeerConnection
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super({ ...config, iceServers: [], iceTransportPolicy: 'relay' })
    }
  }
}
