import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react'
import type * as Y from 'yjs'
import type { ItemId, SpaceId } from '../../../core/space/ids.ts'
import { addItem, itemCountText, MAX_TITLE_LENGTH } from '../../../core/space/items.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { MAX_SPACE_NAME_LENGTH, readSpaceMeta } from '../../../core/space/schema.ts'
import { findSpace } from '../../../core/space/spaceList.ts'
import { publicKeyFromDid } from '../../../core/identity/didKey.ts'
import { accessOf, type Access } from '../../../core/members/myAccess.ts'
import { ROLE_WORDS } from '../../../core/members/roles.ts'
import { memberLabel } from '../../components/memberNames.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useItems } from '../../hooks/useItems.ts'
import { useMembership } from '../../hooks/useMembership.ts'
import { useNow } from '../../hooks/useNow.ts'
import { useAttachedSync } from '../../hooks/useSpaceSync.ts'
import { useSpaceSession } from '../../hooks/useSpaceSession.ts'
import { useUndoState } from '../../hooks/useUndoState.ts'
import { useServices } from '../../services.ts'
import { SyncBar } from '../presence/SyncBar.tsx'
import { LeaveSpaceButton } from '../spaces/LeaveSpace.tsx'
import { ExportItems } from './ExportItems.tsx'
import { ItemList } from './ItemList.tsx'
import { NotesPanel } from './NotesPanel.tsx'

// The QR code encoder is only needed once someone shares.
const ShareDialog = lazy(() => import('../share/ShareDialog.tsx').then((module) => ({ default: module.ShareDialog })))
// The scheduler's code (rules, time zones) loads when someone opens the Schedule tab, not with every space.
const SchedulePanel = lazy(() => import('../schedule/SchedulePanel.tsx').then((module) => ({ default: module.SchedulePanel })))

type SpaceTab = 'items' | 'schedule'

export function SpaceView({ id }: { readonly id: SpaceId }) {
  const { deviceDoc, library, device } = useServices()
  const entry = useDocValue(deviceDoc, (doc) => findSpace(doc, id), undefined)
  const session = useSpaceSession(id)
  const sync = useAttachedSync(session)
  // Invites expire: a minute is fine enough for "this link has expired".
  const now = useNow(60_000)
  const membership = useMembership(sync)
  const access = accessOf({ state: membership, founded: membership.genesis !== undefined, device: publicKeyFromDid(device.did), invite: sync?.membership.joiningWith, epoch: entry?.epoch ?? 0, now })
  const edits = access.kind === 'open' || (access.kind === 'member' && access.edits)
  const doc = session?.doc
  const sharedName = useDocValue(doc, readSpaceName, '')
  const { canUndo, canRedo } = useUndoState(session?.undo)
  const [newTitle, setNewTitle] = useState('')
  const [notesFor, setNotesFor] = useState<ItemId | undefined>(undefined)
  const [added, setAdded] = useState<ItemId | undefined>(undefined)
  const [sharing, setSharing] = useState(false)
  const [tab, setTab] = useState<SpaceTab>('items')

  useEffect(() => {
    const undo = session?.undo
    if (!undo) return
    // Undo is the space's, not the focused field's: native input undo would fork from the shared text.
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return
      const key = event.key.toLowerCase()
      if (key === 'z' && !event.shiftKey) undo.undo()
      else if ((key === 'z' && event.shiftKey) || key === 'y') undo.redo()
      else return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [session])

  if (!entry) {
    return (
      <section className="panel">
        <h1>Space not found</h1>
        <p>This space is not on this device. It may have been deleted here or in another tab.</p>
        <a href="#/">Back to your spaces</a>
      </section>
    )
  }
  if (!session || !doc) return <p className="muted">Opening {entry.name}…</p>
  const name = sharedName || entry.name

  const add = (event: FormEvent): void => {
    event.preventDefault()
    if (!newTitle.trim()) return
    const title = newTitle.trim()
    session.edit((space) => setAdded(addItem(space, title)))
    setNewTitle('')
  }

  return (
    <section className="space-view" aria-label={name}>
      {/* The page's heading for screen readers; sighted people read the name in its field, where they can change it. */}
      <h1 className="visually-hidden">{name}</h1>
      <div className="space-header">
        <a href="#/" className="quiet back" aria-label="Back to your spaces">
          ←
        </a>
        <SpaceName name={name} onRename={(name) => void library.rename(id, name)} readOnly={!edits} />
        <div className="toolbar">
          <button type="button" className="quiet" onClick={() => session.undo.undo()} disabled={!canUndo || !edits} title="Undo (Ctrl+Z)">
            Undo
          </button>
          <button type="button" className="quiet" onClick={() => session.undo.redo()} disabled={!canRedo || !edits} title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
          <button type="button" onClick={() => setSharing(true)} disabled={!entry.secret}>
            Share
          </button>
        </div>
      </div>
      <SyncBar session={session} />
      <AccessNotice access={access} />
      {sharing && entry.secret && (
        <Suspense fallback={null}>
          <ShareDialog space={{ id, name, secret: entry.secret }} sync={sync} membership={membership} access={access} onClose={() => setSharing(false)} />
        </Suspense>
      )}
      <div className="space-tabs" role="tablist" aria-label="Space sections">
        {(['items', 'schedule'] as const).map((name) => (
          <button key={name} type="button" role="tab" className="quiet" aria-selected={tab === name} onClick={() => setTab(name)}>
            {name === 'items' ? 'Items' : 'Schedule'}
          </button>
        ))}
      </div>
      {/* A role that cannot change the space gets every control disabled at once; what it reads stays the same. */}
      <fieldset className="plain" disabled={!edits}>
        {tab === 'schedule' ? (
          <Suspense fallback={<p className="muted">Loading the schedule…</p>}>
            <SchedulePanel session={session} />
          </Suspense>
        ) : (
          <SpaceItemsTab session={session} newTitle={newTitle} setNewTitle={setNewTitle} add={add} added={added} notesFor={notesFor} setNotesFor={setNotesFor} />
        )}
      </fieldset>
      <div className="space-footer">
        <ExportItems session={session} name={name} />
        <LeaveSpaceButton space={{ id, name }} />
      </div>
    </section>
  )
}

interface SpaceItemsTabProps {
  readonly session: SpaceSession
  readonly newTitle: string
  readonly setNewTitle: (title: string) => void
  readonly add: (event: FormEvent) => void
  readonly added: ItemId | undefined
  readonly notesFor: ItemId | undefined
  readonly setNotesFor: (id: ItemId | undefined) => void
}

function SpaceItemsTab({ session, newTitle, setNewTitle, add, added, notesFor, setNotesFor }: SpaceItemsTabProps) {
  return (
    <>
      <form className="inline-form add-item" onSubmit={add}>
        <input
          aria-label="New item"
          placeholder="Add an item and press Enter"
          maxLength={MAX_TITLE_LENGTH}
          value={newTitle}
          onChange={(event) => setNewTitle(event.target.value)}
        />
        <button type="submit">Add</button>
      </form>
      <SpaceItems session={session} reveal={added} notesFor={notesFor} onNotesFor={setNotesFor} />
    </>
  )
}

const readSpaceName = (doc: Y.Doc): string => readSpaceMeta(doc).name

interface SpaceItemsProps {
  readonly session: SpaceSession
  readonly reveal: ItemId | undefined
  readonly notesFor: ItemId | undefined
  readonly onNotesFor: (id: ItemId | undefined) => void
}

/** What changes with the items, apart from the rest of the view: a peer's edit re-renders only this. */
function SpaceItems({ session, reveal, notesFor, onNotesFor }: SpaceItemsProps) {
  const { items, undone } = useItems(session.doc)
  const { device } = useServices()
  const sync = useAttachedSync(session)
  const membership = useMembership(sync)
  // Who wrote a change is whose verified lane wrote its structs, named as the membership log names them.
  const writerName = (client: number): string | undefined => {
    const did = sync?.log.writerOf(client)
    return did === undefined ? undefined : did === device.did ? 'you' : memberLabel(membership, did)
  }
  return (
    <>
      <p className="muted count" aria-live="polite">
        {itemCountText(undone, items.length)}
      </p>
      {/* No empty box under "Nothing here yet": the list (and its frame) shows once there is an item. */}
      {items.length > 0 && <ItemList session={session} items={items} reveal={reveal} notesFor={notesFor} onOpenNotes={onNotesFor} />}
      {notesFor && items.some((item) => item.id === notesFor) && <NotesPanel doc={session.doc} id={notesFor} writerName={writerName} onClose={() => onNotesFor(undefined)} />}
    </>
  )
}

/** Why this device cannot change the space, when it cannot; nothing for those who can. */
function AccessNotice({ access }: { readonly access: Access }) {
  const text = accessText(access)
  return text ? (
    <p className="access-notice" role="status">
      {text}
    </p>
  ) : null
}

function accessText(access: Access): string | undefined {
  switch (access.kind) {
    case 'open':
      return undefined
    case 'joining':
      return access.problem ?? 'Waiting for a member of this space to come online and let this device in. Until then you can see what has arrived, and change nothing.'
    case 'removed':
      return access.unlinked
        ? `This device was unlinked by ${access.by}. What you had stays on this device, read-only; nothing new reaches it.`
        : `You were removed from this space by ${access.by}. What you had stays on this device, read-only; nothing new reaches it.`
    case 'member':
      return access.edits ? undefined : `You ${access.role === 'viewer' ? 'can view' : 'keep a copy of'} this space (${ROLE_WORDS[access.role]}). Only its editors can change it.`
  }
}

function SpaceName({ name, onRename, readOnly }: { readonly name: string; readonly onRename: (name: string) => void; readonly readOnly: boolean }) {
  // A draft exists only while the user is editing; otherwise the field shows the shared name live.
  const [draft, setDraft] = useState<string | undefined>(undefined)
  const commit = (): void => {
    if (draft !== undefined && draft.trim() && draft !== name) onRename(draft)
    setDraft(undefined)
  }
  return (
    <input
      className="space-name"
      aria-label="Space name"
      // On a narrow screen a long name ends in an ellipsis: the whole name is a hover (or long press) away.
      title={draft ?? name}
      readOnly={readOnly}
      maxLength={MAX_SPACE_NAME_LENGTH}
      value={draft ?? name}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === 'Enter') event.currentTarget.blur()
        if (event.key === 'Escape') {
          setDraft(undefined)
          event.currentTarget.blur()
        }
      }}
    />
  )
}
