import { useEffect, useState } from 'react'
import type { SpaceId } from '../../core/space/ids.ts'
import type { SpaceSession } from '../../core/space/SpaceLibrary.ts'
import { useServices } from '../services.ts'

/** Holds a space open while the calling component is mounted; undefined until its stored content is loaded. */
export function useSpaceSession(id: SpaceId): SpaceSession | undefined {
  const { library } = useServices()
  const [loaded, setLoaded] = useState<SpaceSession | undefined>(undefined)

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
  }, [library, id])

  return loaded
}
