import { useCallback, useEffect, useState, useSyncExternalStore } from 'react'
import type { SpaceSession, SpaceSync } from '../../core/space/SpaceLibrary.ts'
import type { Equivocation } from '../../core/space/EnvelopeLog.ts'
import type { EnvelopeRejection } from '../../core/space/envelopeRejection.ts'
import type { RoomStatus } from '../../core/space/SpaceRoom.ts'

export interface SpaceSyncView {
  readonly sync: SpaceSync | undefined
  readonly status: RoomStatus | undefined
  /** Envelopes refused since the space opened, by reason (forged, tampered, out of chain…). */
  readonly rejections: ReadonlyArray<readonly [EnvelopeRejection, number]>
  /** Why this device's changes cannot be signed right now, if they cannot. */
  readonly problem: string | undefined
  /** Sessions found to have signed two versions of their changes: none of their content is shown. */
  readonly equivocations: readonly Equivocation[]
}

/**
 * Calls `onAttached` once the session's sync is attached, unless stopped
 * first (the returned function). A space closed before its sync started
 * (the page reloading, a view left at once) has no sync to show: its
 * rejection is expected, and unhandled it was a page error.
 */
export function followAttachedSync(session: Pick<SpaceSession, 'sync'> | undefined, onAttached: (sync: SpaceSync) => void): () => void {
  let current = true
  session?.sync
    .then((attached) => {
      if (current) onAttached(attached)
    })
    .catch(() => undefined)
  return () => {
    current = false
  }
}

/** The space's sync once it is attached; re-renders only then. */
export function useAttachedSync(session: SpaceSession | undefined): SpaceSync | undefined {
  const [sync, setSync] = useState<SpaceSync | undefined>(undefined)
  useEffect(() => {
    setSync(undefined)
    return followAttachedSync(session, setSync)
  }, [session])
  return sync
}

/** The space's replication as the UI shows it; re-renders on every status or log change. */
export function useSpaceSync(session: SpaceSession | undefined): SpaceSyncView {
  const sync = useAttachedSync(session)
  // Stable per sync: a new function each render would make React unsubscribe and subscribe again every time.
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!sync) return () => {}
      const stopLog = sync.log.onChange(onChange)
      const stopRoom = sync.room?.onStatus(onChange)
      return () => {
        stopLog()
        stopRoom?.()
      }
    },
    [sync],
  )
  // The room replaces its status object only when it changes, and refusal counts only grow: both are cheap to compare.
  const status = useSyncExternalStore(subscribe, () => sync?.room?.status)
  useSyncExternalStore(subscribe, () => `${refusedTotal(sync)}|${sync?.log.problem ?? ''}|${sync?.log.log.equivocations.size ?? 0}`)
  return {
    sync,
    status,
    rejections: [...(sync?.log.log.rejections ?? [])],
    problem: sync?.log.problem,
    equivocations: sync?.log.equivocations ?? [],
  }
}

function refusedTotal(sync: SpaceSync | undefined): number {
  let total = 0
  for (const count of sync?.log.log.rejections.values() ?? []) total += count
  return total
}
