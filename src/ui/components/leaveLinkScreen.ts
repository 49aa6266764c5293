import { useEffect } from 'react'
import { replaceRoute } from './replaceRoute.ts'

/**
 * Home, with the link (and its secret) gone from the address and the
 * history: how a screen opened from a share or pairing link is left.
 */
export function leaveLinkScreen(): void {
  replaceRoute({ page: 'home' })
}

/** While the screen is still asking, Escape answers "Not now" (leaveLinkScreen); once it acts, Escape must not take the person elsewhere. */
export function useEscapeLeaves(asking: boolean): void {
  useEffect(() => {
    if (!asking) return
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') leaveLinkScreen()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [asking])
}
