import { useCallback, useSyncExternalStore } from 'react'
import type { PairingGuest, PairingHost, PairingStep } from '../../core/devices/PairingSession.ts'

const WAITING: PairingStep = { step: 'waiting' }

/** Where a pairing stands, re-rendered at each step. */
export function usePairingStep(session: PairingHost | PairingGuest | undefined): PairingStep {
  const subscribe = useCallback((onChange: () => void) => session?.onChange(onChange) ?? (() => {}), [session])
  return useSyncExternalStore(subscribe, () => session?.state ?? WAITING)
}
