/**
 * Benchmark (b): how late a 100 ms scheduler's ticks run in real Chromium,
 * with the scheduler hosted by the service worker and by a tab, against a
 * plain `setInterval(…, 100)` running in the same page over the same 60 s.
 *
 * The app is the real build served by the real Pii server. A space gets a
 * 100 ms scheduler (through the schedulers panel) and a `doc` operation
 * every 100 ms on it (through the operation editor), so each tick does real
 * work: a claim, a run, a record, each signed and stored. The host's own
 * figures (p50, p99 and worst lateness over its last 600 ticks, published
 * for the panel) are read at the end; the baseline's lateness is measured
 * against its own ideal grid.
 */
import { chromium, type Page } from '@playwright/test'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launchOptions } from '../../e2e/chromium.ts'
import { HOST_STATS_CHANNEL, type HostStatsMessage } from '../../src/core/scheduler/hostStats.ts'
import { startPiiServer } from '../../src/server/PiiServer.ts'
import { percentile } from '../stats.ts'

const APP_ROOT = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist', 'app')
const INTERVAL_MS = 100

export type LatenessHost = 'service-worker' | 'page'

export interface LatenessResult {
  readonly host: LatenessHost
  readonly seconds: number
  readonly ours: { readonly samples: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number }
  readonly baseline: { readonly samples: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number }
  /** Occurrences of the 100 ms operation run by the end (the counter it increments). */
  readonly runs: number
}

async function setUp(page: Page): Promise<void> {
  await page.getByLabel('New space name').fill('Lateness')
  await page.getByRole('button', { name: 'Create space' }).click()
  await page.getByRole('tab', { name: 'Schedule' }).click()
  await page.getByLabel('New scheduler name').fill('Fast')
  await page.getByLabel('New scheduler interval').fill('100 ms')
  await page.getByRole('button', { name: 'Add scheduler' }).click()
  const form = page.getByRole('form', { name: 'New operation' })
  await form.getByLabel('Title').fill('Tick')
  await form.getByLabel('When').fill('every 100 ms')
  await form.getByLabel('Does').selectOption('doc')
  await form.getByLabel('Counter name').fill('ticks')
  await form.getByLabel('Scheduler').selectOption({ label: 'Fast' })
  await form.getByRole('button', { name: 'Plan it' }).click()
  await form.getByRole('status').waitFor()
}

/**
 * Waits until the host ticks the 100 ms scheduler (it starts a shared
 * space's schedule a few seconds after joining its room), then runs the
 * baseline interval for `seconds` beside it and returns both sides'
 * figures, as the host published them.
 */
async function measureInPage(page: Page, seconds: number): Promise<{ baseline: number[]; stats: HostStatsMessage | undefined }> {
  return page.evaluate(
    ({ seconds, interval, channelName }) =>
      new Promise<{ baseline: number[]; stats: HostStatsMessage | undefined }>((resolve) => {
        // A host that never ticks must end the run (with the error below), not hang it.
        setTimeout(() => resolve({ baseline: [], stats: undefined }), seconds * 1_000 + 60_000)
        let stats: HostStatsMessage | undefined
        let measuring = false
        const channel = new BroadcastChannel(channelName)
        // No named functions in here: the bench's TypeScript loader would wrap them in a helper the page does not have.
        channel.onmessage = (event: MessageEvent<HostStatsMessage>) => {
          stats = event.data
          const fastTicking = Object.values(event.data.spaces).some((schedulers) => Object.values(schedulers).some((figures) => figures.tickLate.samples > 10 && figures.tickLate.samples < 600))
          if (measuring || !fastTicking) return
          measuring = true
          const baseline: number[] = []
          const start = performance.now()
          let ticks = 0
          const timer = setInterval(() => {
            ticks++
            baseline.push(performance.now() - (start + ticks * interval))
          }, interval)
          setTimeout(() => {
            clearInterval(timer)
            // The host publishes once a second: the next message covers the whole window.
            setTimeout(() => {
              channel.close()
              resolve({ baseline, stats })
            }, 1_500)
          }, seconds * 1_000)
        }
      }),
    { seconds, interval: INTERVAL_MS, channelName: HOST_STATS_CHANNEL },
  )
}

export async function measureLateness(host: LatenessHost, seconds: number): Promise<LatenessResult> {
  const server = await startPiiServer({ appRoot: APP_ROOT, host: '127.0.0.1', port: 0 })
  const browser = await chromium.launch(launchOptions())
  try {
    const context = await browser.newContext({ baseURL: server.url })
    const page = await context.newPage()
    await page.goto('/')
    if (host === 'service-worker') {
      // Once the worker controls the page, the page leaves hosting to it.
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready
        if (!navigator.serviceWorker.controller) await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
      })
      await page.reload()
    } else {
      // No worker at all: the tab is elected host, as in a browser without service workers.
      await context.route('**/sw.js', (route) => route.fulfill({ status: 404, body: '' }))
      await page.reload()
    }
    await setUp(page)
    const { baseline, stats } = await measureInPage(page, seconds)
    if (!stats) throw new Error('The scheduler host published no figures: is it running?')
    if (stats.host !== host) throw new Error(`Expected the ${host} to host the scheduler, but the ${stats.host} does.`)
    const fast = Object.values(stats.spaces)
      .flatMap((schedulers) => Object.values(schedulers))
      .sort((a, b) => b.tickLate.samples - a.tickLate.samples)[0]
    if (!fast) throw new Error('No scheduler figures for the space.')
    // Runs done: the counter the operation increments (the run history keeps only the last 100, RET1).
    const runs = Number(await page.getByRole('group', { name: 'Counter ticks' }).locator('output').textContent())
    return {
      host,
      seconds,
      ours: { samples: fast.tickLate.samples, p50Ms: fast.tickLate.p50Ms, p99Ms: fast.tickLate.p99Ms, maxMs: fast.tickLate.maxMs },
      baseline: { samples: baseline.length, p50Ms: round(percentile(baseline, 50)), p99Ms: round(percentile(baseline, 99)), maxMs: round(Math.max(...baseline)) },
      runs,
    }
  } finally {
    await browser.close()
    await server.close()
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10
