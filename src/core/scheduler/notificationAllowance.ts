/**
 * How many system notifications one space may make a device show (SPEC
 * CAP2). Any member can write thousands of inbox entries, and every
 * member's device would show each one: so each space gets, per device, a
 * burst and then a steady rate (a token bucket). Entries beyond it stay in
 * the inbox without a notification; a summary notification, at most one per
 * window, says how many. The state of each space's allowance lives in the
 * device doc (local to the device, never shared), so a restart does not
 * hand a space a new burst, and the inbox page reads from it which spaces
 * were held back.
 */
import type * as Y from 'yjs'

/** Notifications a space may show at once: a few reminders due together (a morning's list) all still show. */
export const NOTIFICATION_BURST = 5
/** Then at most this many per SUSTAINED_WINDOW_MS: more than any plan a person reads one by one. */
export const SUSTAINED_NOTIFICATIONS = 10
/** The window of the sustained rate, and the least time between two summaries, ms. */
export const SUSTAINED_WINDOW_MS = 10 * 60_000
/** One notification's worth of allowance comes back every this many ms. */
const REFILL_MS = SUSTAINED_WINDOW_MS / SUSTAINED_NOTIFICATIONS
/**
 * An inbox entry older than this when a device first sees it is history,
 * not news: it stays in the inbox, silently (inboxNotifications). The inbox
 * page says a space's reminders were held back for as long, so the note does
 * not outlive the news it is about.
 */
export const SHOW_WITHIN_MS = 24 * 60 * 60_000

/** The device doc's map of each space's allowance: space id → Allowance. */
const NOTIFICATION_ALLOWANCES = 'notificationAllowances'

export interface Allowance {
  /** Notifications the space may still show now; fractional while the next comes back. */
  readonly tokens: number
  /** When `tokens` was counted, ms since the epoch. */
  readonly countedAt: number
  /** Entries held back since the last summary notification. */
  readonly unsummarised: number
  /** When the last summary notification was shown, if one was. */
  readonly summarisedAt?: number
  /** Entries held back since holding back began (after a day without any, it begins again). */
  readonly heldBack: number
  /** When an entry was last held back, if one was. */
  readonly heldBackAt?: number
}

/** A time (ms since the epoch) or a count, as stored: a whole number from 0. */
const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/** The space's allowance as stored, refilled up to `now`; a full one for a space with none (or junk an older build left). */
export function readAllowance(deviceDoc: Y.Doc, space: string, now: number): Allowance {
  return refill(parseAllowance(deviceDoc.getMap(NOTIFICATION_ALLOWANCES).get(space)) ?? { tokens: NOTIFICATION_BURST, countedAt: now, unsummarised: 0, heldBack: 0 }, now)
}

export function writeAllowance(deviceDoc: Y.Doc, space: string, allowance: Allowance): void {
  deviceDoc.getMap(NOTIFICATION_ALLOWANCES).set(space, { ...allowance })
}

function parseAllowance(value: unknown): Allowance | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { tokens, countedAt, unsummarised, summarisedAt, heldBack, heldBackAt } = value as Record<string, unknown>
  if (typeof tokens !== 'number' || !(tokens >= 0 && tokens <= NOTIFICATION_BURST) || !isWhole(countedAt) || !isWhole(unsummarised) || !isWhole(heldBack)) return undefined
  if ((summarisedAt !== undefined && !isWhole(summarisedAt)) || (heldBackAt !== undefined && !isWhole(heldBackAt))) return undefined
  return { tokens, countedAt, unsummarised, heldBack, ...(summarisedAt === undefined ? {} : { summarisedAt }), ...(heldBackAt === undefined ? {} : { heldBackAt }) }
}

/**
 * What came back since it was counted. A clock set back (a device's time
 * corrected) counts from now: it gives nothing back, and times it left in
 * the future do not hold the space's notifications or summary until then.
 */
function refill(allowance: Allowance, now: number): Allowance {
  const summarised = allowance.summarisedAt === undefined ? {} : { summarisedAt: Math.min(allowance.summarisedAt, now) }
  const comeBack = Math.max(0, now - allowance.countedAt) / REFILL_MS
  return { ...allowance, ...summarised, tokens: Math.min(NOTIFICATION_BURST, allowance.tokens + comeBack), countedAt: now }
}

/** One entry arrives: shown if the allowance has room for it, otherwise held back and counted for the summary. */
export function spendAllowance(allowance: Allowance, now: number): { readonly allowance: Allowance; readonly shown: boolean } {
  const current = refill(allowance, now)
  if (current.tokens >= 1) return { allowance: { ...current, tokens: current.tokens - 1 }, shown: true }
  const episodeOver = current.heldBackAt === undefined || now - current.heldBackAt > SHOW_WITHIN_MS
  return { allowance: { ...current, unsummarised: current.unsummarised + 1, heldBack: (episodeOver ? 0 : current.heldBack) + 1, heldBackAt: now }, shown: false }
}

/** When a summary of what was held back may be shown: a window after the last summary, or as soon as one is held back; undefined with nothing to sum up. */
export function summaryDueAt(allowance: Allowance): number | undefined {
  if (allowance.unsummarised === 0) return undefined
  return allowance.summarisedAt === undefined ? allowance.heldBackAt : allowance.summarisedAt + SUSTAINED_WINDOW_MS
}

/** The count a summary notification should give now, and the allowance after it; undefined when none is due. */
export function takeSummary(allowance: Allowance, now: number): { readonly allowance: Allowance; readonly count: number } | undefined {
  const dueAt = summaryDueAt(allowance)
  if (dueAt === undefined || dueAt > now) return undefined
  return { allowance: { ...allowance, unsummarised: 0, summarisedAt: now }, count: allowance.unsummarised }
}

/**
 * Forgets the allowances of spaces that have been quiet long enough that
 * theirs is as a new one would be: full, nothing to sum up, and nothing
 * held back to tell the inbox about. The map then holds only spaces heard
 * from lately, however many spaces the device has had.
 */
export function forgetQuietAllowances(deviceDoc: Y.Doc, now: number): void {
  const allowances = deviceDoc.getMap(NOTIFICATION_ALLOWANCES)
  const quiet = [...allowances.entries()].filter(([, value]) => {
    const allowance = parseAllowance(value)
    if (allowance === undefined) return true
    const { tokens, unsummarised, heldBackAt } = refill(allowance, now)
    return tokens >= NOTIFICATION_BURST && unsummarised === 0 && (heldBackAt === undefined || now - heldBackAt > SHOW_WITHIN_MS)
  })
  if (quiet.length > 0) deviceDoc.transact(() => quiet.forEach(([space]) => allowances.delete(space)))
}

export interface HeldBack {
  readonly space: string
  /** Entries of the space shown in the inbox only, since holding back began. */
  readonly count: number
  /** When the last one was held back. */
  readonly lastAt: number
}

/** The spaces whose reminders this device held back within the last day, for the inbox page to say so. */
export function heldBackNotifications(deviceDoc: Y.Doc, now: number): HeldBack[] {
  const found: HeldBack[] = []
  deviceDoc.getMap(NOTIFICATION_ALLOWANCES).forEach((value, space) => {
    const allowance = parseAllowance(value)
    if (allowance?.heldBackAt !== undefined && allowance.heldBack > 0 && now - allowance.heldBackAt <= SHOW_WITHIN_MS) {
      found.push({ space, count: allowance.heldBack, lastAt: allowance.heldBackAt })
    }
  })
  return found
}
