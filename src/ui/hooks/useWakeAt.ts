import { useEffect, useRef } from 'react'

/** setTimeout's longest delay; a later moment is reached by waking on the way and asking again. */
const MAX_DELAY_MS = 2 ** 31 - 1

/** Calls `wake` once when the time `at` comes (never when undefined); a new `at` replaces the old one. */
export function useWakeAt(at: number | undefined, wake: () => void): void {
  const latestWake = useRef(wake)
  useEffect(() => {
    latestWake.current = wake
  })
  useEffect(() => {
    if (at === undefined) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const wait = (): void => {
      const delay = at - Date.now()
      if (delay <= 0) return latestWake.current()
      timer = setTimeout(wait, Math.min(delay, MAX_DELAY_MS))
    }
    wait()
    return () => clearTimeout(timer)
  }, [at])
}
