/**
 * Whether a content envelope may change what a peer shows, judged by its
 * author's role (MEMBERSHIP.md M7, M8). A role change or a removal carries
 * a cut: for each lane of the person it knew, the last seq written under
 * the role that ends. An envelope at or below a cut is judged by the role
 * before it; one above every cut by the person's role now.
 *
 * - apply: the role writes content.
 * - refuse: settled for good: written under a role that does not write, up
 *   to a cut, or by a removed person past their cut (or in a lane their
 *   removal did not know).
 * - withhold: the person's current role does not write: refused for now,
 *   but a promotion still on its way may cover it, so it is held, not
 *   applied, and judged again when the membership changes.
 * - park: the author is not known to be a member yet (their accept, or the
 *   link that makes their device a member's, may be on its way): held the
 *   same way.
 *
 * A migration (the re-sealing of envelopes from before content encryption,
 * M11) is the owner's alone: anyone else's is refused.
 */
import { toHexString } from 'lib0/buffer'
import type { MembershipState } from './resolveMembership.ts'
import type { EnvelopeVerdict } from '../space/envelopeGate.ts'
import { EnvelopeKind } from '../space/envelope.ts'
import { Role, writesContent } from './roles.ts'

export interface WrittenUnder {
  /** The role the envelope was written under, if the author held one. */
  readonly role: Role | undefined
  /** True when no later statement can change the role it is judged by. */
  readonly settled: boolean
}

export function roleWrittenUnder(state: MembershipState, author: Uint8Array, lane: Uint8Array, seq: number): WrittenUnder {
  const device = toHexString(author)
  // An envelope is its author device's; the role is that of the person the device acts for (M13).
  const person = state.deviceOwners.get(device) ?? device
  const laneKey = toHexString(lane)
  const unlinked = state.unlinked.get(device)
  if (unlinked) {
    // M14: an unlinked device's lanes are dead past its cut, and a lane the unlink did not name is dead whole.
    const cutSeq = unlinked.cut.get(laneKey)
    if (cutSeq === undefined || seq > cutSeq) return { role: undefined, settled: true }
  }
  for (const change of state.changes.get(person) ?? []) {
    const cutSeq = change.cut.get(laneKey)
    if (cutSeq === undefined) continue
    if (seq <= cutSeq) return { role: change.before, settled: true }
    // M8: a lane the removal cut is dead past it, even if the person is added again.
    if (change.after === undefined) return { role: undefined, settled: true }
  }
  // A device counts for its person while linked, and an unlinked one up to its cut (above); one whose person was removed
  // and added again waits for a new link.
  const member = state.devices.has(device) || unlinked ? state.members.get(person) : undefined
  if (member) return { role: member.role, settled: false }
  return { role: undefined, settled: state.removed.has(person) }
}

export function envelopeVerdict(state: MembershipState, author: Uint8Array, lane: Uint8Array, seq: number, kind: EnvelopeKind = EnvelopeKind.change): EnvelopeVerdict {
  const { role, settled } = roleWrittenUnder(state, author, lane, seq)
  if (kind === EnvelopeKind.migration) return role === Role.owner ? 'apply' : role === undefined && !settled ? 'park' : 'refuse'
  if (writesContent(role)) return 'apply'
  if (settled) return 'refuse'
  return role === undefined ? 'park' : 'withhold'
}
