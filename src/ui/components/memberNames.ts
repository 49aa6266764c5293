import { toHexString } from 'lib0/buffer'
import { didFromPublicKey, isDid, publicKeyFromDid } from '../../core/identity/didKey.ts'
import { memberOfDevice, type MembershipState } from '../../core/members/resolveMembership.ts'
import { shortDevice } from './deviceLabel.ts'

/** A device as people read it: its member's name from the membership log (never a name the device asserts), and the device. */
export function memberLabel(membership: MembershipState, did: string): string {
  const device = isDid(did) ? toHexString(publicKeyFromDid(did)) : undefined
  // A linked device shows as its person (M13): one person, however many devices.
  const member = device === undefined ? undefined : memberOfDevice(membership, device)
  const removed = device === undefined ? undefined : membership.removed.get(membership.deviceOwners.get(device) ?? device)
  const name = member?.name ?? (removed ? `${removed.name} (removed)` : undefined)
  return name === undefined ? shortDevice(did) : `${name || 'Unnamed'} (${shortDevice(did)})`
}

/** Every member device's label, by did: what run history and results show for who did what. */
export function memberLabels(membership: MembershipState): Map<string, string> {
  const labels = new Map<string, string>()
  for (const device of membership.devices.values()) {
    const did = didFromPublicKey(device.key)
    labels.set(did, memberLabel(membership, did))
  }
  return labels
}
