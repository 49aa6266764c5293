/**
 * SPEC H7: what an operation says when it is overdue and no device that can
 * run its kind is awake (every tab closed on a browser without Background
 * Sync, a node-only kind with no node): it runs when one wakes, and this is
 * when one last ran it, instead of a delay nobody explains.
 */

/** An occurrence this much past due, with nobody awake to run it, is waiting on a device to wake (not a tick away). */
export const SLEEP_NOTICE_AFTER_MS = 10_000

export interface SleepFacts {
  readonly now: number
  /** The operation's kind, and the kinds the awake devices (this one's host, the peers in the room) can run. */
  readonly kind: string
  readonly awakeKinds: ReadonlySet<string>
  /** Its first unfinished occurrence's due time, if it has one. */
  readonly overdueSince: number | undefined
  /** When a device last finished one of its runs, if any has. */
  readonly lastRunAt: number | undefined
}

export function sleepNotice({ now, kind, awakeKinds, overdueSince, lastRunAt }: SleepFacts): string | undefined {
  if (overdueSince === undefined || now - overdueSince < SLEEP_NOTICE_AFTER_MS || awakeKinds.has(kind)) return undefined
  const last = lastRunAt === undefined ? 'no device has run it yet' : `a device last ran it ${new Date(lastRunAt).toLocaleString()}`
  return `Will run when a device that can run it wakes: none is awake now (${last}).`
}
