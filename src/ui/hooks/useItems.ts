import { useCallback, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import { liveItemsOf, type ItemsSnapshot } from '../../core/space/liveItems.ts'

/** A space's items in display order, re-rendering when the list changes: an edit costs the items it touched, not a re-read of all. */
export function useItems(doc: Y.Doc): ItemsSnapshot {
  const live = liveItemsOf(doc)
  const subscribe = useCallback(
    (onChange: () => void) => {
      // Once per run of changes, in a microtask: LiveItems tells inside the transaction, before the edit is signed and sent.
      let subscribed = true
      let queued = false
      const unsubscribe = live.subscribe(() => {
        if (queued) return
        queued = true
        queueMicrotask(() => {
          queued = false
          if (subscribed) onChange()
        })
      })
      return () => {
        subscribed = false
        unsubscribe()
      }
    },
    [live],
  )
  return useSyncExternalStore(subscribe, live.getSnapshot)
}
