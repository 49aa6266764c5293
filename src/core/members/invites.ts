/**
 * Invite links (MEMBERSHIP.md M6): an owner or admin signs an invite
 * statement naming a fresh Ed25519 key, its role, expiry and uses; the
 * link carries the key's secret. Whoever opens the link signs their accept
 * with it (settleMembership), so every peer can check they held the link.
 *
 * The inviting device keeps the secrets of the invites it made (in its
 * device doc, never shared) so Share shows the same link again rather than
 * signing a new invite each time it opens.
 */
import { fromHexString, toHexString } from 'lib0/buffer'
import type * as Y from 'yjs'
import { encodeBase58 } from '../identity/base58.ts'
import { createNobleKey } from '../identity/deviceKey.ts'
import type { SpaceId } from '../space/ids.ts'
import type { InviteSecret } from '../space/shareLink.ts'
import type { LogAuthor } from '../space/SignedLog.ts'
import type { InviteState } from './resolveMembership.ts'
import type { Role } from './roles.ts'
import type { SpaceMembership } from './SpaceMembership.ts'
import { rekey } from './epochs.ts'
import type { RekeyContext } from './removeMember.ts'
import { StatementKind } from './statement.ts'

export const DAY_MS = 24 * 60 * 60 * 1000
/** What a person expects of a link sent in a chat: good for a week, then it needs sending again. */
export const DEFAULT_INVITE_DAYS = 7
/** A link is shown again only while it has this long left: one about to expire would fail whoever opens it tomorrow. */
const REUSE_MIN_LEFT_MS = DAY_MS

export interface InviteTerms {
  readonly role: Role
  readonly expiresAt: number
  /** 0: any number of people. */
  readonly uses: number
}

interface KeptInvite extends InviteTerms {
  readonly space: SpaceId
  readonly secret: InviteSecret
}

function keptInvites(deviceDoc: Y.Doc): Y.Map<unknown> {
  return deviceDoc.getMap('invites')
}

function readKept(value: unknown): KeptInvite | undefined {
  const kept = value as Partial<KeptInvite> | null
  if (typeof kept !== 'object' || kept === null || typeof kept.secret !== 'string' || typeof kept.space !== 'string') return undefined
  if (typeof kept.role !== 'string' || typeof kept.expiresAt !== 'number' || typeof kept.uses !== 'number') return undefined
  return kept as KeptInvite
}

/** Signs a new invite into the space's log and keeps its secret on this device. */
export async function createInvite(deviceDoc: Y.Doc, space: SpaceId, membership: SpaceMembership, author: LogAuthor, terms: InviteTerms): Promise<InviteSecret> {
  const key = await createNobleKey()
  if (key.kind !== 'noble') throw new Error('An invite key must be one whose secret can travel in a link.')
  const secret = encodeBase58(key.secretKey) as InviteSecret
  await membership.say(author, { kind: StatementKind.invite, invite: key.publicKey, role: terms.role, expiresAt: terms.expiresAt, uses: terms.uses })
  const kept = keptInvites(deviceDoc)
  deviceDoc.transact(() => {
    // Secrets of long-expired invites open nothing: they go.
    for (const [invite, value] of kept) if ((readKept(value)?.expiresAt ?? 0) < terms.expiresAt - 2 * DEFAULT_INVITE_DAYS * DAY_MS) kept.delete(invite)
    kept.set(toHexString(key.publicKey), { space, secret, ...terms })
  })
  return secret
}

/** The secret of an invite this device made, if it still holds it: for showing the link again. */
export function inviteSecretOf(deviceDoc: Y.Doc, invite: string): InviteSecret | undefined {
  return readKept(keptInvites(deviceDoc).get(invite))?.secret
}

/** Whether an invite in the log still admits anyone, as of `now`. */
export function isOpen(invite: InviteState, now: number): boolean {
  return !invite.revoked && invite.expiresAt > now && (invite.uses === 0 || invite.used < invite.uses)
}

/**
 * A link this device made for these terms that is still open with a day
 * left, or a new one: opening Share twice signs one invite, not two.
 */
export async function inviteFor(deviceDoc: Y.Doc, space: SpaceId, membership: SpaceMembership, author: LogAuthor, role: Role, uses: number, now: number, days = DEFAULT_INVITE_DAYS): Promise<InviteSecret> {
  // A kept link whose expiry is within a day of what these terms would give, so a 1-day link is not handed out for 30.
  const expiresAt = now + days * DAY_MS
  for (const [key, value] of keptInvites(deviceDoc)) {
    const kept = readKept(value)
    const state = membership.state.invites.get(key)
    const alike = kept?.space === space && kept.role === role && kept.uses === uses && Math.abs(kept.expiresAt - expiresAt) <= REUSE_MIN_LEFT_MS
    if (kept && alike && state && isOpen(state, now + REUSE_MIN_LEFT_MS)) return kept.secret
  }
  return createInvite(deviceDoc, space, membership, author, { role, uses, expiresAt })
}

/**
 * "Reset link", for a link posted in the wrong place: every open invite is
 * revoked and the space is re-keyed (M10), so no link made before works,
 * whoever holds it; every member stays.
 */
export async function resetLinks(membership: SpaceMembership, author: LogAuthor, keys: RekeyContext, now: number): Promise<void> {
  for (const invite of membership.state.invites.values()) if (isOpen(invite, now)) await revokeInvite(membership, author, invite.key)
  await rekey(keys.subtle, keys.space, membership, author, keys.secret)
}

/** Revokes an invite (M6, by its key's hex): nobody joins with its link from then on, nor with an accept the revocation did not see. */
export async function revokeInvite(membership: SpaceMembership, author: LogAuthor, invite: string): Promise<void> {
  if (!membership.state.invites.has(invite)) throw new Error('This invite is not in the space’s log.')
  await membership.say(author, { kind: StatementKind.revokeInvite, invite: fromHexString(invite) })
}
