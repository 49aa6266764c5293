import { useCallback, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import { liveItemsOf, type ItemsSnapshot } from '../../core/space/liveItems.ts'
import { oncePerRun } from './useDocValue.ts'

/** A space's items in display order, re-rendering when the list changes: an edit costs the items it touched, not a re-read of all. */
export function useItems(doc: Y.Doc): ItemsSnapshot {
  const live = liveItemsOf(doc)
  const subscribe = useCallback(
    (onChange: () => void) => {
      // Once per run of changes, in a microtask: LiveItems tells inside the transaction, before the edit is signed and sent.
      const batch = oncePerRun(onChange)
      const unsubscribe = live.subscribe(batch.notify)
      return () => {
        batch.stop()
        unsubscribe()
      }
    },
    [live],
  )
  return useSyncExternalStore(subscribe, live.getSnapshot)
}
