import type { SyncState } from '../../../core/space/SpaceRoom.ts'

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

export function SyncIndicator({ state }: { readonly state: SyncState | undefined }) {
  const kind = state?.kind ?? 'connecting'
  return (
    <p className={`sync-indicator sync-${kind}`} role="status" aria-label="Sync status">
      <span className="sync-dot" aria-hidden="true" />
      {state ? describeSyncState(state) : 'This space stays on this device'}
    </p>
  )
}
