/**
 * The two page pairs the sync bench measures. Each pair is an editor page A
 * in one Chromium process and a viewer page B in another, joined to the same
 * room through the same relay, and each offers the same three steps: make an
 * edit on A (returning when it was made), wait for it on B (returning when it
 * showed), and get B ready for the next one.
 */
import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { baselineUrl } from './api.ts'
import { installTrace } from './trace.ts'
import { awaitSeen, baselineAdd, BASELINE_TITLES, installSeenProbe, OURS_TITLES, pinListToEnd, submitNewItem } from './probe.ts'

/** WebRTC on one machine connects in well under a second; far above that, something is broken. */
const CONNECT_TIMEOUT_MS = 30_000

export type Variant = 'ours' | 'baseline'

export interface Pair {
  readonly variant: Variant
  readonly a: Page
  readonly b: Page
  /** Uncaught errors of either page so far. */
  readonly errors: readonly string[]
  /** Makes the edit on A; resolves to the epoch ms at which it was made (in A's clock). */
  edit(title: string): Promise<number>
  /** Resolves to the epoch ms at which `title` showed in B's DOM (in B's clock). */
  seen(title: string, timeoutMs: number): Promise<number>
  /** Between edits, untimed: whatever B needs so the next edit is rendered when it arrives. */
  prepareNext(): Promise<void>
  close(): Promise<void>
}

/**
 * Fresh contexts: no stored spaces or keys; service workers blocked so no
 * precache download competes with sync. Page errors are collected: a run
 * with any fails (bench/sync.ts checks), since its numbers could be wrong.
 */
async function newPage(browser: Browser, errors: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ serviceWorkers: 'block' })
  await context.addInitScript(installTrace)
  const page = await context.newPage()
  // workbox-window's register() throws "reading 'waiting'" when service workers are blocked: expected here.
  // y-webrtc's glareToken TypeError (bench/coldsync/nodePeer.ts) is its own bug and harmless to sync.
  page.on('pageerror', (error) => {
    if (!error.message.includes("reading 'waiting'") && !error.message.includes("'glareToken'")) errors.push(error.message)
  })
  return { context, page }
}

/**
 * Ours: A creates a space and opens its Share dialog; B opens the share
 * link, as a person would. Ready once each lists the other as connected
 * "direct" (WebRTC, not the relay fallback).
 */
export async function openOursPair(browserA: Browser, browserB: Browser, appUrl: string): Promise<Pair> {
  const errors: string[] = []
  const a = await newPage(browserA, errors)
  const b = await newPage(browserB, errors)
  const { page: pageA } = a
  const { page: pageB } = b
  await pageA.goto(appUrl)
  await pageA.getByLabel('New space name').fill('Sync bench')
  await pageA.getByRole('button', { name: 'Create space' }).click()
  await pageA.getByRole('button', { name: 'Share' }).click()
  const link = await pageA.getByRole('textbox', { name: 'Share link' }).inputValue()
  await pageA.keyboard.press('Escape')
  await pageB.goto(link)
  await Promise.all([waitForDirectPeer(pageA), waitForDirectPeer(pageB)])
  await pageB.evaluate(installSeenProbe, OURS_TITLES)
  return {
    variant: 'ours',
    a: pageA,
    b: pageB,
    errors,
    edit: async (title) => {
      // Typing is not timed: the edit is made when the form is submitted.
      await pageA.getByLabel('New item').fill(title)
      return pageA.evaluate(submitNewItem)
    },
    seen: (title, timeoutMs) => pageB.evaluate(awaitSeen, [title, timeoutMs] as const),
    prepareNext: () => pageB.evaluate(pinListToEnd),
    close: async () => {
      await a.context.close()
      await b.context.close()
    },
  }
}

async function waitForDirectPeer(page: Page): Promise<void> {
  await page.getByRole('list', { name: 'Online now' }).getByText('direct').first().waitFor({ timeout: CONNECT_TIMEOUT_MS })
}

/** Baseline: both pages open the same room (random name and password) and wait for their WebRTC connection. */
export async function openBaselinePair(browserA: Browser, browserB: Browser, origin: string, relayUrl: string): Promise<Pair> {
  const params = { relay: relayUrl, room: `bench-sync-${randomBytes(8).toString('hex')}`, password: randomBytes(16).toString('hex') }
  const errors: string[] = []
  const a = await newPage(browserA, errors)
  const b = await newPage(browserB, errors)
  const { page: pageA } = a
  const { page: pageB } = b
  await Promise.all([pageA.goto(baselineUrl(origin, params)), pageB.goto(baselineUrl(origin, params))])
  const connected = () => (window.syncBaseline?.webrtcPeers() ?? 0) > 0
  await Promise.all([pageA.waitForFunction(connected, undefined, { timeout: CONNECT_TIMEOUT_MS }), pageB.waitForFunction(connected, undefined, { timeout: CONNECT_TIMEOUT_MS })])
  await pageB.evaluate(installSeenProbe, BASELINE_TITLES)
  return {
    variant: 'baseline',
    a: pageA,
    b: pageB,
    errors,
    edit: (title) => pageA.evaluate(baselineAdd, title),
    seen: (title, timeoutMs) => pageB.evaluate(awaitSeen, [title, timeoutMs] as const),
    // The baseline renders the newest rows itself; nothing to do.
    prepareNext: () => Promise.resolve(),
    close: async () => {
      await a.context.close()
      await b.context.close()
    },
  }
}
