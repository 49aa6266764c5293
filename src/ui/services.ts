import { createContext, useContext } from 'react'
import type * as Y from 'yjs'
import type { Did } from '../core/identity/didKey.ts'
import type { SpaceLibrary } from '../core/space/SpaceLibrary.ts'

/** What the composition root (main.tsx) hands the UI: built once, never swapped. */
export interface AppServices {
  readonly deviceDoc: Y.Doc
  readonly library: SpaceLibrary
  readonly device: { readonly did: Did; readonly keyKind: 'webcrypto' | 'noble' }
  /** Activates the waiting app version and reloads. */
  readonly applyUpdate: () => void
}

export const ServicesContext = createContext<AppServices | undefined>(undefined)

export function useServices(): AppServices {
  const services = useContext(ServicesContext)
  if (!services) throw new Error('useServices must be used inside <ServicesContext.Provider>.')
  return services
}
