import { memo } from 'react'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { useSpaceSync } from '../../hooks/useSpaceSync.ts'
import { PresenceList } from './PresenceList.tsx'
import { SyncDetails } from './SyncDetails.tsx'
import { SyncIndicator } from './SyncIndicator.tsx'

/**
 * The space's sync indicator, who is online, and refused changes. Its own
 * component so a log or status change re-renders this bar, not the list;
 * memoised so an edit to the list does not re-render the bar either.
 */
export const SyncBar = memo(function SyncBar({ session }: { readonly session: SpaceSession }) {
  const view = useSpaceSync(session)
  if (!view.sync) return null
  return (
    <>
      <div className="sync-bar">
        <SyncIndicator state={view.status?.state} />
        {view.status && <PresenceList peers={view.status.peers} />}
      </div>
      <SyncDetails view={view} />
    </>
  )
})
