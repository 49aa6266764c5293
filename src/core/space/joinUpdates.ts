/**
 * Joins Yjs (v1) updates into one without decoding their content, for a
 * cold sync: a newcomer receives each lane's checkpoint and tail, and must
 * apply them as one update (applied one by one, an update whose
 * dependencies come later is parked and re-merged on every later apply).
 * Y.mergeUpdates would do, but it decodes every struct and writes it again;
 * for 100,000 edits that is a fifth of a second on a phone-class CPU.
 *
 * An update is: the number of client sections; per section its struct
 * count, client, first clock and structs (each one's clock is implicit, so
 * a struct's bytes stand alone); then the delete set, client entries that
 * Yjs applies one by one. So updates whose sections are different clients,
 * or the same client's clocks continuing exactly, join by copying bytes:
 * structs are only walked to find where they end and how many clocks they
 * span. Delete sets are read (they are only numbers) and merged per client
 * as Yjs merges them, since every redundant range costs a lookup when
 * applied. Anything else (overlapping or gapped clocks of one client, an
 * empty struct or section, a struct kind this walker does not know, text
 * whose UTF-16 length it cannot count, a truncated update) returns
 * undefined, and the caller merges the Yjs way. Content that is only
 * skipped (names, JSON, values) is not checked: where it is malformed,
 * applying the result throws as applying Y.mergeUpdates's would.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

export interface Section {
  readonly client: number
  readonly clock: number
  /** The clock after its last struct. */
  readonly end: number
  readonly structs: number
  readonly bytes: Uint8Array
}

/** Per client, its deleted ranges as clock, length, clock, length… */
export type Deletions = Map<number, number[]>

/**
 * An update read once: its struct sections (which clients it writes, and
 * from which clock to which) and its delete set. The envelope log reads
 * each envelope's update this way to check whose clientIDs it writes, and
 * joining reuses the same reading instead of walking the structs again.
 */
export interface UpdateShape {
  readonly sections: readonly Section[]
  readonly deletions: Deletions
}

/**
 * A session's own updates, each without the structs an earlier one already
 * held. Yjs's update for a transaction holds everything written since it
 * began, so it also holds what its observers wrote meanwhile, which their
 * own updates hold again (a host moves its progress mark from an observer
 * as a run is recorded). Updates that overlap do not join.
 */
export class RepeatFilter {
  /** Per clientID, the clock up to which structs were let through. */
  private readonly through = new Map<number, number>()

  /** The update without what was let through before; undefined if nothing is left. */
  withoutRepeats(update: Uint8Array): Uint8Array | undefined {
    let shape = readUpdateShape(update)
    const repeats = shape?.sections.some((section) => section.clock < (this.through.get(section.client) ?? 0))
    const trimmed = repeats ? Y.diffUpdate(update, Y.encodeStateVector(this.through)) : update
    if (repeats) shape = readUpdateShape(trimmed)
    if (shape) {
      if (shape.sections.length === 0 && shape.deletions.size === 0) return undefined
      for (const section of shape.sections) this.through.set(section.client, Math.max(section.end, this.through.get(section.client) ?? 0))
    }
    return trimmed
  }
}

/** Not a shape this walker can join: the caller falls back to Y.mergeUpdates. */
class CannotJoin extends Error {}

/**
 * The updates as one: the only one as it is, joined by copying where that
 * is safe, merged by Yjs otherwise. What every batch of log or transport
 * updates goes through before it is applied, sealed or sent. `shapes`,
 * when given, are the updates already read (readUpdateShape), one each.
 */
export function combineUpdates(updates: readonly Uint8Array[], shapes?: ReadonlyArray<UpdateShape | undefined>): Uint8Array {
  if (updates.length === 1) return updates[0]!
  return joinUpdates(updates, shapes) ?? Y.mergeUpdates([...updates])
}

/**
 * Reads an update's sections and delete set, or undefined for one this
 * walker cannot read (unknown, malformed or truncated; Yjs then merges it,
 * or says what is wrong with it). Honest Yjs (v1) updates always read.
 */
export function readUpdateShape(update: Uint8Array): UpdateShape | undefined {
  const sections: Section[] = []
  const deletions: Deletions = new Map()
  try {
    readUpdate(update, sections, deletions)
  } catch {
    return undefined
  }
  return { sections, deletions }
}

export function joinUpdates(updates: readonly Uint8Array[], shapes?: ReadonlyArray<UpdateShape | undefined>): Uint8Array | undefined {
  const sections: Section[] = []
  const deletions: Deletions = new Map()
  for (const [index, update] of updates.entries()) {
    const shape = shapes?.[index] ?? readUpdateShape(update)
    if (!shape) return undefined
    // Loops, not spreads: a cold sync's batch may hold more items than a call takes arguments.
    for (const section of shape.sections) sections.push(section)
    for (const [client, flat] of shape.deletions) {
      const merged = deletions.get(client) ?? []
      for (const value of flat) merged.push(value)
      deletions.set(client, merged)
    }
  }
  return encodeUpdate(sections, deletions)
}

/** Sections and deletions as one update (v1), or undefined where one client's sections do not continue each other exactly. */
export function encodeUpdate(sections: readonly Section[], deletions: Deletions): Uint8Array | undefined {
  const byClient = new Map<number, Section[]>()
  for (const section of sections) {
    const ofClient = byClient.get(section.client) ?? []
    ofClient.push(section)
    byClient.set(section.client, ofClient)
  }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, byClient.size)
  // Clients in descending order, as Yjs writes them.
  for (const [client, ofClient] of [...byClient].sort((a, b) => b[0] - a[0])) {
    ofClient.sort((a, b) => a.clock - b.clock)
    for (let index = 1; index < ofClient.length; index++) if (ofClient[index]!.clock !== ofClient[index - 1]!.end) return undefined
    encoding.writeVarUint(encoder, ofClient.reduce((sum, section) => sum + section.structs, 0))
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, ofClient[0]!.clock)
    for (const section of ofClient) encoding.writeUint8Array(encoder, section.bytes)
  }
  writeDeletions(encoder, deletions)
  return encoding.toUint8Array(encoder)
}

/** Clock, length pairs, sorted and merged where they touch or overlap. */
export function sortedRanges(flat: readonly number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  for (let index = 0; index < flat.length; index += 2) ranges.push([flat[index]!, flat[index + 1]!])
  ranges.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const range of ranges) {
    const last = merged.at(-1)
    if (last && last[0] + last[1] >= range[0]) last[1] = Math.max(last[1], range[0] + range[1] - last[0])
    else merged.push([...range])
  }
  return merged
}

/** Sorted by clock, overlapping and touching ranges merged (Yjs's sortAndMergeDeleteSet). */
export function writeDeletions(encoder: encoding.Encoder, deletions: Deletions): void {
  const clients = [...deletions].filter(([, flat]) => flat.length > 0).sort((a, b) => b[0] - a[0])
  encoding.writeVarUint(encoder, clients.length)
  for (const [client, flat] of clients) {
    const merged = sortedRanges(flat)
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, merged.length)
    for (const [clock, length] of merged) {
      encoding.writeVarUint(encoder, clock)
      encoding.writeVarUint(encoder, length)
    }
  }
}

function readUpdate(update: Uint8Array, sections: Section[], deletions: Deletions): void {
  const decoder = decoding.createDecoder(update)
  const clientCount = decoding.readVarUint(decoder)
  for (let index = 0; index < clientCount; index++) {
    const structs = decoding.readVarUint(decoder)
    const client = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    // Honest Yjs writes neither; Y.mergeUpdates drops them where joining would keep them.
    if (structs === 0) throw new CannotJoin('An empty section.')
    const start = decoder.pos
    let end = clock
    for (let struct = 0; struct < structs; struct++) {
      const length = skipStruct(decoder)
      if (length === 0) throw new CannotJoin('An empty struct.')
      end += length
    }
    sections.push({ client, clock, end, structs, bytes: update.subarray(start, decoder.pos) })
  }
  const deleteClients = decoding.readVarUint(decoder)
  for (let index = 0; index < deleteClients; index++) {
    const client = decoding.readVarUint(decoder)
    const ranges = decoding.readVarUint(decoder)
    const flat = deletions.get(client) ?? []
    for (let range = 0; range < ranges * 2; range++) flat.push(decoding.readVarUint(decoder)) // clock, length
    deletions.set(client, flat)
  }
  if (decoder.pos !== update.length) throw new CannotJoin('Bytes after the delete set.')
}

/** What a struct says about where it sits (v1), read past its content. */
export interface StructHead {
  /** Yjs's content ref: 0 for a collected (GC) range. */
  readonly kind: number
  /** Clocks it spans. */
  readonly length: number
  readonly origin?: Id
  readonly rightOrigin?: Id
  /** Named only when neither origin is: a root type's name, or the id of the item whose type holds it. */
  readonly parent?: { readonly root: string } | { readonly item: Id }
}

/** A Yjs id: client, clock. */
export type Id = readonly [number, number]

/** Reads one struct, as skipStruct moves past it. */
export function readStructHead(decoder: decoding.Decoder): StructHead {
  const info = decoding.readUint8(decoder)
  const kind = info & 0x1f
  if (kind === 0 || kind === 10) return { kind, length: decoding.readVarUint(decoder) }
  const origin = info & ORIGIN ? readId(decoder) : undefined
  const rightOrigin = info & RIGHT_ORIGIN ? readId(decoder) : undefined
  let parent: StructHead['parent']
  if (!origin && !rightOrigin) {
    parent = decoding.readVarUint(decoder) === 1 ? { root: decoding.readVarString(decoder) } : { item: readId(decoder) }
    if (info & PARENT_SUB) skipString(decoder)
  }
  const length = skipContent(decoder, kind)
  return { kind, length, ...(origin ? { origin } : {}), ...(rightOrigin ? { rightOrigin } : {}), ...(parent ? { parent } : {}) }
}

function readId(decoder: decoding.Decoder): Id {
  return [decoding.readVarUint(decoder), decoding.readVarUint(decoder)]
}

const ORIGIN = 0x80
const RIGHT_ORIGIN = 0x40
const PARENT_SUB = 0x20

/** Moves past one struct; returns how many clocks it spans. Mirrors Yjs's readClientsStructRefs and readItemContent (v1). */
function skipStruct(decoder: decoding.Decoder): number {
  const info = decoding.readUint8(decoder)
  const kind = info & 0x1f
  if (kind === 0 || kind === 10) return decoding.readVarUint(decoder) // GC, Skip
  if (info & ORIGIN) skipId(decoder)
  if (info & RIGHT_ORIGIN) skipId(decoder)
  if ((info & (ORIGIN | RIGHT_ORIGIN)) === 0) {
    if (decoding.readVarUint(decoder) === 1) skipString(decoder) // the parent is a root type, by name
    else skipId(decoder)
    if (info & PARENT_SUB) skipString(decoder)
  }
  return skipContent(decoder, kind)
}

function skipContent(decoder: decoding.Decoder, kind: number): number {
  switch (kind) {
    case 1: // deleted
      return decoding.readVarUint(decoder)
    case 2: {
      // JSON: strings
      const length = decoding.readVarUint(decoder)
      for (let index = 0; index < length; index++) skipString(decoder)
      return length
    }
    case 3: // binary
      skipString(decoder)
      return 1
    case 4: // string: its length in UTF-16 code units, as Yjs counts it
      return utf16Length(readBytes(decoder))
    case 5: // embed
      skipString(decoder)
      return 1
    case 6: // format: key and value
      skipString(decoder)
      skipString(decoder)
      return 1
    case 7: {
      // type: Array, Map, Text, XmlElement, XmlFragment, XmlHook, XmlText (0-6); XmlElement and XmlHook carry a name
      const typeRef = decoding.readVarUint(decoder)
      if (typeRef > 6) throw new CannotJoin(`Unknown type ${typeRef}.`)
      if (typeRef === 3 || typeRef === 5) skipString(decoder)
      return 1
    }
    case 8: {
      // any
      const length = decoding.readVarUint(decoder)
      for (let index = 0; index < length; index++) skipAny(decoder)
      return length
    }
    case 9: // subdocument: guid and options
      skipString(decoder)
      skipAny(decoder)
      return 1
    default:
      throw new CannotJoin(`Unknown struct content ${kind}.`)
  }
}

function skipId(decoder: decoding.Decoder): void {
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
}

/** A length-prefixed run of bytes (strings are UTF-8 so). */
function readBytes(decoder: decoding.Decoder): Uint8Array {
  const length = decoding.readVarUint(decoder)
  if (decoder.pos + length > decoder.arr.length) throw new CannotJoin('Bytes run past the update.')
  decoder.pos += length
  return decoder.arr.subarray(decoder.pos - length, decoder.pos)
}

function skipString(decoder: decoding.Decoder): void {
  readBytes(decoder)
}

/** Mirrors lib0's readAny. */
function skipAny(decoder: decoding.Decoder): void {
  const type = decoding.readUint8(decoder)
  switch (type) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return
    case 125:
      decoding.readVarInt(decoder)
      return
    case 124:
      decoder.pos += 4
      return
    case 123:
    case 122:
      decoder.pos += 8
      return
    case 119: // string
    case 116: // bytes
      skipString(decoder)
      return
    case 118: {
      // object
      const entries = decoding.readVarUint(decoder)
      for (let index = 0; index < entries; index++) {
        skipString(decoder)
        skipAny(decoder)
      }
      return
    }
    case 117: {
      // array
      const length = decoding.readVarUint(decoder)
      for (let index = 0; index < length; index++) skipAny(decoder)
      return
    }
    default:
      throw new CannotJoin(`Unknown value type ${type}.`)
  }
}

/**
 * UTF-16 code units of UTF-8 text, as the string Yjs decodes has. Only
 * well-formed UTF-8 is counted: lib0 decodes strictly and throws on the
 * rest, so those updates are left to Yjs to refuse.
 */
function utf16Length(utf8: Uint8Array): number {
  let units = 0
  for (let index = 0; index < utf8.length; ) {
    const lead = utf8[index]!
    // Continuation bytes after the lead, and the range of the first one (which rules out overlong forms and surrogates).
    const [follow, low, high] =
      lead < 0x80 ? [0, 0, 0] : lead < 0xc2 ? [-1, 0, 0] : lead < 0xe0 ? [1, 0x80, 0xbf] : lead === 0xe0 ? [2, 0xa0, 0xbf] : lead === 0xed ? [2, 0x80, 0x9f] : lead < 0xf0 ? [2, 0x80, 0xbf] : lead === 0xf0 ? [3, 0x90, 0xbf] : lead < 0xf4 ? [3, 0x80, 0xbf] : lead === 0xf4 ? [3, 0x80, 0x8f] : [-1, 0, 0]
    if (follow < 0 || index + follow >= utf8.length) throw new CannotJoin('Malformed UTF-8.')
    for (let next = 1; next <= follow; next++) {
      const byte = utf8[index + next]!
      if (next === 1 ? byte < low || byte > high : (byte & 0xc0) !== 0x80) throw new CannotJoin('Malformed UTF-8.')
    }
    units += follow === 3 ? 2 : 1
    index += follow + 1
  }
  return units
}
