/**
 * Keeps an index of a flat Yjs map in step with it: `onKey` for every key
 * the map holds now, then for each key a transaction changes (added,
 * changed or deleted; the index reads the map to tell which).
 */
import type * as Y from 'yjs'

/** Returns how to stop following. */
export function followKeys(map: Y.Map<unknown>, onKey: (key: string) => void): () => void {
  for (const key of map.keys()) onKey(key)
  const onChange = (event: Y.YMapEvent<unknown>): void => {
    for (const key of event.keysChanged as Set<string>) onKey(key)
  }
  map.observe(onChange)
  return () => map.unobserve(onChange)
}
