import { compareText } from '../../../core/scheduler/compareText.ts'
import { useCallback, useEffect, useMemo, useState } from 'react'
import type * as Y from 'yjs'
import { heldBackNotifications, NOTIFICATION_BURST, SUSTAINED_NOTIFICATIONS, SUSTAINED_WINDOW_MS, type HeldBack } from '../../../core/scheduler/notificationAllowance.ts'
import { isAddressedTo, readInbox, type InboxEntry } from '../../../core/scheduler/notifyKind.ts'
import { useAllSpaces, type ListedSpace } from '../../hooks/useAllSpaces.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useNow } from '../../hooks/useNow.ts'
import { hrefFor } from '../../route.ts'
import { useServices } from '../../services.ts'
import '../agenda/agenda.css'

interface Message {
  readonly entry: InboxEntry
  readonly space: ListedSpace
}

export function InboxPage() {
  const { device } = useServices()
  const { spaces, loading } = useAllSpaces()
  // Recomputed after any change to any space's doc: `spaces` is a new array then.
  const messages = useMemo(
    () =>
      spaces
        .flatMap((space) => readInbox(space.session.doc).flatMap((entry) => (isAddressedTo(entry, device.did) ? [{ entry, space }] : [])))
        // Newest first across spaces; ties in a fixed order, so rows do not swap between renders.
        .sort((a, b) => b.entry.createdAt - a.entry.createdAt || compareText(a.space.id, b.space.id) || compareText(a.entry.occurrence, b.entry.occurrence)),
    [spaces, device.did],
  )

  return (
    <section className="panel inbox" aria-labelledby="inbox-heading">
      <h1 id="inbox-heading">Inbox</h1>
      <NotificationSetting />
      <HeldBackNotes spaces={spaces} />
      {messages.length === 0 ? (
        <p className="muted">
          {loading ? 'Loading your spaces…' : 'No messages yet. A space’s notify operations (added in its Schedule tab) write here when they run.'}
        </p>
      ) : (
        <ul className="inbox-list" aria-label="Messages">
          {messages.map((message) => (
            <MessageRow key={`${message.space.id} ${message.entry.occurrence}`} message={message} />
          ))}
        </ul>
      )}
    </section>
  )
}

function MessageRow({ message: { entry, space } }: { readonly message: Message }) {
  return (
    <li className="inbox-entry">
      <p className="inbox-title">{entry.title}</p>
      {entry.body !== undefined && entry.body !== '' && <p className="inbox-body">{entry.body}</p>}
      <p className="inbox-meta muted">
        <a href={hrefFor({ page: 'space', id: space.id })}>{space.name || 'Unnamed space'}</a>
        {' · '}
        <time dateTime={new Date(entry.createdAt).toISOString()}>{dateTimeFormat.format(entry.createdAt)}</time>
      </p>
    </li>
  )
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

const NOT_HELD_BACK: HeldBack[] = []

/** CAP2: the spaces whose reminders this device stopped showing as notifications because they sent too many. */
function HeldBackNotes({ spaces }: { readonly spaces: readonly ListedSpace[] }) {
  const { deviceDoc } = useServices()
  // A note lasts a day after the last held-back reminder: a coarse clock is enough to let it go.
  const now = useNow(60_000)
  const read = useCallback((doc: Y.Doc) => heldBackNotifications(doc, now), [now])
  const heldBack = useDocValue(deviceDoc, read, NOT_HELD_BACK)
  // Only spaces still listed here: a space removed from this device has no messages below to point to.
  const notes = heldBack.flatMap((held) => {
    const space = spaces.find((listed) => listed.id === held.space)
    return space ? [{ ...held, name: space.name || 'Unnamed space' }] : []
  })
  if (notes.length === 0) return null
  return (
    <div aria-label="Reminders not shown as notifications">
      {notes.map(({ space, name, count, lastAt }) => (
        <p key={space} className="muted">
          {count === 1 ? `1 reminder from ${name} (at ${dateTimeFormat.format(lastAt)}) was` : `${count.toLocaleString('en')} reminders from ${name} (the last at ${dateTimeFormat.format(lastAt)}) were`} not
          shown as notifications because the space sent too many: this device shows {NOTIFICATION_BURST} at once from a space, then {SUSTAINED_NOTIFICATIONS} every{' '}
          {SUSTAINED_WINDOW_MS / 60_000} minutes. They are all in the list below.
        </p>
      ))}
    </div>
  )
}

type Permission = NotificationPermission | 'unsupported'

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** Asks for, or explains, what lets this device show a system notification when a message arrives. */
function NotificationSetting() {
  const [permission, setPermission] = useState(currentPermission)

  // A change made in the browser's site settings while the page is open shows here without a reload.
  useEffect(() => {
    let status: PermissionStatus | undefined
    let mounted = true
    const update = (): void => setPermission(currentPermission())
    navigator.permissions
      ?.query({ name: 'notifications' })
      .then((found) => {
        if (!mounted) return
        status = found
        status.addEventListener('change', update)
      })
      // Browsers without this query only lose the live update.
      .catch(() => undefined)
    return () => {
      mounted = false
      status?.removeEventListener('change', update)
    }
  }, [])

  if (permission === 'granted') return null
  if (permission === 'unsupported') return <p className="muted">This browser cannot show notifications; new messages appear here.</p>
  if (permission === 'denied') {
    return <p className="muted">Notifications are blocked for Pii in this browser’s settings. Allow them there to be told when a message arrives.</p>
  }
  return (
    <p className="inbox-permission">
      <span className="muted">Get a notification on this device when a message arrives.</span>{' '}
      <button
        type="button"
        onClick={() => {
          Notification.requestPermission()
            .then(setPermission)
            .catch(() => setPermission(currentPermission()))
        }}
      >
        Allow notifications
      </button>
    </p>
  )
}
