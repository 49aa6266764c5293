import { afterTask } from './afterTask.ts'

/** Longer than a frame, so a visible page paints first; one that gets no frames (a covered window) still gets its work done. */
const PAINT_WAIT_MS = 250

/**
 * Runs `callback` in a task of its own once the page has painted its next
 * frame, or at once (after this task) in a page that cannot be seen. Work
 * the person does not see, done here instead of before the frame, does not
 * hold their key press off the screen.
 */
export function afterNextPaint(callback: () => void): void {
  if (document.hidden) return afterTask(callback)
  let done = false
  const run = (): void => {
    if (done) return
    done = true
    callback()
  }
  // The animation frame runs just before the paint; a task posted from it runs after.
  requestAnimationFrame(() => afterTask(run))
  setTimeout(run, PAINT_WAIT_MS)
}
