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
  const batch = oncePerRun(onChange)
  const listener = (): void => {
    onUpdate()
    batch.notify()
  }
  doc.on('update', listener)
  return () => {
    batch.stop()
    doc.off('update', listener)
  }
}

/**
 * `notify` may be called many times in a run of code; `onChange` runs once
 * after it, in a microtask, unless `stop` was called first.
 */
export function oncePerRun(onChange: () => void): { readonly notify: () => void; readonly stop: () => void } {
  let stopped = false
  let queued = false
  return {
    notify: () => {
      if (queued) return
      queued = true
      queueMicrotask(() => {
        queued = false
        if (!stopped) onChange()
      })
    },
    stop: () => {
      stopped = true
    },
  }
}
