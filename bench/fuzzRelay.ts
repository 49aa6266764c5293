/**
 * Fuzz the relay: 100,000 hostile frames (malformed, truncated, binary,
 * deeply nested, oversized, flooding) from 32 connections at once, against
 * the relay running in its own process as `npm run relay` runs it. Reports
 * crashes, the latency of an innocent topic during the attack, and memory.
 *
 * Run: npm run fuzz:relay. FUZZ_FRAMES and FUZZ_SEED override the defaults.
 */
import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_RELAY_LIMITS } from '../src/server/config.ts'
import { runAttack } from '../test/helpers/hostileFrames.ts'
import { seededRandom } from '../test/helpers/seededRandom.ts'
import { wholeNumberFromEnv } from './harness.ts'
import { startServer } from './relay/servers.ts'
import { percentile } from './stats.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const RESULTS_FILE = join(REPO, 'bench/results/fuzz-relay.json')
const FRAMES = wholeNumberFromEnv('FUZZ_FRAMES', 100_000)
const SEED = wholeNumberFromEnv('FUZZ_SEED', 1)
const PARALLEL = 32

async function heapMiB(httpUrl: string): Promise<number> {
  const metrics = await (await fetch(new URL('/metrics', httpUrl))).text()
  return Number(/nodejs_heap_used_bytes (\d+)/.exec(metrics)?.[1] ?? Number.NaN) / 1024 / 1024
}

interface Probe {
  phase(name: string): void
  finish(): Promise<Record<string, number[]>>
}

/** Starts the innocent bystander in its own process (see fuzzRelay/innocentProbe.ts). */
function startProbe(relayUrl: string): Promise<Probe> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench/fuzzRelay/innocentProbe.ts'), relayUrl], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines: string[] = []
  child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)))
  const probe: Probe = {
    phase: (name) => void child.stdin?.write(`phase ${name}\n`),
    finish: () =>
      new Promise((resolve, reject) => {
        child.once('exit', () => {
          const report = lines.find((line) => line.startsWith('{'))
          if (report) resolve(JSON.parse(report) as Record<string, number[]>)
          else reject(new Error('The innocent probe ended without a report.'))
        })
        child.stdin?.end()
      }),
  }
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The innocent probe exited (${code}) before it was ready.`)))
    const waitReady = setInterval(() => {
      if (lines.includes('ready')) {
        clearInterval(waitReady)
        resolve(probe)
      }
    }, 10)
  })
}

async function main(): Promise<void> {
  const relay = await startServer('ours', { defaultLimits: true })
  const rssMiB = (): number => relay.rssKiB() / 1024
  try {
    const probe = await startProbe(relay.wsUrl)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const rssBefore = rssMiB()
    const heapBefore = await heapMiB(relay.httpUrl)

    process.stderr.write(`Sending ${FRAMES} hostile frames over ${PARALLEL} connections (seed ${SEED})…\n`)
    const started = performance.now()
    probe.phase('attack')
    const attack = await runAttack(
      relay.wsUrl,
      FRAMES,
      PARALLEL,
      seededRandom(SEED),
      DEFAULT_RELAY_LIMITS.maxFrameBytes + 1,
      DEFAULT_RELAY_LIMITS.messageBurst + 20,
    )
    probe.phase('after')
    const seconds = (performance.now() - started) / 1000
    const rssPeak = rssMiB()

    // Give the relay a moment to release closed connections before reading memory.
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const rssAfter = rssMiB()
    const heapAfter = await heapMiB(relay.httpUrl)
    const health = (await (await fetch(new URL('/healthz', relay.httpUrl))).json()) as { connections: number; topics: number }
    const metrics = await (await fetch(new URL('/metrics', relay.httpUrl))).text()
    const framesReceived = Number(/pii_relay_frames_in_total (\d+)/.exec(metrics)?.[1] ?? Number.NaN)
    const rejections = [...metrics.matchAll(/pii_relay_rejections_total\{reason="(\w+)"\} (\d+)/g)].map(([, reason, count]) => `${reason}=${count}`)

    const latencies = await probe.finish()
    const quietLatencies = latencies.quiet ?? []
    const attackLatencies = latencies.attack ?? []
    const afterLatencies = latencies.after ?? []
    const report = {
      frames: attack.framesSent,
      framesReceivedByRelay: framesReceived,
      seconds: Number(seconds.toFixed(1)),
      connectionsOpened: attack.connectionsOpened,
      connectionsRefused: attack.connectionsRefused,
      crashes: relay.hasExited() ? 1 : 0,
      innocentQuietMs: { p50: percentile(quietLatencies, 50), p99: percentile(quietLatencies, 99) },
      innocentAfterAttack: { delivered: afterLatencies.length },
      innocentDuringAttackMs: { p50: percentile(attackLatencies, 50), p99: percentile(attackLatencies, 99), max: attackLatencies.length > 0 ? Math.max(...attackLatencies) : Number.NaN, samples: attackLatencies.length },
      rssMiB: { before: rssBefore, peak: rssPeak, after: rssAfter },
      heapUsedMiB: { before: heapBefore, after: heapAfter },
      afterAttack: health,
      rejections,
    }
    await mkdir(dirname(RESULTS_FILE), { recursive: true })
    await writeFile(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n')

    const ms = (value: number): string => value.toFixed(1)
    console.log(`Hostile frames sent:        ${report.frames} in ${report.seconds} s over ${report.connectionsOpened} connections (${report.connectionsRefused} refused at connect)`)
    console.log(`Frames the relay read:      ${framesReceived} (the rest arrived after it had closed that connection)`)
    console.log(`Relay crashes:              ${report.crashes}`)
    console.log(`Innocent topic, quiet:      p50 ${ms(report.innocentQuietMs.p50)} ms, p99 ${ms(report.innocentQuietMs.p99)} ms`)
    console.log(
      `Innocent topic, attacked:   p50 ${ms(report.innocentDuringAttackMs.p50)} ms, p99 ${ms(report.innocentDuringAttackMs.p99)} ms, max ${ms(report.innocentDuringAttackMs.max)} ms (${report.innocentDuringAttackMs.samples} samples)`,
    )
    console.log(`Relay RSS:                  ${ms(rssBefore)} MiB before, ${ms(rssPeak)} MiB at the end of the attack, ${ms(rssAfter)} MiB 5 s later`)
    console.log(`Relay V8 heap in use:       ${ms(heapBefore)} MiB before, ${ms(heapAfter)} MiB 5 s after`)
    console.log(`After the attack:           ${health.connections} connections, ${health.topics} topics; ${afterLatencies.length} innocent publishes delivered`)
    console.log(`Rejections:                 ${rejections.join(' ')}`)
    console.log(`Wrote ${RESULTS_FILE}`)
    const met = report.crashes === 0 && health.connections === 2 && afterLatencies.length > 0 && report.frames >= FRAMES
    console.log(
      `RESULT fuzz-relay frames=${report.frames} crashes=${report.crashes} innocent_p50_ms=${ms(report.innocentDuringAttackMs.p50)} innocent_p99_ms=${ms(report.innocentDuringAttackMs.p99)} rss_before_mib=${ms(rssBefore)} rss_after_mib=${ms(rssAfter)} heap_before_mib=${ms(heapBefore)} heap_after_mib=${ms(heapAfter)} target=${met ? 'met' : 'missed'}`,
    )
  } finally {
    await relay.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
