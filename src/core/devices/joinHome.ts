/**
 * What a device does once its person confirmed a pairing on both screens
 * (PairingSession.ts): it keeps the pairing, with which it links itself
 * into each space of its person (M13), and lists the person's home space,
 * from which every space follows (HomeSync.ts).
 */
import type * as Y from 'yjs'
import type { SpaceLibrary } from '../space/SpaceLibrary.ts'
import { findHome, putSpaceEntry } from '../space/spaceList.ts'
import type { HomeGrant } from './PairingSession.ts'
import { devicePairings, PAIRINGS, putPairing, type PairingRecord } from './pairingRecords.ts'

export const ALREADY_LINKED = 'This device is already linked with other devices. To link it to someone else’s, unlink it first from one of those devices.'

export class AlreadyLinkedError extends Error {
  constructor() {
    super(ALREADY_LINKED)
    this.name = 'AlreadyLinkedError'
  }
}

/** Whether this device already belongs to a person with other devices. */
export function isLinkedWithOthers(deviceDoc: Y.Doc): boolean {
  return devicePairings(deviceDoc).length > 0
}

/** Throws when this device already belongs to a person with other devices: a device is one person's. */
export function assertMayJoinHome(deviceDoc: Y.Doc): void {
  if (isLinkedWithOthers(deviceDoc)) throw new AlreadyLinkedError()
}

export async function joinHome(deps: { readonly library: SpaceLibrary; readonly deviceDoc: Y.Doc; readonly now: () => number }, home: HomeGrant, record: PairingRecord): Promise<void> {
  const { deviceDoc } = deps
  assertMayJoinHome(deviceDoc)
  const previous = findHome(deviceDoc)
  deviceDoc.transact(() => {
    putPairing(deviceDoc.getMap(PAIRINGS), record)
    putSpaceEntry(deviceDoc, { id: home.space, name: 'Home', createdAt: deps.now(), secret: home.secret, rolesEnforced: true, home: true, ...(home.epoch === undefined ? {} : { epoch: home.epoch }) })
  })
  // A home this device made for itself before (and paired nobody into) gives way: its spaces are in its list, and reach the new home from there.
  if (previous && previous.id !== home.space) await deps.library.remove(previous.id)
}
