/**
 * Which scheduler an operation should run on (SPEC OP6, OP7): the one the
 * operation editor picks by default, and what it says when a person picks
 * a coarser one. Without it, "in 20 minutes" on a 1-day scheduler ran a
 * day later, and nothing said so.
 *
 * How late a scheduler can be, from how hosts tick (SchedulerHost): a tick
 * every `everyMs`, on a grid, offers the occurrences due up to a look-ahead
 * of min(everyMs, 60 s) past it, and the runner then starts each at its due
 * time. An occurrence due beyond the look-ahead waits for the next tick: up
 * to `everyMs − min(everyMs, 60 s)` late. One planned less than a
 * look-ahead before it is due (a one-off "in 20 seconds", "run now") was
 * in no earlier tick's look-ahead: it waits for the next tick, up to
 * `everyMs − (due − planned)` late.
 */
import { nextOccurrence, occurrencesBetween, type Timing } from './occurrences.ts'
import { deviceBudget, type Scheduler } from './schedulers.ts'

/** SchedulerHost's MAX_TICK_LOOKAHEAD_MS, without the claim lead (which only makes runs earlier): the worst case is stated without it. */
const TICK_LOOKAHEAD_CAP_MS = 60_000
/** A person notices a reminder a second late no more than one on time; the cap for every timing. */
const PRECISION_CAP_MS = 1_000
/** Of the gap between two occurrences, the share a run may be late: an every-10-s operation may be 100 ms late, not a second. */
const PRECISION_SHARE = 0.01
/** Occurrences looked at to find a rule's shortest gap: two weeks of a twice-daily rule, and cheap for any. */
const GAP_SAMPLE = 30

const LATENESS_UNITS: ReadonlyArray<readonly [ms: number, name: string]> = [
  [24 * 60 * 60_000, 'd'],
  [60 * 60_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
]

/** "23 h 59 min": whole units from the largest that fits, three at most, rounded down (never more than the lateness); under a second, in ms. */
export function formatLateness(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`
  const parts: string[] = []
  let rest = ms
  for (const [unit, name] of LATENESS_UNITS) {
    const count = Math.floor(rest / unit)
    rest -= count * unit
    if (count > 0) parts.push(`${count} ${name}`)
    else if (parts.length > 0) parts.push('')
  }
  return parts.slice(0, 3).filter(Boolean).join(' ')
}

/**
 * How late a run of `timing` on `scheduler` can start at worst, planned (or
 * edited) at `now` (see the module comment): what counts is how soon its
 * next occurrence is due, not its first (an edited daily reminder's first
 * was long ago).
 */
export function worstLateness(scheduler: Pick<Scheduler, 'everyMs'>, timing: Timing, now: number): number {
  const lookAhead = Math.min(scheduler.everyMs, TICK_LOOKAHEAD_CAP_MS)
  const next = nextOccurrence('choice', timing, now)?.dueAt ?? timing.dueAt
  return Math.max(0, scheduler.everyMs - Math.min(lookAhead, Math.max(0, next - now)))
}

/** The shortest gap between the timing's occurrences from `now`, or undefined for one that happens once. */
export function shortestGap(timing: Timing, now: number): number | undefined {
  if (timing.repeat.kind === 'none') return undefined
  if (timing.repeat.kind === 'every' && timing.exceptions === undefined) return timing.repeat.everyMs
  const due = occurrencesBetween('gap', timing, now, Number.POSITIVE_INFINITY, GAP_SAMPLE).map((occurrence) => occurrence.dueAt)
  let gap: number | undefined
  for (let index = 1; index < due.length; index++) gap = Math.min(gap ?? Number.POSITIVE_INFINITY, due[index]! - due[index - 1]!)
  return gap
}

/** How late a run of the timing may be and still be on time (OP6): 1 % of its shortest gap, at most 1 s; 1 s for a one-off. */
export function precisionOf(timing: Timing, now: number): number {
  const gap = shortestGap(timing, now)
  return gap === undefined ? PRECISION_CAP_MS : Math.min(PRECISION_CAP_MS, Math.floor(gap * PRECISION_SHARE))
}

/** How many of the timing's occurrences one tick of the scheduler starts at most. */
function startsPerTick(scheduler: Scheduler, timing: Timing, now: number): number {
  const gap = shortestGap(timing, now)
  return gap === undefined ? 1 : Math.ceil(scheduler.everyMs / Math.max(gap, 1))
}

/** Whether the scheduler runs the timing: not paused, and its budget (within this device's caps) holds a tick's worth of its occurrences. */
function canKeepUp(scheduler: Scheduler, timing: Timing, now: number): boolean {
  return !scheduler.paused && startsPerTick(scheduler, timing, now) <= deviceBudget(scheduler.budget).maxOpsPerTick
}

/**
 * OP6: the scheduler the editor picks for a timing planned at `now`: of
 * those that keep up with it, the coarsest whose worst lateness is within
 * the timing's precision (a coarser one ticks less often, so its host
 * wakes less); when none is, the one that is least late. Undefined only
 * when there is no scheduler.
 */
export function defaultScheduler(schedulers: readonly Scheduler[], timing: Timing, now: number): Scheduler | undefined {
  const precision = precisionOf(timing, now)
  const usable = schedulers.filter((scheduler) => canKeepUp(scheduler, timing, now))
  const onTime = usable.filter((scheduler) => worstLateness(scheduler, timing, now) <= precision)
  if (onTime.length > 0) return onTime.reduce((best, scheduler) => (scheduler.everyMs > best.everyMs || (scheduler.everyMs === best.everyMs && scheduler.id < best.id) ? scheduler : best))
  const candidates = usable.length > 0 ? usable : schedulers
  return candidates.reduce<Scheduler | undefined>((best, scheduler) => (!best || worstLateness(scheduler, timing, now) < worstLateness(best, timing, now) ? scheduler : best), undefined)
}

/**
 * OP7: what the editor says under a scheduler the person picked that runs
 * the timing later than the default would, or cannot keep up with it; undefined when
 * the pick is as good as the default.
 */
export function schedulerWarning(picked: Scheduler, schedulers: readonly Scheduler[], timing: Timing, now: number): string | undefined {
  const best = defaultScheduler(schedulers, timing, now)
  const better = best && best.id !== picked.id ? best : undefined
  const bestLateness = better ? worstLateness(better, timing, now) : 0
  const choose = better ? `; choose “${better.name}” to run ${bestLateness <= precisionOf(timing, now) ? 'on time' : `at most ${formatLateness(bestLateness)} late`}` : ''
  if (picked.paused) return `This scheduler is paused: nothing on it runs until it is resumed${choose || '; resume it in the schedulers below'}.`
  if (!better) return undefined
  if (!canKeepUp(picked, timing, now)) {
    const budget = deviceBudget(picked.budget).maxOpsPerTick
    return `This operation has up to ${startsPerTick(picked, timing, now).toLocaleString('en')} occurrences per tick of this scheduler, more than its budget of ${budget.toLocaleString('en')}, so it would fall further behind at every tick${choose}.`
  }
  const lateness = worstLateness(picked, timing, now)
  if (lateness <= Math.max(bestLateness, precisionOf(timing, now))) return undefined
  return `Runs on this scheduler can be up to ${formatLateness(lateness)} late${choose}.`
}
