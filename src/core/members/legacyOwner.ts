/**
 * The owner a space made before membership recorded: the `members` map of
 * its content held `did → { role: 'owner' }`, and anyone could write that
 * map. So an entry counts only if the device it names wrote it itself (the
 * verified lane behind the entry's Yjs client). A member could still have
 * written themselves in as owner, under their own key: with two such
 * claims there is no owner to be had, and the space stays as it was, open
 * to everyone, rather than be given to whichever claim a peer read first.
 * Read to found such a space's membership log (MEMBERSHIP.md M1); nothing
 * else reads the map.
 */
import type * as Y from 'yjs'
import { isDid, publicKeyFromDid, type Did } from '../identity/didKey.ts'

/** Name of the map in spaces made before membership: read, never written. */
export const LEGACY_MEMBERS = 'members'

export function legacyOwnerOf(doc: Y.Doc, writerOf: (client: number) => Did | undefined): Uint8Array | undefined {
  // Yjs keeps the item behind each key; its id names the client that wrote the value.
  const entries = (doc.getMap(LEGACY_MEMBERS) as unknown as { readonly _map: ReadonlyMap<string, Y.Item> })._map
  const claims: Did[] = []
  for (const [did, item] of entries) {
    if (item.deleted || !isDid(did)) continue
    const value = item.content.getContent()[0] as { readonly role?: unknown } | undefined
    if (value?.role === 'owner' && writerOf(item.id.client) === did) claims.push(did)
  }
  return claims.length === 1 ? publicKeyFromDid(claims[0]!) : undefined
}
