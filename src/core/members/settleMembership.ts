/**
 * What a device owes a space's membership log once the log is loaded from
 * storage: the genesis of a space it created (written once: a later
 * session finds it in the stored log), the accept of the invite whose link
 * it opened, as soon as the invite statement has arrived from a peer, and
 * its sealing key if the log does not have it yet. Each is forgotten from
 * the device's list entry once it counts.
 *
 * A space made before membership is founded by its recorded owner's device
 * when it opens it (M1): the genesis, every other device that wrote to the
 * space as an editor, and an invite whose key comes from the space's old
 * secret, so links shared before keep admitting people as editors for
 * LEGACY_INVITE_DAYS (then they need a new link, like any other).
 *
 * A space that reached this device through its person's home space (no
 * invite, not made here) is one its person is in: the device links itself
 * in (M13) with a pairing whose partner device is there, once that partner
 * is known.
 */
import { toHexString } from 'lib0/buffer'
import type * as Y from 'yjs'
import { digest as sha256 } from 'lib0/hash/sha256'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { createNobleKey, signWith } from '../identity/deviceKey.ts'
import { sameBytes } from '../space/envelope.ts'
import type { SpaceId } from '../space/ids.ts'
import type { ShareSecret } from '../space/shareLink.ts'
import type { LogAuthor } from '../space/SignedLog.ts'
import { findSpace, putSpaceEntry } from '../space/spaceList.ts'
import { partnersOf, type PairingRecord } from '../devices/pairingRecords.ts'
import type { SpaceMembership } from './SpaceMembership.ts'
import { DAY_MS } from './invites.ts'
import { Role } from './roles.ts'
import { acceptMessage, SALT_BYTES, StatementKind } from './statement.ts'

export interface SettleInput {
  readonly deviceDoc: Y.Doc
  readonly space: SpaceId
  readonly membership: SpaceMembership
  readonly author: LogAuthor
  readonly displayName: string
  /** This device's sealing key (public), published so rekeys can seal to it (M10); absent where the platform has none. */
  readonly x25519?: Uint8Array
  /** The devices whose envelopes this peer holds: who wrote a space made before membership, to be its editors. */
  readonly writers: () => readonly Uint8Array[]
  readonly closed: () => boolean
  /** This device's pairings (pairingRecords.ts): what links it into its person's spaces. */
  readonly pairings?: () => readonly PairingRecord[]
  /** The person's devices unlinked in their home (HomeSync): unlinked here too, so none links itself in later (M14). */
  readonly unlinkedDevices?: () => readonly Uint8Array[]
}

/** Links shared before membership keep admitting editors this long after the owner founds the log. */
export const LEGACY_INVITE_DAYS = 30

export async function settleMembership(input: SettleInput): Promise<void> {
  const { deviceDoc, space, membership, author } = input
  await membership.settled()
  const entry = findSpace(deviceDoc, space)
  if (!entry || input.closed()) return
  const salt = entry.founding === undefined ? undefined : decodeBase58(entry.founding)
  if (salt?.length === SALT_BYTES && !membership.founded) {
    // The page and the service worker may both get here first: with the same time, name and keys they sign the same
    // bytes (Ed25519 is deterministic), one statement. Two different ones would be two geneses, one of them lost (M1).
    await membership.say(author, { kind: StatementKind.genesis, salt, name: input.displayName, x25519: input.x25519 ?? new Uint8Array(0) }, entry.createdAt)
  }
  if (entry.founding !== undefined && membership.founded) putSpaceEntry(deviceDoc, withoutKeys(findSpace(deviceDoc, space) ?? entry, 'founding'))
  await publishSealingKey(input)
  if (entry.invite !== undefined) await acceptListedInvite(input, entry.invite)
  else if (entry.rolesEnforced !== true && entry.secret !== undefined) await settleLegacy(input, entry.createdAt, entry.secret)
  else if (entry.founding === undefined) await linkThroughPairing(input)
  await unlinkWhatTheHomeUnlinked(input)
}

/** M14: a device the person unlinked in their home, and not linked in this space, is unlinked here as this device opens it. */
async function unlinkWhatTheHomeUnlinked(input: SettleInput): Promise<void> {
  const { membership, author } = input
  for (const device of input.unlinkedDevices?.() ?? []) {
    const state = membership.state
    const me = state.devices.get(toHexString(author.publicKey))
    const hex = toHexString(device)
    if (input.closed() || !me || state.unlinked.has(hex)) continue
    // Only where it is not linked (a linked one is unlinked with its cut, by DeviceLinking.unlink): with no lane here, there
    // is nothing of it to cut, and it can never link itself in.
    if (state.devices.has(hex) || state.deviceOwners.has(hex)) continue
    await membership.say(author, { kind: StatementKind.unlink, device, cut: [] })
  }
}

/** M13: waits until a device this one was paired with is a device here, then links this one in with that pairing. */
async function linkThroughPairing(input: SettleInput): Promise<void> {
  const { membership, author } = input
  const me = toHexString(author.publicKey)
  const partners = (): ReturnType<typeof partnersOf> => partnersOf(input.pairings?.() ?? [], author.publicKey)
  if (partners().length === 0) return
  const state = (): typeof membership.state => membership.state
  const partnerHere = (): ReturnType<typeof partnersOf>[number] | undefined => partners().find(({ partner }) => state().devices.has(toHexString(partner)))
  const settled = (): boolean => input.closed() || state().devices.has(me) || state().unlinked.has(me) || partnerHere() !== undefined
  await new Promise<void>((resolve) => {
    if (settled()) return resolve()
    const stop = membership.onChange(() => {
      if (!settled()) return
      stop()
      resolve()
    })
  })
  const found = partnerHere()
  if (input.closed() || state().devices.has(me) || state().unlinked.has(me) || !found) return
  await membership.say(author, { kind: StatementKind.link, partner: found.partner, proof: found.proof, name: input.displayName, x25519: input.x25519 ?? new Uint8Array(0) })
}

/** A member whose record has no sealing key (added by someone else, or joined before it had one) publishes its own: rekeys can then reach it (M10). */
async function publishSealingKey({ membership, author, x25519 }: SettleInput): Promise<void> {
  const device = membership.state.devices.get(toHexString(author.publicKey))
  if (device && device.x25519.length === 0 && x25519) await membership.say(author, { kind: StatementKind.device, x25519 })
}

/** The invite key a space made before membership gets from its old secret: whoever holds an old link holds it. */
export function legacyInviteSecret(secret: ShareSecret): Uint8Array {
  const secretBytes = decodeBase58(secret) ?? new Uint8Array(0)
  const context = new TextEncoder().encode('pii legacy invite v1\0')
  const input = new Uint8Array(context.length + secretBytes.length)
  input.set(context)
  input.set(secretBytes, context.length)
  return sha256(input)
}

async function settleLegacy(input: SettleInput, createdAt: number, secret: ShareSecret): Promise<void> {
  const { membership, author } = input
  const inviteSecret = legacyInviteSecret(secret)
  if (!membership.founded && membership.isLegacyOwner(author.publicKey)) {
    await membership.say(author, { kind: StatementKind.genesis, salt: new Uint8Array(0), name: input.displayName, x25519: input.x25519 ?? new Uint8Array(0) }, createdAt)
    for (const other of input.writers()) {
      if (!sameBytes(other, author.publicKey)) await membership.say(author, { kind: StatementKind.add, person: other, role: Role.editor, name: '', x25519: new Uint8Array(0) })
    }
    const inviteKey = await createNobleKey(inviteSecret)
    await membership.say(author, { kind: StatementKind.invite, invite: inviteKey.publicKey, role: Role.editor, expiresAt: createdAt + LEGACY_INVITE_DAYS * DAY_MS, uses: 0 })
    return
  }
  // Anyone else opening a space from before membership with an old link asks to be admitted with the key that link holds.
  await acceptListedInvite(input, encodeBase58(inviteSecret))
}

/** Accepts the invite of the device's list entry, and forgets it from the entry once this device is a member. */
async function acceptListedInvite(input: SettleInput, inviteSecret: string): Promise<void> {
  const { deviceDoc, space, membership } = input
  const member = await acceptInvite({ ...input, inviteSecret })
  const entry = findSpace(deviceDoc, space)
  if (entry && member) {
    putSpaceEntry(deviceDoc, withoutKeys(entry, 'invite'))
    membership.joiningWith = undefined
  }
}

export interface AcceptInput {
  readonly space: SpaceId
  readonly membership: SpaceMembership
  readonly author: LogAuthor
  /** The invite key's seed, base58, as a link carries it. */
  readonly inviteSecret: string
  readonly displayName: string
  readonly x25519?: Uint8Array
  readonly closed: () => boolean
}

/**
 * Waits for the invite statement (a peer brings it), then signs the accept
 * with the link's invite key (M6). Resolves with whether this device is a
 * member by then; a seed that is not 32 bytes accepts nothing.
 */
export async function acceptInvite(input: AcceptInput): Promise<boolean> {
  const { space, membership, author } = input
  const secret = decodeBase58(input.inviteSecret)
  if (secret?.length !== 32) return false
  const inviteKey = await createNobleKey(secret)
  const invite = toHexString(inviteKey.publicKey)
  const me = toHexString(author.publicKey)
  membership.joiningWith = invite
  const known = (): boolean => membership.state.devices.has(me) || membership.state.invites.has(invite)
  await new Promise<void>((resolve) => {
    if (known()) return resolve()
    const stop = membership.onChange(() => {
      if (!known() && !input.closed()) return
      stop()
      resolve()
    })
  })
  if (input.closed()) return false
  if (!membership.state.devices.has(me)) {
    const proof = await signWith(inviteKey, undefined, acceptMessage(space, author.publicKey, inviteKey.publicKey))
    await membership.say(author, { kind: StatementKind.accept, invite: inviteKey.publicKey, proof, name: input.displayName, x25519: input.x25519 ?? new Uint8Array(0) })
  }
  return membership.state.devices.has(me)
}

function withoutKeys<T extends object>(value: T, key: keyof T): T {
  const copy = { ...value }
  delete copy[key]
  return copy
}
