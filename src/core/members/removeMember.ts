/**
 * Removing a member (MEMBERSHIP.md M8, M10): a removal statement whose cut
 * is, for each of the person's lanes this device holds, the last seq it
 * accepted; then a rekey, so the space moves to a room whose secret the
 * removed person's devices were not given. What they wrote up to the cut
 * stays; anything later from them is refused by every peer, whatever
 * arrives when, and nothing written later reaches them.
 */
import { fromHexString } from 'lib0/buffer'
import type { SpaceId } from '../space/ids.ts'
import type { ShareSecret } from '../space/shareLink.ts'
import type { LogAuthor, SignedLog } from '../space/SignedLog.ts'
import { rekey } from './epochs.ts'
import { devicesOf } from './resolveMembership.ts'
import type { SpaceMembership } from './SpaceMembership.ts'
import { MAX_CUT_LANES, StatementKind } from './statement.ts'

export interface RekeyContext {
  readonly subtle: SubtleCrypto
  readonly space: SpaceId
  /** The current epoch's secret (the space's secret on this device). */
  readonly secret: ShareSecret
}

export async function removeMember(membership: SpaceMembership, author: LogAuthor, log: Pick<SignedLog, 'lanesOf' | 'settled'>, person: string, keys: RekeyContext): Promise<void> {
  if (!membership.state.members.has(person)) throw new Error('They are not a member of this space.')
  // Whatever of theirs is still being checked is part of what they wrote before the removal.
  await log.settled()
  // Every device of theirs, linked ones included (M13), is cut.
  const lanes = devicesOf(membership.state, person).flatMap((device) => log.lanesOf(device.key))
  const cut = lanes.sort((a, b) => b.seq - a.seq).slice(0, MAX_CUT_LANES)
  await membership.say(author, { kind: StatementKind.remove, person: fromHexString(person), cut })
  await rekey(keys.subtle, keys.space, membership, author, keys.secret)
}
