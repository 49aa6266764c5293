/**
 * A deterministic multi-peer simulation of the scheduler's claims, in the
 * style of Yjs's TestConnector: N peers, each with its own Y.Doc replica of
 * the space (claims and runs in a YjsRunTable), its own queue, tick,
 * OccurrenceRunner and skewed hybrid logical clock; a fake clock; messages
 * (Yjs updates) delivered after seeded random delays, in order on each
 * link; and seeded crashes,
 * restarts and partitions. Everything that happened is returned for the
 * tests to judge against SPEC G1 and G2.
 */
import * as Y from 'yjs'
import { CLAIM_LEAD_MS } from '../../src/core/scheduler/claims.ts'
import { HlcClock } from '../../src/core/scheduler/hlc.ts'
import { nextOccurrence } from '../../src/core/scheduler/occurrences.ts'
import type { OccurrenceId } from '../../src/core/scheduler/occurrenceIds.ts'
import { OccurrenceQueue, type QueueEntry } from '../../src/core/scheduler/OccurrenceQueue.ts'
import { OccurrenceRunner, type RunnerOptions } from '../../src/core/scheduler/OccurrenceRunner.ts'
import { RoomClock } from '../../src/core/scheduler/roomClock.ts'
import type { Operation } from '../../src/core/scheduler/operations.ts'
import type { Scheduler } from '../../src/core/scheduler/schedulers.ts'
import { tick } from '../../src/core/scheduler/tick.ts'
import { YjsRunTable } from '../../src/core/scheduler/YjsRunTable.ts'
import { seededRandom, type Random } from './seededRandom.ts'

export interface SimulationOptions {
  readonly seed: number
  readonly peers: number
  readonly scheduler: Scheduler
  /** The operation whose due time the ticks are aligned to. */
  readonly operation: Operation
  /** More operations on the same scheduler. */
  readonly moreOperations?: readonly Operation[]
  /** Every peer is down from `from` until `until` (everyone asleep): what they missed follows each operation's catch-up policy. */
  readonly asleep?: { readonly from: number; readonly until: number }
  /** Simulated time, ms, after which every peer is up and connected again and stays so. */
  readonly chaosUntil: number
  /** Simulated time, ms, at which the run ends. */
  readonly endAt: number
  readonly crashes: boolean
  readonly partitions: boolean
  /** Longest one-way delay between connected peers, ms. */
  readonly maxDelayMs: number
  /** Peers' clocks are off by up to this either way, ms (200 by default). */
  readonly maxSkewMs?: number
  /** Each peer's clock offset, ms, instead of drawing them (maxSkewMs is then unused). */
  readonly skewsMs?: readonly number[]
  /** How long one run takes; by default mostly 0.1–2 s, and 5% longer than a lease (so it must be renewed). */
  readonly runMs?: (random: Random) => number
  /** Whether peers schedule on room time (roomClock.ts, CL7), as hosts do; true by default. */
  readonly roomTime?: boolean
  /** Another claim protocol to run instead of OccurrenceRunner, with how far ahead its occurrences are offered (bench:scheduler's comparison). */
  readonly protocol?: { readonly createRunner: (options: RunnerOptions) => SimulatedRunner; readonly claimLeadMs: number }
}

/** What the simulation asks of a peer's runner. */
export interface SimulatedRunner {
  offer(entry: QueueEntry): void
  advance(): void
}

const defaultRunMs = (random: Random): number => (random() < 0.05 ? 40_000 : 100 + Math.floor(random() * 2_000))

export interface Execution {
  readonly occurrence: string
  readonly peer: string
  readonly dueAt: number
  /** When this peer wrote the claim it ran under. */
  readonly claimedAt: number
  readonly startedAt: number
  finishedAt?: number
  /** Set when its peer crashed before it finished. */
  crashedAt?: number
}

export interface SimulationReport {
  readonly executions: readonly Execution[]
  /** The most occurrences any peer's tick started (SCH2: never above the budget). */
  readonly mostStartedInATick: number
  /** Per peer's final replica: the occurrence ids with a run record. */
  readonly recorded: ReadonlyArray<ReadonlySet<string>>
  /** Whether both peers were up, and no partition separated them, at every moment from `from` to `to`. */
  connectedThroughout(a: string, b: string, from: number, to: number): boolean
}

/** The executions of each occurrence, in the order they happened. */
export function executionsByOccurrence(executions: readonly Execution[]): Map<string, Execution[]> {
  const byOccurrence = new Map<string, Execution[]>()
  for (const execution of executions) {
    const runs = byOccurrence.get(execution.occurrence) ?? []
    runs.push(execution)
    byOccurrence.set(execution.occurrence, runs)
  }
  return byOccurrence
}

/** Fake time advances in steps this long; every message delay and deadline is a multiple of it or falls within one. */
const STEP_MS = 50
const FROM_NET = 'net'

interface Peer {
  readonly id: string
  readonly doc: Y.Doc
  readonly skewMs: number
  up: boolean
  /** The run table of the peer's current life; a restart replaces it (and stops the old one's observers). */
  table?: YjsRunTable
  /** The clock its scheduler runs on: room time, or its own clock. */
  clock: () => number
  runner: SimulatedRunner
  queue: OccurrenceQueue
}

interface Message {
  readonly at: number
  readonly from: Peer
  readonly to: Peer
  readonly update: Uint8Array
}

interface Change {
  readonly at: number
  readonly apply: () => void
}

export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const random: Random = seededRandom(options.seed)
  let now = options.operation.dueAt - 2_000
  const executions: Execution[] = []
  const operations = [options.operation, ...(options.moreOperations ?? [])]
  let mostStartedInATick = 0
  const finishing: Array<{ at: number; peer: Peer; execution: Execution; resolve: () => void }> = []
  let messages: Message[] = []
  /** Partition group per peer; peers in different groups cannot reach each other. */
  const group = new Map<string, number>()
  /** Each moment who could reach whom changed: the partition groups, and who was down. */
  const history: Array<{ at: number; groups: Map<string, number>; down: Set<string> }> = [{ at: -Infinity, groups: new Map(), down: new Set() }]
  const noteReach = (): void => {
    history.push({ at: now, groups: new Map(group), down: new Set(peers.filter((peer) => !peer.up).map((peer) => peer.id)) })
  }

  const peers: Peer[] = Array.from({ length: options.peers }, (_, index) => {
    const doc = new Y.Doc()
    const peer = { id: `peer${index}`, doc, skewMs: options.skewsMs?.[index] ?? Math.round((random() * 2 - 1) * (options.maxSkewMs ?? 200)), up: true } as Peer
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_NET) return
      for (const to of peers) if (to !== peer) send(peer, to, update)
    })
    return peer
  })
  const reachable = (a: Peer, b: Peer): boolean => a.up && b.up && (group.get(a.id) ?? 0) === (group.get(b.id) ?? 0)
  /** When the last message on each link (from → to) arrives. */
  const linkClear = new Map<string, number>()
  const send = (from: Peer, to: Peer, update: Uint8Array): void => {
    if (!reachable(from, to)) return
    // Each link delivers in order, as a WebRTC data channel, the relay's socket and a lane's signed log all do: a
    // peer's later write never arrives before an earlier one (Yjs would apply its deletions ahead of it).
    const link = `${from.id}>${to.id}`
    const at = Math.max(now + STEP_MS + Math.floor(random() * (options.maxDelayMs - STEP_MS)), linkClear.get(link) ?? 0)
    linkClear.set(link, at)
    messages.push({ at, from, to, update })
  }
  const resync = (): void => {
    for (const a of peers) for (const b of peers) if (a !== b && reachable(a, b)) send(a, b, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)))
  }

  const presentTo = (peer: Peer): Peer[] => peers.filter((other) => other !== peer && reachable(peer, other))
  const start = (peer: Peer): void => {
    const physical = (): number => now + peer.skewMs
    // A restart forgets what it measured of the others' clocks, as a host's does.
    const room = new RoomClock(physical, () => presentTo(peer).map((other) => other.id))
    const clock = options.roomTime === false ? physical : room.now
    peer.clock = clock
    peer.table?.destroy()
    const table = new YjsRunTable(peer.doc, physical, { physical, onPeerClock: room.observe })
    peer.table = table
    const runMs = options.runMs ?? defaultRunMs
    const createRunner = options.protocol?.createRunner ?? ((runnerOptions: RunnerOptions) => new OccurrenceRunner(runnerOptions))
    peer.runner = createRunner({
      peer: peer.id,
      table,
      hlc: new HlcClock(peer.id, clock),
      clock: physical,
      ...(options.roomTime === false ? {} : { roomCorrection: () => room.correction() }),
      capablePeers: () => [peer, ...presentTo(peer)].map((other) => other.id),
      execute: (entry: QueueEntry) =>
        new Promise<void>((resolve) => {
          const own = table.claims(entry.occurrence.id).find((claim) => claim.peer === peer.id)
          const claimedAt = own?.at === undefined ? now : own.at - peer.skewMs
          const execution: Execution = { occurrence: entry.occurrence.id, peer: peer.id, dueAt: entry.occurrence.dueAt, claimedAt, startedAt: now }
          executions.push(execution)
          finishing.push({ at: now + runMs(random), peer, execution, resolve })
        }),
    })
    peer.queue = new OccurrenceQueue()
    for (const operation of operations) peer.queue.set(operation, nextOccurrence(operation.id, operation, -Infinity))
  }
  for (const peer of peers) start(peer)

  // The chaos schedule, drawn up front from the seed.
  const changes: Change[] = []
  for (const peer of peers) {
    if (!options.crashes || random() < 0.4) continue
    const crashAt = now + Math.floor(random() * (options.chaosUntil - now))
    const restartAt = Math.min(options.chaosUntil, crashAt + Math.floor(random() * 20_000))
    changes.push({ at: crashAt, apply: () => crash(peer) }, { at: restartAt, apply: () => restart(peer) })
  }
  if (options.partitions) {
    for (let cut = 0; cut < 2; cut++) {
      const from = now + Math.floor(random() * (options.chaosUntil - now))
      const until = Math.min(options.chaosUntil, from + Math.floor(random() * 30_000))
      const sides = new Map(peers.map((peer) => [peer.id, random() < 0.5 ? 1 : 2]))
      changes.push({ at: from, apply: () => partition(sides) }, { at: until, apply: () => partition(new Map()) })
    }
  }
  if (options.asleep) {
    const { from, until } = options.asleep
    for (const peer of peers) changes.push({ at: from, apply: () => crash(peer) }, { at: until, apply: () => restart(peer) })
  }
  changes.sort((a, b) => a.at - b.at)
  const crash = (peer: Peer): void => {
    if (!peer.up) return
    peer.up = false
    noteReach()
    for (const pending of finishing) if (pending.peer === peer && pending.execution.finishedAt === undefined) pending.execution.crashedAt = now
    // Its unfinished runs never finish; its replica survives, as stored data does.
    finishing.splice(0, finishing.length, ...finishing.filter((pending) => pending.peer !== peer))
  }
  const restart = (peer: Peer): void => {
    if (peer.up) return
    peer.up = true
    noteReach()
    start(peer)
    resync()
  }
  const partition = (sides: Map<string, number>): void => {
    group.clear()
    for (const [id, side] of sides) group.set(id, side)
    noteReach()
    // Peers that can reach each other again exchange what they missed, as y-webrtc's sync step does on connecting.
    resync()
  }

  for (; now <= options.endAt; now += STEP_MS) {
    while (changes[0] && changes[0].at <= now) changes.shift()!.apply()
    if (now >= options.chaosUntil) for (const peer of peers) restart(peer)
    const due = messages.filter((message) => message.at <= now)
    messages = messages.filter((message) => message.at > now)
    // A message in flight is lost if its peers were cut apart meanwhile.
    for (const message of due) if (reachable(message.from, message.to)) Y.applyUpdate(message.to.doc, message.update, FROM_NET)
    for (const pending of finishing.filter((candidate) => candidate.at <= now)) {
      pending.execution.finishedAt = now
      pending.resolve()
    }
    finishing.splice(0, finishing.length, ...finishing.filter((candidate) => candidate.at > now))
    // Let the runners record what just finished.
    for (let turn = 0; turn < 5; turn++) await Promise.resolve()
    for (const peer of peers) {
      if (!peer.up) continue
      if ((now - options.operation.dueAt) % options.scheduler.everyMs === 0) {
        const { started } = tick(options.scheduler, peer.queue, { now: peer.clock(), lookAheadMs: (options.protocol?.claimLeadMs ?? CLAIM_LEAD_MS) + options.scheduler.everyMs, elapsed: () => 0, start: (entry) => peer.runner.offer(entry) })
        mostStartedInATick = Math.max(mostStartedInATick, started.length)
      }
      peer.runner.advance()
    }
  }

  return {
    executions,
    mostStartedInATick,
    recorded: peers.map((peer) => {
      const table = new YjsRunTable(peer.doc, () => now)
      return new Set(executions.map((execution) => execution.occurrence).filter((occurrence) => table.run(occurrence as OccurrenceId) !== undefined))
    }),
    connectedThroughout: (a, b, from, to) => {
      // The state in effect at `from`, and every change until `to`.
      const states = history.filter((entry, index) => entry.at <= to && (history[index + 1]?.at ?? Infinity) > from)
      return states.every((state) => !state.down.has(a) && !state.down.has(b) && (state.groups.get(a) ?? 0) === (state.groups.get(b) ?? 0))
    },
  }
}
