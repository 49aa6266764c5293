/**
 * Benchmark (`npm run bench:ticks`): how late the personal node's 100 ms
 * scheduler ticks, against `setInterval(…, 100)` in the same process over
 * the same window.
 *
 * The node is the real one (PersonalNode, on a fresh LevelDB data folder,
 * as `npm run node` opens it), holding BENCH_SPACES keyed spaces (default
 * 3) that it joined with ordinary share links. Each space has a 100 ms
 * scheduler and a `doc` operation every 100 ms on it, so every tick does
 * real work: a claim, a run, a record, each signed, written to LevelDB and
 * held back until written (DurableRooms). The owner's device (another
 * SpaceLibrary in this process, over an in-process room) plans them and
 * then closes its spaces, so the node runs them alone, as it does while
 * every browser sleeps.
 *
 * Once every space ticks, one `setInterval(…, 100)` per space starts beside
 * them, and both sides are measured for BENCH_SECONDS (default 90): the
 * node's lateness is each tick's run time minus its planned time (the
 * scheduler's own figure, SchedulerHost: its ticks keep to a fixed grid),
 * the baseline's how much more than 100 ms each callback came after the one
 * before (Node re-arms an interval from its callback, so that is when it
 * was due; against a fixed grid its lateness would only add up). Target:
 * our p99 ≤ setInterval's p99 + 5 ms.
 * The last stdout line is the summary; JSON goes to bench/results/nodeTicks.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { createDeviceKey, signWith, verifySignature } from '../src/core/identity/deviceKey.ts'
import { createSealingKey } from '../src/core/identity/sealingKey.ts'
import { inviteFor } from '../src/core/members/invites.ts'
import { Role } from '../src/core/members/roles.ts'
import { docKind } from '../src/core/scheduler/docKind.ts'
import { readCounter } from '../src/core/scheduler/docResults.ts'
import { KindRegistry } from '../src/core/scheduler/kinds.ts'
import { DEFAULT_BUDGET, type SchedulerId } from '../src/core/scheduler/schedulers.ts'
import { SpaceSchedule } from '../src/core/scheduler/SpaceSchedule.ts'
import { shareLink } from '../src/core/space/shareLink.ts'
import { SpaceLibrary, type SpaceSession } from '../src/core/space/SpaceLibrary.ts'
import { PersonalNode } from '../src/node/PersonalNode.ts'
import { MemoryDocStore } from '../src/storage/MemoryDocStore.ts'
import { InstantNetwork } from '../test/helpers/instantNetwork.ts'
import { textTable, wholeNumberFromEnv, withTimeout } from './harness.ts'
import { median, percentile } from './stats.ts'

const RESULTS_FILE = join(fileURLToPath(new URL('..', import.meta.url)), 'bench/results/nodeTicks.json')
const INTERVAL_MS = 100
const FAST = 'bench-100-ms' as SchedulerId
const TARGET_DELTA_MS = 5

interface Figures {
  readonly samples: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

const figuresOf = (lateness: readonly number[]): Figures => ({ samples: lateness.length, p50Ms: median(lateness), p99Ms: percentile(lateness, 99), maxMs: Math.max(...lateness) })

/** A browser-like device of the owner: a SpaceLibrary in memory, its rooms the in-process network the node is on. */
function ownerDevice(rooms: InstantNetwork): { library: SpaceLibrary; deviceDoc: Y.Doc } {
  const deviceDoc = new Y.Doc()
  const key = createDeviceKey(crypto.subtle)
  const library = new SpaceLibrary({
    deviceDoc,
    store: new MemoryDocStore(),
    tabs: new InstantNetwork(),
    now: Date.now,
    author: key.then((resolved) => ({ publicKey: resolved.publicKey, sign: (message: Uint8Array) => signWith(resolved, crypto.subtle, message) })),
    verify: (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message),
    rooms: () => Promise.resolve(rooms),
    sealing: createSealingKey(crypto.subtle),
    subtle: crypto.subtle,
  })
  return { library, deviceDoc }
}

async function waitFor(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  await withTimeout(
    (async () => {
      while (!check()) await new Promise((resolve) => setTimeout(resolve, 20))
    })(),
    ms,
    what,
  )
}

async function main(): Promise<void> {
  const spaces = wholeNumberFromEnv('BENCH_SPACES', 3)
  const seconds = wholeNumberFromEnv('BENCH_SECONDS', 90)
  const folder = await mkdtemp(join(tmpdir(), 'pii-bench-ticks-'))
  const rooms = new InstantNetwork()
  const owner = ownerDevice(rooms)
  // Ticks of each space's 100 ms scheduler: [planned, ran], from its first on.
  const ticks = new Map<string, Array<readonly [number, number]>>()
  const node = await PersonalNode.open({
    folder,
    name: 'Bench node',
    log: { info: () => undefined, warn: (message, fields) => console.warn(message, fields ?? '') },
    rooms: () => rooms,
    joinGraceMs: 200,
    onTick: (space, scheduler, plannedAt, ranAt) => {
      if (scheduler === FAST) ticks.get(space)?.push([plannedAt, ranAt])
    },
  })
  const sessions: SpaceSession[] = []
  try {
    console.log(`Node on ${folder}: ${spaces} keyed space(s), each with a 100 ms scheduler and a doc operation every 100 ms; ${seconds} s measured.`)
    for (let index = 0; index < spaces; index++) {
      const session = await owner.library.create(`Ticks ${index}`)
      const sync = await session.sync
      await waitFor(() => sync.membership.founded, 'founding the space')
      const invite = await inviteFor(owner.deviceDoc, session.id, sync.membership, sync.author, Role.editor, 1, Date.now())
      await node.join(shareLink('http://127.0.0.1', session.id, sync.secret!, invite))
      ticks.set(session.id, [])
      sessions.push(session)
    }
    await waitFor(() => node.spaces().every((space) => space.kept === 'keyed' && space.scheduling), 'the node admitted to every space and running its schedule')
    for (const session of sessions) {
      const schedule = new SpaceSchedule({ doc: session.doc, kinds: new KindRegistry([docKind]), now: Date.now, actor: 'did:key:z6MkOwner', newId: () => 'tick' })
      session.edit(() => {
        schedule.saveScheduler({ id: FAST, name: 'Every 100 ms', everyMs: INTERVAL_MS, budget: DEFAULT_BUDGET, paused: false })
        schedule.createOperation({ schedulerId: FAST, title: 'Tick', kind: 'doc', input: { action: 'increment', counter: 'ticks', by: 1 }, dueAt: Date.now() + 500, repeat: { kind: 'every', everyMs: INTERVAL_MS }, catchUp: 'all' })
      })
      schedule.destroy()
    }
    await waitFor(() => sessions.every((session) => readCounter(session.doc, 'ticks') > 0), 'the first runs')
    // The owner's device goes away: the node runs every space alone from here.
    for (const session of sessions.splice(0)) session.release()

    // Both sides over one window, on one clock (Date.now, as the scheduler's): one interval per space, started now.
    // Node re-arms an interval from when its callback ran, so each callback is due an interval after the one before:
    // its lateness is how much longer than that it came (measured from its own start, it would add up without bound).
    const from = Date.now()
    const until = from + seconds * 1_000
    const baseline: number[] = []
    const intervals = Array.from({ length: spaces }, () => {
      let previous = Date.now()
      return setInterval(() => {
        const now = Date.now()
        if (now <= until) baseline.push(Math.max(0, now - previous - INTERVAL_MS))
        previous = now
      }, INTERVAL_MS)
    })
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000 + 200))
    for (const interval of intervals) clearInterval(interval)
    const ours = [...ticks.values()].flatMap((each) => each.filter(([planned]) => planned >= from && planned <= until).map(([planned, ran]) => ran - planned))
    const figures = { ours: figuresOf(ours), baseline: figuresOf(baseline) }
    const scheduler = node.schedulerFigures()
    const delta = figures.ours.p99Ms - figures.baseline.p99Ms
    const round = (ms: number): string => ms.toFixed(1)
    console.log(
      textTable(
        ['ticks', 'samples', 'p50 ms', 'p99 ms', 'max ms'],
        [
          ['node scheduler (100 ms, doc op each tick)', String(figures.ours.samples), round(figures.ours.p50Ms), round(figures.ours.p99Ms), round(figures.ours.maxMs)],
          ['setInterval(…, 100), same process', String(figures.baseline.samples), round(figures.baseline.p50Ms), round(figures.baseline.p99Ms), round(figures.baseline.maxMs)],
        ],
        { labelColumns: 1, rule: true },
      ),
    )
    console.log(`Runs performed by the node: ${scheduler.runsPerformed.toLocaleString('en')} (failed ${scheduler.runsFailed}, skipped ${scheduler.runsSkipped}); p99 difference ${round(delta)} ms (target ≤ +${TARGET_DELTA_MS} ms).`)
    await mkdir(dirname(RESULTS_FILE), { recursive: true })
    await writeFile(RESULTS_FILE, JSON.stringify({ spaces, seconds, intervalMs: INTERVAL_MS, ours: figures.ours, baseline: figures.baseline, deltaP99Ms: delta, scheduler }, null, 2) + '\n')
    console.log(`RESULT node-ticks p99_ms=${round(figures.ours.p99Ms)} interval_p99_ms=${round(figures.baseline.p99Ms)} delta_ms=${round(delta)} target=${delta <= TARGET_DELTA_MS ? 'met' : 'missed'}`)
  } finally {
    for (const session of sessions) session.release()
    await node.stop()
    await rm(folder, { recursive: true, force: true })
  }
}

await main()
