/**
 * Functions that run inside the pages (passed to page.evaluate). Each stands
 * alone: Playwright sends its source text, so it may use only its
 * arguments and the page's globals. No named inner functions either: tsx
 * would wrap them in a helper the page does not have.
 *
 * Times are epoch milliseconds (`performance.timeOrigin + performance.now()`),
 * which two Chromium processes on one machine read from the same clock; the
 * bench checks that by calibrating each page against Node's clock.
 */

import { BASELINE_ITEMS_ID } from './api.ts'

/** Row titles on each page: the app's title inputs in the Items list, the baseline's list items. */
export const OURS_TITLES = 'ol[aria-label="Items"] input[aria-label="Item title"]'
export const BASELINE_TITLES = `#${BASELINE_ITEMS_ID} > li`

interface SeenProbe {
  readonly seen: Map<string, number>
  readonly waiters: Map<string, (at: number) => void>
}

type ProbeWindow = Window & { benchSeen?: SeenProbe }

/**
 * On B: records when each title first shows in the DOM. A MutationObserver
 * callback runs right after the DOM change that caused it (same task, before
 * paint), so no frame or polling interval is added to what is measured. The
 * app fills a row's title in a layout effect, in the same commit that inserts
 * the row, so it is set by the time the callback reads it.
 */
export function installSeenProbe(selector: string): void {
  const probe: SeenProbe = { seen: new Map(), waiters: new Map() }
  ;(window as ProbeWindow).benchSeen = probe
  new MutationObserver(() => {
    const at = performance.timeOrigin + performance.now()
    for (const element of document.querySelectorAll(selector)) {
      const title = element instanceof HTMLInputElement ? element.value : (element.textContent ?? '')
      if (probe.seen.has(title)) continue
      probe.seen.set(title, at)
      probe.waiters.get(title)?.(at)
      probe.waiters.delete(title)
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true })
}

/** On B: resolves to the time `title` first showed (now or earlier); rejects after `timeoutMs`. */
export function awaitSeen([title, timeoutMs]: readonly [string, number]): Promise<number> {
  const probe = (window as ProbeWindow).benchSeen
  if (!probe) return Promise.reject(new Error('installSeenProbe has not run on this page.'))
  const known = probe.seen.get(title)
  if (known !== undefined) return Promise.resolve(known)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      probe.waiters.delete(title)
      reject(new Error(`"${title}" did not show within ${timeoutMs} ms.`))
    }, timeoutMs)
    probe.waiters.set(title, (at) => {
      clearTimeout(timer)
      resolve(at)
    })
  })
}

/**
 * On A (the app): submits the "New item" form, already filled, as Enter
 * would (implicit submission is requestSubmit); returns the time taken right
 * before. Everything after it (React's handler, addItem, signing, sending)
 * is part of the measured latency.
 */
export function submitNewItem(): number {
  const input = document.querySelector<HTMLInputElement>('input[aria-label="New item"]')
  if (!input?.form || input.value === '') throw new Error('The "New item" field is missing or empty.')
  const madeAt = performance.timeOrigin + performance.now()
  input.form.requestSubmit()
  return madeAt
}

/** On A (the baseline): adds the item; the page takes the time right before its transaction. */
export function baselineAdd(title: string): number {
  if (!window.syncBaseline) throw new Error('The baseline page has not started.')
  return window.syncBaseline.add(title)
}

/**
 * On B (the app): keeps the windowed list scrolled to its end, where new
 * items are appended, so the next one is rendered (not just counted). Waits
 * two frames for the scroll to reach React's window state.
 */
export async function pinListToEnd(): Promise<void> {
  const scroller = document.querySelector('.item-scroller')
  if (scroller) scroller.scrollTop = scroller.scrollHeight
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
}

export function epochNow(): number {
  return performance.timeOrigin + performance.now()
}
