/**
 * One scheduler's queue (SPEC Q1): the next unfinished occurrence of each of
 * its active operations, as a binary min-heap by due time then occurrence
 * id, with each operation's position indexed. Adding, moving or removing an
 * operation costs O(log n); the earliest is at the top. Nothing here scans
 * the operations table: the owner calls `set` for what changed.
 */
import type { Occurrence } from './occurrences.ts'
import type { Operation, OperationId } from './operations.ts'

export interface QueueEntry {
  readonly operation: Operation
  readonly occurrence: Occurrence
}

function earlier(a: QueueEntry, b: QueueEntry): boolean {
  if (a.occurrence.dueAt !== b.occurrence.dueAt) return a.occurrence.dueAt < b.occurrence.dueAt
  return a.occurrence.id < b.occurrence.id
}

export class OccurrenceQueue {
  private readonly heap: QueueEntry[] = []
  private readonly positions = new Map<OperationId, number>()

  get size(): number {
    return this.heap.length
  }

  /** The earliest entry, without taking it. */
  peek(): QueueEntry | undefined {
    return this.heap[0]
  }

  get(operationId: OperationId): QueueEntry | undefined {
    const position = this.positions.get(operationId)
    return position === undefined ? undefined : this.heap[position]
  }

  /** Puts the operation's next occurrence in the queue, replacing what it had there; undefined takes it out. */
  set(operation: Operation, occurrence: Occurrence | undefined): void {
    if (!occurrence) return this.delete(operation.id)
    const entry = { operation, occurrence }
    const position = this.positions.get(operation.id)
    if (position === undefined) {
      this.heap.push(entry)
      this.positions.set(operation.id, this.heap.length - 1)
      this.up(this.heap.length - 1)
      return
    }
    const before = this.heap[position]!
    this.heap[position] = entry
    if (earlier(entry, before)) this.up(position)
    else this.down(position)
  }

  delete(operationId: OperationId): void {
    const position = this.positions.get(operationId)
    if (position === undefined) return
    this.positions.delete(operationId)
    const last = this.heap.pop()!
    if (position === this.heap.length) return
    this.heap[position] = last
    this.positions.set(last.operation.id, position)
    this.up(position)
    this.down(this.positions.get(last.operation.id)!)
  }

  /** The first `limit` entries in due order (for views), in O(limit · log n) without disturbing the queue. */
  upcoming(limit: number): QueueEntry[] {
    const found: QueueEntry[] = []
    // A frontier of heap positions: the next in order is always the earliest of the frontier.
    const frontier: number[] = this.heap.length > 0 ? [0] : []
    while (found.length < limit && frontier.length > 0) {
      let best = 0
      for (let index = 1; index < frontier.length; index++) if (earlier(this.heap[frontier[index]!]!, this.heap[frontier[best]!]!)) best = index
      const position = frontier.splice(best, 1)[0]!
      found.push(this.heap[position]!)
      for (const child of [2 * position + 1, 2 * position + 2]) if (child < this.heap.length) frontier.push(child)
    }
    return found
  }

  private up(position: number): void {
    const entry = this.heap[position]!
    while (position > 0) {
      const parent = (position - 1) >> 1
      const above = this.heap[parent]!
      if (!earlier(entry, above)) break
      this.place(above, position)
      position = parent
    }
    this.place(entry, position)
  }

  private down(position: number): void {
    const entry = this.heap[position]!
    for (;;) {
      const left = 2 * position + 1
      if (left >= this.heap.length) break
      const right = left + 1
      const child = right < this.heap.length && earlier(this.heap[right]!, this.heap[left]!) ? right : left
      if (!earlier(this.heap[child]!, entry)) break
      this.place(this.heap[child]!, position)
      position = child
    }
    this.place(entry, position)
  }

  private place(entry: QueueEntry, position: number): void {
    this.heap[position] = entry
    this.positions.set(entry.operation.id, position)
  }
}
