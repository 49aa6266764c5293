import { toHexString } from 'lib0/buffer'
import { didFromPublicKey, isDid, publicKeyFromDid } from '../../core/identity/didKey.ts'
import type { MembershipState } from '../../core/members/resolveMembership.ts'
import { shortDevice } from './deviceLabel.ts'

/** A device as people read it: its member's name from the membership log (never a name the device asserts), and the device. */
export function memberLabel(membership: MembershipState, did: string): string {
  const member = isDid(did) ? membership.members.get(toHexString(publicKeyFromDid(did))) : undefined
  const removed = isDid(did) ? membership.removed.get(toHexString(publicKeyFromDid(did))) : undefined
  const name = member?.name ?? (removed ? `${removed.name} (removed)` : undefined)
  return name === undefined ? shortDevice(did) : `${name || 'Unnamed'} (${shortDevice(did)})`
}

/** Every member device's label, by did: what run history and results show for who did what. */
export function memberLabels(membership: MembershipState): Map<string, string> {
  const labels = new Map<string, string>()
  for (const member of membership.members.values()) {
    const did = didFromPublicKey(member.key)
    labels.set(did, memberLabel(membership, did))
  }
  return labels
}
