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

  const subscribe = useCallback((onChange: () => void) => (doc ? onDocUpdates(doc, () => version.current++, onChange) : () => {}), [doc])

  const getSnapshot = (): T => {
    const cached = cache.current
    if (cached && cached.doc === doc && cached.version === version.current && cached.read === read) return cached.value
    const value = doc ? read(doc) : fallback
    cache.current = { doc, version: version.current, value, read }
    return value
  }

  return useSyncExternalStore(subscribe, getSnapshot)
}

/**
 * Calls `onUpdate` on every update of `doc`, and `onChange` once after each
 * run of updates, in a microtask: after the updates' other listeners, so a
 * local edit's envelope is signed and sent before React re-reads the doc (it
 * renders in a microtask either way). Returns the unsubscribe function.
 */
export function onDocUpdates(doc: Y.Doc, onUpdate: () => void, onChange: () => void): () => void {
  let subscribed = true
  let notifying = false
  const listener = (): void => {
    onUpdate()
    if (notifying) return
    notifying = true
    queueMicrotask(() => {
      notifying = false
      if (subscribed) onChange()
    })
  }
  doc.on('update', listener)
  return () => {
    subscribed = false
    doc.off('update', listener)
  }
}
