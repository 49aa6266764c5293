/**
 * Unlinking a device of this device's person from one space (MEMBERSHIP.md
 * M14, M15): an unlink statement whose cut is, for each of the device's
 * lanes this device holds, the last seq it accepted; then, where the person
 * may, a rekey, so the space moves to a room the unlinked device was not
 * given the secret of.
 */
import { toHexString } from 'lib0/buffer'
import type { LogAuthor, SignedLog } from '../space/SignedLog.ts'
import { rekey } from './epochs.ts'
import type { RekeyContext } from './removeMember.ts'
import { memberOfDevice } from './resolveMembership.ts'
import { managesMembers } from './roles.ts'
import type { SpaceMembership } from './SpaceMembership.ts'
import { MAX_CUT_LANES, StatementKind } from './statement.ts'

export type UnlinkOutcome =
  /** Unlinked, and the space moved to a new key. */
  | 'unlinked-and-rekeyed'
  /** Unlinked; the person may not rekey here, so its owner's or an admin's device will (M15). */
  | 'unlinked'
  /** The device is someone else's here: nothing is said. */
  | 'not-here'

export async function unlinkDevice(membership: SpaceMembership, author: LogAuthor, log: Pick<SignedLog, 'lanesOf' | 'settled'>, device: Uint8Array, keys: RekeyContext): Promise<UnlinkOutcome> {
  await membership.settled()
  const state = membership.state
  const me = memberOfDevice(state, author.publicKey)
  const hex = toHexString(device)
  const target = state.devices.get(hex)
  // A device not linked here is unlinked all the same, so it never can be (it holds this space's secret from the home).
  if (!me || state.unlinked.has(hex) || (target ? target.person !== me.person : state.deviceOwners.has(hex))) return 'not-here'
  // Whatever of its envelopes is still being checked is part of what it wrote before the unlink.
  await log.settled()
  const cut = log.lanesOf(device).sort((a, b) => b.seq - a.seq).slice(0, MAX_CUT_LANES)
  await membership.say(author, { kind: StatementKind.unlink, device, cut })
  if (!managesMembers(me.role)) return 'unlinked'
  await rekey(keys.subtle, keys.space, membership, author, keys.secret)
  return 'unlinked-and-rekeyed'
}

/** Whether a device was unlinked in the current epoch: it still holds the current secret, and a rekey is owed (M15). */
export function rekeyOwed(state: SpaceMembership['state']): boolean {
  for (const unlinked of state.unlinked.values()) if (unlinked.epoch === state.epoch) return true
  return false
}

/**
 * M15: while this device's person manages the space, a rekey owed for an
 * unlink (by a person who may not rekey, or whose device went before it
 * could) is made here. Two managers may both make one: the first in the
 * order counts, the other is stale (M10), so nothing is lost but a statement.
 * `keys` gives the current epoch's secret, or undefined while this device
 * does not hold it (a rekey needs it, to carry it under the new one).
 */
export function rekeyAfterUnlinks(membership: SpaceMembership, author: LogAuthor, keys: () => RekeyContext | undefined): () => void {
  let working = false
  const check = (): void => {
    const state = membership.state
    if (working || !rekeyOwed(state) || !managesMembers(memberOfDevice(state, author.publicKey)?.role)) return
    const context = keys()
    if (!context) return
    working = true
    void rekey(context.subtle, context.space, membership, author, context.secret)
      .catch(() => undefined)
      .finally(() => {
        working = false
      })
  }
  check()
  return membership.onChange(check)
}
