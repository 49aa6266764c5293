/**
 * One cold join, timed in the joining page: a fresh browser context (no
 * stored spaces, keys or cache of the space), navigation to the page, and the
 * time from the join's start (the click on the app's Join; navigation for the
 * baseline) until the count line shows every item (probe.ts). Then a check that rows are rendered with the right titles, so
 * a fast wrong answer cannot pass.
 */
import type { Browser, Page } from '@playwright/test'
import { isExpectedPageError, withTimeout } from '../harness.ts'
import { BASELINE_COUNT_ID, type Variant } from '../sync/api.ts'
import { BASELINE_TITLES, OURS_TITLES } from '../sync/probe.ts'
import { installTrace, receiveSummary, type ReceiveSummary } from '../sync/trace.ts'
import { installPageChunking, PAGE_CHUNKING_ARGS } from './chunking.ts'
import { coldSyncDone, watchCountLine, watchJoinScreen } from './probe.ts'

export interface JoinTarget {
  readonly variant: Variant
  readonly url: string
  /** The count line once everything is in: the app's wording, which the baseline page copies. */
  readonly countText: string
  /** A title that must be on screen: the app shows the top of the list, the baseline its end. */
  readonly title: string
}

export interface JoinOptions {
  /** Split data-channel messages in the page (chunking.ts); the Node peers are switched separately. */
  readonly chunking: boolean
  /** A join not done by then is reported as incomplete (ms NaN). */
  readonly timeoutMs: number
}

export interface JoinSample {
  /** The join's start (ours: the click on Join; baseline: navigation) → every item verified, applied and counted on screen; NaN if it never got there. */
  readonly ms: number
  /** Navigation → every item, boot included (ours: less the bench's wait for its own click). */
  readonly withBootMs: number
  /** When the first data-channel message arrived, and when the largest (the state) did; ms since the join's start. */
  readonly received: ReceiveSummary
}

const COUNT_SELECTOR: Record<Variant, string> = { ours: 'p.count', baseline: `#${BASELINE_COUNT_ID}` }

async function shownTitle(page: Page, variant: Variant): Promise<string> {
  if (variant === 'ours') return page.locator(OURS_TITLES).first().inputValue()
  return (await page.locator(BASELINE_TITLES).last().textContent()) ?? ''
}


export async function timeJoin(browser: Browser, target: JoinTarget, options: JoinOptions): Promise<JoinSample> {
  // Service workers blocked: a first visit's precache download would compete with the sync on one side only.
  const context = await browser.newContext({ serviceWorkers: 'block' })
  const errors: string[] = []
  try {
    // Chunking first, so the trace sees whole messages.
    if (options.chunking) await context.addInitScript(installPageChunking, PAGE_CHUNKING_ARGS)
    await context.addInitScript(installTrace)
    await context.addInitScript(watchCountLine, [COUNT_SELECTOR[target.variant], target.countText] as const)
    if (target.variant === 'ours') await context.addInitScript(watchJoinScreen)
    const page = await context.newPage()
    page.on('pageerror', (error) => {
      if (!isExpectedPageError(error.message)) errors.push(error.message)
    })
    await page.goto(target.url)
    // The app asks before joining a link; the wait for this click is taken off the time (watchJoinScreen).
    if (target.variant === 'ours') await page.getByRole('button', { name: 'Join', exact: true }).click({ timeout: options.timeoutMs })
    const times = await withTimeout(page.evaluate(coldSyncDone), options.timeoutMs, 'the join').catch(() => undefined)
    if (errors.length > 0) throw new Error(`${target.variant}: page errors: ${errors.join(' | ')}`)
    const sinceNavigation = await page.evaluate(receiveSummary)
    const startedAt = times?.startedAt ?? 0
    const received = { ...sinceNavigation, firstMs: sinceNavigation.firstMs - startedAt, largestMs: sinceNavigation.largestMs - startedAt }
    const ms = times ? times.doneAt - startedAt : Number.NaN
    const withBootMs = times?.withBootMs ?? Number.NaN
    if (Number.isNaN(ms)) return { ms, withBootMs, received }
    const title = await shownTitle(page, target.variant)
    if (title !== target.title) throw new Error(`${target.variant}: counted every item but shows "${title}", not "${target.title}".`)
    return { ms, withBootMs, received }
  } finally {
    await context.close()
  }
}
