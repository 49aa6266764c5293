/**
 * Keeps a built fixture in bench/results/coldsync-fixture.bin (not
 * committed), so only the first run pays for building 100,000 signed
 * updates. A lib0-encoded record led by the cache key (fixture.ts
 * fixtureKey): a file built by other code is ignored and rebuilt.
 */
import { readFile, writeFile } from 'node:fs/promises'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { SpaceId } from '../../src/core/space/ids.ts'
import type { ShareSecret } from '../../src/core/space/shareLink.ts'
import type { Fixture } from './fixture.ts'

const MAGIC = 'pii coldsync fixture v1'

function encodeFixture(key: string, fixture: Fixture): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, MAGIC)
  encoding.writeVarString(encoder, key)
  encoding.writeVarString(encoder, fixture.space)
  encoding.writeVarString(encoder, fixture.secret)
  encoding.writeVarUint(encoder, fixture.updates)
  encoding.writeVarUint8Array(encoder, fixture.transportState)
  encoding.writeVarUint(encoder, fixture.envelopesInLog)
  encoding.writeVarUint8Array(encoder, fixture.contentState)
  encoding.writeVarUint(encoder, fixture.rawUpdateBytes)
  encoding.writeVarUint(encoder, fixture.items)
  encoding.writeVarUint(encoder, fixture.undone)
  encoding.writeVarString(encoder, fixture.firstTitle)
  encoding.writeVarString(encoder, fixture.lastTitle)
  encoding.writeFloat64(encoder, fixture.buildMs)
  return encoding.toUint8Array(encoder)
}

/** The fixture, or undefined when the bytes are not a fixture made under `key`. */
function decodeFixture(bytes: Uint8Array, key: string): Fixture | undefined {
  try {
    const decoder = decoding.createDecoder(bytes)
    if (decoding.readVarString(decoder) !== MAGIC || decoding.readVarString(decoder) !== key) return undefined
    return {
      space: decoding.readVarString(decoder) as SpaceId,
      secret: decoding.readVarString(decoder) as ShareSecret,
      updates: decoding.readVarUint(decoder),
      transportState: decoding.readVarUint8Array(decoder),
      envelopesInLog: decoding.readVarUint(decoder),
      contentState: decoding.readVarUint8Array(decoder),
      rawUpdateBytes: decoding.readVarUint(decoder),
      items: decoding.readVarUint(decoder),
      undone: decoding.readVarUint(decoder),
      firstTitle: decoding.readVarString(decoder),
      lastTitle: decoding.readVarString(decoder),
      buildMs: decoding.readFloat64(decoder),
    }
  } catch {
    // Truncated or foreign bytes: rebuild rather than fail.
    return undefined
  }
}

export async function readCachedFixture(path: string, key: string): Promise<Fixture | undefined> {
  const bytes = await readFile(path).catch(() => undefined)
  return bytes && decodeFixture(new Uint8Array(bytes), key)
}

export async function writeCachedFixture(path: string, key: string, fixture: Fixture): Promise<void> {
  await writeFile(path, encodeFixture(key, fixture))
}
