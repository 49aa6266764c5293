/**
 * Cold-sync benchmark: a browser with nothing stored opens a share link to a
 * space holding 100,000 updates from 3 authors, served by a Node peer over
 * WebRTC through our relay; how long from the join's start until every item
 * is verified, applied and counted on screen. The app asks before joining a
 * link (SECURITY LNK1): its join starts at the click on Join, the page having
 * booted while the person reads the screen; the baseline's at navigation.
 * The time from navigation, boot included (less the bench's own wait for its
 * click), is reported too. For
 *   ours     — the built app joining `#/s/<space>/<secret>`; the Node peer
 *              serves the space's transport doc (the signed envelope log,
 *              compacted by checkpoints as the authors' logs left it);
 *   baseline — bench/sync/baseline (raw y-webrtc + y-indexeddb) joining a
 *              room where a Node peer serves a plain doc holding the same
 *              100,000 raw updates, no envelopes.
 * Both peers are unmodified y-webrtc on @roamhq/wrtc in this process
 * (bench/coldsync/nodePeer.ts); the fixture is built with the app's own
 * SignedLog (bench/coldsync/fixture.ts) and cached when that takes > 30 s.
 *
 * Stock y-webrtc cannot carry such a space: it sends the whole state as one
 * data-channel message, and SCTP carries at most 256 KiB (yjs/y-webrtc#20).
 * The app frames large messages itself (src/sync/framedPeerConnection.ts);
 * for the measured joins the Node peers and the baseline page get the same
 * 64 KiB framing (bench/coldsync/chunking.ts), so both sides pay the same
 * transport. Each page first joins once with the Node peers unframed
 * (reported: completes or not), which shows the limit.
 *
 * Also reported: the log's size against the raw updates', envelope
 * signature checks per second in Node with WebCrypto and with noble, and
 * what admitting the log costs in Node stage by stage (hash, parse,
 * decrypt, verify, read the updates' shape, apply: coldsync/stages.ts).
 *
 * Then junk (SECURITY JNK1): the same space after a member stuffed its log
 * with 1,500 forged envelopes and 10 MiB of junk and an honest peer cleaned
 * it (coldsync/junk.ts). Joins of the cleaned log alternate with joins of
 * the clean one, each served alone; the newcomer's time and bytes must be
 * within 10 % of the clean case's.
 * Joins alternate ours/baseline (who goes first swaps each pair) after one
 * warm-up pair; medians. Targets: ours ≤ 3000 ms and ≤ 1.5 × baseline.
 *
 * Run: npm run bench:coldsync (builds first). BENCH_RUNS sets the measured
 * pairs (default 5); COLDSYNC_UPDATES the fixture's size (default 100,000;
 * smaller only to try the bench out). The last stdout line is the summary.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import { launchOptions } from '../e2e/chromium.ts'
import { itemCountText } from '../src/core/space/items.ts'
import { roomName, roomPassword, shareLink } from '../src/core/space/shareLink.ts'
import { DEFAULT_RELAY_ACCESS } from '../src/server/config.ts'
import { startPiiServer } from '../src/server/PiiServer.ts'
import { FRAME_BYTES } from '../src/sync/messageFrames.ts'
import { AUTHORS, buildFixture, fixtureKey, type Fixture } from './coldsync/fixture.ts'
import { readCachedFixture, writeCachedFixture } from './coldsync/fixtureCache.ts'
import { nodeChunking } from './coldsync/chunking.ts'
import { timeJoin, type JoinSample, type JoinTarget } from './coldsync/join.ts'
import { servePeer, type ServingPeer } from './coldsync/nodePeer.ts'
import { stuffedAndCleaned, type CleanedLog } from './coldsync/junk.ts'
import { measureVerifyRates, type VerifyRates } from './coldsync/verifyRate.ts'
import { measureAdmissionStages, type AdmissionStages } from './coldsync/stages.ts'
import { wholeNumberFromEnv } from './harness.ts'
import { median } from './stats.ts'
import { baselineUrl, type Variant } from './sync/api.ts'
import { startBaselineSite } from './sync/baselineSite.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const APP_ROOT = join(REPO, 'dist/app')
const RESULTS_FILE = join(REPO, 'bench/results/coldsync.json')
const FIXTURE_FILE = join(REPO, 'bench/results/coldsync-fixture.bin')

const DEFAULT_UPDATES = 100_000
const DEFAULT_RUNS = 5
/** Building for longer than this is worth caching. */
const CACHE_AFTER_MS = 30_000
const VERIFY_SIGNATURES = 2_000
/** Five times the target: a stock join not done by then is not coming. */
const STOCK_TIMEOUT_MS = 15_000
/** Far above any sane join: one that never completes has failed, and must not hang the run. */
const JOIN_TIMEOUT_MS = 60_000
const TARGET_MS = 3_000
const TARGET_RATIO = 1.5
/** A cleaned log may cost a newcomer at most this much more than a clean one, in time and in bytes. */
const TARGET_JUNK_RATIO = 1.1
const VARIANTS: readonly Variant[] = ['ours', 'baseline']


async function loadFixture(updates: number): Promise<{ fixture: Fixture; cached: boolean }> {
  const key = await fixtureKey(updates)
  const cached = await readCachedFixture(FIXTURE_FILE, key)
  if (cached) return { fixture: cached, cached: true }
  process.stderr.write(`Building the space: ${updates.toLocaleString('en')} updates from ${AUTHORS} authors, each signed by the app's SignedLog…\n`)
  const fixture = await buildFixture(updates, (line) => process.stderr.write(`${line}\n`))
  if (fixture.buildMs > CACHE_AFTER_MS) {
    await mkdir(dirname(FIXTURE_FILE), { recursive: true })
    await writeCachedFixture(FIXTURE_FILE, key, fixture)
  }
  return { fixture, cached: false }
}

interface Joins {
  /** One join per page with the Node peers sending whole messages; ms is NaN when it never completed. */
  readonly stock: Record<Variant, JoinSample>
  /** The measured joins, with the Node peers framing large messages. */
  readonly samples: Record<Variant, JoinSample[]>
  /** The app joining the clean log and the cleaned one, alternately, each served alone. */
  readonly junk: { readonly clean: JoinSample[]; readonly cleaned: JoinSample[] }
  readonly chromiumVersion: string
}

function describe(sample: JoinSample): string {
  const { received } = sample
  const outcome = Number.isNaN(sample.ms) ? `never completed (gave up after ${STOCK_TIMEOUT_MS / 1000} s)` : `${sample.ms.toFixed(0)} ms`
  return `${outcome} (first message at ${received.firstMs.toFixed(0)} ms; largest of ${received.messages} messages ${kib(received.largestBytes)} at ${received.largestMs.toFixed(0)} ms)`
}

async function runJoins(fixture: Fixture, cleanedLog: CleanedLog, runs: number): Promise<Joins> {
  // The baseline's page lives on an origin of its own and uses this relay too: it must let it in (RLY2).
  const server = await startPiiServer({ appRoot: APP_ROOT, host: '127.0.0.1', port: 0, relayAccess: { ...DEFAULT_RELAY_ACCESS, allowedOrigins: { allow: 'any' } } })
  const peers: ServingPeer[] = []
  let baselineSite: Awaited<ReturnType<typeof startBaselineSite>> | undefined
  const browser = await chromium.launch(launchOptions())
  try {
    baselineSite = await startBaselineSite()
    const baselineRoom = { relay: server.relayUrl, room: `bench-coldsync-${randomBytes(8).toString('hex')}`, password: randomBytes(16).toString('hex') }
    peers.push(await servePeer({ relayUrl: server.relayUrl, room: roomName(fixture.secret), password: roomPassword(fixture.secret), state: fixture.transportState }))
    peers.push(await servePeer({ relayUrl: server.relayUrl, room: baselineRoom.room, password: baselineRoom.password, state: fixture.contentState }))
    const expected = itemCountText(fixture.undone, fixture.items)
    const targets: Record<Variant, JoinTarget> = {
      ours: { variant: 'ours', url: shareLink(server.url, fixture.space, fixture.secret), countText: expected, title: fixture.firstTitle },
      baseline: { variant: 'baseline', url: baselineUrl(baselineSite.origin, baselineRoom), countText: expected, title: fixture.lastTitle },
    }
    // The Node peers unframed first: does a whole-state message arrive at all?
    nodeChunking.sending = false
    const stock = {} as Record<Variant, JoinSample>
    for (const variant of VARIANTS) {
      stock[variant] = await timeJoin(browser, targets[variant], { chunking: false, timeoutMs: STOCK_TIMEOUT_MS })
      process.stderr.write(`  stock y-webrtc, ${variant}: ${describe(stock[variant])}\n`)
    }
    nodeChunking.sending = true
    const samples: Record<Variant, JoinSample[]> = { ours: [], baseline: [] }
    // Pair 0 is the warm-up: HTTP cache, V8 code cache, the peers' first connections.
    for (let run = 0; run <= runs; run++) {
      for (const variant of run % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        // The app frames large messages by itself; the baseline page gets the same framing from the bench.
        const sample = await timeJoin(browser, targets[variant], { chunking: variant === 'baseline', timeoutMs: JOIN_TIMEOUT_MS })
        if (Number.isNaN(sample.ms)) throw new Error(`${variant}: a chunked join did not complete within ${JOIN_TIMEOUT_MS / 1000} s: ${describe(sample)}.`)
        if (run > 0) samples[variant].push(sample)
        process.stderr.write(`  ${run === 0 ? 'warm-up' : `run ${run}/${runs}`} ${variant}: ${describe(sample)}\n`)
      }
    }
    // The clean log and the cleaned one, alternately, one serving peer at a time (they are the same space and room).
    peers.shift()?.destroy()
    const junk = { clean: [] as JoinSample[], cleaned: [] as JoinSample[] }
    for (let run = 0; run <= runs; run++) {
      for (const which of run % 2 === 0 ? (['clean', 'cleaned'] as const) : (['cleaned', 'clean'] as const)) {
        const state = which === 'clean' ? fixture.transportState : cleanedLog.state
        const peer = await servePeer({ relayUrl: server.relayUrl, room: roomName(fixture.secret), password: roomPassword(fixture.secret), state })
        try {
          const sample = await timeJoin(browser, targets.ours, { chunking: false, timeoutMs: JOIN_TIMEOUT_MS })
          if (Number.isNaN(sample.ms)) throw new Error(`${which} log: a join did not complete within ${JOIN_TIMEOUT_MS / 1000} s: ${describe(sample)}.`)
          if (run > 0) junk[which].push(sample)
          process.stderr.write(`  ${run === 0 ? 'warm-up' : `run ${run}/${runs}`} ${which} log: ${describe(sample)}, ${kib(sample.received.totalBytes)} received\n`)
        } finally {
          peer.destroy()
        }
      }
    }
    return { stock, samples, junk, chromiumVersion: browser.version() }
  } finally {
    await browser.close()
    for (const peer of peers) peer.destroy()
    await baselineSite?.close()
    await server.close()
  }
}

// ---------------------------------------------------------------- output

interface Report {
  readonly fixture: Fixture
  readonly cached: boolean
  readonly joins: Joins
  readonly rates: VerifyRates
  readonly stages: AdmissionStages
  readonly cleanedLog: CleanedLog
}

interface Verdict {
  readonly oursMs: number
  readonly baselineMs: number
  readonly ratio: number
  /** The cleaned log's join against the clean one's, in time and in bytes received. */
  readonly junkTimeRatio: number
  readonly junkBytesRatio: number
  readonly met: boolean
}

function verdict(joins: Joins): Verdict {
  const oursMs = median(joins.samples.ours.map((s) => s.ms))
  const baselineMs = median(joins.samples.baseline.map((s) => s.ms))
  // Decided on the printed values, so the RESULT line never shows a ratio that contradicts its verdict.
  const ratio = Number((oursMs / baselineMs).toFixed(2))
  const of = (samples: readonly JoinSample[], pick: (sample: JoinSample) => number): number => median(samples.map(pick))
  const junkTimeRatio = Number((of(joins.junk.cleaned, (s) => s.ms) / of(joins.junk.clean, (s) => s.ms)).toFixed(2))
  const junkBytesRatio = Number((of(joins.junk.cleaned, (s) => s.received.totalBytes) / of(joins.junk.clean, (s) => s.received.totalBytes)).toFixed(2))
  const met = oursMs <= TARGET_MS && ratio <= TARGET_RATIO && junkTimeRatio <= TARGET_JUNK_RATIO && junkBytesRatio <= TARGET_JUNK_RATIO
  return { oursMs, baselineMs, ratio, junkTimeRatio, junkBytesRatio, met }
}

const ms = (value: number): string => `${value.toFixed(1)} ms`
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`

function table(report: Report, result: Verdict, runs: number): string {
  const { fixture, joins, rates } = report
  const stage = (variant: Variant, pick: (sample: JoinSample) => number): string => median(joins.samples[variant].map(pick)).toFixed(0)
  const lines = VARIANTS.map(
    (variant) =>
      `  ${variant.padEnd(8)}  ${stage(variant, (s) => s.ms).padStart(6)} ms   first message ${stage(variant, (s) => s.received.firstMs).padStart(5)} ms   ` +
      `state in ${stage(variant, (s) => s.received.largestMs).padStart(5)} ms   → rendered +${stage(variant, (s) => s.ms - s.received.largestMs)} ms`,
  )
  return [
    `Cold sync: a fresh browser joins a space of ${fixture.updates.toLocaleString('en')} updates (${fixture.items.toLocaleString('en')} items) from a Node peer over WebRTC;`,
    `the join's start (ours: the click on Join; baseline: navigation) → every item counted on screen.`,
    '',
    'With the serving peer sending the state as one message, as stock y-webrtc does (one join each):',
    ...VARIANTS.map((variant) => `  ${variant.padEnd(8)}  ${describe(joins.stock[variant])}`),
    '',
    `With 64 KiB message framing (the app's own; the bench's for the peers and the baseline page): median of ${runs} alternating pairs after a warm-up (stages are medians too).`,
    ...lines,
    `  ratio ${result.ratio.toFixed(2)}   targets: ours ≤ ${TARGET_MS} ms and ≤ ${TARGET_RATIO}× baseline: ${result.met ? 'met' : 'missed'}`,
    `  from navigation, boot included: ours ${stage('ours', (s) => s.withBootMs)} ms (the join screen shows at ${stage('ours', (s) => s.withBootMs - s.ms)} ms), baseline ${stage('baseline', (s) => s.withBootMs)} ms`,
    '',
    `After a member stuffed the log with 1,500 forged envelopes and 10 MiB of junk (${kib(report.cleanedLog.stuffedBytes)}) and an honest peer refused ` +
      `${report.cleanedLog.refused} entries and removed them (${kib(report.cleanedLog.state.length)} left), median of ${runs} alternating pairs:`,
    `  clean log   ${median(joins.junk.clean.map((s) => s.ms)).toFixed(0).padStart(6)} ms   ${kib(median(joins.junk.clean.map((s) => s.received.totalBytes)))} received`,
    `  cleaned log ${median(joins.junk.cleaned.map((s) => s.ms)).toFixed(0).padStart(6)} ms   ${kib(median(joins.junk.cleaned.map((s) => s.received.totalBytes)))} received`,
    `  time ${result.junkTimeRatio.toFixed(2)}×, bytes ${result.junkBytesRatio.toFixed(2)}×   target: ≤ ${TARGET_JUNK_RATIO}× each`,
    '',
    `Sizes: envelope log ${kib(fixture.transportState.length)} (${fixture.envelopesInLog} envelopes after checkpoints), ` +
      `plain doc ${kib(fixture.contentState.length)}, the ${fixture.updates.toLocaleString('en')} raw updates ${kib(fixture.rawUpdateBytes)}.`,
    `Fixture: ${report.cached ? 'read from the cache' : 'built'} (building took ${(fixture.buildMs / 1000).toFixed(1)} s).`,
    `Envelope signature checks per second in Node (${rates.signatures} signatures): WebCrypto ${Math.round(rates.webcryptoPerS)}, ` +
      `noble ${Math.round(rates.noblePerS)}.`,
    '',
    `Admitting the log in Node (${report.stages.envelopes} envelopes), each stage alone over all of it, medians of 7:`,
    `  hash ${ms(report.stages.hashMs)}, parse ${ms(report.stages.parseMs)}, decrypt ${ms(report.stages.decryptMs)}, verify ${ms(report.stages.verifyMs)}, ` +
      `clientID check ${ms(report.stages.shapeMs)}, join and apply ${ms(report.stages.applyMs)}; the whole admission and apply through SignedLog ${ms(report.stages.totalMs)}`,
  ].join('\n')
}

function resultLine(report: Report, result: Verdict): string {
  return [
    'RESULT coldsync',
    `ms=${result.oursMs.toFixed(0)}`,
    `baseline_ms=${result.baselineMs.toFixed(0)}`,
    `ratio=${result.ratio.toFixed(2)}`,
    `junk_time_ratio=${result.junkTimeRatio.toFixed(2)}`,
    `junk_bytes_ratio=${result.junkBytesRatio.toFixed(2)}`,
    `envelope_bytes=${report.fixture.transportState.length}`,
    `raw_update_bytes=${report.fixture.rawUpdateBytes}`,
    `webcrypto_verify_per_s=${Math.round(report.rates.webcryptoPerS)}`,
    `noble_verify_per_s=${Math.round(report.rates.noblePerS)}`,
    `node_decrypt_ms=${report.stages.decryptMs.toFixed(1)}`,
    `node_admit_ms=${report.stages.totalMs.toFixed(1)}`,
    `target=${result.met ? 'met' : 'missed'}`,
  ].join(' ')
}

async function writeJson(report: Report, result: Verdict, runs: number): Promise<void> {
  const { fixture } = report
  const json = {
    benchmark: 'coldsync',
    date: new Date().toISOString(),
    chromium: report.joins.chromiumVersion,
    node: process.version,
    measuredRuns: runs,
    targets: { maxMs: TARGET_MS, maxRatio: TARGET_RATIO, maxJunkRatio: TARGET_JUNK_RATIO },
    met: result.met,
    verdict: result,
    fixture: {
      updates: fixture.updates,
      authors: 3,
      items: fixture.items,
      undone: fixture.undone,
      envelopeBytes: fixture.transportState.length,
      envelopesInLog: fixture.envelopesInLog,
      baselineDocBytes: fixture.contentState.length,
      rawUpdateBytes: fixture.rawUpdateBytes,
      buildMs: Math.round(fixture.buildMs),
      fromCache: report.cached,
    },
    verifyPerSecond: report.rates,
    admissionStagesInNode: report.stages,
    stockTransport: report.joins.stock,
    chunkedTransport: { frameBytes: FRAME_BYTES, samples: report.joins.samples },
    junk: { stuffedBytes: report.cleanedLog.stuffedBytes, cleanedBytes: report.cleanedLog.state.length, refused: report.cleanedLog.refused, samples: report.joins.junk },
  }
  await mkdir(dirname(RESULTS_FILE), { recursive: true })
  // Browsers clamp timers to 0.1 ms; one decimal keeps the JSON readable (a join that never completed is null).
  const rounded = (_key: string, value: unknown): unknown => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 10) / 10 : value)
  await writeFile(RESULTS_FILE, JSON.stringify(json, rounded, 2) + '\n')
}

async function main(): Promise<void> {
  const runs = wholeNumberFromEnv('BENCH_RUNS', DEFAULT_RUNS)
  const { fixture, cached } = await loadFixture(wholeNumberFromEnv('COLDSYNC_UPDATES', DEFAULT_UPDATES))
  // Before any browser starts, so nothing else competes for the CPU.
  process.stderr.write(`Measuring signature checks (${VERIFY_SIGNATURES} envelopes)…\n`)
  const rates = await measureVerifyRates(VERIFY_SIGNATURES)
  process.stderr.write('Measuring the admission of the log, stage by stage…\n')
  const stages = await measureAdmissionStages(fixture)
  process.stderr.write('Stuffing the log with junk, and cleaning it as an honest peer does…\n')
  const cleanedLog = await stuffedAndCleaned(fixture)
  process.stderr.write('Joining…\n')
  const joins = await runJoins(fixture, cleanedLog, runs)
  const report = { fixture, cached, joins, rates, stages, cleanedLog }
  const result = verdict(joins)
  await writeJson(report, result, runs)
  console.log(table(report, result, runs))
  console.log(`\nWrote ${RESULTS_FILE}.`)
  // Printed after the browser, peers and servers are gone, so it is always the last line.
  console.log(resultLine(report, result))
  // Exit explicitly: a closed password-protected y-webrtc room still publishes its encrypted
  // "peer left" after unsubscribing, which re-opens a BroadcastChannel nothing closes (Node keeps running for it).
  process.stdout.write('', () => process.exit(0))
}

main().catch((error: unknown) => {
  console.error(error)
  // Exit now rather than wait on whatever sockets or peer connections the failure left open.
  process.exit(1)
})
