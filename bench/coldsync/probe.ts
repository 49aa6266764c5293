/**
 * Runs in the joining page before any of its scripts (context.addInitScript):
 * resolves `window.coldSyncDone` with the time (ms since navigation start)
 * at which the count line first reads the expected text, i.e. every item is
 * verified, applied and rendered. A MutationObserver callback runs right
 * after the DOM change, so no polling interval is added to the time. Stands
 * alone, like every page function (see bench/sync/probe.ts).
 *
 * The app asks before joining a link (its join screen, SECURITY LNK1): its
 * join starts when the person clicks Join, with the page booted while they
 * read the screen, as the baseline's starts at navigation. Both moments are
 * recorded (watchJoinScreen).
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

/** When the Join button appeared and when it was clicked, ms since navigation start. */
export function watchJoinScreen(): void {
  const wait: NonNullable<ColdWindow['joinWait']> = {}
  ;(window as ColdWindow).joinWait = wait
  // No named functions in here: tsx would wrap them in a naming helper the page does not have.
  const observer = new MutationObserver(() => {
    if (wait.shownAt !== undefined) return
    for (const button of document.querySelectorAll('button')) {
      if (button.textContent?.trim() !== 'Join') continue
      wait.shownAt = performance.now()
      observer.disconnect()
      return
    }
  })
  observer.observe(document, { childList: true, subtree: true })
  document.addEventListener(
    'click',
    (event) => {
      const target = event.target
      if (wait.clickedAt === undefined && target instanceof HTMLButtonElement && target.textContent?.trim() === 'Join') wait.clickedAt = performance.now()
    },
    true,
  )
}

export interface ColdSyncTimes {
  /** When the join started, ms since navigation start: the click on Join (ours), or navigation itself (baseline). */
  readonly startedAt: number
  /** When every item was counted, ms since navigation start. */
  readonly doneAt: number
  /** Navigation → every item, less the bench's own wait between the Join button showing and its click. */
  readonly withBootMs: number
}

export async function coldSyncDone(): Promise<ColdSyncTimes> {
  const coldWindow = window as ColdWindow
  const done = coldWindow.coldSyncDone
  if (!done) throw new Error('The count watcher was not installed.')
  const doneAt = await done
  const { shownAt, clickedAt } = coldWindow.joinWait ?? {}
  const clicked = shownAt !== undefined && clickedAt !== undefined
  return { startedAt: clicked ? clickedAt : 0, doneAt, withBootMs: clicked ? doneAt - (clickedAt - shownAt) : doneAt }
}
