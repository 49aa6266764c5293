import { afterTask } from './afterTask.ts'

/** Longer than a frame, so a visible page paints first; one that gets no frames (a covered window) still gets its work done. */
const PAINT_WAIT_MS = 250

/**
 * Runs `callback` in a task of its own once the page has painted its next
 * frame, or at once (after this task) in a page that cannot be seen. Work
 * the person does not see, done here instead of before the frame, does not
 * hold their key press off the screen.
 *
 * A page going away runs it at once, inside the event: the signed log
 * seals a typed edit here, and a page closed a few milliseconds after a key
 * press must still seal and store it (a later session has another lane and
 * could never sign it). After `pagehide` the stores write each change at
 * once (IndexedDbDocStore), so the order of the listeners does not matter.
 */
export function afterNextPaint(callback: () => void): void {
  if (document.hidden) return afterTask(callback)
  let done = false
  const onHidden = (): void => {
    if (document.visibilityState === 'hidden') run()
  }
  const run = (): void => {
    if (done) return
    done = true
    document.removeEventListener('visibilitychange', onHidden)
    window.removeEventListener('pagehide', run)
    callback()
  }
  document.addEventListener('visibilitychange', onHidden)
  window.addEventListener('pagehide', run)
  // The animation frame runs just before the paint; a task posted from it runs after.
  requestAnimationFrame(() => afterTask(run))
  setTimeout(run, PAINT_WAIT_MS)
}
