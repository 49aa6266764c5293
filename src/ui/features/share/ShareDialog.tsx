// Share dialog: a link per role (its invite signed into the space's membership log), the open invites with a way to
// revoke each, and the members, whom an owner or admin can remove.
import { useEffect, useId, useRef, useState } from 'react'
import { useModalDialog } from '../../components/useModalDialog.ts'
import { toHexString } from 'lib0/buffer'
import { publicKeyFromDid } from '../../../core/identity/didKey.ts'
import { DEFAULT_INVITE_DAYS, inviteFor, inviteSecretOf, isOpen, resetLinks, revokeInvite } from '../../../core/members/invites.ts'
import type { Access } from '../../../core/members/myAccess.ts'
import { removeMember } from '../../../core/members/removeMember.ts'
import { devicesOf, type MembershipState } from '../../../core/members/resolveMembership.ts'
import { mayActOn, Role, ROLE_WORDS } from '../../../core/members/roles.ts'
import type { SpaceId } from '../../../core/space/ids.ts'
import type { SpaceSync } from '../../../core/space/SpaceLibrary.ts'
import { replicaLink, shareLink, type InviteSecret, type ShareSecret } from '../../../core/space/shareLink.ts'
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx'
import { QrCode } from '../../components/QrCode.tsx'
import { useNow } from '../../hooks/useNow.ts'
import { useServices } from '../../services.ts'
import './share.css'

interface ShareDialogProps {
  readonly space: { readonly id: SpaceId; readonly name: string; readonly secret: ShareSecret }
  readonly sync: SpaceSync | undefined
  readonly membership: MembershipState
  readonly access: Access
  readonly onClose: () => void
}

type CopyState = 'idle' | 'copied' | 'manual'
/** How long a new link works: a day for a link sent now to someone waiting for it, a month for an invitation by mail. */
const LINK_DAYS = [1, 7, 30] as const
type LinkRole = typeof Role.editor | typeof Role.viewer | typeof Role.replica

/** The QR code, or undefined when the link is past what a QR code can hold (~2.3 kB at level M). */
/** A modal <dialog>: focus is trapped and Escape closes, as the platform does it. */
export function ShareDialog({ space, sync, membership, access, onClose }: ShareDialogProps) {
  const { deviceDoc, device } = useServices()
  const dialog = useModalDialog()
  const titleId = useId()
  const [role, setRole] = useState<LinkRole>(Role.editor)
  const [singleUse, setSingleUse] = useState(false)
  const [days, setDays] = useState(DEFAULT_INVITE_DAYS)
  const [made, setMade] = useState<{ readonly terms: string; readonly secret: InviteSecret } | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const manages = access.kind === 'member' && access.manages


  // The link shown is the one made for the terms chosen now, never one of the terms before.
  // A node's link admits one node: once that node is in, the link (left in its shell history or process list) admits nobody.
  const uses = singleUse || role === Role.replica ? 1 : 0
  const terms = `${role}|${uses}|${days}`
  const invite = made?.terms === terms ? made.secret : undefined
  useEffect(() => {
    if (!manages || !sync) return
    let current = true
    inviteFor(deviceDoc, space.id, sync.membership, sync.author, role, uses, Date.now(), days).then(
      (secret) => current && setMade({ terms: `${role}|${uses}|${days}`, secret }),
      (error: unknown) => current && setProblem(`Could not make the link: ${error instanceof Error ? error.message : String(error)}`),
    )
    return () => {
      current = false
    }
    // A new secret (the space was re-keyed, or its links reset) needs a new link.
  }, [manages, sync, deviceDoc, space.id, space.secret, role, uses, days])

  // A space from before membership keeps its old link until its owner opens it; a member who cannot invite gets none.
  // A personal node's link carries the room's access, never the secret: the node keeps the space without being able to read it (M12).
  const linkOf = role === Role.replica ? replicaLink : shareLink
  const link = access.kind === 'open' ? shareLink(location.origin, space.id, space.secret) : invite && linkOf(location.origin, space.id, space.secret, invite)
  const myDevice = toHexString(publicKeyFromDid(device.did))
  // The person this device acts for (M13): a linked device's own key names nobody.
  const me = membership.deviceOwners.get(myDevice) ?? myDevice

  return (
    <dialog ref={dialog} className="dialog share-dialog" aria-labelledby={titleId} onCancel={onClose} onClose={onClose}>
      <h2 id={titleId}>Share “{space.name}”</h2>
      {access.kind === 'open' && <p>Anyone with this link can read and edit the space, so send it only to people you trust.</p>}
      {manages && (
        <div className="share-terms">
          <label className="field">
            <span>People with the link</span>
            <select value={role} onChange={(event) => setRole(event.target.value as LinkRole)}>
              <option value={Role.editor}>{ROLE_WORDS.editor}</option>
              <option value={Role.viewer}>{ROLE_WORDS.viewer}</option>
              <option value={Role.replica}>are your personal node</option>
            </select>
          </label>
          <label className="field">
            <span>The link works for</span>
            <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
              {LINK_DAYS.map((choice) => (
                <option key={choice} value={choice}>
                  {choice === 1 ? '1 day' : `${choice} days`}
                </option>
              ))}
            </select>
          </label>
          {role === Role.replica ? (
            <p className="muted">
              Your personal node keeps this space and serves it while your devices sleep, encrypted: it cannot read it. On the node, run <code>npm run node -- replicate -</code> and paste this
              link; it is admitted the next time a device of the space is open.
            </p>
          ) : (
            <>
              <label className="checkbox">
                <input type="checkbox" checked={singleUse} onChange={(event) => setSingleUse(event.target.checked)} />
                For one person only
              </label>
              <p className="muted">Anyone who opens the link in that time joins: send it only to the people you mean. Revoke it below if it goes astray.</p>
            </>
          )}
        </div>
      )}
      {!manages && access.kind !== 'open' && <p>Only the space’s owner or an admin can invite people. Ask {ownerName(membership)} for a link.</p>}
      {link && <LinkField key={link} link={link} />}
      {!link && manages && <p className="muted">{problem ?? 'Making the link…'}</p>}
      {manages && sync && <OpenInvites sync={sync} membership={membership} onProblem={setProblem} />}
      <MemberList membership={membership} me={me} access={access} sync={sync} secret={space.secret} onProblem={setProblem} />
      {manages && sync && <ResetLinks sync={sync} secret={space.secret} onProblem={setProblem} />}
      {problem && link && <p role="alert">{problem}</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Done
        </button>
      </div>
    </dialog>
  )
}

function ownerName(membership: MembershipState): string {
  for (const member of membership.members.values()) if (member.role === Role.owner) return member.name || 'the owner'
  return 'the owner'
}

function LinkField({ link }: { readonly link: string }) {
  const input = useRef<HTMLInputElement>(null)
  const [copy, setCopy] = useState<CopyState>('idle')
  // Without the clipboard API (plain http on a LAN address) or permission, leave the link selected so the keyboard shortcut copies it.
  const copyByHand = () => {
    input.current?.focus()
    input.current?.select()
    setCopy('manual')
  }
  const copyLink = () => {
    // The DOM types claim it is always there; insecure contexts leave it out.
    const clipboard = navigator.clipboard as Clipboard | undefined
    if (!clipboard) return copyByHand()
    clipboard.writeText(link).then(() => setCopy('copied'), copyByHand)
  }
  return (
    <>
      <label className="field">
        <span>Share link</span>
        <div className="share-link-row">
          <input ref={input} readOnly value={link} onFocus={(event) => event.currentTarget.select()} />
          <button type="button" onClick={copyLink} autoFocus>
            Copy link
          </button>
        </div>
      </label>
      <p className="share-copy-status muted" role="status">
        {copy === 'copied' ? 'Copied' : copy === 'manual' ? 'Press Ctrl+C to copy' : ''}
      </p>
      <QrCode text={link} label="QR code of the share link" className="share-qr" />
    </>
  )
}

function OpenInvites({ sync, membership, onProblem }: { readonly sync: SpaceSync; readonly membership: MembershipState; readonly onProblem: (problem: string) => void }) {
  const { deviceDoc } = useServices()
  const now = useNow(60_000)
  const open = [...membership.invites.values()].filter((invite) => isOpen(invite, now)).sort((a, b) => a.expiresAt - b.expiresAt)
  if (open.length === 0) return null
  const revoke = (key: string): void => {
    revokeInvite(sync.membership, sync.author, key).catch((error: unknown) => onProblem(`Could not revoke the link: ${error instanceof Error ? error.message : String(error)}`))
  }
  return (
    <section aria-label="Open invite links">
      <h3>Open links</h3>
      <ul className="share-list">
        {open.map((invite) => (
          <li key={invite.key}>
            <span>
              {ROLE_WORDS[invite.role]}, {invite.uses === 0 ? 'anyone with it' : `${invite.uses - invite.used} of ${invite.uses} left`}, until {new Date(invite.expiresAt).toLocaleDateString()}
              {membership.members.get(invite.by) ? ` (by ${membership.members.get(invite.by)?.name || 'a member'})` : ''}
              {inviteSecretOf(deviceDoc, invite.key) ? '' : ' · made on another device'}
            </span>
            <button type="button" className="quiet" onClick={() => revoke(invite.key)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** "I posted the link in the wrong chat": every link stops working, everyone stays. */
function ResetLinks({ sync, secret, onProblem }: { readonly sync: SpaceSync; readonly secret: ShareSecret; readonly onProblem: (problem: string) => void }) {
  const [asking, setAsking] = useState(false)
  const reset = (): void => {
    setAsking(false)
    resetLinks(sync.membership, sync.author, { subtle: crypto.subtle, space: sync.log.log.space, secret }, Date.now()).catch((error: unknown) =>
      onProblem(`Could not reset the links: ${error instanceof Error ? error.message : String(error)}`),
    )
  }
  return (
    <>
      <button type="button" className="quiet" onClick={() => setAsking(true)}>
        Reset link
      </button>
      {asking && (
        <ConfirmDialog
          title="Reset every link to this space?"
          message="Every link made so far stops working, for everyone, even for someone who opened one and has not joined yet. Members stay; you get a new link to share."
          confirmLabel="Reset link"
          onConfirm={reset}
          onCancel={() => setAsking(false)}
        />
      )}
    </>
  )
}

interface MemberListProps {
  readonly membership: MembershipState
  readonly me: string
  readonly access: Access
  readonly sync: SpaceSync | undefined
  readonly secret: ShareSecret
  readonly onProblem: (problem: string) => void
}

/** One person, however many devices (M13): their count, when more than one. */
function deviceCount(membership: MembershipState, person: string): string {
  const count = devicesOf(membership, person).length
  return count > 1 ? ` · ${count} devices` : ''
}

function MemberList({ membership, me, access, sync, secret, onProblem }: MemberListProps) {
  const [toRemove, setToRemove] = useState<{ readonly person: string; readonly name: string } | undefined>(undefined)
  if (membership.members.size === 0) return null
  const myRole = access.kind === 'member' ? access.role : undefined
  const members = [...membership.members.values()].sort((a, b) => a.seniority - b.seniority)
  const remove = (person: string): void => {
    setToRemove(undefined)
    if (!sync) return
    removeMember(sync.membership, sync.author, sync.log, person, { subtle: crypto.subtle, space: sync.log.log.space, secret }).catch((error: unknown) => onProblem(`Could not remove them: ${error instanceof Error ? error.message : String(error)}`))
  }
  return (
    <section aria-label="Members">
      <h3>Members</h3>
      <ul className="share-list">
        {members.map((member) => (
          <li key={member.person}>
            <span>
              {member.name || 'Unnamed'}
              {member.person === me ? ' (you)' : ''} · {ROLE_WORDS[member.role]}
              {deviceCount(membership, member.person)}
            </span>
            {member.person !== me && mayActOn(myRole, member.role) && (
              <button type="button" className="quiet" onClick={() => setToRemove({ person: member.person, name: member.name || 'this member' })} aria-label={`Remove ${member.name || 'this member'}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {toRemove && (
        <ConfirmDialog
          title={`Remove ${toRemove.name}?`}
          message={`${toRemove.name} keeps what is already on their devices, but nothing they change from now on reaches anyone, and nothing changed from now on reaches them: the space moves to a new key.`}
          confirmLabel="Remove"
          onConfirm={() => remove(toRemove.person)}
          onCancel={() => setToRemove(undefined)}
        />
      )}
    </section>
  )
}
