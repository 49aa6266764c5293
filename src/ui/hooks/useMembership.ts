import { useCallback, useSyncExternalStore } from 'react'
import { EMPTY_MEMBERSHIP, type MembershipState } from '../../core/members/resolveMembership.ts'
import type { SpaceSync } from '../../core/space/SpaceLibrary.ts'

/** The space's membership as its log resolves it; re-renders when it changes. */
export function useMembership(sync: SpaceSync | undefined): MembershipState {
  const subscribe = useCallback((onChange: () => void) => sync?.membership.onChange(onChange) ?? (() => {}), [sync])
  // The membership replaces its state object only when a statement changes it.
  return useSyncExternalStore(subscribe, () => sync?.membership.state ?? EMPTY_MEMBERSHIP)
}
