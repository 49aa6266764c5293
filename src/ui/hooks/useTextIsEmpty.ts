import { useCallback, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'

/** Whether a shared text is empty (true without one), re-rendering only when that changes, not at every edit. */
export function useTextIsEmpty(text: Y.Text | undefined): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!text) return () => {}
      text.observe(onChange)
      return () => text.unobserve(onChange)
    },
    [text],
  )
  return useSyncExternalStore(subscribe, () => (text?.length ?? 0) === 0)
}
