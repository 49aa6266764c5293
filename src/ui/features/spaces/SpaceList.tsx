import { useState, type FormEvent } from 'react'
import { listVisibleSpaces, type SpaceEntry } from '../../../core/space/spaceList.ts'
import { MAX_SPACE_NAME_LENGTH } from '../../../core/space/schema.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { hrefFor } from '../../route.ts'
import { useServices } from '../../services.ts'
import { LeaveFromList, useLeaveFailure } from './LeaveSpace.tsx'

/** Ample for the route to change and the space view to mount and open the space, even on a busy machine. */
const HANDOVER_MS = 2000

export function SpaceList() {
  const { deviceDoc, library } = useServices()
  const spaces = useDocValue(deviceDoc, listVisibleSpaces, [])
  const [newName, setNewName] = useState('')
  const [toLeave, setToLeave] = useState<SpaceEntry | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const leaveFailure = useLeaveFailure()

  const create = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    try {
      const session = await library.create(newName)
      setNewName('')
      location.hash = hrefFor({ page: 'space', id: session.id })
      // The space view opens its own reference once the route changes and it mounts; until then this one keeps the
      // space open, so it is not closed and opened again on the way (closing would be safe, only slower).
      setTimeout(() => session.release(), HANDOVER_MS)
    } catch (cause) {
      setError(`Could not create the space: ${cause instanceof Error ? cause.message : String(cause)}`)
    }
  }

  return (
    <section className="panel" aria-labelledby="spaces-heading">
      <h1 id="spaces-heading">Spaces</h1>
      <form className="inline-form" onSubmit={(event) => void create(event)}>
        <input
          aria-label="New space name"
          placeholder="New space name"
          maxLength={MAX_SPACE_NAME_LENGTH}
          value={newName}
          onChange={(event) => setNewName(event.target.value)}
        />
        <button type="submit">Create space</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {leaveFailure && <p role="alert" className="error">{leaveFailure}</p>}
      {spaces.length === 0 ? (
        <p className="muted">No spaces yet. A space holds a list you can keep on this device and, later, share.</p>
      ) : (
        <ul className="space-list" aria-label="Your spaces">
          {spaces.map((space) => (
            <SpaceRow key={space.id} space={space} onLeave={() => setToLeave(space)} />
          ))}
        </ul>
      )}
      {toLeave && <LeaveFromList space={toLeave} onDone={() => setToLeave(undefined)} />}
    </section>
  )
}

function SpaceRow({ space, onLeave }: { readonly space: SpaceEntry; readonly onLeave: () => void }) {
  const { library } = useServices()
  const [renaming, setRenaming] = useState(false)
  const [name, setName] = useState(space.name)

  const commit = (event?: FormEvent): void => {
    event?.preventDefault()
    setRenaming(false)
    if (name.trim() && name !== space.name) void library.rename(space.id, name)
  }

  return (
    <li className="space-row">
      {renaming ? (
        <form className="inline-form grow" onSubmit={commit}>
          <input
            aria-label={`New name for ${space.name}`}
            maxLength={MAX_SPACE_NAME_LENGTH}
            value={name}
            autoFocus
            onChange={(event) => setName(event.target.value)}
            onBlur={() => commit()}
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                setName(space.name)
                setRenaming(false)
              }
            }}
          />
        </form>
      ) : (
        <a className="grow space-link" href={hrefFor({ page: 'space', id: space.id })}>
          {space.name}
        </a>
      )}
      <button
        type="button"
        className="quiet"
        onClick={() => {
          setName(space.name)
          setRenaming(true)
        }}
        aria-label={`Rename ${space.name}`}
      >
        Rename
      </button>
      <button type="button" className="quiet danger" onClick={onLeave} aria-label={`Leave ${space.name}`}>
        Leave
      </button>
    </li>
  )
}
