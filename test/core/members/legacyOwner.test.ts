import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { didFromPublicKey, type Did } from '../../../src/core/identity/didKey.ts'
import { legacyOwnerOf } from '../../../src/core/members/legacyOwner.ts'

const did = (fill: number): Did => didFromPublicKey(new Uint8Array(32).fill(fill))

/** A content doc whose `members` entries were written by the given clients, each the device that client belongs to. */
function recorded(entries: ReadonlyArray<readonly [client: number, claimed: Did]>): { doc: Y.Doc; writerOf: (client: number) => Did | undefined } {
  const doc = new Y.Doc()
  const writers = new Map<number, Did>()
  for (const [client, claimed] of entries) {
    const writer = new Y.Doc()
    writer.clientID = client
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(doc))
    writer.getMap('members').set(claimed, { role: 'owner' })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer))
    writers.set(client, claimed)
  }
  return { doc, writerOf: (client) => writers.get(client) }
}

describe('legacyOwnerOf', () => {
  it('[M1] names the owner a space made before membership recorded, when the owner wrote it', () => {
    const { doc, writerOf } = recorded([[11, did(1)]])
    expect(legacyOwnerOf(doc, writerOf)).toEqual(new Uint8Array(32).fill(1))
    expect(legacyOwnerOf(doc, () => did(2))).toBeUndefined()
  })

  it('[M1] a member who wrote themselves in as owner too leaves the space with no owner to found it, on every peer alike', () => {
    const { doc, writerOf } = recorded([[11, did(1)], [12, did(2)]])
    expect(legacyOwnerOf(doc, writerOf)).toBeUndefined()
  })
})
