/**
 * The fixture's log as honest peers leave it after a member stuffed it:
 * 1,500 forged envelopes (genuine bodies under broken signatures, and
 * genuine signatures over changed bodies) and 10 MiB of entries that are
 * no envelope at all, pushed into the transport doc as any member of the
 * room can; then an honest peer's SignedLog (the app's) admits it, refuses
 * the junk and tidies it away (SECURITY JNK1). What a newcomer then
 * downloads is the cleaned doc: the bench compares joining it with joining
 * the clean one.
 */
import * as Y from 'yjs'
import { createDeviceKey, signWith, verifySignature } from '../../src/core/identity/deviceKey.ts'
import { newLaneKey } from '../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes } from '../../src/core/space/SignedLog.ts'
import { fixtureKeyring, type Fixture } from './fixture.ts'

const FORGED_ENVELOPES = 1_500
const JUNK_BYTES = 10 * 1024 * 1024
const JUNK_CHUNK_BYTES = 256 * 1024

export interface CleanedLog {
  /** The transport doc's state after the attack, before any honest peer looked at it. */
  readonly stuffedBytes: number
  /** Its state once an honest peer cleaned it: what a newcomer downloads. */
  readonly state: Uint8Array
  /** Entries the honest peer refused or removed. */
  readonly refused: number
}

export async function stuffedAndCleaned(fixture: Fixture): Promise<CleanedLog> {
  const transport = new Y.Doc()
  Y.applyUpdate(transport, fixture.transportState)
  const envelopes = transportEnvelopes(transport)
  const genuine = envelopes.toArray()
  const forged = Array.from({ length: FORGED_ENVELOPES }, (_, index) => {
    const copy = Uint8Array.from(genuine[index % genuine.length]!)
    // Half keep a genuine body under a broken signature, half change the body under its genuine signature.
    const at = index % 2 === 0 ? copy.length - 1 - (index % 64) : copy.length - 65 - (index % 16)
    copy[at]! ^= 0xff
    return copy
  })
  const junk: unknown[] = Array.from({ length: JUNK_BYTES / JUNK_CHUNK_BYTES }, (_, index) => new Uint8Array(JUNK_CHUNK_BYTES).fill(index))
  junk.push('not an envelope', 42, { also: 'not one' })
  transport.transact(() => envelopes.push(forged))
  transport.transact(() => (envelopes as Y.Array<unknown>).push(junk))
  const stuffedBytes = Y.encodeStateAsUpdate(transport).length

  // An honest member's log, as the app runs it: it refuses the junk, then removes it from the doc.
  const key = await createDeviceKey(crypto.subtle)
  const lane = newLaneKey()
  const log = new SignedLog({
    space: fixture.space,
    keys: fixtureKeyring(fixture.space, fixture.secret),
    content: new Y.Doc(),
    transport,
    author: { publicKey: key.publicKey, sign: (message) => signWith(key, crypto.subtle, message) },
    lane: { publicKey: lane.publicKey, key: () => Promise.resolve(lane) },
    verify: (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message),
    digest: async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)),
  })
  await log.settled()
  const refused = [...log.log.rejections.values()].reduce((sum, count) => sum + count, 0)
  log.destroy()
  if (envelopes.length !== genuine.length) throw new Error(`The honest peer left ${envelopes.length} entries in the log, not the ${genuine.length} genuine ones.`)
  return { stuffedBytes, state: Y.encodeStateAsUpdate(transport), refused }
}
