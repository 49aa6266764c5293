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
 * span. Anything else (overlapping or gapped clocks of one client, a struct
 * kind this walker does not know, a truncated update) returns undefined, and
 * the caller merges the Yjs way.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

interface Section {
  readonly client: number
  readonly clock: number
  /** The clock after its last struct. */
  readonly end: number
  readonly structs: number
  readonly bytes: Uint8Array
}

interface ParsedUpdate {
  readonly sections: Section[]
  readonly deleteClients: number
  /** The delete set's client entries, after its count. */
  readonly deleteBytes: Uint8Array
}

/** Not a shape this walker can join: the caller falls back to Y.mergeUpdates. */
class CannotJoin extends Error {}

export function joinUpdates(updates: readonly Uint8Array[]): Uint8Array | undefined {
  let parsed: ParsedUpdate[]
  try {
    parsed = updates.map(parseUpdate)
  } catch {
    // Unknown, malformed or truncated: Yjs merges it, or says what is wrong with it.
    return undefined
  }
  const byClient = new Map<number, Section[]>()
  for (const update of parsed) {
    for (const section of update.sections) {
      const sections = byClient.get(section.client) ?? []
      sections.push(section)
      byClient.set(section.client, sections)
    }
  }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, byClient.size)
  for (const [client, sections] of byClient) {
    sections.sort((a, b) => a.clock - b.clock)
    for (let index = 1; index < sections.length; index++) if (sections[index]!.clock !== sections[index - 1]!.end) return undefined
    encoding.writeVarUint(encoder, sections.reduce((sum, section) => sum + section.structs, 0))
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, sections[0]!.clock)
    for (const section of sections) encoding.writeUint8Array(encoder, section.bytes)
  }
  encoding.writeVarUint(encoder, parsed.reduce((sum, update) => sum + update.deleteClients, 0))
  for (const update of parsed) encoding.writeUint8Array(encoder, update.deleteBytes)
  return encoding.toUint8Array(encoder)
}

function parseUpdate(update: Uint8Array): ParsedUpdate {
  const decoder = decoding.createDecoder(update)
  const sections: Section[] = []
  const clientCount = decoding.readVarUint(decoder)
  for (let index = 0; index < clientCount; index++) {
    const structs = decoding.readVarUint(decoder)
    const client = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const start = decoder.pos
    let end = clock
    for (let struct = 0; struct < structs; struct++) end += skipStruct(decoder)
    sections.push({ client, clock, end, structs, bytes: update.subarray(start, decoder.pos) })
  }
  const deleteClients = decoding.readVarUint(decoder)
  const deleteStart = decoder.pos
  for (let index = 0; index < deleteClients; index++) {
    decoding.readVarUint(decoder) // client
    const ranges = decoding.readVarUint(decoder)
    for (let range = 0; range < ranges * 2; range++) decoding.readVarUint(decoder) // clock, length
  }
  if (decoder.pos !== update.length) throw new CannotJoin('Bytes after the delete set.')
  return { sections, deleteClients, deleteBytes: update.subarray(deleteStart) }
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
      return utf16Length(decoding.readVarUint8Array(decoder))
    case 5: // embed
      skipString(decoder)
      return 1
    case 6: // format: key and value
      skipString(decoder)
      skipString(decoder)
      return 1
    case 7: {
      // type: XmlElement (3) and XmlHook (5) carry a name
      const typeRef = decoding.readVarUint(decoder)
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
function skipString(decoder: decoding.Decoder): void {
  const length = decoding.readVarUint(decoder)
  if (decoder.pos + length > decoder.arr.length) throw new CannotJoin('A string runs past the update.')
  decoder.pos += length
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
 * well-formed UTF-8 is counted: a decoder would replace malformed bytes,
 * changing the length, so those updates are left to Yjs.
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
