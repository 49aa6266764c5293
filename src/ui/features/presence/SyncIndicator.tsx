import type { SyncState } from '../../../core/space/SpaceRoom.ts'
import { ChangeAnnouncement } from '../../components/ChangeAnnouncement.tsx'

const changes = (count: number): string => `${count} ${count === 1 ? 'change' : 'changes'} not yet seen by any other device`

/** The one line that says whether this space's changes have reached anyone else. */
function describeSyncState(state: SyncState): string {
  switch (state.kind) {
    case 'offline':
      return state.unseen > 0 ? `Offline · ${changes(state.unseen)}` : 'Offline'
    case 'connecting':
      return state.unseen > 0 ? `Connecting… · ${changes(state.unseen)}` : 'Connecting…'
    case 'up-to-date':
      return 'Up to date'
    case 'unseen':
      return changes(state.unseen)
  }
}

/**
 * The line itself is not a live region: while typing it flips between "1
 * change not yet seen…" and "Up to date" on every key press, and a screen
 * reader would read each. What a listener needs to hear is the network
 * coming and going, so only that is announced, politely.
 */
export function SyncIndicator({ state }: { readonly state: SyncState | undefined }) {
  const kind = state?.kind ?? 'connecting'
  return (
    <>
      <p className={`sync-indicator sync-${kind}`} data-testid="sync-status">
        <span className="sync-dot" aria-hidden="true" />
        {state ? describeSyncState(state) : 'This space stays on this device'}
      </p>
      <ChangeAnnouncement state={kind === 'offline'} words={connectivityWords} testId="sync-announcement" />
    </>
  )
}

const connectivityWords = (offline: boolean): string =>
  offline ? 'Offline. Your changes stay on this device and are sent when it reconnects.' : 'Back online.'
