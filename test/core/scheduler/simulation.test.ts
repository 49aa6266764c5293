import { describe, expect, it } from 'vitest'
import { SETTLE_MS } from '../../../src/core/scheduler/claims.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { Scheduler, SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
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
/** Connected peers hear each other within this: under half the settle window, as SPEC CL4 requires. */
const MAX_DELAY_MS = SETTLE_MS / 2 - 100

/** Clocks as far apart as a badly set phone's: leases are timed by each reader's clock, so this must not matter (CL5). */
const MAX_SKEW_MS = 20_000

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
  it('[G1] [CL4] never runs an occurrence twice among connected peers with clocks up to 20 s off, over 100 seeds', async () => {
    for (let seed = 1; seed <= 100; seed++) {
      const report = await run(seed, { crashes: false, partitions: false })
      expect(duplicates(report.executions), `seed ${seed}`).toEqual([])
      expectEveryOccurrenceDone(report, seed)
    }
  })

  it('[G2] [CL5] completes every occurrence after crashes and partitions, and repeats one only where a crash or a partition explains it, over 100 seeds', async () => {
    let repeats = 0
    for (let seed = 1; seed <= 100; seed++) {
      const report = await run(seed, { crashes: true, partitions: true })
      expectEveryOccurrenceDone(report, seed)
      for (const [first, second] of duplicates(report.executions)) {
        repeats++
        const crashedFirst = first.crashedAt !== undefined && first.crashedAt <= second.startedAt
        // A claim is written a settle window before its run starts; a partition anywhere from there on can hide it.
        const cutOff = !report.connectedThroughout(first.peer, second.peer, first.startedAt - SETTLE_MS - MAX_DELAY_MS, second.startedAt)
        expect(crashedFirst || cutOff, `seed ${seed}: ${first.occurrence} ran on ${first.peer} and ${second.peer} with neither a crash nor a partition between them`).toBe(true)
      }
    }
    // The chaos is real: some occurrences did have to be run again.
    expect(repeats).toBeGreaterThan(0)
  })
})
