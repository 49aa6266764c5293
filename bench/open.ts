/**
 * Open-space benchmark: how long, in real Chromium, from navigation start to
 * a space's items on screen, for
 *   items5k    — a space of 5,000 items stored compacted (one snapshot row);
 *   updates50k — a space whose history is 50,000 small updates (2,000
 *                items), stored as Pii keeps it: a snapshot of the older
 *                updates plus the newest few hundred as rows;
 *   rows50k    — the same history as 50,000 rows, a worst case that plain
 *                y-indexeddb can be left in by an outside writer but Pii
 *                never is (it compacts); reported, not gated.
 * Each is compared with a bare page (bench/open/bare.ts) that replays the
 * same IndexedDB rows with plain y-indexeddb and paints the count and the
 * first screen of titles. Targets: ours ≤ 500 ms and ≤ 1.3 × bare.
 *
 * Loads alternate ours, bare, ours, bare… so drift (thermal, background
 * work) hits both alike; the first pair per case is a discarded warm-up (it
 * also lets the app create its device key outside the measured loads). The
 * databases are restored to the seeded rows before every load: opening a
 * space changes what is stored (see bench/open/seed.ts).
 *
 * Run: npm run bench:open (builds first). BENCH_RUNS sets the measured
 * loads per case and page (default 15). The last stdout line is the summary.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from '@playwright/test'
import { build } from 'vite'
import { launchOptions } from '../e2e/chromium.ts'
import { StaticSite } from '../src/server/staticSite.ts'
import { serveLocally, textTable, wholeNumberFromEnv, withTimeout, type LocalServer } from './harness.ts'
import { median, percentile } from './stats.ts'
import { BARE_COUNT_ID, BARE_MARK, CASES, type SeededCase } from './open/api.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const APP_ROOT = join(REPO, 'dist/app')
const BARE_SOURCE = join(REPO, 'bench/open')
const BARE_OUT_DIR = join(REPO, 'dist/bench-open')
const RESULTS_FILE = join(REPO, 'bench/results/open.json')
/** The bare and seeding pages live under this path, on the app's origin, so they share its IndexedDB. */
const BARE_PREFIX = '/bench-open'
/** Set by src/ui/features/space/ItemList.tsx in the frame after the list first shows items. */
const APP_MARK = 'pii:items-rendered'

const DEFAULT_RUNS = 15
const TARGET_MS = 500
const TARGET_RATIO = 1.3
/** Far above any sane load: a page that never marks has failed, and must not hang the run. */
const LOAD_TIMEOUT_MS = 30_000

type Variant = 'ours' | 'bare'
const VARIANTS: readonly Variant[] = ['ours', 'bare']

interface Sample {
  /** Navigation start to items on screen. */
  readonly ms: number
  /** Navigation start to DOMContentLoaded end: HTML plus the module script fetched, parsed and run. */
  readonly scriptMs: number
}

interface Summary {
  readonly median: number
  readonly p90: number
  readonly min: number
  readonly max: number
}

interface VariantResult {
  readonly samples: readonly Sample[]
  readonly ms: Summary
  readonly scriptMs: Summary
}

interface CaseResult {
  readonly seeded: SeededCase
  readonly ours: VariantResult
  readonly bare: VariantResult
  /** Ours median over bare median. */
  readonly ratio: number
  readonly met: boolean
}


// ---------------------------------------------------------------- serving

/**
 * Builds bench/open with no repo config (no PWA plugin, no React). One build
 * per page, so the bare page is a single module like the app's, not split
 * into chunks it shares with the seeder.
 */
async function buildBarePages(): Promise<void> {
  const pages = [
    { html: 'index.html', emptyOutDir: true },
    { html: 'seed.html', emptyOutDir: false },
  ]
  for (const { html, emptyOutDir } of pages) {
    await build({
      configFile: false,
      root: BARE_SOURCE,
      base: `${BARE_PREFIX}/`,
      logLevel: 'warn',
      build: {
        outDir: BARE_OUT_DIR,
        emptyOutDir,
        // Same target as the app's build, so neither side gets different syntax lowering.
        target: 'es2022',
        rolldownOptions: { input: join(BARE_SOURCE, html) },
      },
    })
  }
}

/** One origin for both, so the bare page reads exactly the databases the app reads. */
function serve(app: StaticSite, bare: StaticSite): Promise<LocalServer> {
  return serveLocally((request, response) => {
    const url = request.url ?? '/'
    if (url === BARE_PREFIX || url.startsWith(`${BARE_PREFIX}/`)) {
      request.url = url.slice(BARE_PREFIX.length) || '/'
      bare.handle(request, response)
    } else {
      app.handle(request, response)
    }
  })
}

// ---------------------------------------------------------------- one load


/**
 * Runs in the page. A buffered observer sees the mark whether it came before
 * or after this call; no polling, so nothing of ours runs in the page while
 * it loads. (No named inner functions: tsx would wrap them in a helper the
 * page does not have.)
 */
function markStartTime(name: string): Promise<number> {
  return new Promise((resolve) => {
    const observer = new PerformanceObserver((list) => {
      const entry = list.getEntriesByName(name)[0]
      if (!entry) return
      observer.disconnect()
      resolve(entry.startTime)
    })
    observer.observe({ type: 'mark', buffered: true })
  })
}

function scriptReadyTime(): number {
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
  return navigation?.domContentLoadedEventEnd ?? Number.NaN
}

/** Browsers clamp timers to 0.1 ms or coarser; more digits are float noise in the JSON. */
const tenths = (value: number): number => Math.round(value * 10) / 10

function urlFor(variant: Variant, origin: string, seeded: SeededCase): string {
  return variant === 'ours' ? `${origin}/#/space/${seeded.spaceId}` : `${origin}${BARE_PREFIX}/#${seeded.spaceId}`
}

/** A timing only counts if the page shows the right data: the full item count, and rows. */
async function checkRendered(page: Page, variant: Variant, seeded: SeededCase): Promise<void> {
  if (variant === 'ours') {
    const count = (await page.locator('.count').textContent()) ?? ''
    const rows = await page.locator('ol[aria-label="Items"] > li').count()
    if (!count.includes(`of ${seeded.items} to do`) || rows === 0) {
      throw new Error(`${seeded.key}: the app shows "${count}" and ${rows} rows, not ${seeded.items} items.`)
    }
    return
  }
  const count = await page.locator(`#${BARE_COUNT_ID}`).textContent()
  if (count !== String(seeded.items)) throw new Error(`${seeded.key}: the bare page counted ${count ?? 'nothing'}, not ${seeded.items}.`)
}

/** A fresh page per load: nothing of the previous load's JS heap or open databases carries over. */
async function timeLoad(context: BrowserContext, variant: Variant, origin: string, seeded: SeededCase): Promise<Sample> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  try {
    await page.goto(urlFor(variant, origin, seeded))
    const mark = variant === 'ours' ? APP_MARK : BARE_MARK
    const ms = await withTimeout(page.evaluate(markStartTime, mark), LOAD_TIMEOUT_MS, `${seeded.key} ${variant}: waiting for ${mark}`).catch(
      async (error: unknown) => {
        const shown = (await page.locator('body').innerText().catch(() => '')).slice(0, 300)
        throw new Error(`${String(error)} Page errors: ${errors.join(' | ') || 'none'}. Page shows: ${shown}`)
      },
    )
    await checkRendered(page, variant, seeded)
    return { ms: tenths(ms), scriptMs: tenths(await page.evaluate(scriptReadyTime)) }
  } finally {
    await page.close()
  }
}

// ---------------------------------------------------------------- seeding

async function openSeeder(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${origin}${BARE_PREFIX}/seed.html`)
  await page.waitForFunction(() => window.piiBench !== undefined)
  return page
}

function prepareCases(seeder: Page): Promise<SeededCase[]> {
  return seeder.evaluate(() => {
    if (!window.piiBench) throw new Error('The seeding page did not load.')
    return window.piiBench.prepare()
  })
}

/** Every load must start from the same stored rows, or the 50k case silently becomes a 1-row case. */
async function reseed(seeder: Page, seeded: SeededCase): Promise<void> {
  const rows = await withTimeout(
    seeder.evaluate((key) => {
      if (!window.piiBench) throw new Error('The seeding page did not load.')
      return window.piiBench.reseed(key)
    }, seeded.key),
    LOAD_TIMEOUT_MS,
    `reseeding ${seeded.key}`,
  )
  if (rows !== seeded.rows) throw new Error(`${seeded.key}: reseeding left ${rows} rows, not ${seeded.rows}.`)
}

// ---------------------------------------------------------------- statistics

function summarise(values: readonly number[]): Summary {
  return { median: median(values), p90: percentile(values, 90), min: Math.min(...values), max: Math.max(...values) }
}

function variantResult(samples: readonly Sample[]): VariantResult {
  return { samples, ms: summarise(samples.map((s) => s.ms)), scriptMs: summarise(samples.map((s) => s.scriptMs)) }
}

// ---------------------------------------------------------------- the run

async function measureCase(context: BrowserContext, seeder: Page, origin: string, seeded: SeededCase, runs: number): Promise<CaseResult> {
  const samples: Record<Variant, Sample[]> = { ours: [], bare: [] }
  // Run 0 is the warm-up: HTTP cache, V8 code cache, and (first case) the app's device key.
  for (let run = 0; run <= runs; run++) {
    for (const variant of VARIANTS) {
      await reseed(seeder, seeded)
      const sample = await timeLoad(context, variant, origin, seeded)
      if (run > 0) samples[variant].push(sample)
      process.stderr.write(`  ${seeded.key} ${run === 0 ? 'warm-up' : `run ${run}/${runs}`} ${variant}: ${sample.ms.toFixed(1)} ms\n`)
    }
  }
  const ours = variantResult(samples.ours)
  const bare = variantResult(samples.bare)
  const ratio = ours.ms.median / bare.ms.median
  return { seeded, ours, bare, ratio, met: ours.ms.median <= TARGET_MS && ratio <= TARGET_RATIO }
}

async function runBenchmark(runs: number): Promise<{ results: CaseResult[]; chromiumVersion: string }> {
  process.stderr.write('Building the bare page…\n')
  await buildBarePages()
  const server = await serve(await StaticSite.load(APP_ROOT), await StaticSite.load(BARE_OUT_DIR))
  const browser = await chromium.launch(launchOptions())
  try {
    // Blocked service workers: both pages come from the network (the HTTP cache), not the app's precache.
    const context = await browser.newContext({ serviceWorkers: 'block' })
    const seeder = await openSeeder(context, server.origin)
    process.stderr.write('Generating the spaces…\n')
    const seeded = await prepareCases(seeder)
    const results: CaseResult[] = []
    for (const entry of seeded) results.push(await measureCase(context, seeder, server.origin, entry, runs))
    return { results, chromiumVersion: browser.version() }
  } finally {
    await browser.close()
    await server.close()
  }
}

// ---------------------------------------------------------------- output

const ms1 = (value: number): string => value.toFixed(1)
const ratio2 = (value: number): string => value.toFixed(2)

function table(results: readonly CaseResult[], runs: number): string {
  const header = ['case', 'page', 'median ms', 'p90 ms', 'min ms', 'max ms', 'script ms', 'ratio', 'target']
  const rows = results.flatMap((result) =>
    VARIANTS.map((variant) => {
      const { ms, scriptMs } = result[variant]
      const mine = variant === 'ours'
      return [
        mine ? result.seeded.key : '',
        variant,
        ms1(ms.median),
        ms1(ms.p90),
        ms1(ms.min),
        ms1(ms.max),
        ms1(scriptMs.median),
        mine ? ratio2(result.ratio) : '',
        mine ? (isGated(result) ? (result.met ? 'met' : 'missed') : 'info') : '',
      ]
    }),
  )
  const described = results.map((r) => `  ${r.seeded.key}: ${CASES.find((c) => c.key === r.seeded.key)?.label ?? ''}, ${(r.seeded.bytes / 1024).toFixed(0)} KiB stored`)
  return [
    `Open a space: navigation start → items rendered (median of ${runs} loads each, after a warm-up; alternating ours/bare).`,
    ...described,
    `  script ms = navigation start → DOMContentLoaded (page script fetched, parsed, run). Targets: ours ≤ ${TARGET_MS} ms and ≤ ${TARGET_RATIO}× bare.`,
    '',
    textTable(header, rows),
  ].join('\n')
}

function isGated(result: CaseResult): boolean {
  return CASES.find((spec) => spec.key === result.seeded.key)?.gated ?? true
}

function resultLine(results: readonly CaseResult[]): string {
  const fields = results.flatMap((r) => [
    `${r.seeded.key}_ms=${ms1(r.ours.ms.median)}`,
    `${r.seeded.key}_bare_ms=${ms1(r.bare.ms.median)}`,
    `${r.seeded.key}_ratio=${ratio2(r.ratio)}`,
  ])
  return `RESULT open ${fields.join(' ')} target=${targetMet(results) ? 'met' : 'missed'}`
}

/** Only the gated cases decide the verdict; the others are informational. */
function targetMet(results: readonly CaseResult[]): boolean {
  return results.length === CASES.length && results.every((r) => r.met || !isGated(r))
}

async function writeJson(results: readonly CaseResult[], runs: number, chromiumVersion: string): Promise<void> {
  const report = {
    benchmark: 'open',
    date: new Date().toISOString(),
    chromium: chromiumVersion,
    measuredRuns: runs,
    targets: { maxMs: TARGET_MS, maxRatio: TARGET_RATIO },
    met: targetMet(results),
    cases: Object.fromEntries(results.map((r) => [r.seeded.key, r])),
  }
  await mkdir(dirname(RESULTS_FILE), { recursive: true })
  await writeFile(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n')
}

async function main(): Promise<void> {
  const runs = wholeNumberFromEnv('BENCH_RUNS', DEFAULT_RUNS)
  const { results, chromiumVersion } = await runBenchmark(runs)
  await writeJson(results, runs, chromiumVersion)
  console.log(table(results, runs))
  console.log(`\nWrote ${RESULTS_FILE}.`)
  // Printed after the browser and server are gone, so it is always the last line.
  console.log(resultLine(results))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
