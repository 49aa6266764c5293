import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { ACKNOWLEDGEMENT_WAIT_MS, CLAIM_LEAD_MS, isClaim, LEASE_MS, STAGGER_MS, winningClaim, type Claim, type HeldClaim } from '../../../src/core/scheduler/claims.ts'
import { HlcClock } from '../../../src/core/scheduler/hlc.ts'
import { nextOccurrence } from '../../../src/core/scheduler/occurrences.ts'
import type { OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import type { QueueEntry } from '../../../src/core/scheduler/OccurrenceQueue.ts'
import { OccurrenceRunner } from '../../../src/core/scheduler/OccurrenceRunner.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import { rankPeers } from '../../../src/core/scheduler/rendezvous.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { OCCURRENCE_RECORDS, RecordKind } from '../../../src/core/scheduler/occurrenceChunks.ts'
import { YjsRunTable } from '../../../src/core/scheduler/YjsRunTable.ts'

const OP: Operation = {
  id: 'op' as OperationId,
  schedulerId: 's' as SchedulerId,
  title: 'Backup',
  kind: 'backup',
  input: null,
  dueAt: Date.UTC(2026, 10, 23, 9),
  repeat: { kind: 'none' },
  catchUp: 'all',
  status: 'active',
  createdBy: 'did:key:z6Mk',
  createdAt: 0,
}
const ENTRY: QueueEntry = { operation: OP, occurrence: nextOccurrence(OP.id, OP, 0)! }
const ID = ENTRY.occurrence.id

/** Writes a claims chunk by hand (occurrenceChunks.ts), as a peer's junk would: in the book `<series>#0\n<client>`, the chunk `0\nclaim\n<owner>`. */
function writeChunk(doc: Y.Doc, owner: string, value: unknown, bookClient = doc.clientID): void {
  const book = new Y.Map<unknown>()
  const chunk = new Y.Map<unknown>()
  doc.transact(() => {
    doc.getMap(OCCURRENCE_RECORDS).set(`${OP.id}#0\n${bookClient}`, book)
    book.set(`0\n${RecordKind.claim}\n${owner}`, chunk)
    chunk.set(ID.slice(ID.lastIndexOf('#') + 1), value)
  })
}
const claim = (peer: string, wallMs: number, renewal = 0): Claim => ({ occurrence: ID, peer, hlc: { wallMs, counter: 0, peer }, renewal })
const held = (peer: string, wallMs: number, seenAt: number): HeldClaim => ({ ...claim(peer, wallMs), seenAt })

/** Replicas whose updates wait in flight until `deliver()`, in order on each link, as a slow network would hold them. */
class Network {
  readonly docs: Y.Doc[]
  private inFlight: Array<{ readonly to: Y.Doc; readonly update: Uint8Array }> = []

  constructor(size: number) {
    this.docs = Array.from({ length: size }, () => new Y.Doc())
    for (const from of this.docs) {
      from.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === this) return
        for (const to of this.docs) if (to !== from) this.inFlight.push({ to, update })
      })
    }
  }

  deliver(): void {
    const now = this.inFlight
    this.inFlight = []
    for (const { to, update } of now) Y.applyUpdate(to, update, this)
  }
}

describe('claims', () => {
  it('[CL3] the earliest live claim wins; one whose lease ran out here no longer counts', () => {
    const claims = [held('b', 5, 100), held('a', 7, 100), held('c', 1, 50)]
    expect(winningClaim(claims, 40 + LEASE_MS)?.peer).toBe('c')
    expect(winningClaim(claims, 50 + LEASE_MS)?.peer).toBe('b')
    expect(winningClaim(claims, 100 + LEASE_MS)).toBeUndefined()
    expect(isClaim(claim('b', 5))).toBe(true)
    // A claim must be stamped by its own peer.
    expect(isClaim({ ...claim('b', 5), hlc: { wallMs: 5, counter: 0, peer: 'someone else' } })).toBe(false)
  })

  it('[CL5] [G1] times leases by each reader’s clock: a peer whose clock is 31 s slow still holds its run', async () => {
    let now = OP.dueAt - CLAIM_LEAD_MS
    const doc = new Y.Doc()
    const starts: string[] = []
    const runnerFor = (peer: string, skew: number) =>
      new OccurrenceRunner({ peer, table: new YjsRunTable(doc, () => now + skew), hlc: new HlcClock(peer, () => now + skew), clock: () => now + skew, capablePeers: () => [peer], execute: () => (starts.push(peer), new Promise(() => {})) })
    // Each ranks only itself (no stagger protects the second): only the lease stands between them.
    const slow = runnerFor('slow', -31_000)
    const other = runnerFor('other', 0)
    slow.offer(ENTRY)
    for (; now < OP.dueAt + 3 * LEASE_MS; now += 100) {
      // The slow clock reaches the due time 31 s late; the other peer joins just after it started.
      if (now === OP.dueAt + 32_000) other.offer(ENTRY)
      slow.advance()
      other.advance()
    }
    await vi.waitFor(() => expect(starts).toContain('slow'))
    expect(starts).toEqual(['slow'])
  })

  it('[CL5] a claim that is never renewed stops blocking after a lease, and one stamped long before its window never blocks', () => {
    let now = OP.dueAt
    const doc = new Y.Doc()
    const table = new YjsRunTable(doc, () => now)
    // Mallory's claims: one from the distant past (it would win every time), one that just sits.
    table.putClaim(claim('ancient', 0))
    const runner = new OccurrenceRunner({ peer: 'p1', table, hlc: new HlcClock('p1', () => now), clock: () => now, capablePeers: () => ['p1'], execute: () => Promise.resolve() })
    runner.offer(ENTRY)
    runner.advance()
    expect(table.claims(ID).map((written) => written.peer).sort()).toEqual(['ancient', 'p1'])
    const squatted = new Y.Doc()
    const squattedTable = new YjsRunTable(squatted, () => now)
    squattedTable.putClaim(claim('squatter', OP.dueAt - 1))
    const waiting = new OccurrenceRunner({ peer: 'p2', table: squattedTable, hlc: new HlcClock('p2', () => now), clock: () => now, capablePeers: () => ['p2'], execute: () => Promise.resolve() })
    waiting.offer(ENTRY)
    waiting.advance()
    expect(squattedTable.claims(ID)).toHaveLength(1)
    now += LEASE_MS + 1
    waiting.advance()
    expect(squattedTable.claims(ID).map((written) => written.peer).sort()).toEqual(['p2', 'squatter'])
  })

  it('[CL2] [CL2a] [CL4] [CL6] claims in rank order a lead ahead, runs on time once each rival acknowledged the claim, and records the outcome', async () => {
    const peers = ['p1', 'p2', 'p3']
    const ranked = rankPeers(ID, peers)
    let now = OP.dueAt - CLAIM_LEAD_MS
    const network = new Network(peers.length)
    const ran: string[] = []
    const runners = peers.map(
      (peer, index) =>
        new OccurrenceRunner({ peer, table: new YjsRunTable(network.docs[index]!, () => now), hlc: new HlcClock(peer, () => now), clock: () => now, capablePeers: () => peers, execute: () => (ran.push(peer), Promise.resolve()) }),
    )
    const table = new YjsRunTable(network.docs[0]!, () => now)
    const advanceAll = (): void => {
      for (const runner of runners) {
        runner.advance()
        network.deliver()
      }
    }
    for (const runner of runners) runner.offer(ENTRY)
    // Only the first-ranked peer claims as its turn opens; its rivals acknowledge the claim, and it waits for its due time.
    advanceAll()
    expect(table.claims(ID).map((written) => written.peer)).toEqual([ranked[0]])
    now = OP.dueAt - 1
    advanceAll()
    expect(ran).toEqual([])
    now = OP.dueAt
    advanceAll()
    // The run starts, finishes and is recorded in microtasks, and its record travels.
    await vi.waitFor(() => {
      network.deliver()
      expect(table.run(ID)).toBeDefined()
    })
    expect(ran).toEqual([ranked[0]])
    expect(table.run(ID)).toMatchObject({ occurrence: ID, by: ranked[0], outcome: 'ok', startedAt: OP.dueAt })
    // The others' turns come and go: they see the record, and claim nothing (the winner's claim went with its record, RET1).
    now = OP.dueAt - CLAIM_LEAD_MS + STAGGER_MS * 2
    advanceAll()
    expect(table.claims(ID)).toEqual([])
    advanceAll()
    expect(runners.map((runner) => runner.pending)).toEqual([0, 0, 0])
  })

  it('[CL4] [G1] a claim waits, past its due time, for a present rival’s acknowledgement however late it is; a rival that stays silent for a lease is counted as gone', async () => {
    const [first, second] = rankPeers(ID, ['p1', 'p2'])
    let now = OP.dueAt - CLAIM_LEAD_MS
    const network = new Network(2)
    const ran: string[] = []
    const runnerOn = (peer: string, index: number): OccurrenceRunner =>
      new OccurrenceRunner({ peer, table: new YjsRunTable(network.docs[index]!, () => now), hlc: new HlcClock(peer, () => now), clock: () => now, capablePeers: () => ['p1', 'p2'], execute: () => (ran.push(peer), Promise.resolve()) })
    const claimer = runnerOn(first!, 0)
    const rival = runnerOn(second!, 1)
    claimer.offer(ENTRY)
    rival.offer(ENTRY)
    // The link is slow: 20 s pass with the claim on its way and no acknowledgement back. The rival, not having heard, claims too.
    for (; now < OP.dueAt + 20_000; now += 100) {
      claimer.advance()
      rival.advance()
    }
    expect(ran).toEqual([])
    // Both claims, and each side's acknowledgement, arrive at last: exactly one of them runs, the earlier claim's peer.
    network.deliver()
    for (let round = 0; round < 4; round++) {
      claimer.advance()
      rival.advance()
      network.deliver()
    }
    await vi.waitFor(() => expect(ran).toHaveLength(1))
    expect(ran).toEqual([first])

    // A rival that is present but never answers holds a claim back for one lease (ACKNOWLEDGEMENT_WAIT_MS), no more.
    const lonely = new Network(1)
    const silentRan: string[] = []
    now = OP.dueAt - CLAIM_LEAD_MS
    const waiting = new OccurrenceRunner({ peer: 'p1', table: new YjsRunTable(lonely.docs[0]!, () => now), hlc: new HlcClock('p1', () => now), clock: () => now, capablePeers: () => ['p1', 'silent'], execute: () => (silentRan.push('p1'), Promise.resolve()) })
    const silentFirst = rankPeers(ID, ['p1', 'silent'])[0] === 'silent'
    waiting.offer(ENTRY)
    const claimedBy = OP.dueAt - CLAIM_LEAD_MS + (silentFirst ? STAGGER_MS : 0)
    for (; now < claimedBy + ACKNOWLEDGEMENT_WAIT_MS - 100; now += 100) waiting.advance()
    expect(silentRan).toEqual([])
    await Promise.resolve()
    expect(silentRan).toEqual([])
    now = claimedBy + ACKNOWLEDGEMENT_WAIT_MS
    waiting.advance()
    // Started in a microtask.
    await vi.waitFor(() => expect(silentRan).toEqual(['p1']))
  })

  it('[CL5] a run whose lease ran out without a record is taken over by the next peer in rank', () => {
    let now = OP.dueAt
    const table = new YjsRunTable(new Y.Doc(), () => now)
    const [first, second] = rankPeers(ID, ['p1', 'p2'])
    table.putClaim(claim(first!, OP.dueAt))
    now += LEASE_MS + 1
    const runner = new OccurrenceRunner({ peer: second!, table, hlc: new HlcClock(second!, () => now), clock: () => now, capablePeers: () => [second!], execute: () => Promise.resolve() })
    runner.offer(ENTRY)
    runner.advance()
    expect(table.claims(ID).map((written) => written.peer).sort()).toEqual([first, second].sort())
    expect(winningClaim(table.claims(ID), now)?.peer).toBe(second)
  })

  it('[CL5a] records a run that never settles as failed once its timeout passes, and stops holding it', () => {
    let now = OP.dueAt
    const table = new YjsRunTable(new Y.Doc(), () => now)
    const runner = new OccurrenceRunner({ peer: 'p1', table, hlc: new HlcClock('p1', () => now), clock: () => now, capablePeers: () => ['p1'], execute: () => new Promise(() => {}), runTimeoutMs: 60_000 })
    runner.offer(ENTRY)
    for (; now <= OP.dueAt + 70_000; now += 1_000) runner.advance()
    expect(table.run(ID)).toMatchObject({ by: 'p1', outcome: 'failed', error: 'It did not finish within 60 s.' })
    expect(runner.pending).toBe(0)
  })

  it('[CL6] keeps the first run record on every replica, even after a partition, and ignores entries filed under someone else’s key', () => {
    const doc = new Y.Doc()
    const table = new YjsRunTable(doc, () => 0)
    const record = { occurrence: ID, by: 'p1', startedAt: 100, doneAt: 200, outcome: 'ok' as const }
    table.putRun(record)
    table.putRun({ ...record, startedAt: 150, outcome: 'failed' })
    expect(table.run(ID)).toEqual(record)
    // A repeat during a partition, recorded on the other side: after the merge, both replicas show the first run.
    const other = new Y.Doc()
    new YjsRunTable(other, () => 0).putRun({ ...record, by: 'p2', startedAt: 5_000, doneAt: 6_000, outcome: 'failed' })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    expect(table.run(ID)).toEqual(record)
    expect(new YjsRunTable(other, () => 0).run(ID)).toEqual(record)
    // In the victim's place: a claim naming another peer, one with no clock, and one in a chunk whose key names another client.
    writeChunk(doc, 'victim', claim('mallory', 1))
    const junk = new Y.Doc()
    writeChunk(junk, 'broken', { occurrence: ID, peer: 'broken' })
    writeChunk(junk, 'forged', claim('forged', 1), doc.clientID + 1)
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(junk))
    expect(table.claims(ID)).toEqual([])
    expect(table.claims('other#0' as OccurrenceId)).toEqual([])
  })
})
