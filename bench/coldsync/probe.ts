/**
 * Runs in the joining page before any of its scripts (context.addInitScript):
 * resolves `window.coldSyncDone` with the time (ms since navigation start)
 * at which the count line first reads the expected text, i.e. every item is
 * verified, applied and rendered. A MutationObserver callback runs right
 * after the DOM change, so no polling interval is added to the time. Stands
 * alone, like every page function (see bench/sync/probe.ts).
 */
type ColdWindow = Window & { coldSyncDone?: Promise<number> }

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

export function coldSyncDone(): Promise<number> {
  const done = (window as ColdWindow).coldSyncDone
  return done ?? Promise.reject(new Error('The count watcher was not installed.'))
}
