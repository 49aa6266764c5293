import { useEffect, useMemo, useRef, useState } from 'react'
import type { SpaceId } from '../../core/space/ids.ts'
import type { SpaceLibrary, SpaceSession } from '../../core/space/SpaceLibrary.ts'
import { listVisibleSpaces, type SpaceEntry } from '../../core/space/spaceList.ts'
import { useServices } from '../services.ts'
import { onDocUpdates, useDocValue } from './useDocValue.ts'

export interface ListedSpace {
  readonly id: SpaceId
  /** The name in the device's list (the space's own name, copied there); empty for a joined space not yet synced. */
  readonly name: string
  readonly session: SpaceSession
}

export interface AllSpaces {
  /** The listed spaces whose stored content is loaded, in list order; a new array after any change to any of their docs. */
  readonly spaces: readonly ListedSpace[]
  /** True while some listed space is still loading: an empty view is not yet the truth. */
  readonly loading: boolean
}

const NO_SPACES: SpaceEntry[] = []

/**
 * Holds every space listed on this device open while the caller is mounted
 * (views across spaces: the agenda, the inbox), following the list as
 * spaces are added or removed, and re-renders when any of their docs change.
 */
export function useAllSpaces(): AllSpaces {
  const { deviceDoc, library } = useServices()
  const entries = useDocValue(deviceDoc, listVisibleSpaces, NO_SPACES)
  // A rename changes the entries but not which spaces are held: only the ids drive opening and closing.
  const ids = entries.map((entry) => entry.id).join(' ')
  const held = useRef(new Map<SpaceId, () => void>())
  // Replaced (copied) on every load and every doc change, so what is derived from it is recomputed.
  const [loaded, setLoaded] = useState<ReadonlyMap<SpaceId, SpaceSession>>(() => new Map())

  useEffect(() => {
    const holding = held.current
    const wanted = new Set(ids === '' ? [] : (ids.split(' ') as SpaceId[]))
    // New spaces are opened before any is released, and a space that stays listed is left alone:
    // releasing and reopening it would close its doc and load it from storage again.
    for (const id of wanted) if (!holding.has(id)) holding.set(id, hold(library, id, setLoaded))
    for (const [id, release] of holding) {
      if (wanted.has(id)) continue
      holding.delete(id)
      release()
    }
  }, [library, ids])

  useEffect(() => {
    const holding = held.current
    // A space whose content was rebuilt is held again, from its new copy.
    const stopFollowing = library.onReplaced((id) => {
      const release = holding.get(id)
      if (!release) return
      holding.set(id, hold(library, id, setLoaded))
      release()
    })
    return () => {
      stopFollowing()
      for (const release of holding.values()) release()
      holding.clear()
    }
  }, [library])

  const spaces = useMemo(
    () =>
      entries.flatMap((entry) => {
        const session = loaded.get(entry.id)
        return session ? [{ id: entry.id, name: entry.name, session }] : []
      }),
    [entries, loaded],
  )
  return { spaces, loading: spaces.length < entries.length }
}

type SetLoaded = (update: (previous: ReadonlyMap<SpaceId, SpaceSession>) => ReadonlyMap<SpaceId, SpaceSession>) => void

/** Opens one space; once it is loaded, reports it and each change to its doc. Returns what releases it. */
function hold(library: Pick<SpaceLibrary, 'openSpace'>, id: SpaceId, setLoaded: SetLoaded): () => void {
  const session = library.openSpace(id)
  let holding = true
  let stopWatching: (() => void) | undefined
  void session.loaded.then(() => {
    if (!holding) return
    stopWatching = onDocUpdates(session.doc, () => {}, () => setLoaded((previous) => new Map(previous)))
    setLoaded((previous) => new Map(previous).set(id, session))
  })
  return () => {
    holding = false
    stopWatching?.()
    // A released doc is destroyed once no one else holds it: it must not be read again.
    setLoaded((previous) => {
      if (previous.get(id) !== session) return previous
      const next = new Map(previous)
      next.delete(id)
      return next
    })
    session.release()
  }
}
