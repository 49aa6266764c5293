/**
 * Live-sync benchmark: how long from an edit on browser A until it shows in
 * browser B's DOM, over WebRTC through our relay, for
 *   ours     — the built app: A adds an item through the "New item" form; it
 *              is signed into an envelope, replicated, verified and applied
 *              on B, and B's React list renders the row;
 *   baseline — bench/sync/baseline: a plain Y.Doc with raw y-webrtc and
 *              y-indexeddb (no envelopes), same relay, a room password; A
 *              adds the same item shape, B writes the row into the DOM.
 * A and B are separate Chromium processes (two launches), so every edit
 * crosses a real WebRTC data channel. A takes the time in-page right before
 * the edit; B's MutationObserver takes it when the row with that title is in
 * the DOM (bench/sync/probe.ts). Both read the machine's clock; each page's
 * offset from Node's clock is measured, and an A→B skew larger than that
 * measurement's own uncertainty would be corrected for (bench/sync/clock.ts).
 * Each edit is also split into A (edit → data-channel send), wire and B
 * (receive → DOM) from a trace of both pages' data channels (bench/sync/trace.ts).
 *
 * Edits alternate ours, baseline, ours… (which goes first swaps each round)
 * so drift hits both alike; each starts ≥ EDIT_SPACING_MS after the previous
 * one, once it was seen, so each is measured alone. Warm-up edits first.
 * Target: ours p50 ≤ baseline p50 + 2 ms and ours p99 ≤ baseline p99 + 10 ms.
 *
 * Run: npm run bench:sync (builds first). BENCH_EDITS sets the measured edits
 * per side (default 200). The last stdout line is the summary.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium, type Browser } from '@playwright/test'
import { launchOptions } from '../e2e/chromium.ts'
import { DEFAULT_RELAY_ACCESS } from '../src/server/config.ts'
import { startPiiServer } from '../src/server/PiiServer.ts'
import { median, percentile } from './stats.ts'
import { startBaselineSite } from './sync/baselineSite.ts'
import { textTable, wholeNumberFromEnv } from './harness.ts'
import { clockOffset, type ClockOffset } from './sync/clock.ts'
import { firstTraceAfter } from './sync/trace.ts'
import type { Variant } from './sync/api.ts'
import { openBaselinePair, openOursPair, type Pair } from './sync/pairs.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const APP_ROOT = join(REPO, 'dist/app')
const RESULTS_FILE = join(REPO, 'bench/results/sync.json')

const DEFAULT_EDITS = 200
/** Discarded edits per side: JIT, the first WebRTC sends, the app's first envelope. */
const WARMUP_EDITS = 20
/** Far above one edit's latency, so each edit travels alone and never queues behind the previous one. */
const EDIT_SPACING_MS = 50
/** An edit not seen by then is lost: the run fails rather than report a number without it. */
const SEEN_TIMEOUT_MS = 10_000
const TARGET_P50_OFFSET_MS = 2
const TARGET_P99_OFFSET_MS = 10
const VARIANTS: readonly Variant[] = ['ours', 'baseline']

/** One edit, ms: the whole latency, and (untimed diagnostics) where it went. */
interface EditSample {
  readonly ms: number
  /** A: edit made → its data-channel send (React, signing, encoding…). */
  readonly aMs: number
  /** Send on A → message event on B (SCTP, both network threads, B's event loop). */
  readonly wireMs: number
  /** B: message received → row in the DOM (verifying, applying, rendering). */
  readonly bMs: number
}

interface Summary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly min: number
  readonly max: number
  readonly mean: number
}

interface SideResult extends Summary {
  /** Medians of the breakdown; NaN-free (an edit whose send or receive was not traced is left out of it). */
  readonly aMs: number
  readonly wireMs: number
  readonly bMs: number
  readonly samples: readonly EditSample[]
}

interface Clocks {
  /** B's clock offset minus A's, as measured. */
  readonly measuredSkewMs: number
  /** How well that is known: the sum of both pages' calibration bounds. */
  readonly uncertaintyMs: number
  /** Subtracted from every B − A difference: 0 unless the measured skew is larger than its uncertainty. */
  readonly appliedSkewMs: number
  readonly a: ClockOffset
  readonly b: ClockOffset
}


/**
 * Both pages read the system clock, so the skew is expected to be 0; a
 * correction smaller than its own uncertainty would only add error, so it is
 * applied only when the measurement says the clocks really differ.
 */
async function measureClocks(pair: Pair): Promise<Clocks> {
  const a = await clockOffset(pair.a)
  const b = await clockOffset(pair.b)
  const measuredSkewMs = b.offsetMs - a.offsetMs
  const uncertaintyMs = a.uncertaintyMs + b.uncertaintyMs
  return { measuredSkewMs, uncertaintyMs, appliedSkewMs: Math.abs(measuredSkewMs) > uncertaintyMs ? measuredSkewMs : 0, a, b }
}

/** One edit: A makes it, B sees it. */
async function timeEdit(pair: Pair, title: string, skewMs: number): Promise<EditSample> {
  const seen = pair.seen(title, SEEN_TIMEOUT_MS)
  // If the edit itself fails, the pending wait on B must not become an unhandled rejection.
  seen.catch(() => undefined)
  const madeAt = await pair.edit(title)
  const seenAt = await seen
  // Untimed: where it went. The first data-channel send on A after the edit, the first receive on B after that send.
  const sentAt = await pair.a.evaluate(firstTraceAfter, ['sends', madeAt] as const)
  const receivedAt = await pair.b.evaluate(firstTraceAfter, ['receives', sentAt + skewMs] as const)
  await pair.prepareNext()
  return { ms: seenAt - madeAt - skewMs, aMs: sentAt - madeAt, wireMs: receivedAt - skewMs - sentAt, bMs: seenAt - receivedAt }
}

async function runEdits(pairs: readonly Pair[], clocks: ReadonlyMap<Variant, Clocks>, edits: number): Promise<Record<Variant, EditSample[]>> {
  const samples: Record<Variant, EditSample[]> = { ours: [], baseline: [] }
  for (let round = -WARMUP_EDITS; round < edits; round++) {
    // Who goes first swaps every round, so neither always follows the other's background work.
    const order = round % 2 === 0 ? pairs : [...pairs].reverse()
    for (const pair of order) {
      const started = performance.now()
      const sample = await timeEdit(pair, `bench ${pair.variant} ${round + WARMUP_EDITS}`, clocks.get(pair.variant)?.appliedSkewMs ?? 0)
      if (round >= 0) samples[pair.variant].push(sample)
      await sleep(Math.max(0, EDIT_SPACING_MS - (performance.now() - started)))
    }
    if (round >= 0 && (round + 1) % 50 === 0) {
      const note = VARIANTS.map((variant) => `${variant} p50 ${median(samples[variant].map((s) => s.ms)).toFixed(2)} ms`).join(', ')
      process.stderr.write(`  ${round + 1}/${edits} edits each: ${note}\n`)
    }
  }
  return samples
}

function summarise(values: readonly number[]): Summary {
  return {
    p50: median(values),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    min: Math.min(...values),
    max: Math.max(...values),
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
  }
}

function sideResult(samples: readonly EditSample[]): SideResult {
  const part = (pick: (sample: EditSample) => number): number => median(samples.map(pick).filter(Number.isFinite))
  return { ...summarise(samples.map((s) => s.ms)), aMs: part((s) => s.aMs), wireMs: part((s) => s.wireMs), bMs: part((s) => s.bMs), samples }
}

interface RunOutput {
  readonly sides: Record<Variant, SideResult>
  readonly clocks: ReadonlyMap<Variant, Clocks>
  readonly chromiumVersion: string
}

async function runBenchmark(edits: number): Promise<RunOutput> {
  // The baseline's pages live on an origin of their own and use this relay too: it must let them in (RLY2).
  const server = await startPiiServer({ appRoot: APP_ROOT, host: '127.0.0.1', port: 0, relayAccess: { ...DEFAULT_RELAY_ACCESS, allowedOrigins: { allow: 'any' } } })
  const baselineSite = await startBaselineSite().catch(async (error: unknown) => {
    await server.close()
    throw error
  })
  const browsers: Browser[] = []
  const pairs: Pair[] = []
  try {
    // Two launches: A and B are separate browser processes, as two devices are.
    browsers.push(await chromium.launch(launchOptions()), await chromium.launch(launchOptions()))
    const [browserA, browserB] = browsers as [Browser, Browser]
    process.stderr.write('Connecting the app pair and the baseline pair…\n')
    pairs.push(await openOursPair(browserA, browserB, server.url))
    pairs.push(await openBaselinePair(browserA, browserB, baselineSite.origin, server.relayUrl))
    const clocks = new Map<Variant, Clocks>()
    for (const pair of pairs) {
      const clock = await measureClocks(pair)
      clocks.set(pair.variant, clock)
      process.stderr.write(`  ${pair.variant}: B − A clock skew ${clock.measuredSkewMs.toFixed(3)} ms ± ${clock.uncertaintyMs.toFixed(3)}; correcting by ${clock.appliedSkewMs.toFixed(3)} ms\n`)
    }
    process.stderr.write(`Editing: ${WARMUP_EDITS} warm-up + ${edits} measured edits per side, alternating…\n`)
    const samples = await runEdits(pairs, clocks, edits)
    const errors = pairs.flatMap((pair) => pair.errors.map((message) => `${pair.variant}: ${message}`))
    if (errors.length > 0) throw new Error(`Page errors during the run, so its numbers cannot be trusted: ${errors.join(' | ')}`)
    return { sides: { ours: sideResult(samples.ours), baseline: sideResult(samples.baseline) }, clocks, chromiumVersion: browserA.version() }
  } finally {
    for (const pair of pairs) await pair.close().catch(() => undefined)
    for (const browser of browsers) await browser.close()
    await baselineSite.close()
    await server.close()
  }
}

// ---------------------------------------------------------------- output

const ms2 = (value: number): string => value.toFixed(2)
/** Browsers clamp timers to 0.1 ms; three decimals keep the JSON readable. */
const roundNumbers = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Number(value.toFixed(3)) : value

interface Verdict {
  readonly p50OffsetMs: number
  readonly p99OffsetMs: number
  readonly met: boolean
}

function verdict(sides: Record<Variant, SideResult>): Verdict {
  // Decided on the printed (two-decimal) values, so the RESULT line never contradicts its verdict.
  const p50OffsetMs = Number((sides.ours.p50 - sides.baseline.p50).toFixed(2))
  const p99OffsetMs = Number((sides.ours.p99 - sides.baseline.p99).toFixed(2))
  return { p50OffsetMs, p99OffsetMs, met: p50OffsetMs <= TARGET_P50_OFFSET_MS && p99OffsetMs <= TARGET_P99_OFFSET_MS }
}

function table(sides: Record<Variant, SideResult>, result: Verdict, edits: number): string {
  const header = ['page', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'min ms', 'max ms', '| A ms', 'wire ms', 'B ms']
  const rows = VARIANTS.map((variant) => {
    const side = sides[variant]
    return [variant, ms2(side.p50), ms2(side.p90), ms2(side.p99), ms2(side.mean), ms2(side.min), ms2(side.max), ms2(side.aMs), ms2(side.wireMs), ms2(side.bMs)]
  })
  return [
    `Live sync: edit on browser A → row in browser B's DOM, over WebRTC through the relay (${edits} edits per side, alternating, after ${WARMUP_EDITS} warm-up each).`,
    '',
    textTable(header, rows),
    '',
    'A / wire / B: medians of edit → data-channel send on A, send → receive on B, receive → row in B\'s DOM (they need not add up to p50).',
    `p50 offset ${ms2(result.p50OffsetMs)} ms (target ≤ ${TARGET_P50_OFFSET_MS}), p99 offset ${ms2(result.p99OffsetMs)} ms (target ≤ ${TARGET_P99_OFFSET_MS}): ${result.met ? 'met' : 'missed'}.`,
  ].join('\n')
}

function resultLine(sides: Record<Variant, SideResult>, result: Verdict): string {
  return [
    'RESULT sync',
    `p50_ms=${ms2(sides.ours.p50)}`,
    `p99_ms=${ms2(sides.ours.p99)}`,
    `baseline_p50_ms=${ms2(sides.baseline.p50)}`,
    `baseline_p99_ms=${ms2(sides.baseline.p99)}`,
    `p50_offset_ms=${ms2(result.p50OffsetMs)}`,
    `p99_offset_ms=${ms2(result.p99OffsetMs)}`,
    `target=${result.met ? 'met' : 'missed'}`,
  ].join(' ')
}

async function writeJson(output: RunOutput, result: Verdict, edits: number): Promise<void> {
  const report = {
    benchmark: 'sync',
    date: new Date().toISOString(),
    chromium: output.chromiumVersion,
    method: { measuredEdits: edits, warmupEdits: WARMUP_EDITS, editSpacingMs: EDIT_SPACING_MS, alternating: true },
    targets: { p50OffsetMs: TARGET_P50_OFFSET_MS, p99OffsetMs: TARGET_P99_OFFSET_MS },
    met: result.met,
    verdict: result,
    clocks: Object.fromEntries(output.clocks),
    ours: output.sides.ours,
    baseline: output.sides.baseline,
  }
  await mkdir(dirname(RESULTS_FILE), { recursive: true })
  await writeFile(RESULTS_FILE, JSON.stringify(report, roundNumbers, 2) + '\n')
}

async function main(): Promise<void> {
  const edits = wholeNumberFromEnv('BENCH_EDITS', DEFAULT_EDITS)
  const output = await runBenchmark(edits)
  const result = verdict(output.sides)
  await writeJson(output, result, edits)
  console.log(table(output.sides, result, edits))
  console.log(`\nWrote ${RESULTS_FILE}.`)
  // Printed after the browsers and servers are gone, so it is always the last line.
  console.log(resultLine(output.sides, result))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
