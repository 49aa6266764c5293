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

/** A heap cell: an operation's entry and where it sits, so sifting updates a number, not a map. */
interface Slot {
  entry: QueueEntry
  position: number
}

export class OccurrenceQueue {
  private readonly heap: Slot[] = []
  private readonly slots = new Map<OperationId, Slot>()

  get size(): number {
    return this.heap.length
  }

  /** The earliest entry, without taking it. */
  peek(): QueueEntry | undefined {
    return this.heap[0]?.entry
  }

  get(operationId: OperationId): QueueEntry | undefined {
    return this.slots.get(operationId)?.entry
  }

  /** Puts the operation's next occurrence in the queue, replacing what it had there; undefined takes it out. */
  set(operation: Operation, occurrence: Occurrence | undefined): void {
    if (!occurrence) return this.delete(operation.id)
    const entry = { operation, occurrence }
    const slot = this.slots.get(operation.id)
    if (!slot) {
      const added = { entry, position: this.heap.length }
      this.heap.push(added)
      this.slots.set(operation.id, added)
      this.up(added)
      return
    }
    const before = slot.entry
    slot.entry = entry
    if (earlier(entry, before)) this.up(slot)
    else this.down(slot)
  }

  delete(operationId: OperationId): void {
    const slot = this.slots.get(operationId)
    if (!slot) return
    this.slots.delete(operationId)
    const last = this.heap.pop()!
    if (last === slot) return
    this.place(last, slot.position)
    this.up(last)
    this.down(last)
  }

  /** The first `limit` entries in due order (for views), without disturbing the queue: O(limit²) comparisons, whatever its size. */
  upcoming(limit: number): QueueEntry[] {
    const found: QueueEntry[] = []
    // A frontier of heap positions: the next in order is always the earliest of the frontier.
    const frontier: number[] = this.heap.length > 0 ? [0] : []
    while (found.length < limit && frontier.length > 0) {
      let best = 0
      for (let index = 1; index < frontier.length; index++) if (earlier(this.heap[frontier[index]!]!.entry, this.heap[frontier[best]!]!.entry)) best = index
      const position = frontier.splice(best, 1)[0]!
      found.push(this.heap[position]!.entry)
      for (const child of [2 * position + 1, 2 * position + 2]) if (child < this.heap.length) frontier.push(child)
    }
    return found
  }

  private up(slot: Slot): void {
    let position = slot.position
    while (position > 0) {
      const parent = (position - 1) >> 1
      const above = this.heap[parent]!
      if (!earlier(slot.entry, above.entry)) break
      this.place(above, position)
      position = parent
    }
    this.place(slot, position)
  }

  private down(slot: Slot): void {
    let position = slot.position
    for (;;) {
      const left = 2 * position + 1
      if (left >= this.heap.length) break
      const right = left + 1
      const child = right < this.heap.length && earlier(this.heap[right]!.entry, this.heap[left]!.entry) ? right : left
      const below = this.heap[child]!
      if (!earlier(below.entry, slot.entry)) break
      this.place(below, position)
      position = child
    }
    this.place(slot, position)
  }

  private place(slot: Slot, position: number): void {
    this.heap[position] = slot
    slot.position = position
  }
}
