/**
 * Runs in the joining page before any of its scripts (context.addInitScript):
 * resolves `window.coldSyncDone` with the time (ms since navigation start)
 * at which the count line first reads the expected text, i.e. every item is
 * verified, applied and rendered. A MutationObserver callback runs right
 * after the DOM change, so no polling interval is added to the time. Stands
 * alone, like every page function (see bench/sync/probe.ts).
 */
type ColdWindow = Window & { coldSyncDone?: Promise<number>; joinWait?: { shownAt?: number; clickedAt?: number } }

export function watchCountLine([selector, expected]: readonly [string, string]): void {
  ;(window as ColdWindow).coldSyncDone = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.querySelector(selector)?.textContent !== expected) return
      observer.disconnect()
      resolve(performance.now())
    })
    observer.observe(document, { childList: true, subtree: true, characterData: true })
  })
}

/**
 * The app asks before joining a link (its join screen): the time between
 * the Join button appearing and the bench's click on it is the bench's own
 * round trip, which a person's instant click would not add. Recorded here
 * and taken off the join's time by coldSyncDone.
 */
export function watchJoinScreen(): void {
  const wait: NonNullable<ColdWindow['joinWait']> = {}
  ;(window as ColdWindow).joinWait = wait
  const isJoin = (element: Element | null): boolean => element instanceof HTMLButtonElement && element.textContent?.trim() === 'Join'
  const observer = new MutationObserver(() => {
    if (wait.shownAt !== undefined || ![...document.querySelectorAll('button')].some(isJoin)) return
    wait.shownAt = performance.now()
    observer.disconnect()
  })
  observer.observe(document, { childList: true, subtree: true })
  document.addEventListener('click', (event) => {
    if (wait.clickedAt === undefined && isJoin(event.target as Element | null)) wait.clickedAt = performance.now()
  }, true)
}

export async function coldSyncDone(): Promise<number> {
  const coldWindow = window as ColdWindow
  const done = coldWindow.coldSyncDone
  if (!done) throw new Error('The count watcher was not installed.')
  const at = await done
  const { shownAt, clickedAt } = coldWindow.joinWait ?? {}
  return shownAt !== undefined && clickedAt !== undefined ? at - (clickedAt - shownAt) : at
}
