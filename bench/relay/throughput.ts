/**
 * One throughput-and-latency trial against one server: N clients subscribe
 * to one topic; the first of them is also the publisher, so every publish is
 * delivered N times (y-webrtc semantics: the sender gets its own publish
 * back). The publisher keeps at most `window` publishes in flight (sent and
 * not yet received by all N), which is a closed loop: neither server is
 * pushed into unbounded buffering, and the rate is what the server sustains.
 */
import { randomBytes } from 'node:crypto'
import type { RawData, WebSocket } from 'ws'
import { percentile } from '../stats.ts'
import { closeAll, openSubscribed } from './clients.ts'
import type { CpuTimes, ServerChild } from './servers.ts'

export interface TrialOptions {
  readonly subscribers: number
  /** Publishes in flight at most. */
  readonly window: number
  readonly warmupMs: number
  readonly measureMs: number
}

export interface TrialResult {
  readonly server: ServerChild['kind']
  readonly subscribers: number
  readonly seconds: number
  readonly deliveries: number
  readonly deliveriesPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Of one core, over the measured window; 100 means the server's single thread was always busy. */
  readonly serverCpuPercent: number
  /** The part of serverCpuPercent spent in the kernel: socket writes, and on loopback the receiving side's TCP work too. */
  readonly serverSysPercent: number
  readonly generatorCpuPercent: number
}

const TOPIC = 'bench'
/** 768 random bytes as base64: 1,024 characters, like an encrypted sync message. */
const PAYLOAD = randomBytes(768).toString('base64')
export const PAYLOAD_CHARS = PAYLOAD.length
/** Slots for per-publish counters; only `window` are ever live. */
const RING = 4_096
const OPEN_BATCH = 50
const STALL_MS = 5_000
/**
 * seq and t come before the payload, and both servers keep key order (ours
 * forwards the text, stock re-serialises the parsed object), so a receiver
 * reads them from the first bytes of the frame without decoding 1 KiB of JSON.
 */
const HEADER = /^\{"type":"publish","topic":"bench","seq":(\d+),"t":([-+.\deE]+),"data":"/

interface Snapshot {
  readonly at: number
  readonly server: CpuTimes
  readonly generatorCpu: number
}

function snapshot(server: ServerChild): Snapshot {
  const { user, system } = process.cpuUsage()
  return { at: performance.now(), server: server.cpuTimes(), generatorCpu: (user + system) / 1e6 }
}

/** The publish/receive loop of one trial. */
class LoadLoop {
  private readonly remaining = new Int32Array(RING)
  private readonly checked: boolean[]
  private latencies = new Float64Array(1 << 20)
  private recorded = 0
  private inFlight = 0
  private seq = 0
  private sending = true
  private lastDelivery = performance.now()
  private failure: Error | undefined
  private drained: (() => void) | undefined

  /** CPU readings at the first delivery inside and the first after the measured window, so they bracket exactly what is counted. */
  first: Snapshot | undefined
  last: Snapshot | undefined

  constructor(
    private readonly clients: readonly WebSocket[],
    private readonly measureStart: number,
    private readonly measureEnd: number,
    private readonly takeSnapshot: () => Snapshot,
  ) {
    this.checked = clients.map(() => false)
    clients.forEach((client, index) => client.on('message', (data: RawData) => this.receive(index, data)))
  }

  get deliveries(): number {
    return this.recorded
  }

  /** Fills the window, then resolves once the measured window is over and every publish has arrived everywhere. */
  run(window: number): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      const watchdog = setInterval(() => {
        const stalled = performance.now() - this.lastDelivery > STALL_MS
        if (!this.failure && !stalled) return
        clearInterval(watchdog)
        reject(this.failure ?? new Error(`No delivery for ${STALL_MS} ms with ${this.inFlight} publishes in flight: the server lost messages.`))
      }, 250)
      this.drained = () => {
        clearInterval(watchdog)
        if (this.failure) reject(this.failure)
        else resolve()
      }
    })
    for (let i = 0; i < window; i++) this.publish()
    return done
  }

  recordedLatencies(): Float64Array {
    return this.latencies.subarray(0, this.recorded)
  }

  private publish(): void {
    const seq = this.seq++
    this.remaining[seq % RING] = this.clients.length
    this.inFlight++
    // Template literal rather than JSON.stringify: the same bytes, and the generator's CPU goes to receiving.
    this.clients[0]?.send(`{"type":"publish","topic":"${TOPIC}","seq":${seq},"t":${performance.now()},"data":"${PAYLOAD}"}`)
  }

  private receive(index: number, data: RawData): void {
    const now = performance.now()
    this.lastDelivery = now
    if (!Buffer.isBuffer(data)) return this.fail(new Error('Expected one Buffer per message.'))
    const header = HEADER.exec(data.toString('latin1', 0, 96))
    if (!header) return this.fail(new Error(`Not a delivery: ${data.toString('utf8', 0, 120)}`))
    if (!this.checked[index]) this.checkWhole(index, data)
    if (now >= this.measureStart && now < this.measureEnd) {
      this.first ??= this.takeSnapshot()
      this.record(now - Number(header[2]))
    } else if (now >= this.measureEnd) {
      this.last ??= this.takeSnapshot()
      this.sending = false
    }
    const slot = Number(header[1]) % RING
    const left = (this.remaining[slot] ?? 0) - 1
    this.remaining[slot] = left
    if (left > 0) return
    this.inFlight--
    if (this.sending) this.publish()
    else if (this.inFlight === 0) this.drained?.()
  }

  /** Once per receiver: the whole frame is what was published, plus the subscriber count. */
  private checkWhole(index: number, data: Buffer): void {
    this.checked[index] = true
    const frame = JSON.parse(data.toString('utf8')) as { data?: unknown; clients?: unknown }
    if (frame.data !== PAYLOAD || frame.clients !== this.clients.length) {
      this.fail(new Error(`Receiver ${index} got a wrong delivery (clients=${String(frame.clients)}, payload intact=${frame.data === PAYLOAD}).`))
    }
  }

  private record(latencyMs: number): void {
    if (this.recorded === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2)
      grown.set(this.latencies)
      this.latencies = grown
    }
    this.latencies[this.recorded++] = latencyMs
  }

  private fail(error: Error): void {
    this.failure ??= error
    this.sending = false
  }
}

export async function runTrial(server: ServerChild, options: TrialOptions): Promise<TrialResult> {
  const clients = await openSubscribed(server.wsUrl, options.subscribers, OPEN_BATCH, () => TOPIC)
  try {
    const start = performance.now() + options.warmupMs
    const loop = new LoadLoop(clients, start, start + options.measureMs, () => snapshot(server))
    await loop.run(options.window)
    if (!loop.first || !loop.last) throw new Error('No delivery arrived inside or after the measured window.')
    return summarise(server, options, loop, loop.first, loop.last)
  } finally {
    closeAll(clients)
  }
}

function summarise(server: ServerChild, options: TrialOptions, loop: LoadLoop, first: Snapshot, last: Snapshot): TrialResult {
  const seconds = options.measureMs / 1000
  const wall = (last.at - first.at) / 1000
  const latencies = loop.recordedLatencies()
  return {
    server: server.kind,
    subscribers: options.subscribers,
    seconds,
    deliveries: loop.deliveries,
    deliveriesPerSecond: loop.deliveries / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverCpuPercent: ((last.server.user + last.server.system - first.server.user - first.server.system) / wall) * 100,
    serverSysPercent: ((last.server.system - first.server.system) / wall) * 100,
    generatorCpuPercent: ((last.generatorCpu - first.generatorCpu) / wall) * 100,
  }
}
