/**
 * What a device owes a space's membership log once the log is loaded from
 * storage: the genesis of a space it created (written once: a later
 * session finds it in the stored log), and the accept of the invite whose
 * link it opened, as soon as the invite statement has arrived from a peer.
 * Each is forgotten from the device's list entry once it counts.
 */
import { toHexString } from 'lib0/buffer'
import type * as Y from 'yjs'
import { decodeBase58 } from '../identity/base58.ts'
import { createNobleKey, signWith } from '../identity/deviceKey.ts'
import type { SpaceId } from '../space/ids.ts'
import type { LogAuthor } from '../space/SignedLog.ts'
import { findSpace, putSpaceEntry } from '../space/spaceList.ts'
import type { SpaceMembership } from './SpaceMembership.ts'
import { acceptMessage, SALT_BYTES, StatementKind } from './statement.ts'

export interface SettleInput {
  readonly deviceDoc: Y.Doc
  readonly space: SpaceId
  readonly membership: SpaceMembership
  readonly author: LogAuthor
  readonly displayName: string
  /** This device's sealing key (public), published so rekeys can seal to it (M10); absent where the platform has none. */
  readonly x25519?: Uint8Array
  readonly closed: () => boolean
}

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
  if (entry.invite !== undefined) await acceptInvite(input, entry.invite)
}

/** Waits for the invite statement (a peer brings it), then signs the accept with the link's invite key (M6). */
async function acceptInvite(input: SettleInput, inviteSecret: string): Promise<void> {
  const { deviceDoc, space, membership, author } = input
  const secret = decodeBase58(inviteSecret)
  if (secret?.length !== 32) return
  const inviteKey = await createNobleKey(secret)
  const invite = toHexString(inviteKey.publicKey)
  const me = toHexString(author.publicKey)
  membership.joiningWith = invite
  const known = (): boolean => membership.state.members.has(me) || membership.state.invites.has(invite)
  await new Promise<void>((resolve) => {
    if (known()) return resolve()
    const stop = membership.onChange(() => {
      if (!known() && !input.closed()) return
      stop()
      resolve()
    })
  })
  if (input.closed()) return
  if (!membership.state.members.has(me)) {
    const proof = await signWith(inviteKey, undefined, acceptMessage(space, author.publicKey, inviteKey.publicKey))
    await membership.say(author, { kind: StatementKind.accept, invite: inviteKey.publicKey, proof, name: input.displayName, x25519: input.x25519 ?? new Uint8Array(0) })
  }
  const entry = findSpace(deviceDoc, space)
  if (entry && membership.state.members.has(me)) {
    putSpaceEntry(deviceDoc, withoutKeys(entry, 'invite'))
    membership.joiningWith = undefined
  }
}

function withoutKeys<T extends object>(value: T, key: keyof T): T {
  const copy = { ...value }
  delete copy[key]
  return copy
}
