/**
 * What this device may do in a space, as its membership log says: the one
 * reading the UI follows to hide what a role cannot do and say why.
 */
import { toHexString } from 'lib0/buffer'
import { memberOfDevice, type MembershipState } from './resolveMembership.ts'
import { managesMembers, writesContent, type Role } from './roles.ts'

export type Access =
  /** A space from before membership whose owner has not founded its log: everyone edits and shares, as before. */
  | { readonly kind: 'open' }
  /** Joined through a link whose invite has not been accepted (yet, or at all): nothing is shown as this device's. */
  | { readonly kind: 'joining'; readonly problem?: string }
  | { readonly kind: 'member'; readonly role: Role; readonly edits: boolean; readonly manages: boolean }
  /** `unlinked`: this device was unlinked from its person (M14), not the person removed. */
  | { readonly kind: 'removed'; readonly by: string; readonly unlinked?: boolean }

export interface AccessInput {
  readonly state: MembershipState
  readonly founded: boolean
  /** This device's Ed25519 public key. */
  readonly device: Uint8Array
  /** The hex key of the invite this device joined with, while it waits for admission. */
  readonly invite?: string | undefined
  /** The epoch of the secret this device holds (its space entry's). */
  readonly epoch: number
  readonly now: number
}

export function accessOf({ state, founded, device, invite, epoch, now }: AccessInput): Access {
  if (!founded) return invite === undefined ? { kind: 'open' } : { kind: 'joining' }
  const me = toHexString(device)
  const member = memberOfDevice(state, me)
  if (member) return { kind: 'member', role: member.role, edits: writesContent(member.role), manages: managesMembers(member.role) }
  const unlinked = state.unlinked.get(me)
  if (unlinked) return { kind: 'removed', by: state.members.get(unlinked.person)?.name || 'another of your devices', unlinked: true }
  const removed = state.removed.get(state.deviceOwners.get(me) ?? me)
  if (removed) return { kind: 'removed', by: state.members.get(removed.by)?.name || 'an admin' }
  const offer = invite === undefined ? undefined : state.invites.get(invite)
  if (offer?.revoked) return { kind: 'joining', problem: 'The invite in this link was revoked. Ask for a new link.' }
  if (offer && offer.expiresAt <= now) return { kind: 'joining', problem: 'The invite in this link has expired. Ask for a new link.' }
  if (offer && offer.uses !== 0 && offer.used >= offer.uses) return { kind: 'joining', problem: 'The invite in this link was already used. Ask for a new link.' }
  if (state.epoch > epoch) return { kind: 'joining', problem: 'This link is older than the space’s current key, so it no longer lets anyone in. Ask for a new link.' }
  return { kind: 'joining' }
}
