/**
 * Schedulers: named clocks that tick every `everyMs` and, each tick, start
 * due occurrences from their queue within a budget (SPEC SCH1–SCH4).
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
/** A tick may start at most this many occurrences; more would hold a host's thread for too long. */
const MAX_OPS_PER_TICK = 10_000
/** A tick's time budget cannot exceed a minute: a longer tick would overlap the next one of a 1-minute scheduler. */
const MAX_MS_PER_TICK = 60_000
const MAX_NAME_CHARS = 200

/** The budget a new scheduler gets: room for bursts, and a tick stays well inside a 100 ms frame of work. */
export const DEFAULT_BUDGET: Budget = { maxOpsPerTick: 100, maxMsPerTick: 50 }

/** The schedulers every space starts with (SCH4). */
export const DEFAULT_SCHEDULERS: ReadonlyArray<Omit<Scheduler, 'id'>> = [
  { name: 'Every second', everyMs: 1000, budget: DEFAULT_BUDGET, paused: false },
  { name: 'Every minute', everyMs: 60_000, budget: DEFAULT_BUDGET, paused: false },
]

/** Checks a scheduler as someone wants to save it; throws InvalidFields naming every bad field. */
export function validateScheduler(input: Scheduler): Scheduler {
  const checks = new FieldChecks('scheduler')
  checks.text('name', input.name, MAX_NAME_CHARS, 'The name')
  checks.wholeNumber('everyMs', input.everyMs, MIN_EVERY_MS, MAX_EVERY_MS, 'The interval in ms (100 ms to 10 years)')
  if (typeof input.budget !== 'object' || input.budget === null) {
    checks.fail('budget', 'The budget must give maxOpsPerTick and maxMsPerTick.')
  } else {
    checks.wholeNumber('budget.maxOpsPerTick', input.budget.maxOpsPerTick, 1, MAX_OPS_PER_TICK, 'Operations per tick')
    checks.wholeNumber('budget.maxMsPerTick', input.budget.maxMsPerTick, 1, MAX_MS_PER_TICK, 'Milliseconds per tick')
  }
  if (typeof input.paused !== 'boolean') checks.fail('paused', 'Paused must be true or false.')
  checks.done()
  return input
}
