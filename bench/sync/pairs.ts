/**
 * The two page pairs the sync bench measures. Each pair is an editor page A
 * in one Chromium process and a viewer page B in another, joined to the same
 * room through the same relay, and each offers the same three steps: make an
 * edit on A (returning when it was made), wait for it on B (returning when it
 * showed), and get B ready for the next one.
 */
import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { isExpectedPageError } from '../harness.ts'
import { baselineUrl, type Variant } from './api.ts'
import { installTrace } from './trace.ts'
import { awaitSeen, baselineAdd, BASELINE_TITLES, installSeenProbe, OURS_TITLES, pinListToEnd, submitNewItem } from './probe.ts'

/** WebRTC on one machine connects in well under a second; far above that, something is broken. */
const CONNECT_TIMEOUT_MS = 30_000

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

/** Both pages of a pair, each in its own Chromium process, with the page errors they raise. */
interface Pages {
  readonly a: Page
  readonly b: Page
  readonly errors: string[]
  close(): Promise<void>
}

/**
 * Fresh contexts: no stored spaces or keys; service workers blocked so no
 * precache download competes with sync. Page errors are collected: a run
 * with any fails (bench/sync.ts checks), since its numbers could be wrong.
 */
async function openPages(browserA: Browser, browserB: Browser): Promise<Pages> {
  const errors: string[] = []
  const open = async (browser: Browser): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ serviceWorkers: 'block' })
    await context.addInitScript(installTrace)
    const page = await context.newPage()
    page.on('pageerror', (error) => {
      if (!isExpectedPageError(error.message)) errors.push(error.message)
    })
    return { context, page }
  }
  const a = await open(browserA)
  const b = await open(browserB)
  return {
    a: a.page,
    b: b.page,
    errors,
    close: async () => {
      await a.context.close()
      await b.context.close()
    },
  }
}

/** A pair once both pages are in the room: B starts recording when rows show (selector: its rows' titles). */
async function pairOf(variant: Variant, pages: Pages, titles: string, steps: Pick<Pair, 'edit' | 'prepareNext'>): Promise<Pair> {
  await pages.b.evaluate(installSeenProbe, titles)
  return {
    variant,
    a: pages.a,
    b: pages.b,
    errors: pages.errors,
    ...steps,
    seen: (title, timeoutMs) => pages.b.evaluate(awaitSeen, [title, timeoutMs] as const),
    close: () => pages.close(),
  }
}

/**
 * Ours: A creates a space and opens its Share dialog; B opens the share
 * link and joins, as a person would. Ready once each lists the other as connected
 * "direct" (WebRTC, not the relay fallback).
 */
export async function openOursPair(browserA: Browser, browserB: Browser, appUrl: string): Promise<Pair> {
  const pages = await openPages(browserA, browserB)
  const { a, b } = pages
  await a.goto(appUrl)
  await a.getByLabel('New space name').fill('Sync bench')
  await a.getByRole('button', { name: 'Create space' }).click()
  await a.getByRole('button', { name: 'Share' }).click()
  const link = await a.getByRole('textbox', { name: 'Share link' }).inputValue()
  await a.keyboard.press('Escape')
  await b.goto(link)
  await b.getByRole('button', { name: 'Join', exact: true }).click()
  await Promise.all([waitForDirectPeer(a), waitForDirectPeer(b)])
  return pairOf('ours', pages, OURS_TITLES, {
    edit: async (title) => {
      // Typing is not timed: the edit is made when the form is submitted.
      await a.getByLabel('New item').fill(title)
      return a.evaluate(submitNewItem)
    },
    prepareNext: () => b.evaluate(pinListToEnd),
  })
}

async function waitForDirectPeer(page: Page): Promise<void> {
  await page.getByRole('list', { name: 'Online now' }).getByText('direct').first().waitFor({ timeout: CONNECT_TIMEOUT_MS })
}

/** Baseline: both pages open the same room (random name and password) and wait for their WebRTC connection. */
export async function openBaselinePair(browserA: Browser, browserB: Browser, origin: string, relayUrl: string): Promise<Pair> {
  const params = { relay: relayUrl, room: `bench-sync-${randomBytes(8).toString('hex')}`, password: randomBytes(16).toString('hex') }
  const pages = await openPages(browserA, browserB)
  const { a, b } = pages
  await Promise.all([a.goto(baselineUrl(origin, params)), b.goto(baselineUrl(origin, params))])
  const connected = () => (window.syncBaseline?.webrtcPeers() ?? 0) > 0
  await Promise.all([a.waitForFunction(connected, undefined, { timeout: CONNECT_TIMEOUT_MS }), b.waitForFunction(connected, undefined, { timeout: CONNECT_TIMEOUT_MS })])
  return pairOf('baseline', pages, BASELINE_TITLES, {
    edit: (title) => a.evaluate(baselineAdd, title),
    // The baseline renders the newest rows itself; nothing to do.
    prepareNext: () => Promise.resolve(),
  })
}
