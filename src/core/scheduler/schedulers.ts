/**
 * Schedulers: named clocks that tick every `everyMs` and, each tick, start
 * due occurrences from their queue within a budget (SPEC SCH1–SCH4), which
 * a device limits to its own caps (CAP4).
 */
import { FieldChecks } from './InvalidFields.ts'

export type SchedulerId = string & { readonly __brand: 'SchedulerId' }

export interface Budget {
  /** Occurrences started per tick, at most. */
  readonly maxOpsPerTick: number
  /** Time spent starting occurrences per tick, at most; a tick that reaches it starts nothing more. */
  readonly maxMsPerTick: number
}

export interface Scheduler {
  readonly id: SchedulerId
  readonly name: string
  readonly everyMs: number
  readonly budget: Budget
  readonly paused: boolean
}

/** The latest time any plan may name: far past any plan a person makes, and still an exact number of ms. */
export const LATEST_TIME = Date.UTC(9999, 11, 31)

/** The fastest tick: below this a browser's timers (and a peer's claim round trip) cannot keep up. */
export const MIN_EVERY_MS = 100
/** The slowest: 10 years of 365.25 days. */
export const MAX_EVERY_MS = 10 * 365.25 * 24 * 60 * 60 * 1000
/**
 * The most occurrences this device starts in one tick, whatever a
 * scheduler's budget says (CAP4): each start writes a signed claim that
 * every member's devices replicate, and a member's budget must not make
 * another's phone write thousands of them per tick.
 */
const DEVICE_MAX_OPS_PER_TICK = 1_000
/**
 * The most time, in ms, this device spends starting occurrences in one tick
 * (CAP4): the host's thread also serves the service worker's events and the
 * other spaces' ticks, and a quarter second is where a page hosting the
 * scheduler starts to stutter visibly.
 */
const DEVICE_MAX_MS_PER_TICK = 250
const MAX_NAME_CHARS = 200

/** The budget a new scheduler gets: room for bursts, and a tick stays well inside a 100 ms frame of work. */
export const DEFAULT_BUDGET: Budget = { maxOpsPerTick: 100, maxMsPerTick: 50 }

/** The schedulers every space starts with (SCH4). */
export const DEFAULT_SCHEDULERS: ReadonlyArray<Omit<Scheduler, 'id'>> = [
  { name: 'Every second', everyMs: 1000, budget: DEFAULT_BUDGET, paused: false },
  { name: 'Every minute', everyMs: 60_000, budget: DEFAULT_BUDGET, paused: false },
]

/** Checks a scheduler as someone wants to save it (SCH1, SCH2, CAP4); throws InvalidFields naming every bad field. */
export function validateScheduler(input: Scheduler): Scheduler {
  return checkScheduler(input, DEVICE_MAX_OPS_PER_TICK, DEVICE_MAX_MS_PER_TICK)
}

/**
 * Checks a scheduler as stored in the space, where a budget may exceed this
 * device's caps (saved by a build with other caps, or by a hostile member):
 * such a scheduler still runs, within the caps (deviceBudget), rather than
 * stopping every operation that uses it.
 */
export function validateStoredScheduler(input: Scheduler): Scheduler {
  return checkScheduler(input, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
}

function checkScheduler(input: Scheduler, maxOpsPerTick: number, maxMsPerTick: number): Scheduler {
  const checks = new FieldChecks('scheduler')
  checks.text('name', input.name, MAX_NAME_CHARS, 'The name')
  checks.wholeNumber('everyMs', input.everyMs, MIN_EVERY_MS, MAX_EVERY_MS, 'The interval in ms (100 ms to 10 years)')
  if (typeof input.budget !== 'object' || input.budget === null) {
    checks.fail('budget', 'The budget must give maxOpsPerTick and maxMsPerTick.')
  } else {
    checks.wholeNumber('budget.maxOpsPerTick', input.budget.maxOpsPerTick, 1, maxOpsPerTick, 'Operations per tick (the most a device starts in one tick)')
    checks.wholeNumber('budget.maxMsPerTick', input.budget.maxMsPerTick, 1, maxMsPerTick, 'Milliseconds per tick (the most a device spends in one tick)')
  }
  if (typeof input.paused !== 'boolean') checks.fail('paused', 'Paused must be true or false.')
  checks.done()
  return input
}

/** The budget this device applies (CAP4): the scheduler's, limited to the device's caps. */
export function deviceBudget(budget: Budget): Budget {
  return { maxOpsPerTick: Math.min(budget.maxOpsPerTick, DEVICE_MAX_OPS_PER_TICK), maxMsPerTick: Math.min(budget.maxMsPerTick, DEVICE_MAX_MS_PER_TICK) }
}
