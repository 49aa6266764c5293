import { useEffect, useRef, type RefObject } from 'react'

/**
 * Shows the component's <dialog> as a modal once it mounts (focus trapped,
 * Escape cancels, as the platform does it), and when it unmounts gives focus
 * back to whatever had it before. The platform restores focus only for a
 * dialog that is closed; ours are removed instead, which left focus on the
 * page's body, so a keyboard user started again from the top.
 */
export function useModalDialog(): RefObject<HTMLDialogElement | null> {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const element = dialog.current
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined
    if (element && !element.open) element.showModal()
    return () => {
      if (opener?.isConnected) opener.focus()
    }
  }, [])
  return dialog
}
