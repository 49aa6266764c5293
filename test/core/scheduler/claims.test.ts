import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CLAIM_LEAD_MS, isClaim, LEASE_MS, STAGGER_MS, winningClaim, type Claim } from '../../../src/core/scheduler/claims.ts'
import { HlcClock } from '../../../src/core/scheduler/hlc.ts'
import { nextOccurrence, type OccurrenceId } from '../../../src/core/scheduler/occurrences.ts'
import type { QueueEntry } from '../../../src/core/scheduler/OccurrenceQueue.ts'
import { OccurrenceRunner } from '../../../src/core/scheduler/OccurrenceRunner.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import { rankPeers } from '../../../src/core/scheduler/rendezvous.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { CLAIMS, YjsRunTable } from '../../../src/core/scheduler/YjsRunTable.ts'

const OP: Operation = {
  id: 'op' as OperationId,
  schedulerId: 's' as SchedulerId,
  title: 'Backup',
  kind: 'backup',
  input: null,
  dueAt: 10_000,
  repeat: { kind: 'none' },
  catchUp: 'all',
  status: 'active',
  createdBy: 'did:key:z6Mk',
  createdAt: 0,
}
const ENTRY: QueueEntry = { operation: OP, occurrence: nextOccurrence(OP.id, OP, 0)! }
const ID = ENTRY.occurrence.id
const claim = (peer: string, wallMs: number, leaseUntil: number): Claim => ({ occurrence: ID, peer, hlc: { wallMs, counter: 0, peer }, leaseUntil })

describe('claims', () => {
  it('[CL3] the earliest live claim wins; an expired one no longer counts', () => {
    const claims = [claim('b', 5, 100), claim('a', 7, 100), claim('c', 1, 50)]
    expect(winningClaim(claims, 40)?.peer).toBe('c')
    expect(winningClaim(claims, 50)?.peer).toBe('b')
    expect(winningClaim(claims, 100)).toBeUndefined()
    expect(isClaim(claims[0])).toBe(true)
    // A claim must be stamped by its own peer.
    expect(isClaim({ ...claims[0], hlc: { wallMs: 5, counter: 0, peer: 'someone else' } })).toBe(false)
  })

  it('[CL2] [CL2a] [CL4] [CL6] claims in rank order a settle window ahead, runs on time once the claim has settled, and records the outcome', async () => {
    const peers = ['p1', 'p2', 'p3']
    const ranked = rankPeers(ID, peers)
    let now = OP.dueAt - CLAIM_LEAD_MS
    const doc = new Y.Doc()
    const table = new YjsRunTable(doc)
    const ran: string[] = []
    const runners = peers.map(
      (peer) =>
        new OccurrenceRunner({ peer, table, hlc: new HlcClock(peer, () => now), clock: () => now, capablePeers: () => peers, execute: () => (ran.push(peer), Promise.resolve()) }),
    )
    for (const runner of runners) runner.offer(ENTRY)
    // Only the first-ranked peer claims as its turn opens; the others wait their stagger and then see its claim.
    for (const runner of runners) runner.advance()
    expect(table.claims(ID).map((written) => written.peer)).toEqual([ranked[0]])
    now += STAGGER_MS * 2
    for (const runner of runners) runner.advance()
    expect(table.claims(ID)).toHaveLength(1)
    expect(ran).toEqual([])
    now = OP.dueAt - 1
    for (const runner of runners) runner.advance()
    expect(ran).toEqual([])
    now = OP.dueAt
    for (const runner of runners) runner.advance()
    // The run starts, finishes and is recorded in microtasks.
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(ran).toEqual([ranked[0]])
    expect(table.run(ID)).toMatchObject({ occurrence: ID, by: ranked[0], outcome: 'ok', startedAt: OP.dueAt })
    for (const runner of runners) runner.advance()
    expect(runners.map((runner) => runner.pending)).toEqual([0, 0, 0])
  })

  it('[CL5] a run whose lease ran out without a record is taken over by the next peer in rank', () => {
    const now = OP.dueAt + LEASE_MS + 1
    const table = new YjsRunTable(new Y.Doc())
    const [first, second] = rankPeers(ID, ['p1', 'p2'])
    table.putClaim(claim(first!, OP.dueAt, OP.dueAt + LEASE_MS))
    const runner = new OccurrenceRunner({ peer: second!, table, hlc: new HlcClock(second!, () => now), clock: () => now, capablePeers: () => [second!], execute: () => Promise.resolve() })
    runner.offer(ENTRY)
    runner.advance()
    expect(table.claims(ID).map((written) => written.peer).sort()).toEqual([first, second].sort())
    expect(winningClaim(table.claims(ID), now)?.peer).toBe(second)
  })

  it('[CL5a] records a run that never settles as failed once its timeout passes, and stops holding it', () => {
    let now = OP.dueAt
    const table = new YjsRunTable(new Y.Doc())
    const runner = new OccurrenceRunner({ peer: 'p1', table, hlc: new HlcClock('p1', () => now), clock: () => now, capablePeers: () => ['p1'], execute: () => new Promise(() => {}), runTimeoutMs: 60_000 })
    runner.offer(ENTRY)
    for (; now <= OP.dueAt + 70_000; now += 1_000) runner.advance()
    expect(table.run(ID)).toMatchObject({ by: 'p1', outcome: 'failed', error: 'It did not finish within 60 s.' })
    expect(runner.pending).toBe(0)
  })

  it('[CL6] keeps the first run record on every replica, even after a partition, and ignores entries filed under someone else’s key', () => {
    const doc = new Y.Doc()
    const table = new YjsRunTable(doc)
    const record = { occurrence: ID, by: 'p1', startedAt: 100, doneAt: 200, outcome: 'ok' as const }
    table.putRun(record)
    table.putRun({ ...record, startedAt: 150, outcome: 'failed' })
    expect(table.run(ID)).toEqual(record)
    // A repeat during a partition, recorded on the other side: after the merge, both replicas show the first run.
    const other = new Y.Doc()
    new YjsRunTable(other).putRun({ ...record, by: 'p2', startedAt: 5_000, doneAt: 6_000, outcome: 'failed' })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    expect(table.run(ID)).toEqual(record)
    expect(new YjsRunTable(other).run(ID)).toEqual(record)
    doc.getMap(CLAIMS).set(`${ID}\nvictim`, claim('mallory', 1, 100))
    doc.getMap(CLAIMS).set(`${ID as string}\nbroken`, { occurrence: ID, peer: 'broken' })
    expect(table.claims(ID)).toEqual([])
    expect(table.claims('other#0' as OccurrenceId)).toEqual([])
  })
})
