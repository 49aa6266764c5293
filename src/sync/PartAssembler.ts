/**
 * Reassembles the relay fallback's `part` messages (relayFrames.ts) for one
 * room. Parts of one message may come in any order and interleave with
 * other messages and senders; what the room holds of unfinished messages is
 * bounded per room (ReassemblyBudget), not per sender, since a member can
 * invent sender ids at will.
 */
import { PART_BYTES } from './relayFrames.ts'
import { ReassemblyBudget, type HeldMessage } from './ReassemblyBudget.ts'

/** A reassembled message (a cold sync step 2) may be this big. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024
const MAX_PARTS = Math.ceil(MAX_MESSAGE_BYTES / PART_BYTES)
/** Unfinished messages one room may hold, in bytes: one message at the largest size. */
export const MAX_ROOM_PART_BYTES = MAX_MESSAGE_BYTES
/** Unfinished messages one room may hold: a cold sync from each of a busy room's relay peers at once. */
const MAX_ROOM_PART_MESSAGES = 32
/**
 * A message no part of which arrived for this long is dropped. Long enough
 * for an honest sender whose parts wait their turn behind every other room
 * on its relay connection; a stalled message is otherwise dropped only
 * when a newer one needs the room.
 */
const IDLE_MS = 30_000

export interface Part {
  readonly from: string
  readonly id: number
  readonly index: number
  readonly count: number
  readonly bytes: Uint8Array
}

interface Assembly {
  readonly from: string
  readonly parts: (Uint8Array | undefined)[]
  readonly held: HeldMessage
  received: number
  bytes: number
  lastPartAt: number
}

export type PartResult = { readonly kind: 'partial' } | { readonly kind: 'message'; readonly message: Uint8Array } | { readonly kind: 'invalid' }

export class PartAssembler {
  private readonly assemblies = new Map<string, Assembly>()
  private readonly budget = new ReassemblyBudget(MAX_ROOM_PART_BYTES, MAX_ROOM_PART_MESSAGES)

  /** Bytes of unfinished messages held now. */
  get bufferedBytes(): number {
    return this.budget.bytes
  }

  /** Takes one part: the whole message once its last part is in. */
  add(part: Part, now: number): PartResult {
    const { from, id, index, count, bytes } = part
    if (count < 2 || count > MAX_PARTS || index >= count || bytes.length > PART_BYTES) return { kind: 'invalid' }
    const key = `${from} ${id}`
    let assembly = this.assemblies.get(key)
    if (!assembly) {
      const held = this.budget.hold(() => this.assemblies.delete(key))
      assembly = { from, parts: new Array<Uint8Array | undefined>(count), held, received: 0, bytes: 0, lastPartAt: now }
      this.assemblies.set(key, assembly)
    }
    if (assembly.parts.length !== count) return this.refuse(key, assembly)
    if (assembly.parts[index] !== undefined) return { kind: 'partial' } // a replay
    // Larger than a message may be: the budget has let go of it already.
    if (!assembly.held.add(bytes.length)) return this.refuse(key, assembly)
    assembly.parts[index] = bytes
    assembly.received++
    assembly.bytes += bytes.length
    assembly.lastPartAt = now
    if (assembly.received < count) return { kind: 'partial' }
    this.drop(key, assembly)
    const message = new Uint8Array(assembly.bytes)
    let offset = 0
    for (const received of assembly.parts) {
      if (!received) continue
      message.set(received, offset)
      offset += received.length
    }
    return { kind: 'message', message }
  }

  /** Drops what a peer that left was sending. */
  forget(from: string): void {
    for (const [key, assembly] of this.assemblies) if (assembly.from === from) this.drop(key, assembly)
  }

  /** Drops messages whose parts stopped coming. */
  expire(now: number): void {
    for (const [key, assembly] of this.assemblies) if (now - assembly.lastPartAt > IDLE_MS) this.drop(key, assembly)
  }

  private refuse(key: string, assembly: Assembly): PartResult {
    this.drop(key, assembly)
    return { kind: 'invalid' }
  }

  private drop(key: string, assembly: Assembly): void {
    this.assemblies.delete(key)
    assembly.held.release()
  }
}
