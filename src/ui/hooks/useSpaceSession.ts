import { useEffect, useState } from 'react'
import type { SpaceId } from '../../core/space/ids.ts'
import type { SpaceSession } from '../../core/space/SpaceLibrary.ts'
import { useServices } from '../services.ts'

/**
 * Holds a space open while the calling component is mounted; undefined
 * until its stored content is loaded. When the space's content is rebuilt
 * (SpaceLibrary.onReplaced), it opens the space again.
 */
export function useSpaceSession(id: SpaceId): SpaceSession | undefined {
  const { library } = useServices()
  // A space opened ahead of the view (main.tsx prefetches the one in the address) renders in the first pass.
  const [loaded, setLoaded] = useState<SpaceSession | undefined>(() => library.loadedSession(id))
  const [generation, setGeneration] = useState(0)

  useEffect(() => library.onReplaced((replaced) => replaced === id && setGeneration((previous) => previous + 1)), [library, id])

  useEffect(() => {
    const session = library.openSpace(id)
    let current = true
    void session.loaded.then(() => {
      if (current) setLoaded(session)
    })
    return () => {
      current = false
      setLoaded(undefined)
      session.release()
    }
  }, [library, id, generation])

  return loaded
}
