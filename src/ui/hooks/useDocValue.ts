import { useCallback, useRef, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'

/**
 * Reads a value derived from a Y.Doc and re-renders when the doc changes.
 * The value is recomputed at most once per doc update, however many times
 * React asks for it, and only while something is subscribed.
 */
export function useDocValue<T>(doc: Y.Doc | undefined, read: (doc: Y.Doc) => T, fallback: T): T {
  const cache = useRef<{ doc: Y.Doc | undefined; version: number; value: T; read: (doc: Y.Doc) => T } | undefined>(undefined)
  const version = useRef(0)

  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!doc) return () => {}
      const bump = (): void => {
        version.current++
        onChange()
      }
      doc.on('update', bump)
      return () => doc.off('update', bump)
    },
    [doc],
  )

  const getSnapshot = (): T => {
    const cached = cache.current
    if (cached && cached.doc === doc && cached.version === version.current && cached.read === read) return cached.value
    const value = doc ? read(doc) : fallback
    cache.current = { doc, version: version.current, value, read }
    return value
  }

  return useSyncExternalStore(subscribe, getSnapshot)
}
