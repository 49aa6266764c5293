import { toHexString } from 'lib0/buffer'
import { lazy, Suspense, useState } from 'react'
import type { UnlinkReport } from '../../../core/devices/DeviceLinking.ts'
import { publicKeyFromDid } from '../../../core/identity/didKey.ts'
import type * as Y from 'yjs'
import { putBack, setAsideSpaces } from '../../../core/devices/HomeSync.ts'
import { ownSubscription, publishSubscription, pushKeys } from '../../../core/devices/homePush.ts'
import { devicesOf, type MemberDevice, type MembershipState } from '../../../core/members/resolveMembership.ts'
import type { SpaceId } from '../../../core/space/ids.ts'
import { findHome } from '../../../core/space/spaceList.ts'
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useMembership } from '../../hooks/useMembership.ts'
import { useSpaceSession } from '../../hooks/useSpaceSession.ts'
import { useAttachedSync } from '../../hooks/useSpaceSync.ts'
import { useServices } from '../../services.ts'

// Pairing's screen and code load when someone adds a device: most visits never do.
const AddDeviceDialog = lazy(() => import('./AddDeviceDialog.tsx').then((module) => ({ default: module.AddDeviceDialog })))

/** Web Push from the person's node, for this browser: offered once a node of theirs publishes its key (homePush.ts). */
function SleepingReminders({ home, membership }: { readonly home: Y.Doc; readonly membership: MembershipState }) {
  const { device, push } = useServices()
  const keys = useDocValue(home, (doc) => pushKeys(doc, membership).join(' '), '')
  const subscribed = useDocValue(home, (doc) => ownSubscription(doc, device.did) !== undefined, false)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const vapidKey = keys.split(' ')[0]
  if (!vapidKey) return null
  const turnOn = (): void => {
    setProblem(undefined)
    push
      .subscribe(vapidKey)
      .then((record) => home.transact(() => publishSubscription(home, record)))
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)))
  }
  return (
    <div className="field">
      <span>Reminders while this device sleeps</span>
      {subscribed ? (
        <p role="status">On: your personal node wakes this device for its reminders.</p>
      ) : (
        <button type="button" onClick={turnOn}>
          Turn on
        </button>
      )}
      {problem && <p role="alert">{problem}</p>}
    </div>
  )
}

/** Spaces another device of the person removed: still on this device's disk, with their key, until put back (DEV5). */
function SetAsideSpaces() {
  const { deviceDoc } = useServices()
  const aside = useDocValue(deviceDoc, setAsideSpaces, [])
  if (aside.length === 0) return null
  return (
    <div className="field">
      <span>Removed on another of your devices</span>
      <p className="muted">Still on this device. Put one back to have it on all your devices again.</p>
      <ul className="share-list" aria-label="Removed on another device">
        {aside.map((entry) => (
          <li key={entry.id}>
            <span>{entry.name || 'Unnamed space'}</span>
            <button type="button" className="quiet" onClick={() => putBack(deviceDoc, entry.id, Date.now())} aria-label={`Put back ${entry.name || 'this space'}`}>
              Put back
            </button>
          </li>
        ))}
      </ul>
    </div>
  )
}

const homeIdOf = (doc: Parameters<typeof findHome>[0]): SpaceId | undefined => findHome(doc)?.id

/** The person's devices (as their home space's membership says), a way to add one, and to unlink a lost one. */
export function DevicesPanel() {
  const { deviceDoc } = useServices()
  const homeId = useDocValue(deviceDoc, homeIdOf, undefined)
  const [adding, setAdding] = useState(false)
  return (
    <section className="panel" aria-labelledby="devices-heading">
      <h2 id="devices-heading">Your devices</h2>
      {homeId ? <LinkedDevices home={homeId} /> : <p className="muted">Only this device so far. Add your phone, another computer or your personal node: each gets all your spaces, and keeps them in step.</p>}
      <button type="button" onClick={() => setAdding(true)}>
        Add a device
      </button>
      {adding && (
        <Suspense fallback={null}>
          <AddDeviceDialog onClose={() => setAdding(false)} />
        </Suspense>
      )}
      <SetAsideSpaces />
    </section>
  )
}

function LinkedDevices({ home }: { readonly home: SpaceId }) {
  const { device, linking } = useServices()
  const session = useSpaceSession(home)
  const membership = useMembership(useAttachedSync(session))
  const me = toHexString(publicKeyFromDid(device.did))
  const person = membership.devices.get(me)?.person
  const [toUnlink, setToUnlink] = useState<MemberDevice | undefined>(undefined)
  const [report, setReport] = useState<string | undefined>(undefined)
  if (!person) return <p className="muted">Linking this device…</p>
  const devices = devicesOf(membership, person)
  const unlink = (target: MemberDevice): void => {
    setToUnlink(undefined)
    setReport(`Unlinking ${target.name || 'the device'}…`)
    linking()
      .then((linking) => linking.unlink(target.key))
      .then((done: UnlinkReport) => setReport(`${target.name || 'The device'} is unlinked from ${done.unlinked} spaces${done.rekeyed > 0 ? `; ${done.rekeyed} moved to a new key` : ''}${done.failed > 0 ? `. ${done.failed} could not be reached: unlink again later` : ''}.`))
      .catch((error: unknown) => setReport(`Could not unlink: ${error instanceof Error ? error.message : String(error)}`))
  }
  return (
    <>
      <ul className="share-list" aria-label="Linked devices">
        {devices.map((linked) => (
          <li key={linked.device}>
            <span>
              {linked.name || 'Unnamed device'}
              {linked.device === me ? ' (this device)' : ''}
            </span>
            {linked.device !== me && (
              <button type="button" className="quiet" onClick={() => setToUnlink(linked)} aria-label={`Unlink ${linked.name || 'this device'}`}>
                Unlink
              </button>
            )}
          </li>
        ))}
      </ul>
      {report && <p role="status">{report}</p>}
      {session && <SleepingReminders home={session.doc} membership={membership} />}
      {toUnlink && (
        <ConfirmDialog
          title={`Unlink ${toUnlink.name || 'this device'}?`}
          message="It keeps what is already on it, but nothing changed from now on reaches it, and nothing it changes counts: each of your spaces moves to a new key. Do this for a lost or stolen device."
          confirmLabel="Unlink"
          onConfirm={() => unlink(toUnlink)}
          onCancel={() => setToUnlink(undefined)}
        />
      )}
    </>
  )
}
