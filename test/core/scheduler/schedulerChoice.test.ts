import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docKind } from '../../../src/core/scheduler/docKind.ts'
import { HlcClock } from '../../../src/core/scheduler/hlc.ts'
import { KindRegistry } from '../../../src/core/scheduler/kinds.ts'
import { OccurrenceRunner } from '../../../src/core/scheduler/OccurrenceRunner.ts'
import type { OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import { SchedulerHost } from '../../../src/core/scheduler/SchedulerHost.ts'
import { SpaceSchedule } from '../../../src/core/scheduler/SpaceSchedule.ts'
import type { Timing } from '../../../src/core/scheduler/occurrences.ts'
import { defaultScheduler, formatLateness, schedulerWarning, worstLateness } from '../../../src/core/scheduler/schedulerChoice.ts'
import { DEFAULT_BUDGET, type Scheduler, type SchedulerId } from '../../../src/core/scheduler/schedulers.ts'

const NOW = Date.parse('2027-03-01T08:00:00Z')
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const scheduler = (id: string, name: string, everyMs: number, fields: Partial<Scheduler> = {}): Scheduler => ({ id: id as SchedulerId, name, everyMs, budget: DEFAULT_BUDGET, paused: false, ...fields })
const second = scheduler('every-second', 'Every second', 1_000)
const minute = scheduler('every-minute', 'Every minute', MINUTE)
const hourly = scheduler('hourly', 'Every hour', 60 * MINUTE)
const daily = scheduler('daily', 'Every day', DAY)
const all = [second, minute, hourly, daily]

const inMinutes = (minutes: number): Timing => ({ dueAt: NOW + minutes * MINUTE, repeat: { kind: 'none' } })
const dailyAt9: Timing = { dueAt: Date.parse('2027-03-02T08:00:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=DAILY', timeZone: 'Europe/Paris' } }

describe('choosing a scheduler', () => {
  it('[OP6] states how late a scheduler can run a timing: a tick plus its look-ahead, or the tick itself for what is due sooner', () => {
    expect(worstLateness(daily, inMinutes(20), NOW)).toBe(DAY - MINUTE)
    expect(worstLateness(minute, inMinutes(20), NOW)).toBe(0)
    // "in 20 seconds" on the minute scheduler: no earlier tick looked that far, the next is up to a minute away.
    expect(worstLateness(minute, { dueAt: NOW + 20_000, repeat: { kind: 'none' } }, NOW)).toBe(40_000)
    expect(worstLateness(second, { dueAt: NOW, repeat: { kind: 'none' } }, NOW)).toBe(1_000)
    // An operation edited long after its first occurrence: its next one is what a host will run.
    expect(worstLateness(minute, { ...dailyAt9, dueAt: dailyAt9.dueAt - 300 * DAY }, NOW)).toBe(0)
  })

  it('[OP6] the stated lateness is what a host gives: a one-off in 20 minutes on a 1-day scheduler, on time on the minute one', async () => {
    const kinds = new KindRegistry([docKind])
    const clock = { now: NOW }
    let made = 0
    const schedule = new SpaceSchedule({ doc: new Y.Doc(), kinds, now: () => clock.now, actor: 'did:key:z6MkAlice', newId: () => `op${++made}` })
    schedule.saveScheduler(daily)
    schedule.saveScheduler(minute)
    const runner = new OccurrenceRunner({ peer: 'a', table: schedule.runs, hlc: new HlcClock('a', () => clock.now), clock: () => clock.now, capablePeers: () => ['a'], execute: () => Promise.resolve() })
    const host = new SchedulerHost({ schedule, runner, clock: () => clock.now })
    // Both schedulers' tick grids start now; the reminders are planned just after.
    host.advance()
    clock.now += 1_000
    const input = { action: 'increment', counter: 'n', by: 1 }
    const timing = inMinutes(20)
    const late = schedule.createOperation({ schedulerId: daily.id, title: 'Late', kind: 'doc', input, catchUp: 'latest', ...timing })
    const onTime = schedule.createOperation({ schedulerId: minute.id, title: 'On time', kind: 'doc', input, catchUp: 'latest', ...timing })
    // Through the 1-day scheduler's second tick, a day after its first.
    while (clock.now < NOW + DAY + 5 * MINUTE) {
      const wakeAt = host.advance()
      // The runs' promises settle in microtasks: a few turns let each record its outcome.
      for (let turn = 0; turn < 5; turn++) await Promise.resolve()
      clock.now = Math.min(wakeAt, clock.now + MINUTE)
    }
    const startOf = (id: string): number => schedule.runs.run(`${id}#0` as OccurrenceId)!.startedAt - timing.dueAt
    expect(startOf(onTime.id)).toBeLessThan(1_000)
    expect(startOf(late.id)).toBeLessThanOrEqual(worstLateness(daily, timing, clock.now))
    expect(startOf(late.id)).toBeGreaterThan(worstLateness(daily, timing, NOW) - 20 * MINUTE)
  })

  it('[OP6] picks the coarsest scheduler that keeps the timing’s precision, whatever order they come in', () => {
    // A one-off in 20 minutes, a daily reminder: the minute scheduler is on time, and ticks 60 times less often than the second one.
    expect(defaultScheduler(all, inMinutes(20), NOW)?.id).toBe('every-minute')
    expect(defaultScheduler([...all].reverse(), dailyAt9, NOW)?.id).toBe('every-minute')
    // Due in 20 s, or run now: only the second scheduler's next tick comes soon enough.
    expect(defaultScheduler(all, { dueAt: NOW + 20_000, repeat: { kind: 'none' } }, NOW)?.id).toBe('every-second')
    expect(defaultScheduler(all, { dueAt: NOW, repeat: { kind: 'none' } }, NOW)?.id).toBe('every-second')
    // Every 2 s: 30 a minute fit the minute scheduler's budget, but the first is due before its next tick.
    expect(defaultScheduler(all, { dueAt: NOW + 2_000, repeat: { kind: 'every', everyMs: 2_000 } }, NOW)?.id).toBe('every-second')
  })

  it('[OP6] leaves out paused schedulers and those whose budget a tick of the operation would exceed; with nothing on time, the least late', () => {
    expect(defaultScheduler([second, { ...minute, paused: true }], inMinutes(20), NOW)?.id).toBe('every-second')
    const tiny = { ...minute, budget: { maxOpsPerTick: 10, maxMsPerTick: 50 } }
    // Every second, planned an hour ahead: 60 per minute tick, beyond a budget of 10.
    expect(defaultScheduler([second, tiny], { dueAt: NOW + 3_600_000, repeat: { kind: 'every', everyMs: 1_000 } }, NOW)?.id).toBe('every-second')
    expect(defaultScheduler([daily, hourly], inMinutes(20), NOW)?.id).toBe('hourly')
    expect(defaultScheduler([], inMinutes(20), NOW)).toBeUndefined()
  })

  it('[OP7] warns under a coarser pick with the lateness it causes and the scheduler that runs on time', () => {
    expect(schedulerWarning(daily, all, inMinutes(20), NOW)).toBe('Runs on this scheduler can be up to 23 h 59 min late; choose “Every minute” to run on time.')
    expect(schedulerWarning(hourly, all, dailyAt9, NOW)).toBe('Runs on this scheduler can be up to 59 min late; choose “Every minute” to run on time.')
    expect(schedulerWarning(minute, all, { dueAt: NOW + 20_000, repeat: { kind: 'none' } }, NOW)).toBe('Runs on this scheduler can be up to 40 s late; choose “Every second” to run on time.')
    // The default, or a finer one that is as punctual, needs no warning.
    expect(schedulerWarning(minute, all, inMinutes(20), NOW)).toBeUndefined()
    expect(schedulerWarning(second, all, inMinutes(20), NOW)).toBeUndefined()
  })

  it('[OP7] says when the pick is paused or cannot keep up, and how late the best is when none is on time', () => {
    const pausedMinute = { ...minute, paused: true }
    expect(schedulerWarning(pausedMinute, [second, pausedMinute, hourly, daily], inMinutes(20), NOW)).toBe('This scheduler is paused: nothing on it runs until it is resumed; choose “Every second” to run on time.')
    expect(schedulerWarning(pausedMinute, [pausedMinute], inMinutes(20), NOW)).toBe('This scheduler is paused: nothing on it runs until it is resumed; resume it in the schedulers below.')
    const tiny = { ...minute, budget: { maxOpsPerTick: 10, maxMsPerTick: 50 } }
    expect(schedulerWarning(tiny, [second, tiny], { dueAt: NOW + 3_600_000, repeat: { kind: 'every', everyMs: 1_000 } }, NOW)).toBe(
      'This operation has up to 60 occurrences per tick of this scheduler, more than its budget of 10, so it would fall further behind at every tick; choose “Every second” to run on time.',
    )
    expect(schedulerWarning(daily, [daily, hourly], inMinutes(20), NOW)).toBe('Runs on this scheduler can be up to 23 h 59 min late; choose “Every hour” to run at most 59 min late.')
  })

  it('[OP7] writes a lateness as a person reads it, never more than it is', () => {
    expect(formatLateness(DAY - MINUTE)).toBe('23 h 59 min')
    expect(formatLateness(DAY + 5 * MINUTE + 3_000)).toBe('1 d 5 min')
    expect(formatLateness(7 * DAY - MINUTE)).toBe('6 d 23 h 59 min')
    expect(formatLateness(40_000)).toBe('40 s')
    expect(formatLateness(900)).toBe('900 ms')
  })
})
