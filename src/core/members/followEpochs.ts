/**
 * Keeps a device in the room of its space's current epoch (MEMBERSHIP.md
 * M10): when a rekey that sealed this device a secret applies, the secret is
 * opened, kept as the space's secret on the device (so links made from now
 * on carry it), and the space's room moves there; the room left becomes a
 * beacon that serves only the membership log. A device the rekey did not
 * seal to (removed) stays where it is, and finds nobody but beacons.
 */
import { toHexString } from 'lib0/buffer'
import * as Y from 'yjs'
import type { SealingKey } from '../identity/sealingKey.ts'
import { SIGNATURE_BYTES } from '../space/envelope.ts'
import type { SpaceId } from '../space/ids.ts'
import type { MovableRoom } from '../space/MovableRoom.ts'
import { roomAccessOf, type RoomAccess } from '../space/shareLink.ts'
import { findSpace, putSpaceEntry } from '../space/spaceList.ts'
import { openRekey } from './epochs.ts'
import type { Rekey } from './resolveMembership.ts'
import { membershipBeacon, membershipStatements, type SpaceMembership } from './SpaceMembership.ts'

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
  const { deviceDoc, space } = input
  return followRekeys({
    ...input,
    epoch: () => {
      const entry = findSpace(deviceDoc, space)
      return entry && (entry.epoch ?? 0)
    },
    open: async (rekey) => {
      const sealing = await input.sealing
      const secret = sealing && (await openRekey(input.subtle, space, rekey, input.device, sealing))
      if (!secret) return undefined
      const now = findSpace(deviceDoc, space)
      if (now && rekey.epoch > (now.epoch ?? 0)) putSpaceEntry(deviceDoc, { ...now, secret, epoch: rekey.epoch })
      return roomAccessOf(secret)
    },
  })
}

export interface FollowRekeysInput {
  readonly transport: Y.Doc
  readonly membership: SpaceMembership
  readonly room: MovableRoom
  /** The epoch this device is in; undefined once it no longer keeps the space. */
  readonly epoch: () => number | undefined
  /** Opens what the rekey sealed this device, keeps it, and says which room it opens; undefined if it sealed nothing here. */
  readonly open: (rekey: Rekey) => Promise<RoomAccess | undefined>
}

/** Moves the room to the newest epoch's room whenever a newer rekey seals this device its way in; returns what stops it. */
export function followRekeys(input: FollowRekeysInput): () => void {
  const { membership, room } = input
  const beacon = mirrorOfMembership(input.transport)
  let following = Promise.resolve()
  const follow = async (): Promise<void> => {
    const current = input.epoch()
    const latest = membership.state.rekeys.at(-1)
    if (current === undefined || !latest || latest.epoch <= current) return
    const access = await input.open(latest)
    if (access) room.move(access, beacon.doc)
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

/**
 * A transport doc holding the space's membership statements and nothing
 * else, kept up to date: what a beacon room serves. Every device that moves
 * keeps a beacon in the old room; if each wrote its own copy of every
 * statement, the room would carry one per device and every beacon joining
 * would exchange them all with every other (a removal in a space of 100
 * devices took a minute). So each statement goes in as the one Yjs item
 * every device makes alike: written by a client id taken from its
 * signature, at clock 0, under its signature as key. The beacons of all
 * devices then hold the very same items, and meeting costs nothing.
 */
function mirrorOfMembership(transport: Y.Doc): { readonly doc: Y.Doc; stop(): void } {
  const doc = new Y.Doc()
  const source = membershipStatements(transport)
  const mirror = membershipBeacon(doc)
  // Where each statement's item is made before it joins the beacon: one doc, its client id set per statement.
  const workshop = new Y.Doc()
  const copy = (values: readonly unknown[]): void => {
    for (const value of values) {
      if (!(value instanceof Uint8Array) || value.length < SIGNATURE_BYTES) continue
      const signature = value.subarray(value.length - SIGNATURE_BYTES)
      const key = toHexString(signature)
      if (mirror.has(key)) continue
      workshop.clientID = new DataView(signature.buffer, signature.byteOffset, 4).getUint32(0)
      membershipBeacon(workshop).set(key, value)
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(workshop, Y.encodeStateVector(doc)))
    }
  }
  const onStatements = (event: Y.YArrayEvent<Uint8Array>): void => {
    const added: unknown[] = []
    for (const item of event.changes.added) for (const value of item.content.getContent()) added.push(value)
    copy(added)
  }
  copy(source.toArray())
  source.observe(onStatements)
  return {
    doc,
    stop: () => {
      source.unobserve(onStatements)
      workshop.destroy()
      doc.destroy()
    },
  }
}
