import { useCallback, useEffect } from 'react'
import type * as Y from 'yjs'
import { readDisplayName, shownName } from '../../../core/identity/profile.ts'
import type { SpaceId } from '../../../core/space/ids.ts'
import type { InviteSecret, ShareSecret } from '../../../core/space/shareLink.ts'
import { findSpace } from '../../../core/space/spaceList.ts'
import { replaceRoute } from '../../components/replaceRoute.ts'
import { leaveLinkScreen, useEscapeLeaves } from '../../components/leaveLinkScreen.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useServices } from '../../services.ts'
import { shortDevice } from '../../components/deviceLabel.ts'
import { shortSpaceId } from './joinWording.ts'

/**
 * Opening a share link asks before joining: any web page can send the
 * browser to one, and joining stores the space, shows this device to the
 * space's members and runs the space's schedule here. Until "Join" nothing
 * is stored, no room is joined and nothing is hosted (the device's host
 * follows the list, which "Join" adds to). A link to a space already on
 * this device just opens it, keeping the secret it has.
 *
 * Whatever the choice, the address is replaced (replaceRoute), so the
 * secret does not stay in the address bar or the history.
 */
export function JoinSpace({ id, secret, invite }: { readonly id: SpaceId; readonly secret: ShareSecret; readonly invite?: InviteSecret | undefined }) {
  const { deviceDoc, library, device } = useServices()
  const isListed = useCallback((doc: Y.Doc) => findSpace(doc, id) !== undefined, [id])
  const listed = useDocValue(deviceDoc, isListed, false)
  const displayName = useDocValue(deviceDoc, readDisplayName, '')

  useEffect(() => {
    // Listed already, just joined, or joined meanwhile in another tab: the space view opens it (and starts its sync).
    if (listed) replaceRoute({ page: 'space', id })
  }, [listed, id])

  // Only while asking: once listed, the space is opening.
  useEscapeLeaves(!listed)

  if (listed) return <p className="muted">Opening the shared space…</p>

  return (
    <section className="panel join-space" aria-labelledby="join-heading">
      <h1 id="join-heading">Join this shared space?</h1>
      <p>
        This link invites this device into the shared space{' '}
        <code className="space-id" title={id}>
          {shortSpaceId(id)}
        </code>
        . Its name and contents arrive from its members once you join. Nothing has been stored or shown to anyone yet.
      </p>
      <p id="join-effects">Joining will:</p>
      <ul aria-labelledby="join-effects">
        <li>store the space and everything in it on this device;</li>
        <li>
          show this device to the space’s members, as “{shownName(displayName)}” ({shortDevice(device.did)}), whenever it is online;
        </li>
        <li>let this device run the space’s scheduled operations, such as reminders and webhooks.</li>
      </ul>
      {!displayName && <p>This device has no display name yet. To give it one first, choose Not now, name it under This device on the home screen, and open the link again.</p>}
      <p className="muted">If you did not mean to open this link, choose Not now: nothing is kept. You can leave a space you joined at any time.</p>
      <div className="dialog-actions">
        <button type="button" className="quiet" onClick={leaveLinkScreen}>
          Not now
        </button>
        {/* Listing the space is joining it: the effect above then opens it. */}
        <button type="button" onClick={() => library.addShared(id, secret, invite)} autoFocus>
          Join
        </button>
      </div>
    </section>
  )
}
