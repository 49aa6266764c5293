import { describe, expect, it } from 'vitest'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { Scheduler, SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { CLOCK_TOLERANCE_MS } from '../../../src/core/scheduler/roomClock.ts'
import { seededRandom } from '../../helpers/seededRandom.ts'
import { executionsByOccurrence, simulate, type Execution, type SimulationReport } from '../../helpers/schedulerSimulation.ts'

const START = Date.UTC(2026, 10, 23, 9)
const SCHEDULER: Scheduler = { id: 's' as SchedulerId, name: 'Every second', everyMs: 1000, budget: { maxOpsPerTick: 100, maxMsPerTick: 50 }, paused: false }
const OCCURRENCES = 30
const OPERATION: Operation = {
  id: 'tick' as OperationId,
  schedulerId: SCHEDULER.id,
  title: 'Game tick',
  kind: 'doc',
  input: null,
  dueAt: START,
  repeat: { kind: 'every', everyMs: 1000 },
  times: OCCURRENCES,
  catchUp: 'all',
  status: 'active',
  createdBy: 'did:key:z6Mk',
  createdAt: START,
}
/**
 * Connected peers hear each other within this. Nothing in the claim protocol
 * assumes a bound (CL4): 10 s is a link far slower than any a host keeps
 * (a trip over the relay takes tens of ms), well past a stagger and a claim's lead.
 */
const MAX_DELAY_MS = 10_000
/** The tests of budgets and catch-up, which are about ticks and not claims, use a LAN's delays. */
const LAN_DELAY_MS = 400

/** Clocks as far apart as a badly set phone's: leases are timed by each reader's clock, so this must not matter (CL5). */
const MAX_SKEW_MS = 20_000

/**
 * Each test below simulates 25 to 100 seeds: 2 to 5 s of CPU on a 2-core
 * machine with nothing else running, and over 20 s with both cores busy
 * (most of it Yjs applying updates the simulated network delivers out of
 * order). Vitest's default of 5 s failed them on a loaded machine; two
 * minutes leaves a wide margin, and still stops a simulation that hangs.
 */
const SIMULATION_TIMEOUT_MS = 120_000

function run(seed: number, chaos: { crashes: boolean; partitions: boolean }): Promise<SimulationReport> {
  return simulate({ seed, peers: 3 + (seed % 3), scheduler: SCHEDULER, operation: OPERATION, chaosUntil: START + 60_000, endAt: START + 200_000, maxDelayMs: MAX_DELAY_MS, maxSkewMs: MAX_SKEW_MS, ...chaos })
}

/** Pairs of executions of one occurrence by different peers. */
function duplicates(executions: readonly Execution[]): Array<[Execution, Execution]> {
  const pairs: Array<[Execution, Execution]> = []
  for (const runs of executionsByOccurrence(executions).values()) {
    const ordered = [...runs].sort((a, b) => a.startedAt - b.startedAt)
    for (let later = 1; later < ordered.length; later++) for (let earlier = 0; earlier < later; earlier++) pairs.push([ordered[earlier]!, ordered[later]!])
  }
  return pairs
}

function expectEveryOccurrenceDone(report: SimulationReport, seed: number): void {
  for (let index = 0; index < OCCURRENCES; index++) {
    const id = `tick#${index}`
    expect(report.executions.some((execution) => execution.occurrence === id && execution.finishedAt !== undefined), `seed ${seed}: ${id} never completed`).toBe(true)
    for (const recorded of report.recorded) expect(recorded.has(id), `seed ${seed}: a peer has no record of ${id}`).toBe(true)
  }
}

describe('scheduler simulation', () => {
  it('[G1] [CL4] never runs an occurrence twice among connected peers with messages up to 10 s late and clocks up to 20 s off, over 100 seeds', async () => {
    for (let seed = 1; seed <= 100; seed++) {
      const report = await run(seed, { crashes: false, partitions: false })
      expect(duplicates(report.executions), `seed ${seed}`).toEqual([])
      expectEveryOccurrenceDone(report, seed)
    }
  }, SIMULATION_TIMEOUT_MS)

  it('[G2] [CL5] completes every occurrence after crashes and partitions, and repeats one only where a crash or a partition explains it, over 100 seeds', async () => {
    let repeats = 0
    for (let seed = 1; seed <= 100; seed++) {
      const report = await run(seed, { crashes: true, partitions: true })
      expectEveryOccurrenceDone(report, seed)
      for (const [first, second] of duplicates(report.executions)) {
        repeats++
        const crashedFirst = first.crashedAt !== undefined && first.crashedAt <= second.startedAt
        // A partition, or either peer being down, from the moment the first claim was sent can hide it.
        const cutOff = !report.connectedThroughout(first.peer, second.peer, first.claimedAt - MAX_DELAY_MS, second.startedAt)
        expect(crashedFirst || cutOff, `seed ${seed}: ${first.occurrence} ran on ${first.peer} and ${second.peer} with neither a crash nor a partition between them`).toBe(true)
      }
    }
    // The chaos is real: some occurrences did have to be run again.
    expect(repeats).toBeGreaterThan(0)
  }, SIMULATION_TIMEOUT_MS)

  it('[SCH2] never starts more in a tick than the budget allows, and still completes every occurrence, over 50 seeds', async () => {
    const budget = { maxOpsPerTick: 7, maxMsPerTick: 50 }
    // 30 operations due at the same instants: each burst takes several ticks.
    const burst = Array.from({ length: 30 }, (_, index): Operation => ({ ...OPERATION, id: `op${index}` as OperationId, repeat: { kind: 'every', everyMs: 20_000 }, times: 3 }))
    for (let seed = 1; seed <= 50; seed++) {
      const report = await simulate({ seed, peers: 3, scheduler: { ...SCHEDULER, budget }, operation: burst[0]!, moreOperations: burst.slice(1), chaosUntil: START, endAt: START + 90_000, maxDelayMs: LAN_DELAY_MS, crashes: false, partitions: false })
      expect(report.mostStartedInATick, `seed ${seed}`).toBeLessThanOrEqual(budget.maxOpsPerTick)
      expect(report.mostStartedInATick, `seed ${seed}`).toBe(budget.maxOpsPerTick)
      const done = new Set(report.executions.filter((execution) => execution.finishedAt !== undefined).map((execution) => execution.occurrence))
      expect(done.size, `seed ${seed}`).toBe(90)
    }
  }, SIMULATION_TIMEOUT_MS)

  it('[CU1] [CU2] [CU3] after every peer was asleep, skip runs none of what was missed, latest only the last, all every one, over 25 seeds', async () => {
    const asleep = { from: START + 20_000, until: START + 50_000 }
    // Due half an interval off the ticks, so peers' clocks (up to 40 ms apart here) agree on what was missed.
    const timed = (catchUp: Operation['catchUp']): Operation => ({ ...OPERATION, id: catchUp as OperationId, dueAt: START + 500, catchUp, times: 80 })
    const missed = (execution: Execution): boolean => execution.dueAt < asleep.until - SCHEDULER.everyMs && execution.startedAt >= asleep.until
    for (let seed = 1; seed <= 25; seed++) {
      const report = await simulate({ seed, peers: 3, scheduler: SCHEDULER, operation: OPERATION, moreOperations: [timed('skip'), timed('latest'), timed('all')], asleep, chaosUntil: asleep.until, endAt: START + 100_000, maxDelayMs: LAN_DELAY_MS, maxSkewMs: 20, crashes: false, partitions: false })
      const woken = (catchUp: string): Execution[] => report.executions.filter((execution) => execution.occurrence.startsWith(`${catchUp}#`) && missed(execution))
      expect(woken('skip'), `seed ${seed}`).toEqual([])
      // The last one due before the wake-up's tick window: at until − 1.5 s.
      expect(woken('latest').map((execution) => execution.dueAt), `seed ${seed}`).toEqual([asleep.until - 1_500])
      const ranAll = new Set(report.executions.filter((execution) => execution.occurrence.startsWith('all#')).map((execution) => execution.occurrence))
      expect(ranAll.size, `seed ${seed}`).toBe(80)
      // Nothing due after the wake-up is lost under any policy.
      for (const catchUp of ['skip', 'latest']) {
        const after = new Set(report.executions.filter((execution) => execution.occurrence.startsWith(`${catchUp}#`) && execution.dueAt >= asleep.until).map((execution) => execution.occurrence))
        expect(after.size, `seed ${seed} ${catchUp}`).toBe(80 - Math.ceil((asleep.until - START - 500) / 1_000))
      }
    }
  }, SIMULATION_TIMEOUT_MS)

  it('[CL7] [G1] a minority of peers with clocks up to 20 s off neither run early nor take the work, and nothing runs twice, over 25 seeds', async () => {
    const occurrences = 120
    const steady = START + 40_000
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed * 7919)
      const peers = 3 + (seed % 3)
      // Fewer than half the clocks are wrong, by up to 20 s either way; the others agree within 200 ms.
      const wrong = Math.floor((peers - 1) / 2)
      const skewsMs = Array.from({ length: peers }, (_, index) => Math.round((random() * 2 - 1) * (index < wrong ? MAX_SKEW_MS : 200)))
      const report = await simulate({ seed, peers, scheduler: SCHEDULER, operation: { ...OPERATION, times: occurrences }, chaosUntil: START, endAt: START + occurrences * 1_000 + 20_000, maxDelayMs: LAN_DELAY_MS, skewsMs, crashes: false, partitions: false })
      expect(duplicates(report.executions), `seed ${seed}`).toEqual([])
      const earliest = Math.min(...report.executions.map((execution) => execution.startedAt - execution.dueAt))
      expect(earliest, `seed ${seed}: skews ${skewsMs.join(', ')}`).toBeGreaterThanOrEqual(-CLOCK_TOLERANCE_MS)
      // Once the peers have heard each other's clocks, the ranking spreads the work: nobody takes double its share, or under half.
      const settled = report.executions.filter((execution) => execution.dueAt >= steady)
      for (let index = 0; index < peers; index++) {
        const share = settled.filter((execution) => execution.peer === `peer${index}`).length / settled.length
        expect(share, `seed ${seed}: peer${index} (clock ${skewsMs[index]} ms off) ran ${(share * 100).toFixed(0)}%`).toBeGreaterThanOrEqual(0.5 / peers)
        expect(share, `seed ${seed}: peer${index} (clock ${skewsMs[index]} ms off) ran ${(share * 100).toFixed(0)}%`).toBeLessThanOrEqual(2 / peers)
      }
    }
  }, SIMULATION_TIMEOUT_MS)
})
