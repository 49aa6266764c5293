import { useEffect, useState } from 'react'
import type { KindRegistry } from '../../core/scheduler/kinds.ts'
import { useServices } from '../services.ts'

/** The device's scheduler kinds, once their code has loaded (undefined until then). */
export function useKinds(): KindRegistry | undefined {
  const { kinds } = useServices()
  const [registry, setRegistry] = useState<KindRegistry | undefined>(undefined)
  useEffect(() => {
    let current = true
    void kinds().then((loaded) => {
      if (current) setRegistry(loaded)
    })
    return () => {
      current = false
    }
  }, [kinds])
  return registry
}
