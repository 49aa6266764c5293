/**
 * What a lane's checkpoint must carry of what it supersedes (SECURITY
 * EQV2), and how an honest lane builds one that carries no more than its
 * doc still needs (EQV5).
 *
 * A checkpoint carries every struct its lane wrote, at the same clock and
 * byte for byte, with one exception: a run of structs Yjs has collected
 * may be carried as one collected (GC) range. Yjs collects an item only
 * once the type holding it is deleted; until then a deleted item keeps its
 * place, because other items are positioned against it. So a struct may
 * be carried collected only if the checkpoint shows why:
 *   - it names its parent, and the checkpoint deletes that parent (an item
 *     of a deleted type is collected wherever the deletion arrives); or
 *   - it takes its parent from its origin (or, without one, its right
 *     origin), and that lies in a range the checkpoint also carries
 *     collected, so the same reason holds one step back;
 * and the checkpoint deletes the range itself. A peer that holds the
 * struct checks this against it; a newcomer, given only the checkpoint,
 * gets the collected range, which is what the deletion gives the peers
 * that had the struct. A lane that "collected" a live item, or one whose
 * type lives on, would show newcomers another space than the one its
 * peers hold: that is a second history, and the lane is void (EQV1).
 *
 * Without this a checkpoint re-sends every claim and run record its lane
 * ever wrote: ~300 MB a day for a 100 ms operation (bench:scheduler (d)).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { encodeUpdate, readStructHead, readUpdateShape, sortedRanges, type Deletions, type Id, type Section, type StructHead, type UpdateShape } from './joinUpdates.ts'

const GC_KIND = 0

/** One struct of a section: where it starts (clock, byte offset in the section) and what it says. */
interface WalkedStruct {
  readonly clock: number
  readonly offset: number
  readonly end: number
  readonly head: StructHead
}

function walk(section: Section): WalkedStruct[] | undefined {
  const structs: WalkedStruct[] = []
  try {
    const decoder = decoding.createDecoder(section.bytes)
    for (let clock = section.clock; decoding.hasContent(decoder); ) {
      const offset = decoder.pos
      const head = readStructHead(decoder)
      structs.push({ clock, offset, end: decoder.pos, head })
      clock += head.length
    }
  } catch {
    return undefined
  }
  return structs
}

/** Whether sorted, merged [clock, length] ranges hold every clock of [from, to). */
function holds(ranges: ReadonlyArray<readonly [number, number]> | undefined, from: number, to: number): boolean {
  if (!ranges) return false
  let low = 0
  let high = ranges.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const [start, length] = ranges[middle]!
    if (from < start) high = middle - 1
    else if (from >= start + length) low = middle + 1
    else return to <= start + length
  }
  return false
}

/** Per client, its collected ranges as sorted, merged [clock, length]. */
type Collected = Map<number, Array<[number, number]>>

/** The reason a checkpoint may carry a struct collected, as the checkpoint's deletions (`isDeleted`) and collected ranges (`isCollected`) show it. */
function mayBeCollected(head: StructHead, isDeleted: (id: Id) => boolean, isCollected: (id: Id) => boolean): boolean {
  if (head.kind === GC_KIND) return true
  if (head.parent) return 'item' in head.parent && isDeleted(head.parent.item)
  const anchor: Id | undefined = head.origin ?? head.rightOrigin
  return anchor !== undefined && isCollected(anchor)
}

/** Whether sorted, merged ranges by client hold an id. */
const holdsId = (ranges: ReadonlyMap<number, ReadonlyArray<readonly [number, number]>>, [client, clock]: Id): boolean => holds(ranges.get(client), clock, clock + 1)

/**
 * What one update (a lane's checkpoint) holds, to check other updates
 * against: whether each writes nothing it does not hold, byte for byte or
 * collected with a reason (see the module comment), and deletes nothing
 * it does not delete.
 */
export class UpdateCoverage {
  private readonly shape: UpdateShape | undefined
  /** Per section of the outer update, its structs by starting clock, walked on first need. */
  private readonly structs = new Map<Section, Map<number, WalkedStruct> | undefined>()
  private deleted: Map<number, Array<[number, number]>> | undefined
  private collected: Collected | undefined

  constructor(outer: Uint8Array) {
    this.shape = readUpdateShape(outer)
  }

  /** Undefined when either update is not one this walker reads. */
  covers(inner: Uint8Array): boolean | undefined {
    const innerShape = readUpdateShape(inner)
    if (!this.shape || !innerShape) return undefined
    for (const section of innerShape.sections) if (!this.coversSection(section)) return false
    const deleted = this.deletedRanges()
    for (const [client, flat] of innerShape.deletions) {
      for (let index = 0; index < flat.length; index += 2) {
        const [clock, length] = [flat[index]!, flat[index + 1]!]
        if (length > 0 && !holds(deleted.get(client), clock, clock + length)) return false
      }
    }
    return true
  }

  private coversSection(section: Section): boolean {
    const around = this.shape!.sections.find((candidate) => candidate.client === section.client && candidate.clock <= section.clock && candidate.end >= section.end)
    const outerStructs = around && this.structsOf(around)
    if (!around || !outerStructs) return false
    // The common case, and the only one before anything was collected: the section's bytes, as they are, at a struct boundary.
    const start = outerStructs.get(section.clock)
    if (start && start.offset + section.bytes.length <= around.bytes.length && sameBytes(around.bytes, start.offset, section.bytes, 0, section.bytes.length)) return true
    const innerStructs = walk(section)
    if (!innerStructs) return false
    return innerStructs.every((struct) => {
      const same = outerStructs.get(struct.clock)
      if (same && same.end - same.offset === struct.end - struct.offset && sameBytes(around.bytes, same.offset, section.bytes, struct.offset, struct.end - struct.offset)) return true
      const to = struct.clock + struct.head.length
      const [deleted, collected] = [this.deletedRanges(), this.collectedRanges()]
      return holds(collected.get(section.client), struct.clock, to) && holds(deleted.get(section.client), struct.clock, to) && mayBeCollected(struct.head, (id) => holdsId(deleted, id), (id) => holdsId(collected, id))
    })
  }

  private structsOf(section: Section): Map<number, WalkedStruct> | undefined {
    if (!this.structs.has(section)) {
      const walked = walk(section)
      this.structs.set(section, walked && new Map(walked.map((struct) => [struct.clock, struct])))
    }
    return this.structs.get(section)
  }

  private deletedRanges(): Map<number, Array<[number, number]>> {
    this.deleted ??= new Map([...this.shape!.deletions].map(([client, flat]) => [client, sortedRanges(flat)]))
    return this.deleted
  }

  private collectedRanges(): Collected {
    if (!this.collected) {
      const flat: Deletions = new Map()
      for (const section of this.shape!.sections) {
        for (const struct of this.structsOf(section)?.values() ?? []) {
          if (struct.head.kind === GC_KIND) flat.set(section.client, [...(flat.get(section.client) ?? []), struct.clock, struct.head.length])
        }
      }
      this.collected = new Map([...flat].map(([client, ranges]) => [client, sortedRanges(ranges)]))
    }
    return this.collected
  }
}

function sameBytes(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, length: number): boolean {
  for (let index = 0; index < length; index++) if (a[aFrom + index] !== b[bFrom + index]) return false
  return true
}

/** Whether every struct `doc` holds in [from, to) of a client is a collected range. */
function collectedInDoc(doc: Y.Doc, client: number, from: number, to: number): boolean {
  const structs = doc.store.clients.get(client)
  if (!structs || structs.length === 0 || from < structs[0]!.id.clock) return false
  const last = structs[structs.length - 1]!
  if (to > last.id.clock + last.length) return false
  for (let index = Y.findIndexSS(structs, from); index < structs.length && structs[index]!.id.clock < to; index++) {
    if (!(structs[index] instanceof Y.GC)) return false
  }
  return true
}

/**
 * EQV5: a lane's joined updates with every run of structs `doc` has
 * collected carried as one collected range, where the reason holds (see
 * mayBeCollected); the deletions grow by those ranges and the parents
 * that explain them. Structs that do not qualify stay byte for byte, so
 * the result always passes UpdateCoverage against everything it joins.
 * Undefined for updates this walker cannot read.
 */
export function collectCheckpoint(joined: Uint8Array, doc: Y.Doc): Uint8Array | undefined {
  const shape = readUpdateShape(joined)
  if (!shape) return undefined
  const deletions: Deletions = new Map([...shape.deletions].map(([client, flat]) => [client, [...flat]]))
  const addDeletion = (client: number, clock: number, length: number): void => {
    const flat = deletions.get(client) ?? []
    flat.push(clock, length)
    deletions.set(client, flat)
  }
  // A parent counts as deleted if this doc has seen it deleted, by this lane or another: the checkpoint then says so too.
  const deleteSet = Y.createDeleteSetFromStructStore(doc.store)
  const deletedInDoc = ([client, clock]: Id): boolean => Y.isDeleted(deleteSet, Y.createID(client, clock))
  const collected: Collected = new Map()
  const sections: Section[] = []
  for (const section of [...shape.sections].sort((a, b) => a.client - b.client || a.clock - b.clock)) {
    const structs = walk(section)
    if (!structs) return undefined
    const out = encoding.createEncoder()
    let count = 0
    let pendingGc = 0
    const flushGc = (): void => {
      if (pendingGc === 0) return
      encoding.writeUint8(out, GC_KIND)
      encoding.writeVarUint(out, pendingGc)
      count++
      pendingGc = 0
    }
    for (const struct of structs) {
      const to = struct.clock + struct.head.length
      if (collectedInDoc(doc, section.client, struct.clock, to) && mayBeCollected(struct.head, deletedInDoc, (id) => holdsId(collected, id))) {
        // The parent that explains it is deleted in the checkpoint too, whoever deleted it.
        if (struct.head.parent && 'item' in struct.head.parent) addDeletion(struct.head.parent.item[0], struct.head.parent.item[1], 1)
        addDeletion(section.client, struct.clock, struct.head.length)
        const ranges = collected.get(section.client) ?? []
        const last = ranges.at(-1)
        if (last && last[0] + last[1] === struct.clock) last[1] += struct.head.length
        else ranges.push([struct.clock, struct.head.length])
        collected.set(section.client, ranges)
        pendingGc += struct.head.length
        continue
      }
      flushGc()
      encoding.writeUint8Array(out, section.bytes.subarray(struct.offset, struct.end))
      count++
    }
    flushGc()
    sections.push({ client: section.client, clock: section.clock, end: section.end, structs: count, bytes: encoding.toUint8Array(out) })
  }
  return encodeUpdate(sections, deletions)
}
