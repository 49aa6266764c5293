/**
 * UI latency benchmark: in real Chromium, with a space of 5,000 items open
 * (made through the app's own "New item" form, then reloaded from disk),
 * how long from an input event to the next frame painted, for
 *   type   — a key press in an item's title (the edit is signed, stored and
 *            sent, and the list re-renders what changed);
 *   toggle — a click on an item's "done" box (the row and the count line
 *            change).
 * The baseline is the same page with a plain <input> (and a plain checkbox)
 * outside React, typed into and clicked the same way: what the browser
 * itself costs for the event and the frame in a page this size.
 *
 * "Next paint" is measured in the page: a capturing listener on window
 * takes the event's timestamp, asks for the next animation frame, and from
 * there posts a message; the message runs once that frame has been
 * produced. Presses alternate between ours and the baseline in blocks, so
 * drift hits both alike; the first block of each is a discarded warm-up.
 *
 * Run: npm run bench:ui (builds first). BENCH_RUNS sets the measured events
 * per case and side (default 200). Target: ours p99 ≤ 16 ms for both. The
 * last stdout line is the summary.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { chromium, type Locator, type Page } from '@playwright/test'
import { launchOptions } from '../e2e/chromium.ts'
import { StaticSite } from '../src/server/staticSite.ts'
import { isExpectedPageError, serveLocally, textTable, wholeNumberFromEnv, withTimeout } from './harness.ts'
import { median, percentile } from './stats.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const RESULTS_FILE = join(REPO, 'bench/results/ui.json')
const ITEMS = 5_000
const DEFAULT_RUNS = 200
const BLOCK = 20
const TARGET_P99_MS = 16
/** Between events, as a fast typist leaves: the previous edit's signing and storing may still be finishing. */
const GAP_MS = 60
/** Far above any sane wait: one that takes longer has failed, and must not hang the run. */
const WAIT_MS = 30_000
/** Once the space is on screen, time for what opening starts (compaction, the sync layer, the scheduler feed) to settle. */
const SETTLE_MS = 3_000

type Case = 'type' | 'toggle'
type Side = 'ours' | 'plain'

/**
 * Installed in the page as a string: tsx would wrap named functions in a
 * helper the page does not have. `arm(type)` makes the next event of that
 * type a sample; `pending` resolves to its milliseconds to the next frame.
 */
const HARNESS = `
window.__uiBench = (() => {
  let armed
  const state = { pending: undefined }
  for (const type of ['keydown', 'click']) {
    window.addEventListener(type, (event) => {
      if (!armed || armed.type !== type) return
      const { resolve } = armed
      armed = undefined
      const start = event.timeStamp
      requestAnimationFrame(() => {
        const channel = new MessageChannel()
        channel.port1.onmessage = () => resolve(performance.now() - start)
        channel.port2.postMessage(null)
      })
    }, { capture: true })
  }
  state.arm = (type) => {
    state.pending = new Promise((resolve) => (armed = { type, resolve }))
  }
  return state
})()
`

/** A plain input and checkbox outside React, fixed in a corner the app does not use for the list. */
const PLAIN_CONTROLS = `
(() => {
  const box = document.createElement('div')
  box.style.cssText = 'position:fixed;right:8px;bottom:8px;z-index:99999;background:Canvas;padding:8px;display:flex;gap:8px'
  box.innerHTML = '<input id="plain-input" aria-label="plain input"><label><input id="plain-check" type="checkbox"> plain</label>'
  document.body.append(box)
})()
`

interface Summary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

type CaseResult = Record<Side, Summary> & { readonly p99Ratio: number; readonly met: boolean; readonly samples: Record<Side, readonly number[]> }

const summarise = (values: readonly number[]): Summary => ({
  p50: median(values),
  p90: percentile(values, 90),
  p99: percentile(values, 99),
  max: Math.max(...values),
})

async function sample(page: Page, type: 'keydown' | 'click', act: () => Promise<void>): Promise<number> {
  await page.evaluate(`window.__uiBench.arm(${JSON.stringify(type)})`)
  await act()
  const ms = await withTimeout(page.evaluate<number>('window.__uiBench.pending'), WAIT_MS, `waiting for the frame after a ${type}`)
  await sleep(GAP_MS)
  return ms
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

/** Presses letters in `field`, one sample each; returns what it typed, to check it arrived. */
async function typeInto(page: Page, field: Locator, count: number, samples: number[]): Promise<string> {
  await field.focus()
  let typed = ''
  for (let index = 0; index < count; index++) {
    const letter = LETTERS[(samples.length + index) % LETTERS.length] ?? 'a'
    samples.push(await sample(page, 'keydown', () => page.keyboard.press(letter)))
    typed += letter
  }
  return typed
}

async function clickTimes(page: Page, box: Locator, count: number, samples: number[]): Promise<void> {
  const bounds = await box.boundingBox()
  if (!bounds) throw new Error('A checkbox to click is not on screen.')
  const x = bounds.x + bounds.width / 2
  const y = bounds.y + bounds.height / 2
  for (let index = 0; index < count; index++) samples.push(await sample(page, 'click', () => page.mouse.click(x, y)))
}

/** The app's count line, e.g. "4,999 of 5,000 to do": toggles must change it, or they measured nothing. */
async function undoneCount(page: Page): Promise<number> {
  const text = (await page.locator('.count').textContent()) ?? ''
  const match = /^(\d+) of (\d+) to do$/.exec(text.trim())
  if (!match) throw new Error(`The count line reads "${text}", not "<n> of <m> to do".`)
  return Number(match[1])
}

/**
 * Makes a space and fills it through the "New item" form the way typing
 * does (the field's input event, then the form's submit), driven from
 * inside the page: a devtools round trip per item would take minutes.
 */
async function makeSpace(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/#/`)
  await page.getByLabel('New space name').fill('Bench 5,000 items')
  await page.getByRole('button', { name: 'Create space' }).click()
  await page.getByLabel('New item').waitFor()
  await withTimeout(
    page.getByLabel('New item').evaluate(async (input: HTMLInputElement, items) => {
      // The native setter, as typing sets the value (React's own tracks assignments).
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set
      const form = input.form
      if (!setValue || !form) throw new Error('"New item" is not an input inside a form.')
      for (let index = 0; index < items; index++) {
        const title = `Item ${index + 1} of the benchmark list`
        setValue.call(input, title)
        input.dispatchEvent(new Event('input', { bubbles: true }))
        while (input.value !== title) await new Promise((resolve) => setTimeout(resolve, 0))
        form.requestSubmit()
        // The form clears the field once the item is added.
        while (input.value !== '') await new Promise((resolve) => setTimeout(resolve, 0))
        // Let the browser paint and store now and then, as it would between a person's entries.
        if (index % 100 === 99) await new Promise((resolve) => requestAnimationFrame(resolve))
      }
    }, ITEMS),
    10 * 60_000,
    `adding ${ITEMS} items`,
  )
}

/** Opens the space again from disk, as a person coming back to it does, and waits for it to settle. */
async function reopenSpace(page: Page): Promise<void> {
  await page.reload()
  await withTimeout(
    page.locator('.count').filter({ hasText: `${ITEMS} of ${ITEMS} to do` }).waitFor(),
    WAIT_MS,
    `waiting for the reopened space to show ${ITEMS} items`,
  ).catch(async (error: unknown) => {
    const shown = (await page.locator('body').innerText().catch(() => '')).slice(0, 400)
    throw new Error(`${String(error)} The page shows: ${shown}`)
  })
  await sleep(SETTLE_MS)
  await page.evaluate(HARNESS)
  await page.evaluate(PLAIN_CONTROLS)
}

async function measureTyping(page: Page, runs: number): Promise<Record<Side, number[]>> {
  const ours = page.locator('ol[aria-label="Items"] > li input.item-title').first()
  const plain = page.locator('#plain-input')
  const samples: Record<Side, number[]> = { ours: [], plain: [] }
  const warmUp: number[] = []
  await typeInto(page, ours, BLOCK, warmUp)
  await typeInto(page, plain, BLOCK, warmUp)
  const before = await ours.inputValue()
  let typedInOurs = ''
  while (samples.ours.length < runs) {
    const count = Math.min(BLOCK, runs - samples.ours.length)
    typedInOurs += await typeInto(page, ours, count, samples.ours)
    await typeInto(page, plain, count, samples.plain)
  }
  const after = await ours.inputValue()
  if (after !== before + typedInOurs) {
    const notice = await page.locator('.access-notice').allTextContents()
    throw new Error(`The title reads "${after}", not what was typed into it (${before.length} + ${typedInOurs.length} letters). ${notice.join(' ')}`)
  }
  return samples
}

async function measureToggling(page: Page, runs: number): Promise<Record<Side, number[]>> {
  // The second row: the first one's title grew while typing, which changes nothing here but keeps the cases apart.
  const ours = page.locator('ol[aria-label="Items"] > li input[type="checkbox"]').nth(1)
  const plain = page.locator('#plain-check')
  const samples: Record<Side, number[]> = { ours: [], plain: [] }
  const warmUp: number[] = []
  await clickTimes(page, ours, BLOCK, warmUp)
  await clickTimes(page, plain, BLOCK, warmUp)
  const undoneBefore = await undoneCount(page)
  let oursClicks = 0
  while (samples.ours.length < runs) {
    const count = Math.min(BLOCK, runs - samples.ours.length)
    await clickTimes(page, ours, count, samples.ours)
    oursClicks += count
    await clickTimes(page, plain, count, samples.plain)
    // An odd number of clicks leaves the item ticked: one fewer to do.
    const expected = undoneBefore - (oursClicks % 2 === 1 ? 1 : 0)
    const undone = await undoneCount(page)
    if (undone !== expected) throw new Error(`After ${oursClicks} clicks the count says ${undone} to do, not ${expected}.`)
  }
  return samples
}

function caseResult(samples: Record<Side, number[]>): CaseResult {
  const ours = summarise(samples.ours)
  const plain = summarise(samples.plain)
  return { ours, plain, p99Ratio: ours.p99 / plain.p99, met: ours.p99 <= TARGET_P99_MS, samples }
}

async function runBenchmark(runs: number): Promise<{ results: Record<Case, CaseResult>; chromiumVersion: string }> {
  const app = await StaticSite.load(join(REPO, 'dist/app'))
  const server = await serveLocally((request, response) => app.handle(request, response))
  const browser = await chromium.launch(launchOptions())
  try {
    // Blocked service workers, as in bench:open: the page comes from the network, and no worker competes for the 2 cores.
    const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => isExpectedPageError(error.message) || errors.push(error.message))
    process.stderr.write(`Adding ${ITEMS} items through the form…\n`)
    await makeSpace(page, server.origin)
    await reopenSpace(page)
    process.stderr.write(`Typing ${runs} keys into a title and into a plain input…\n`)
    const type = caseResult(await measureTyping(page, runs))
    process.stderr.write(`Clicking ${runs} times on a done box and on a plain checkbox…\n`)
    const toggle = caseResult(await measureToggling(page, runs))
    if (errors.length > 0) throw new Error(`The page raised errors: ${errors.join(' | ')}`)
    return { results: { type, toggle }, chromiumVersion: browser.version() }
  } finally {
    await browser.close()
    await server.close()
  }
}

const ms1 = (value: number): string => value.toFixed(1)

function table(results: Record<Case, CaseResult>, runs: number): string {
  const header = ['case', 'page', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p99 ratio', 'target']
  const rows = (Object.entries(results) as [Case, CaseResult][]).flatMap(([name, result]) =>
    (['ours', 'plain'] as const).map((side) => {
      const summary = result[side]
      const mine = side === 'ours'
      return [
        mine ? name : '',
        mine ? 'ours' : 'plain <input>',
        ms1(summary.p50),
        ms1(summary.p90),
        ms1(summary.p99),
        ms1(summary.max),
        mine ? result.p99Ratio.toFixed(2) : '',
        mine ? (result.met ? 'met' : 'missed') : '',
      ]
    }),
  )
  return [
    `Input → next paint in a space of 5,000 items, ${runs} events per case and side (alternating blocks of ${BLOCK}, after a warm-up).`,
    `  Target: ours p99 ≤ ${TARGET_P99_MS} ms. Baseline: a plain <input> / checkbox outside React on the same page.`,
    '',
    textTable(header, rows, { labelColumns: 2 }),
  ].join('\n')
}

function resultLine(results: Record<Case, CaseResult>): string {
  const fields = (Object.entries(results) as [Case, CaseResult][]).flatMap(([name, result]) => [
    `${name}_p50_ms=${ms1(result.ours.p50)}`,
    `${name}_p99_ms=${ms1(result.ours.p99)}`,
    `${name}_plain_p99_ms=${ms1(result.plain.p99)}`,
    `${name}_p99_ratio=${result.p99Ratio.toFixed(2)}`,
  ])
  const met = results.type.met && results.toggle.met
  return `RESULT ui ${fields.join(' ')} target=${met ? 'met' : 'missed'}`
}

async function main(): Promise<void> {
  const runs = wholeNumberFromEnv('BENCH_RUNS', DEFAULT_RUNS)
  const { results, chromiumVersion } = await runBenchmark(runs)
  const report = { benchmark: 'ui', date: new Date().toISOString(), chromium: chromiumVersion, items: ITEMS, runs, targetP99Ms: TARGET_P99_MS, results }
  await mkdir(dirname(RESULTS_FILE), { recursive: true })
  await writeFile(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n')
  console.log(table(results, runs))
  console.log(`\nWrote ${RESULTS_FILE}.`)
  // Printed after the browser and server are gone, so it is always the last line.
  console.log(resultLine(results))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
