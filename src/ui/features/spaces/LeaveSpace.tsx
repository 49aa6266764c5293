/**
 * Leaving a space, from its view or from the list. It is one action for a
 * space made here and one joined by link: every space has a share link from
 * the start, and this device cannot know who else holds a copy. There is no
 * "delete for everyone": members keep what they have.
 *
 * The space leaves the device's list at once, which closes it in every tab
 * and, as the device's host follows the list, stops its schedule and its
 * notifications; then its stored copy is deleted.
 */
import { useEffect, useState } from 'react'
import type { SpaceId } from '../../../core/space/ids.ts'
import type { SpaceLibrary } from '../../../core/space/SpaceLibrary.ts'
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx'
import { replaceRoute } from '../../components/replaceRoute.ts'
import { useUi } from '../../hooks/useUi.ts'
import { useServices } from '../../services.ts'
import { uiStore } from '../../store.ts'

interface LeavingSpace {
  readonly id: SpaceId
  /** Empty for a space joined whose name has not arrived yet. */
  readonly name: string
}

function leaveSpace(library: SpaceLibrary, space: LeavingSpace): void {
  uiStore.setState({ leaveProblem: undefined })
  library.remove(space.id).catch((cause: unknown) => {
    const reason = cause instanceof Error ? cause.message : String(cause)
    uiStore.setState({
      leaveProblem: `${spaceTitle(space.name)} is off this device’s list and no longer syncs or runs here, but its stored copy could not be deleted (${reason}). It stays in this browser’s storage until Pii’s site data is cleared.`,
    })
  })
}

/** What went wrong the last time a space was left, until the list that shows it goes away. */
export function useLeaveFailure(): string | undefined {
  const message = useUi((state) => state.leaveProblem)
  useEffect(() => () => uiStore.setState({ leaveProblem: undefined }), [])
  return message
}

const spaceTitle = (name: string): string => (name ? `“${name}”` : 'This space')

/** Asks before leaving, saying what leaving does. */
function LeaveSpaceDialog({ name, onConfirm, onCancel }: { readonly name: string; readonly onConfirm: () => void; readonly onCancel: () => void }) {
  return (
    <ConfirmDialog
      title={name ? `Leave “${name}”?` : 'Leave this space?'}
      message={`${spaceTitle(name)} and everything in it will be removed from this device, and this device will stop running its reminders and webhooks. Members who have it keep their copies; to come back, you need a share link from one of them. If nobody else has joined it, it is gone for good.`}
      confirmLabel="Leave space"
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  )
}

/** The list's "Leave" on one row: the list stays, so it only asks and leaves. */
export function LeaveFromList({ space, onDone }: { readonly space: LeavingSpace; readonly onDone: () => void }) {
  const { library } = useServices()
  return (
    <LeaveSpaceDialog
      name={space.name}
      onCancel={onDone}
      onConfirm={() => {
        onDone()
        leaveSpace(library, space)
      }}
    />
  )
}

/** "Leave this space" in the space's view: asks, then goes home and leaves. */
export function LeaveSpaceButton({ space }: { readonly space: LeavingSpace }) {
  const { library } = useServices()
  const [asking, setAsking] = useState(false)
  return (
    <>
      <button type="button" className="quiet danger" onClick={() => setAsking(true)}>
        Leave this space
      </button>
      {asking && (
        <LeaveSpaceDialog
          name={space.name}
          onCancel={() => setAsking(false)}
          onConfirm={() => {
            // Home first, replacing the space's address: the view must not show the space as missing while it goes, nor Back return to it.
            replaceRoute({ page: 'home' })
            leaveSpace(library, space)
          }}
        />
      )}
    </>
  )
}
