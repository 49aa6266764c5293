/**
 * Keeps a device in the room of its space's current epoch (MEMBERSHIP.md
 * M10): when a rekey that sealed this device a secret applies, the secret is
 * opened, kept as the space's secret on the device (so links made from now
 * on carry it), and the space's room moves there; the room left becomes a
 * beacon that serves only the membership log. A device the rekey did not
 * seal to (removed) stays where it is, and finds nobody but beacons.
 */
import * as Y from 'yjs'
import type { SealingKey } from '../identity/sealingKey.ts'
import type { SpaceId } from '../space/ids.ts'
import type { MovableRoom } from '../space/MovableRoom.ts'
import { findSpace, putSpaceEntry } from '../space/spaceList.ts'
import { openRekey } from './epochs.ts'
import { membershipStatements, type SpaceMembership } from './SpaceMembership.ts'

export interface FollowEpochsInput {
  readonly deviceDoc: Y.Doc
  readonly space: SpaceId
  readonly transport: Y.Doc
  readonly membership: SpaceMembership
  readonly room: MovableRoom
  readonly device: Uint8Array
  readonly sealing: Promise<SealingKey | undefined>
  readonly subtle: SubtleCrypto
}

/** Starts following; returns what stops it. */
export function followEpochs(input: FollowEpochsInput): () => void {
  const { deviceDoc, space, membership, room } = input
  const beacon = mirrorOfMembership(input.transport)
  let following = Promise.resolve()
  const follow = async (): Promise<void> => {
    const entry = findSpace(deviceDoc, space)
    const latest = membership.state.rekeys.at(-1)
    if (!entry || !latest || latest.epoch <= (entry.epoch ?? 0)) return
    const sealing = await input.sealing
    const secret = sealing && (await openRekey(input.subtle, space, latest, input.device, sealing))
    if (!secret) return
    const now = findSpace(deviceDoc, space)
    if (now && latest.epoch > (now.epoch ?? 0)) putSpaceEntry(deviceDoc, { ...now, secret, epoch: latest.epoch })
    room.move(secret, beacon.doc)
  }
  const queue = (): void => {
    following = following.then(follow).catch(() => undefined)
  }
  const stop = membership.onChange(queue)
  queue()
  return () => {
    stop()
    beacon.stop()
  }
}

/** A transport doc holding the space's membership statements and nothing else, kept up to date: what a beacon room serves. */
function mirrorOfMembership(transport: Y.Doc): { readonly doc: Y.Doc; stop(): void } {
  const doc = new Y.Doc()
  const source = membershipStatements(transport)
  const mirror = membershipStatements(doc)
  const copy = (): void => {
    const present = new Set(mirror.toArray().map((wire) => wire.join()))
    const missing = source.toArray().filter((wire) => !present.has(wire.join()))
    if (missing.length > 0) mirror.push(missing)
  }
  copy()
  source.observe(copy)
  return {
    doc,
    stop: () => {
      source.unobserve(copy)
      doc.destroy()
    },
  }
}
