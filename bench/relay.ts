/**
 * Relay benchmark: our relay (src/server/relay/Relay.ts behind PiiServer, run
 * by src/server/relayMain.ts) against the stock y-webrtc signaling server
 * (node_modules/y-webrtc/bin/server.js), each in its own child process.
 *
 *   Throughput and latency — for 2, 10, 50 and 200 subscribers of one topic
 *     and 1 KiB payloads, deliveries per second and delivery latency (p50,
 *     p99) with a bounded window of publishes in flight (bench/relay/throughput.ts).
 *     Trials alternate ours, stock, ours, stock… so drift hits both alike;
 *     medians over the rounds are reported.
 *   Idle connections — resident memory per 1,000 idle subscribed clients,
 *     for both; and whether our relay holds 10,000 from one address and
 *     still answers (bench/relay/idle.ts).
 *
 * Target: ours ≥ 2× stock deliveries/s at 50 subscribers, ours p99 at 50 ≤
 * stock's (or both under 1 ms), and 10,000 idle connections held.
 *
 * Run: npm run bench:relay. BENCH_ROUNDS sets rounds per configuration
 * (default 3). RELAY_BENCH_CPU_PROF=/tmp/dir writes V8 CPU profiles of the
 * throughput-phase servers there. The last stdout line is the summary.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { WebSocket } from 'ws'
import { closeAll } from './relay/clients.ts'
import { holdIdle, measureIdleMemory, type IdleHold, type IdleMemory } from './relay/idle.ts'
import { killAllChildrenSync, SERVER_KINDS, startServer, type ServerChild, type ServerKind } from './relay/servers.ts'
import { textTable, wholeNumberFromEnv } from './harness.ts'
import { median } from './stats.ts'
import { PAYLOAD_CHARS, runTrial, type TrialOptions, type TrialResult } from './relay/throughput.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const RESULTS_FILE = join(REPO, 'bench/results/relay.json')

const SUBSCRIBER_COUNTS = [2, 10, 50, 200] as const
const GATED_SUBSCRIBERS = 50
const DEFAULT_ROUNDS = 3
/** Enough publishes in flight to keep the server busy, few enough that queues stay short. */
const WINDOW = 16
const WARMUP_MS = 500
const MEASURE_MS = 3_000
const IDLE_MEMORY_CONNECTIONS = 5_000
const IDLE_HOLD_TARGET = 10_000
const TARGET_RATIO = 2
/** Below this both latencies are within scheduling noise, and the comparison means nothing. */
const LATENCY_NOISE_FLOOR_MS = 1
const PUBLISHER_NOTE = 'the publisher is one of the N subscribers (it receives its own publish, as in y-webrtc), so each publish is N deliveries'

/** One configuration's medians across rounds. */
type ConfigResult = Omit<TrialResult, 'seconds' | 'deliveries'>

interface Comparison {
  readonly subscribers: number
  readonly ours: ConfigResult
  readonly stock: ConfigResult
  readonly deliveriesRatio: number
  readonly p99Ratio: number
}

interface IdleResult {
  readonly memory: Record<ServerKind, IdleMemory>
  readonly hold: IdleHold
}

interface Verdict {
  readonly ratio: number
  readonly latencyMet: boolean
  readonly latencyNote: string
  readonly met: boolean
}

// ---------------------------------------------------------------- throughput


const trialOptions = (subscribers: number): TrialOptions => ({ subscribers, window: WINDOW, warmupMs: WARMUP_MS, measureMs: MEASURE_MS })

async function startBoth(cpuProfDir: string | undefined): Promise<Record<ServerKind, ServerChild>> {
  const ours = await startServer('ours', { cpuProfDir })
  const stock = await startServer('stock', { cpuProfDir })
  return { ours, stock }
}

/** Every configuration, `roundCount` times, alternating servers within each round. */
async function throughputPhase(roundCount: number, cpuProfDir: string | undefined): Promise<TrialResult[]> {
  const servers = await startBoth(cpuProfDir)
  try {
    // A discarded trial each, so JIT warm-up of either server is not charged to the first configuration.
    for (const kind of SERVER_KINDS) await runTrial(servers[kind], { ...trialOptions(10), measureMs: 1_000 })
    const trials: TrialResult[] = []
    for (const subscribers of SUBSCRIBER_COUNTS) {
      for (let round = 0; round < roundCount; round++) {
        for (const kind of SERVER_KINDS) {
          const trial = await runTrial(servers[kind], trialOptions(subscribers))
          console.log(`  ${subscribers} subscribers, round ${round + 1}, ${kind}: ${Math.round(trial.deliveriesPerSecond)} deliveries/s, p99 ${trial.p99Ms.toFixed(2)} ms`)
          trials.push(trial)
        }
      }
    }
    return trials
  } finally {
    await Promise.all(SERVER_KINDS.map((kind) => servers[kind].stop()))
  }
}

function configResult(trials: readonly TrialResult[], server: ServerKind, subscribers: number): ConfigResult {
  const mine = trials.filter((trial) => trial.server === server && trial.subscribers === subscribers)
  const of = (pick: (trial: TrialResult) => number): number => median(mine.map(pick))
  return {
    server,
    subscribers,
    deliveriesPerSecond: of((t) => t.deliveriesPerSecond),
    p50Ms: of((t) => t.p50Ms),
    p99Ms: of((t) => t.p99Ms),
    serverCpuPercent: of((t) => t.serverCpuPercent),
    serverSysPercent: of((t) => t.serverSysPercent),
    generatorCpuPercent: of((t) => t.generatorCpuPercent),
  }
}

function compare(trials: readonly TrialResult[]): Comparison[] {
  return SUBSCRIBER_COUNTS.map((subscribers) => {
    const ours = configResult(trials, 'ours', subscribers)
    const stock = configResult(trials, 'stock', subscribers)
    return { subscribers, ours, stock, deliveriesRatio: ours.deliveriesPerSecond / stock.deliveriesPerSecond, p99Ratio: ours.p99Ms / stock.p99Ms }
  })
}

// ---------------------------------------------------------------- idle connections

/** Fresh server processes, so the throughput phase's heap does not hide or inflate the growth. */
async function idlePhase(): Promise<IdleResult> {
  const ours = await startServer('ours')
  let clients: WebSocket[] = []
  try {
    const measured = await measureIdleMemory(ours, IDLE_MEMORY_CONNECTIONS)
    clients = measured.clients
    const held = await holdIdle(ours, clients, IDLE_HOLD_TARGET)
    clients = held.clients
    closeAll(clients)
    clients = []
    const stock = await stockIdleMemory()
    return { memory: { ours: measured.memory, stock }, hold: held.hold }
  } finally {
    closeAll(clients)
    await ours.stop()
  }
}

async function stockIdleMemory(): Promise<IdleMemory> {
  const stock = await startServer('stock')
  try {
    const { memory, clients } = await measureIdleMemory(stock, IDLE_MEMORY_CONNECTIONS)
    closeAll(clients)
    return memory
  } finally {
    await stock.stop()
  }
}

// ---------------------------------------------------------------- report

function verdict(comparisons: readonly Comparison[], idle: IdleResult): Verdict {
  const gated = comparisons.find((c) => c.subscribers === GATED_SUBSCRIBERS)
  if (!gated) throw new Error(`No result for ${GATED_SUBSCRIBERS} subscribers.`)
  const bothUnderFloor = gated.ours.p99Ms < LATENCY_NOISE_FLOOR_MS && gated.stock.p99Ms < LATENCY_NOISE_FLOOR_MS
  const latencyMet = gated.ours.p99Ms <= gated.stock.p99Ms || bothUnderFloor
  const latencyNote = bothUnderFloor
    ? `both p99 under ${LATENCY_NOISE_FLOOR_MS} ms: treated as met`
    : `ours p99 ${latencyMet ? '≤' : '>'} stock p99`
  const ratio = gated.deliveriesRatio
  return { ratio, latencyMet, latencyNote, met: ratio >= TARGET_RATIO && latencyMet && idle.hold.held }
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
/** Microsecond-level digits of a millisecond or a rate are timer noise; three decimals keep the JSON readable. */
const roundNumbers = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Number(value.toFixed(3)) : value

function throughputTable(comparisons: readonly Comparison[]): string {
  const header = ['subs', 'server', 'deliveries/s', 'p50 ms', 'p99 ms', 'server cpu% (sys)', 'loadgen cpu%', 'ratio d/s', 'ratio p99']
  const rows = comparisons.flatMap((c) =>
    [c.ours, c.stock].map((r) => [
      String(r.subscribers),
      r.server,
      String(Math.round(r.deliveriesPerSecond)),
      fixed(r.p50Ms, 2),
      fixed(r.p99Ms, 2),
      `${fixed(r.serverCpuPercent, 0)} (${fixed(r.serverSysPercent, 0)})`,
      fixed(r.generatorCpuPercent, 0),
      r.server === 'ours' ? fixed(c.deliveriesRatio, 2) : '',
      r.server === 'ours' ? fixed(c.p99Ratio, 2) : '',
    ]),
  )
  return textTable(header, rows, { labelColumns: 2 })
}

/** CPU at or above this share of a core means that process, not the other, set the rate. */
const SATURATED_PERCENT = 90

/** Says which process limited the gated configuration, so a ratio is read as server capacity or as a bench limit. */
function saturationNotes(comparisons: readonly Comparison[]): string[] {
  const gated = comparisons.find((c) => c.subscribers === GATED_SUBSCRIBERS)
  if (!gated) return []
  return [gated.ours, gated.stock].map((r) => {
    const limitedBy =
      r.serverCpuPercent >= SATURATED_PERCENT
        ? `CPU-bound in the server, ${fixed((r.serverSysPercent / r.serverCpuPercent) * 100, 0)}% of it in the kernel`
        : r.generatorCpuPercent >= SATURATED_PERCENT
          ? 'limited by the load generator (server not saturated): the rate is a lower bound for the server'
          : 'neither process saturated: limited by latency within the window'
    const costUs = ((r.serverCpuPercent / 100) * 1e6) / r.deliveriesPerSecond
    return `At ${GATED_SUBSCRIBERS} subscribers ${r.server} is ${limitedBy}; ${fixed(costUs, 1)} µs of server CPU per delivery.`
  })
}

function idleLines(idle: IdleResult): string[] {
  const { hold } = idle
  const memory = SERVER_KINDS.map((kind) => {
    const m = idle.memory[kind]
    return `  ${kind.padEnd(5)}  ${fixed(m.mibPer1k, 2)} MiB per 1,000 idle connections (RSS ${fixed(m.rssBeforeKiB / 1024, 1)} → ${fixed(m.rssAfterKiB / 1024, 1)} MiB for ${m.connections})`
  })
  const health = hold.health ? `healthz ${JSON.stringify(hold.health)}` : 'healthz unreadable'
  return [
    `Idle connections (each subscribed; 10 per topic):`,
    ...memory,
    `  ours holds ${hold.target}: ${hold.held} — ${hold.stillOpen} of ${hold.opened} still open, ping answered: ${hold.pingAnswered}, ${health}, RSS ${fixed(hold.rssKiB / 1024, 1)} MiB, ulimit -n ${hold.openFileLimit}; ${hold.note}`,
  ]
}

function report(comparisons: readonly Comparison[], idle: IdleResult, result: Verdict, roundCount: number): string {
  return [
    '',
    `Relay throughput: one topic, ${PAYLOAD_CHARS}-character payloads, ≤ ${WINDOW} publishes in flight, ${WARMUP_MS} ms warm-up + ${MEASURE_MS} ms measured per trial,`,
    `median of ${roundCount} rounds alternating ours/stock; ${PUBLISHER_NOTE}. Latency = receipt − send time in the load generator.`,
    `Each server in its own process; the load generator is this process. ${cpus().length} cores. cpu% is of one core; (sys) is its kernel part.`,
    '',
    throughputTable(comparisons),
    '',
    ...saturationNotes(comparisons),
    '',
    ...idleLines(idle),
    '',
    `Target: deliveries/s ratio at ${GATED_SUBSCRIBERS} ≥ ${TARGET_RATIO} (${fixed(result.ratio, 2)}), p99 at ${GATED_SUBSCRIBERS} (${result.latencyNote}), 10k idle held (${idle.hold.held}): ${result.met ? 'met' : 'missed'}.`,
  ].join('\n')
}

function resultLine(comparisons: readonly Comparison[], idle: IdleResult, result: Verdict): string {
  const gated = comparisons.find((c) => c.subscribers === GATED_SUBSCRIBERS)!
  return [
    'RESULT relay',
    `deliveries_per_s_50=${Math.round(gated.ours.deliveriesPerSecond)}`,
    `stock_deliveries_per_s_50=${Math.round(gated.stock.deliveriesPerSecond)}`,
    `ratio_50=${fixed(result.ratio, 2)}`,
    `p99_ms_50=${fixed(gated.ours.p99Ms, 2)}`,
    `stock_p99_ms_50=${fixed(gated.stock.p99Ms, 2)}`,
    `rss_mib_per_1k_idle=${fixed(idle.memory.ours.mibPer1k, 2)}`,
    `stock_rss_mib_per_1k_idle=${fixed(idle.memory.stock.mibPer1k, 2)}`,
    `idle_10k_held=${idle.hold.held}`,
    `target=${result.met ? 'met' : 'missed'}`,
  ].join(' ')
}

async function writeJson(trials: readonly TrialResult[], comparisons: readonly Comparison[], idle: IdleResult, result: Verdict, roundCount: number): Promise<void> {
  const json = {
    benchmark: 'relay',
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    method: {
      topic: 'one topic',
      payloadChars: PAYLOAD_CHARS,
      window: WINDOW,
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      rounds: roundCount,
      publisher: PUBLISHER_NOTE,
      idleMemoryConnections: IDLE_MEMORY_CONNECTIONS,
      idleHoldTarget: IDLE_HOLD_TARGET,
    },
    targets: { ratio50: TARGET_RATIO, p99: 'ours ≤ stock at 50 subscribers, or both under 1 ms', idle10kHeld: true },
    met: result.met,
    verdict: result,
    comparisons,
    idle,
    trials,
  }
  await mkdir(dirname(RESULTS_FILE), { recursive: true })
  await writeFile(RESULTS_FILE, JSON.stringify(json, roundNumbers, 2) + '\n')
}

async function main(): Promise<void> {
  // Children must not outlive the bench, whatever ends it.
  process.once('exit', killAllChildrenSync)
  process.once('SIGINT', () => process.exit(130))
  const roundCount = wholeNumberFromEnv('BENCH_ROUNDS', DEFAULT_ROUNDS)
  console.log('Throughput and latency:')
  const trials = await throughputPhase(roundCount, process.env.RELAY_BENCH_CPU_PROF?.trim() || undefined)
  console.log('Idle connections…')
  const idle = await idlePhase()
  const comparisons = compare(trials)
  const result = verdict(comparisons, idle)
  await writeJson(trials, comparisons, idle, result, roundCount)
  console.log(report(comparisons, idle, result, roundCount))
  console.log(`\nWrote ${RESULTS_FILE}.`)
  // Printed after every server and client is gone, so it is always the last line.
  console.log(resultLine(comparisons, idle, result))
}

main().catch((error: unknown) => {
  console.error(error)
  // Exit now rather than wait on whatever sockets the failure left open; the exit hook kills the children.
  process.exit(1)
})
