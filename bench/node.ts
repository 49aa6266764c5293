/**
 * Personal-node benchmark (`npm run bench:node`): a node keeping N spaces
 * of M items each as a blind replica (NODE_BENCH_SPACES, default 1,000;
 * NODE_BENCH_ITEMS, default 1,000), run as `npm run node` runs it (the
 * built dist/server/node.js in its own process, PII_NODE_PORT=0, no backup
 * rounds), against the real server and relay (the built app, startPiiServer).
 *
 * 1. Start-up: spawn → its "node started" log line → `spaces` (its control
 *    socket) listing every space with its log read from disk; its RSS
 *    (/proc VmRSS) then. Comparison: the same process on a folder with the
 *    node's keys and no space. Reported: the ratio, and the per-space
 *    difference in time and RSS. Also (informative): when its CPU goes
 *    quiet, its RSS then, and how long SIGTERM takes. Starts alternate
 *    empty/full, each on a fresh copy of the folder (node/startup.ts).
 * 2. Newcomer: a fresh Chromium context opens space 0's editor share link
 *    and clicks Join; the time until the count line shows all M items
 *    (bench/coldsync's join), served by the node alone, against the same
 *    join served by one browser page alone (a page that got the space from
 *    the node, the node then stopped). Target: node/browser ≤ 1.2.
 *    Pairs alternate which goes first (node/newcomer.ts).
 *
 * The fixture is made by the app's own code path, in this process (owner
 * devices, invites, a PersonalNode admitted to every space: node/fixture.ts)
 * and cached under bench/scratch/. Its records name the relay by the port
 * chosen when it was built, so the server runs on that port.
 *
 * Not measured: the issue's 100 ms scheduler tick lateness on the node. The
 * node runs no schedules yet: as a blind replica it cannot read them.
 *
 * BENCH_RUNS sets the measured runs (default 3, after a warm-up). The last
 * stdout line is the summary.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { shareLink } from '../src/core/space/shareLink.ts'
import { startPiiServer, type RunningPiiServer } from '../src/server/PiiServer.ts'
import { textTable, wholeNumberFromEnv } from './harness.ts'
import { median } from './stats.ts'
import { buildFixture, readFixture, type NodeFixture } from './node/fixture.ts'
import type { JoinSample } from './coldsync/join.ts'
import { measureNewcomers, type NewcomerSamples } from './node/newcomer.ts'
import { QUIET_LIMIT_MS, timeStartup, type StartupSample } from './node/startup.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const APP_ROOT = join(REPO, 'dist/app')
const RESULTS_FILE = join(REPO, 'bench/results/node.json')
/** Copies of the fixture's folders the node runs on (the node writes to its folder). */
const RUN_FOLDER = join(REPO, 'bench/scratch/node-run')

const DEFAULT_SPACES = 1_000
const DEFAULT_ITEMS = 1_000
const DEFAULT_RUNS = 3
const TARGET_RATIO = 1.2

async function loadFixture(spaces: number, items: number, progress: (line: string) => void): Promise<{ fixture: NodeFixture; cached: boolean }> {
  const cached = await readFixture(spaces, items)
  if (cached) return { fixture: cached, cached: true }
  progress(`Building the node's data folder: ${spaces.toLocaleString('en')} spaces of ${items.toLocaleString('en')} items, each made by its owner's device and kept by a PersonalNode…`)
  return { fixture: await buildFixture(spaces, items, progress), cached: false }
}

async function startServer(fixture: NodeFixture): Promise<RunningPiiServer> {
  try {
    return await startPiiServer({ appRoot: APP_ROOT, host: '127.0.0.1', port: fixture.port })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    throw new Error(
      `Port ${fixture.port} is in use. The fixture's node records its relay as ws://127.0.0.1:${fixture.port}/, so the bench serves on that port: ` +
        `free it, or delete bench/scratch/node-${fixture.spaces}x${fixture.items} to build the fixture again on another port.`,
      { cause: error },
    )
  }
}

interface Startups {
  readonly empty: StartupSample[]
  readonly full: StartupSample[]
}

async function measureStartups(fixture: NodeFixture, runs: number, progress: (line: string) => void): Promise<Startups> {
  const startups: Startups = { empty: [], full: [] }
  const describe = (sample: StartupSample): string =>
    `started ${sample.startedMs.toFixed(0)} ms, loaded ${sample.loadedMs.toFixed(0)} ms, RSS ${mib(sample.rssLoadedKiB)} MiB, ` +
    `quiet ${Number.isNaN(sample.quietMs) ? `never (within ${QUIET_LIMIT_MS / 1000} s of loading)` : `${sample.quietMs.toFixed(0)} ms`}, stop ${sample.stopMs.toFixed(0)} ms`
  // Run 0 is the warm-up: the page cache, the built entry's first compile.
  for (let run = 0; run <= runs; run++) {
    for (const kind of run % 2 === 0 ? (['empty', 'full'] as const) : (['full', 'empty'] as const)) {
      const sample = await timeStartup(kind === 'empty' ? fixture.emptyFolder : fixture.dataFolder, join(RUN_FOLDER, kind), kind === 'empty' ? 0 : fixture.spaces)
      if (run > 0) startups[kind].push(sample)
      progress(`  ${run === 0 ? 'warm-up' : `run ${run}/${runs}`} ${kind === 'empty' ? 'no space' : `${fixture.spaces} spaces`}: ${describe(sample)}`)
    }
  }
  return startups
}

// ---------------------------------------------------------------- output

const mib = (kib: number): string => (kib / 1024).toFixed(1)
const of = (samples: readonly StartupSample[], pick: (sample: StartupSample) => number): number => median(samples.map(pick))

interface Verdict {
  readonly startupMs: number
  readonly baselineStartupMs: number
  readonly rssMiB: number
  readonly baselineRssMiB: number
  readonly rssPerSpaceKiB: number
  readonly startupPerSpaceMs: number
  readonly newcomerNodeMs: number
  readonly newcomerBrowserMs: number
  readonly ratio: number
  readonly met: boolean
}

function verdict(fixture: NodeFixture, startups: Startups, joins: NewcomerSamples): Verdict {
  const startupMs = of(startups.full, (s) => s.loadedMs)
  const baselineStartupMs = of(startups.empty, (s) => s.loadedMs)
  const rssKiB = of(startups.full, (s) => s.rssLoadedKiB)
  const baselineRssKiB = of(startups.empty, (s) => s.rssLoadedKiB)
  const newcomerNodeMs = median(joins.node.map((s) => s.ms))
  const newcomerBrowserMs = median(joins.browser.map((s) => s.ms))
  // Decided on the printed value, so the RESULT line never shows a ratio that contradicts its verdict.
  const ratio = Number((newcomerNodeMs / newcomerBrowserMs).toFixed(2))
  return {
    startupMs,
    baselineStartupMs,
    rssMiB: rssKiB / 1024,
    baselineRssMiB: baselineRssKiB / 1024,
    rssPerSpaceKiB: (rssKiB - baselineRssKiB) / fixture.spaces,
    startupPerSpaceMs: (startupMs - baselineStartupMs) / fixture.spaces,
    newcomerNodeMs,
    newcomerBrowserMs,
    ratio,
    met: ratio <= TARGET_RATIO,
  }
}

/** How the joins' data came: over WebRTC (when its first message arrived), or all over the relay fallback. */
function overWebRtc(samples: readonly JoinSample[]): string {
  const overWebRtc = samples.filter((sample) => sample.received.messages > 0)
  if (overWebRtc.length === 0) return 'no WebRTC message: all over the relay fallback'
  const first = `first WebRTC message at ${median(overWebRtc.map((sample) => sample.received.firstMs)).toFixed(0)} ms`
  return overWebRtc.length === samples.length ? first : `${first} (${samples.length - overWebRtc.length} of ${samples.length} joins over the relay fallback alone)`
}

function table(fixture: NodeFixture, cached: boolean, startups: Startups, joins: NewcomerSamples, result: Verdict, runs: number, refusals: string): string {
  const quiet = (samples: readonly StartupSample[]): string => {
    const value = of(samples, (s) => s.quietMs)
    return Number.isNaN(value) ? 'never' : value.toFixed(0)
  }
  const row = (label: string, samples: readonly StartupSample[]): string[] => [
    label,
    of(samples, (s) => s.startedMs).toFixed(0),
    of(samples, (s) => s.loadedMs).toFixed(0),
    mib(of(samples, (s) => s.rssLoadedKiB)),
    quiet(samples),
    mib(of(samples, (s) => s.rssQuietKiB)),
    of(samples, (s) => s.stopMs).toFixed(0),
  ]
  const size = `${fixture.spaces.toLocaleString('en')} spaces of ${fixture.items.toLocaleString('en')} items`
  const ratio = (a: number, b: number): string => (a / b).toFixed(2)
  return [
    `Personal node keeping ${size} (space 0: ${fixture.envelopes} envelopes); medians of ${runs} runs after a warm-up, alternating order.`,
    '',
    'Start-up, spawn of dist/server/node.js → (ms, MiB):',
    textTable(
      ['', '"node started"', 'every space loaded', 'RSS loaded', 'CPU quiet', 'RSS quiet', 'SIGTERM → exit'],
      [row('no space', startups.empty), row(`${fixture.spaces} spaces`, startups.full)],
      { labelColumns: 1, rule: true },
    ),
    `  loaded: ${ratio(result.startupMs, result.baselineStartupMs)}× the empty node, +${result.startupPerSpaceMs.toFixed(2)} ms per space; ` +
      `RSS ${ratio(result.rssMiB, result.baselineRssMiB)}×, +${result.rssPerSpaceKiB.toFixed(1)} KiB per space`,
    '',
    `Newcomer: a fresh browser clicks Join on space 0's editor link → all ${fixture.items.toLocaleString('en')} items shown:`,
    `  served by the node alone     ${result.newcomerNodeMs.toFixed(0).padStart(6)} ms   ${overWebRtc(joins.node)}`,
    `  served by one browser alone  ${result.newcomerBrowserMs.toFixed(0).padStart(6)} ms   ${overWebRtc(joins.browser)}`,
    `  ratio ${result.ratio.toFixed(2)}   target ≤ ${TARGET_RATIO}: ${result.met ? 'met' : 'missed'}   (the serving page's own join from the node: ${median(joins.seeds).toFixed(0)} ms)`,
    '',
    `Relay refusals during the run: ${refusals || 'none'}.`,
    ...(refusals.includes('bad_topics')
      ? [
          '  bad_topics: a subscribe frame listing more than 256 topics, which the relay refuses by closing the connection. y-webrtc subscribes to every room of',
          '  its process in one frame each time its signaling connection opens: a node with more than 256 spaces is refused, reconnects and is refused again,',
          '  so no browser reaches it over WebRTC, and what it serves comes over the relay fallback alone.',
        ]
      : []),
    `Fixture: ${cached ? 'read from bench/scratch/' : 'built'} (building took ${(fixture.buildMs / 1000).toFixed(1)} s); relay port ${fixture.port}.`,
    'Not measured: the node\'s 100 ms scheduler tick lateness. The node runs no schedules yet (a blind replica cannot read them).',
  ].join('\n')
}

function resultLine(result: Verdict): string {
  return [
    'RESULT node',
    `startup_ms=${result.startupMs.toFixed(0)}`,
    `rss_mb=${result.rssMiB.toFixed(1)}`,
    `rss_per_space_kb=${result.rssPerSpaceKiB.toFixed(1)}`,
    `newcomer_node_ms=${result.newcomerNodeMs.toFixed(0)}`,
    `newcomer_browser_ms=${result.newcomerBrowserMs.toFixed(0)}`,
    `ratio=${result.ratio.toFixed(2)}`,
    `target=${result.met ? 'met' : 'missed'}`,
  ].join(' ')
}

async function writeJson(fixture: NodeFixture, cached: boolean, startups: Startups, joins: NewcomerSamples, result: Verdict, runs: number, refusals: Record<string, number>): Promise<void> {
  // Not the space's secret nor its invite: the JSON describes the run, and opens nothing.
  const { spaces, items, port, space, envelopes, countText, firstTitle } = fixture
  const json = {
    benchmark: 'node',
    date: new Date().toISOString(),
    node: process.version,
    chromium: joins.chromiumVersion,
    measuredRuns: runs,
    target: { maxRatio: TARGET_RATIO },
    met: result.met,
    verdict: result,
    fixture: { spaces, items, port, space, envelopes, countText, firstTitle, buildMs: Math.round(fixture.buildMs), fromCache: cached },
    startups,
    newcomer: { node: joins.node, browser: joins.browser, servingPageJoinMs: joins.seeds },
    relayRefusals: refusals,
  }
  await mkdir(dirname(RESULTS_FILE), { recursive: true })
  const rounded = (_key: string, value: unknown): unknown => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 10) / 10 : value)
  await writeFile(RESULTS_FILE, JSON.stringify(json, rounded, 2) + '\n')
}

async function main(): Promise<void> {
  const progress = (line: string): void => void process.stderr.write(`${line}\n`)
  const spaces = wholeNumberFromEnv('NODE_BENCH_SPACES', DEFAULT_SPACES)
  const items = wholeNumberFromEnv('NODE_BENCH_ITEMS', DEFAULT_ITEMS)
  const runs = wholeNumberFromEnv('BENCH_RUNS', DEFAULT_RUNS)
  const { fixture, cached } = await loadFixture(spaces, items, progress)
  progress(`Fixture: ${spaces} spaces of ${items} items, ${cached ? 'from the cache' : 'built'} (building took ${(fixture.buildMs / 1000).toFixed(1)} s).`)
  const server = await startServer(fixture)
  let startups: Startups
  let joins: NewcomerSamples
  try {
    progress('Starting the node, empty and with every space, alternately…')
    startups = await measureStartups(fixture, runs, progress)
    progress('Newcomers joining space 0, served by the node alone and by one browser alone, alternately…')
    const target = { variant: 'ours', url: shareLink(server.url, fixture.space, fixture.secret, fixture.invite), countText: fixture.countText, title: fixture.firstTitle } as const
    joins = await measureNewcomers(fixture.dataFolder, join(RUN_FOLDER, 'newcomer'), fixture.spaces, target, runs, progress)
  } finally {
    await server.close()
    await rm(RUN_FOLDER, { recursive: true, force: true })
  }
  const refusals = Object.fromEntries([...server.relay.metrics.rejections].filter(([, count]) => count > 0))
  const refusalText = Object.entries(refusals).map(([reason, count]) => `${reason} ${count}`).join(', ')
  const result = verdict(fixture, startups, joins)
  await writeJson(fixture, cached, startups, joins, result, runs, refusals)
  console.log(table(fixture, cached, startups, joins, result, runs, refusalText))
  console.log(`\nWrote ${RESULTS_FILE}.`)
  // Printed after the browsers, the node and the server are gone, so it is always the last line.
  console.log(resultLine(result))
  process.stdout.write('', () => process.exit(0))
}

main().catch((error: unknown) => {
  console.error(error)
  // Exit now rather than wait on whatever processes or sockets the failure left open.
  process.exit(1)
})
