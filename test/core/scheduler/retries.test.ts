import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CLAIM_LEAD_MS, failedAttemptsOf, LEASE_MS, winningClaim, type RunRecord } from '../../../src/core/scheduler/claims.ts'
import { HlcClock } from '../../../src/core/scheduler/hlc.ts'
import { HTTP_RETRY, HttpFailure, httpKind, type HttpPort } from '../../../src/core/scheduler/httpKind.ts'
import { HostKind, KindRegistry, type RetryPolicy } from '../../../src/core/scheduler/kinds.ts'
import { failureNoticeKey, postFailureNotice, readInbox } from '../../../src/core/scheduler/notifyKind.ts'
import { nextOccurrence } from '../../../src/core/scheduler/occurrences.ts'
import type { QueueEntry } from '../../../src/core/scheduler/OccurrenceQueue.ts'
import { OccurrenceRunner } from '../../../src/core/scheduler/OccurrenceRunner.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { YjsRunTable } from '../../../src/core/scheduler/YjsRunTable.ts'
import { SchedulerHost } from '../../../src/core/scheduler/SchedulerHost.ts'
import { SpaceSchedule } from '../../../src/core/scheduler/SpaceSchedule.ts'

const CREATOR = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
const OP: Operation = {
  id: 'hook' as OperationId,
  schedulerId: 's' as SchedulerId,
  title: 'Ping the webhook',
  kind: 'http',
  input: { url: 'https://example.com/hook' },
  dueAt: Date.UTC(2026, 10, 23, 9),
  repeat: { kind: 'none' },
  catchUp: 'all',
  status: 'active',
  createdBy: CREATOR,
  createdAt: 0,
}
const ENTRY: QueueEntry = { operation: OP, occurrence: nextOccurrence(OP.id, OP, 0)! }
const ID = ENTRY.occurrence.id

class Flaky extends Error {
  readonly retryable = true
}
const POLICY: RetryPolicy = { maxAttempts: 4, firstDelayMs: 2_000, growth: 4, maxDelayMs: 60_000, retryable: (error) => error instanceof Flaky }

/** One peer alone, on a fake clock, whose attempts settle as `outcomes` say, in turn. */
function peerWith(outcomes: Array<'ok' | 'flaky' | 'refused' | 'hang'>, runTimeoutMs?: number, isCurrent: () => boolean = () => true) {
  // On a 100 ms grid through the due time, so attempts fall on it exactly.
  const time = { now: OP.dueAt - CLAIM_LEAD_MS - 50 }
  const table = new YjsRunTable(new Y.Doc(), () => time.now)
  const attempts: number[] = []
  const signals: AbortSignal[] = []
  const finalFailures: RunRecord[] = []
  const runner = new OccurrenceRunner({
    peer: 'p1',
    table,
    hlc: new HlcClock('p1', () => time.now),
    clock: () => time.now,
    capablePeers: () => ['p1'],
    retryPolicy: () => POLICY,
    isCurrent,
    onFinalFailure: (_entry, record) => finalFailures.push(record),
    ...(runTimeoutMs === undefined ? {} : { runTimeoutMs }),
    execute: (_entry, signal) => {
      attempts.push(time.now)
      signals.push(signal)
      const outcome = outcomes[attempts.length - 1] ?? 'ok'
      if (outcome === 'hang') return new Promise(() => {})
      return outcome === 'ok' ? Promise.resolve('done') : Promise.reject(outcome === 'flaky' ? new Flaky('The server answered HTTP 503.') : new Error('The server answered HTTP 404.'))
    },
  })
  runner.offer(ENTRY)
  /** Advances the clock in 100 ms steps, letting each attempt settle. */
  const runFor = async (ms: number): Promise<void> => {
    const end = time.now + ms
    for (; time.now <= end; time.now += 100) {
      runner.advance()
      // An attempt starts and settles within a few microtasks: let it, before the clock moves on.
      for (let turn = 0; turn < 5; turn++) await Promise.resolve()
    }
  }
  return { time, table, runner, attempts, signals, finalFailures, runFor }
}

describe('retries', () => {
  it('[K5] a retryable failure is tried again after 2 s, then 8 s, by the peer holding the claim; the record keeps the failed attempts', async () => {
    const { table, attempts, finalFailures, runFor } = peerWith(['flaky', 'flaky', 'ok'])
    await runFor(20_000)
    expect(attempts.map((at) => at - OP.dueAt)).toEqual([0, 2_000, 10_000])
    const record = table.run(ID)!
    expect(record).toMatchObject({ outcome: 'ok', detail: 'done', startedAt: OP.dueAt })
    expect(failedAttemptsOf(record)).toEqual([
      { startedAt: OP.dueAt, error: 'The server answered HTTP 503.' },
      { startedAt: OP.dueAt + 2_000, error: 'The server answered HTTP 503.' },
    ])
    expect(finalFailures).toEqual([])
  })

  it('[K5] [CL5] the claim stays held through a long wait for a retry: its lease is renewed, so no other peer takes the occurrence over', async () => {
    const { time, table, attempts, runFor } = peerWith(['flaky', 'flaky', 'flaky', 'ok'])
    // Waits of 2, 8 and 32 s: 40 s in, the third wait has lasted longer than a lease since the claim was written.
    await runFor(40_000)
    expect(attempts).toHaveLength(3)
    expect(time.now - OP.dueAt).toBeGreaterThan(LEASE_MS)
    expect(winningClaim(table.claims(ID), time.now)?.peer).toBe('p1')
    await runFor(5_000)
    expect(attempts).toHaveLength(4)
    expect(table.run(ID)).toMatchObject({ outcome: 'ok' })
  })

  it('[K5] [Q2] a retry is not sent once its operation was cancelled or retimed, and the claim is let go', async () => {
    const current = { value: true }
    const { table, attempts, runFor, runner } = peerWith(['flaky', 'ok'], undefined, () => current.value)
    await runFor(1_000)
    expect(attempts).toHaveLength(1)
    current.value = false
    await runFor(10_000)
    expect(attempts).toHaveLength(1)
    expect(runner.pending).toBe(0)
    expect(table.run(ID)).toBeUndefined()
  })

  it('[K5] [K6] a failure its kind does not retry is final at once, and told to the host once', async () => {
    const { table, attempts, finalFailures, runFor } = peerWith(['refused'])
    await runFor(20_000)
    expect(attempts).toHaveLength(1)
    expect(table.run(ID)).toMatchObject({ outcome: 'failed', error: 'The server answered HTTP 404.' })
    expect(failedAttemptsOf(table.run(ID)!)).toEqual([])
    expect(finalFailures).toHaveLength(1)
  })

  it('[K5] [K6] gives up after the policy’s attempts, recording each failure', async () => {
    const { table, attempts, finalFailures, runFor } = peerWith(['flaky', 'flaky', 'flaky', 'flaky', 'ok'])
    await runFor(60_000)
    expect(attempts).toHaveLength(POLICY.maxAttempts)
    expect(table.run(ID)).toMatchObject({ outcome: 'failed', error: 'The server answered HTTP 503.' })
    expect(failedAttemptsOf(table.run(ID)!)).toHaveLength(POLICY.maxAttempts - 1)
    expect(finalFailures.map((record) => record.occurrence)).toEqual([ID])
  })

  it('[CL5a] a run past its timeout has its signal aborted, so the kind stops, and is recorded as failed', async () => {
    const { table, signals, runFor } = peerWith(['hang'], 5_000)
    await runFor(6_000)
    expect(signals).toHaveLength(1)
    expect(signals[0]!.aborted).toBe(true)
    expect(table.run(ID)).toMatchObject({ outcome: 'failed', error: 'It did not finish within 5 s.' })
  })

  it('[K5] http retries a request that could not be sent, timed out or met a 5xx; never one the server refused (4xx)', async () => {
    const failureOf = async (port: HttpPort): Promise<unknown> => {
      const context = { operation: OP, occurrence: ENTRY.occurrence, idempotencyKey: ID, doc: new Y.Doc(), peer: 'p', now: () => 0, signal: new AbortController().signal }
      return httpKind(port, { timeoutMs: 20 }).execute(OP.input, context).then(
        () => undefined,
        (error: unknown) => error,
      )
    }
    const answering = (status: number): HttpPort => ({ fetch: () => Promise.resolve({ status }) })
    const unreachable = await failureOf({ fetch: () => Promise.reject(new TypeError('fetch failed')) })
    const silent = await failureOf({ fetch: () => new Promise(() => {}) })
    expect(unreachable).toMatchObject({ reason: HttpFailure.network })
    expect(silent).toMatchObject({ reason: HttpFailure.timeout })
    for (const error of [unreachable, silent, await failureOf(answering(503)), await failureOf(answering(500))]) expect(HTTP_RETRY.retryable(error)).toBe(true)
    for (const error of [await failureOf(answering(404)), await failureOf(answering(400)), await failureOf(answering(429)), new Error('other')]) expect(HTTP_RETRY.retryable(error)).toBe(false)
    expect(HTTP_RETRY.maxAttempts).toBeGreaterThan(1)
  })

  it('[K6] a final failure leaves one notice in the inbox for the operation’s creator, however many peers gave up', () => {
    const doc = new Y.Doc()
    const record: RunRecord = { occurrence: ID, by: 'p1', startedAt: OP.dueAt, doneAt: OP.dueAt + 10_000, outcome: 'failed', error: 'The server answered HTTP 503.', failedAttempts: [{ startedAt: OP.dueAt, error: 'The server answered HTTP 503.' }] }
    postFailureNotice(doc, OP, record)
    postFailureNotice(doc, OP, { ...record, by: 'p2', doneAt: OP.dueAt + 20_000 })
    const inbox = readInbox(doc)
    expect(inbox).toEqual([{ occurrence: failureNoticeKey(ID), title: '“Ping the webhook” failed', body: 'The server answered HTTP 503. (2 attempts) See the operation’s run history.', to: [CREATOR], createdAt: OP.dueAt + 10_000, by: 'p1' }])
  })
})


describe('what runs cost a host', () => {
  it('[SCH5] a host has at most its kind’s limit of runs in progress at once; the rest wait, holding their claims, and start as runs end', async () => {
    const time = { now: OP.dueAt - CLAIM_LEAD_MS - 50 }
    const table = new YjsRunTable(new Y.Doc(), () => time.now)
    const release: Array<() => void> = []
    let inProgress = 0
    let most = 0
    const runner = new OccurrenceRunner({
      peer: 'p1',
      table,
      hlc: new HlcClock('p1', () => time.now),
      clock: () => time.now,
      capablePeers: () => ['p1'],
      maxConcurrent: () => 2,
      execute: () => {
        most = Math.max(most, ++inProgress)
        return new Promise<void>((resolve) => release.push(() => (inProgress--, resolve())))
      },
    })
    const entries = Array.from({ length: 5 }, (_, index): QueueEntry => ({ operation: { ...OP, id: `op${index}` as OperationId }, occurrence: { ...ENTRY.occurrence, id: `op${index}#0` as never } }))
    for (const entry of entries) runner.offer(entry)
    const step = async (): Promise<void> => {
      time.now += 100
      runner.advance()
      for (let turn = 0; turn < 5; turn++) await Promise.resolve()
    }
    for (let turn = 0; turn < 10; turn++) await step()
    expect(release).toHaveLength(2)
    expect(runner.nextWakeAt()).toBeGreaterThan(time.now)
    // Two end: two more start at the next look, never more than two at once.
    release[0]!()
    release[1]!()
    for (let turn = 0; turn < 3; turn++) await step()
    expect(release).toHaveLength(4)
    release[2]!()
    for (let turn = 0; turn < 3; turn++) await step()
    expect(release).toHaveLength(5)
    expect(most).toBe(2)
    // Waiting for a slot, the runner does not ask to be woken in the past (a host would spin until a run ends).
    expect(runner.nextWakeAt()).toBeGreaterThan(time.now)
    // Every claim of a run not yet recorded is still held: none was given up while it waited for a slot (a recorded run's claim goes with its record, RET1).
    const unrecorded = entries.filter((entry) => !table.run(entry.occurrence.id))
    expect(unrecorded).toHaveLength(2)
    for (const entry of unrecorded) expect(winningClaim(table.claims(entry.occurrence.id), time.now)?.peer).toBe('p1')
  })

  it('[SCH5] the limit holds per device: runners of two spaces share it', async () => {
    const time = { now: OP.dueAt - CLAIM_LEAD_MS - 50 }
    const runners: OccurrenceRunner[] = []
    let inProgress = 0
    let most = 0
    for (const space of ['a', 'b']) {
      runners.push(
        new OccurrenceRunner({
          peer: 'p1',
          table: new YjsRunTable(new Y.Doc(), () => time.now),
          hlc: new HlcClock('p1', () => time.now),
          clock: () => time.now,
          capablePeers: () => ['p1'],
          maxConcurrent: () => 1,
          runningOnDevice: (kind) => runners.reduce((sum, runner) => sum + runner.runningOf(kind), 0),
          execute: () => ((most = Math.max(most, ++inProgress)), new Promise<void>(() => {})),
        }),
      )
      runners.at(-1)!.offer({ operation: { ...OP, id: `${space}-op` as OperationId }, occurrence: { ...ENTRY.occurrence, id: `${space}-op#0` as never } })
    }
    for (let turn = 0; turn < 10; turn++) {
      time.now += 100
      for (const runner of runners) runner.advance()
      for (let tick = 0; tick < 5; tick++) await Promise.resolve()
    }
    expect(most).toBe(1)
  })

  it('[SCH2] a tick counts, for each occurrence it starts, the synchronous work its operation’s runs take: a 50 ms budget starts two 30 ms runs, not ten', async () => {
    const clock = { now: OP.dueAt - 60_000, cpu: 0 }
    const doc = new Y.Doc()
    const kinds = new KindRegistry([{ name: 'heavy', runsOn: [HostKind.page], checkInput: () => [], execute: () => ((clock.cpu += 30), Promise.resolve()) }])
    const schedule = new SpaceSchedule({ doc, kinds, now: () => clock.now, actor: CREATOR, newId: (() => { let id = 0; return () => `op${++id}` })() })
    schedule.saveScheduler({ id: 'tick' as SchedulerId, name: 'Tick', everyMs: 1_000, budget: { maxOpsPerTick: 100, maxMsPerTick: 50 }, paused: false })
    // Ten operations due every second: each run costs 30 ms of synchronous work.
    for (let index = 0; index < 10; index++) schedule.createOperation({ schedulerId: 'tick' as SchedulerId, title: `heavy ${index}`, kind: 'heavy', input: null, dueAt: OP.dueAt, repeat: { kind: 'every', everyMs: 1_000 }, catchUp: 'skip' })
    // The runner reports run work to the host, which is built from the runner: a holder breaks the circle.
    const hosting: { host?: SchedulerHost } = {}
    const runner = new OccurrenceRunner({
      peer: 'p1',
      table: schedule.runs,
      hlc: new HlcClock('p1', () => clock.now),
      clock: () => clock.now,
      capablePeers: () => ['p1'],
      measure: () => clock.cpu,
      onRunWork: (entry, ms) => hosting.host!.noteRunWork(entry.operation.id, ms),
      execute: (entry) => kinds.get(entry.operation.kind)!.execute(null, {} as never),
    })
    const host = new SchedulerHost({ schedule, runner, clock: () => clock.now })
    hosting.host = host
    const runsSoFar = (): number => schedule.operations().reduce((sum, operation) => sum + schedule.runs.recordsOf(operation.id).length, 0)
    for (clock.now = OP.dueAt - 1_500; clock.now < OP.dueAt + 5_000; clock.now += 50) {
      host.advance()
      for (let turn = 0; turn < 5; turn++) await Promise.resolve()
    }
    // Five seconds of ten operations: 50 occurrences. Without the count every tick starts all ten (300 ms of work for a 50 ms budget).
    // With it, the first tick (no cost known yet) starts ten, and each later one two (0 + 30 < 50, 30 + 30 ≥ 50); the rest are missed (CU0).
    const ran = runsSoFar()
    expect(ran).toBeGreaterThanOrEqual(14)
    expect(ran).toBeLessThanOrEqual(24)
  })
})
