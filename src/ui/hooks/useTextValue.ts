import { useCallback, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'

/** The current string of a shared text, re-rendering when it changes ('' without one). */
export function useTextValue(text: Y.Text | undefined): string {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!text) return () => {}
      text.observe(onChange)
      return () => text.unobserve(onChange)
    },
    [text],
  )
  return useSyncExternalStore(subscribe, () => text?.toString() ?? '')
}
