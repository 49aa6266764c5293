/**
 * Runs `callback` in a task of its own, right after the current one. Work
 * that may wait for the current task but not longer (writing a task's edits
 * to disk, passing them to other tabs) uses this, not `setTimeout(…, 0)`:
 * browsers throttle a hidden tab's timers to about one a second, while a
 * message is delivered at once.
 */
export function afterTask(callback: () => void): void {
  const channel = new MessageChannel()
  channel.port1.onmessage = () => {
    // Closed first: an open port keeps a Node process (tests, the personal node) alive.
    channel.port1.close()
    callback()
  }
  channel.port2.postMessage(undefined)
}
