/**
 * The node's rooms, holding back what it says until its disk has it. A
 * device that sees "Up to date" counts on the devices that acknowledged its
 * changes to keep them; a peer whose claim the node acknowledged (SPEC CL4)
 * runs it on that word. A node that acknowledged, then lost the envelope to
 * a `kill -9` before LevelDB wrote it, would have lied to both. So, between
 * a space's transport doc and the room that carries it:
 *
 *   - what the node writes to the log (its claims, acknowledgements, run
 *     records, the changes its runs make) reaches the room only once
 *     LevelDB has written it: the room is given an outbox doc that mirrors
 *     the transport doc, and the transport's own updates are copied into it
 *     after the store's `saved()`. What peers send is taken at once;
 *   - the "seen" acknowledgements in the node's signed presence cover only
 *     envelopes written to disk: the room reads the log through a view
 *     whose lane heads are the ones held when the last write completed.
 *
 * So whatever any peer learned from the node is on the node's disk, and a
 * node restarted after a kill contradicts nothing it said. A doc no store
 * keeps (a beacon room's, MovableRoom) has nothing to wait for.
 */
import { toHexString } from 'lib0/buffer'
import * as Y from 'yjs'
import type { SignedLog } from '../core/space/SignedLog.ts'
import type { RoomConnection, RoomConnector, RoomRequest } from '../core/space/SpaceRoom.ts'

/** What DurableRooms needs of a stored doc. */
export interface DurableDoc {
  /** Resolves once every change the doc made so far is written. */
  saved(): Promise<void>
}

/** Lanes whose heads the view keeps: far more than a room's peers ever await (MAX_AWAITING each). */
const MAX_LANES = 4_096

export class DurableRooms implements RoomConnector {
  constructor(
    private readonly inner: RoomConnector,
    /** The store's handle on a doc (the space's transport doc), once it is attached; undefined for a doc no store keeps. */
    private readonly storedOf: (doc: Y.Doc) => DurableDoc | undefined,
  ) {}

  join(request: RoomRequest): RoomConnection {
    const gate = new DurabilityGate(request.transport, request.log, this.storedOf)
    const connection = this.inner.join({ ...request, transport: gate.outbox, log: gate.log })
    return {
      get status() {
        return connection.status
      },
      onStatus: (listener) => connection.onStatus(listener),
      close: () => {
        connection.close()
        gate.close()
      },
    }
  }
}

interface LaneMark {
  readonly author: Uint8Array
  readonly lane: Uint8Array
  next: number
  head: Uint8Array | undefined
}

const laneKey = (author: Uint8Array, lane: Uint8Array): string => `${toHexString(author)}/${toHexString(lane)}`

class DurabilityGate {
  readonly outbox = new Y.Doc()
  readonly log: SignedLog
  /** The transport's own updates not yet written, oldest first. */
  private pending: Uint8Array[] = []
  /** Something changed since the marks were last taken (a peer's update, a lane asked for). */
  private dirty = false
  private flushing = false
  private closed = false
  /** Per lane a peer awaits acknowledgement of: its head as of the last completed write. */
  private readonly marks = new Map<string, LaneMark>()
  private readonly listeners = new Set<() => void>()

  constructor(
    private readonly transport: Y.Doc,
    private readonly signedLog: SignedLog,
    private readonly storedOf: (doc: Y.Doc) => DurableDoc | undefined,
  ) {
    transport.on('update', this.fromTransport)
    this.outbox.on('update', this.fromRoom)
    // What the transport holds already goes out the same way: once written.
    this.pending.push(Y.encodeStateAsUpdate(transport))
    this.flush()
    this.log = this.durableLog()
  }

  close(): void {
    this.closed = true
    this.transport.off('update', this.fromTransport)
    this.outbox.off('update', this.fromRoom)
    this.listeners.clear()
    this.outbox.destroy()
  }

  private readonly fromTransport = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) this.dirty = true
    else this.pending.push(update)
    this.flush()
  }

  /** A peer's update (or its answer to the node's state vector): taken at once. */
  private readonly fromRoom = (update: Uint8Array, origin: unknown): void => {
    if (origin !== this && !this.closed) Y.applyUpdate(this.transport, update, this)
  }

  private flush(): void {
    if (this.flushing || this.closed) return
    this.flushing = true
    void this.drain().finally(() => (this.flushing = false))
  }

  private async drain(): Promise<void> {
    while (!this.closed && (this.pending.length > 0 || this.dirty)) {
      // After every listener of the update that woke this has run: storage has queued it by then.
      await Promise.resolve()
      const batch = this.pending.splice(0)
      this.dirty = false
      const heads = [...this.marks.values()].map((mark) => ({ mark, next: this.signedLog.log.nextSeq(mark.author, mark.lane), head: this.signedLog.log.head(mark.author, mark.lane) }))
      // Read after the microtask: the store is attached in the same run of code that joined the room, just after.
      await this.storedOf(this.transport)?.saved()
      if (this.closed) return
      if (batch.length > 0) Y.applyUpdate(this.outbox, batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch), this)
      let moved = false
      for (const { mark, next, head } of heads) {
        if (next <= mark.next) continue
        mark.next = next
        mark.head = head
        moved = true
      }
      if (moved) for (const listener of this.listeners) listener()
    }
  }

  /** The head the node may acknowledge of a lane: the one on disk. A lane asked for the first time is marked at the next write. */
  private markOf(author: Uint8Array, lane: Uint8Array): LaneMark {
    const key = laneKey(author, lane)
    let mark = this.marks.get(key)
    if (!mark) {
      if (this.marks.size >= MAX_LANES) this.marks.delete(this.marks.keys().next().value!)
      mark = { author, lane, next: 0, head: undefined }
      this.marks.set(key, mark)
      this.dirty = true
      this.flush()
    }
    return mark
  }

  /** The signed log as the room reads it: its envelope log's lane heads are the written ones, and its changes are told once written. */
  private durableLog(): SignedLog {
    const real = this.signedLog.log
    const view = new Proxy(real, {
      get: (target, property) => {
        if (property === 'nextSeq') return (author: Uint8Array, lane: Uint8Array) => Math.min(target.nextSeq(author, lane), this.markOf(author, lane).next)
        if (property === 'head') return (author: Uint8Array, lane: Uint8Array) => this.markOf(author, lane).head ?? target.head(author, lane)
        return bound(target, property)
      },
    })
    return new Proxy(this.signedLog, {
      get: (target, property) => {
        if (property === 'log') return view
        if (property === 'onChange')
          return (listener: () => void) => {
            this.listeners.add(listener)
            return () => this.listeners.delete(listener)
          }
        return bound(target, property)
      },
    })
  }
}

/** A property of `target`, its methods bound to it (the view is not the object they were written for). */
function bound(target: object, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property, target)
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
}
