import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { agendaEvents, upcomingOccurrences, type AgendaSpace } from '../../../src/core/scheduler/agenda.ts'
import { docKind } from '../../../src/core/scheduler/docKind.ts'
import { agendaToICalendar } from '../../../src/core/scheduler/icalendar.ts'
import { KindRegistry } from '../../../src/core/scheduler/kinds.ts'
import type { OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import type { OperationId } from '../../../src/core/scheduler/operations.ts'
import { SpaceSchedule, type NewOperation } from '../../../src/core/scheduler/SpaceSchedule.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { SkipReason } from '../../../src/core/scheduler/tick.ts'

const ALICE = 'did:key:z6MkAlice'
const kinds = new KindRegistry([docKind])
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
let ids = 0

function space(spaceId: string, spaceName = spaceId): AgendaSpace {
  const schedule = new SpaceSchedule({ doc: new Y.Doc(), kinds, now: () => 0, actor: ALICE, newId: () => `op${++ids}` })
  schedule.ensureDefaultSchedulers()
  return { spaceId, spaceName, schedule }
}

const op = (fields: Partial<NewOperation> = {}): NewOperation => ({
  schedulerId: 'every-minute' as SchedulerId,
  title: 'Water the plants',
  kind: 'doc',
  input: { action: 'increment', counter: 'waterings', by: 1 },
  dueAt: 10 * MINUTE,
  repeat: { kind: 'none' },
  catchUp: 'skip',
  ...fields,
})

const finish = (agenda: AgendaSpace, occurrence: string): void =>
  agenda.schedule.runs.putRun({ occurrence: occurrence as OccurrenceId, by: 'p', startedAt: 1, doneAt: 2, outcome: 'ok' })

const due = (items: ReadonlyArray<{ readonly dueAt: number }>): number[] => items.map((item) => item.dueAt)

describe('the agenda', () => {
  it('merges every space’s active operations in due order, within [from, to)', () => {
    const home = space('home', 'Home')
    const work = space('work', 'Work')
    const daily = home.schedule.createOperation(op({ title: 'Daily', dueAt: 0, repeat: { kind: 'every', everyMs: DAY } }))
    const once = work.schedule.createOperation(op({ title: 'Once', dueAt: DAY + HOUR }))
    work.schedule.createOperation(op({ title: 'Too late', dueAt: 3 * DAY }))
    const paused = work.schedule.createOperation(op({ title: 'Paused', dueAt: DAY + 2 * HOUR }))
    work.schedule.setPaused(paused.id, true)
    const cancelled = home.schedule.createOperation(op({ title: 'Cancelled', dueAt: DAY + 3 * HOUR }))
    home.schedule.cancelOperation(cancelled.id)

    const items = upcomingOccurrences([home, work], { from: DAY, to: 3 * DAY }, 10)

    expect(items).toEqual([
      { spaceId: 'home', spaceName: 'Home', operationId: daily.id, title: 'Daily', kind: 'doc', occurrenceId: `${daily.id}#1`, dueAt: DAY },
      { spaceId: 'work', spaceName: 'Work', operationId: once.id, title: 'Once', kind: 'doc', occurrenceId: `${once.id}#0`, dueAt: DAY + HOUR },
      { spaceId: 'home', spaceName: 'Home', operationId: daily.id, title: 'Daily', kind: 'doc', occurrenceId: `${daily.id}#2`, dueAt: 2 * DAY },
    ])
  })

  it('leaves out occurrences that already ran or that a catch-up skipped', () => {
    const home = space('home')
    const hourly = home.schedule.createOperation(op({ dueAt: 0, repeat: { kind: 'every', everyMs: HOUR } }))
    finish(home, `${hourly.id}#1`)
    home.schedule.recordSkipped(hourly.id, 2, 4, SkipReason.catchUp)

    const items = upcomingOccurrences([home], { from: 0, to: 6 * HOUR }, 10)

    expect(items.map((item) => item.occurrenceId)).toEqual([`${hourly.id}#0`, `${hourly.id}#4`, `${hourly.id}#5`])
  })

  it('stops at the limit without expanding a fast operation over the whole range', () => {
    const home = space('home')
    const fast = home.schedule.createOperation(op({ schedulerId: 'every-second' as SchedulerId, dueAt: 0, repeat: { kind: 'every', everyMs: 100 } }))
    const once = home.schedule.createOperation(op({ title: 'Once', dueAt: 250 }))
    const other = space('other')
    // A second fast operation, listed after the limit is already reached: its occurrences interleave, not append.
    const alsoFast = other.schedule.createOperation(op({ schedulerId: 'every-second' as SchedulerId, dueAt: 50, repeat: { kind: 'every', everyMs: 100 } }))

    // 30 days of every 100 ms is 26 million occurrences; expanding them would run out of memory.
    const items = upcomingOccurrences([home, other], { from: 0, to: 30 * DAY }, 6)

    expect(items.map((item) => item.occurrenceId)).toEqual([`${fast.id}#0`, `${alsoFast.id}#0`, `${fast.id}#1`, `${alsoFast.id}#1`, `${fast.id}#2`, `${once.id}#0`])
    expect(due(items)).toEqual([0, 50, 100, 150, 200, 250])
    // Due at the same instant as the last one kept, and sorting before it (by space), it still makes the cut.
    const attic = space('attic')
    const tied = attic.schedule.createOperation(op({ title: 'Tied', dueAt: 250 }))
    expect(upcomingOccurrences([home, other, attic], { from: 0, to: 30 * DAY }, 6).at(-1)?.occurrenceId).toBe(`${tied.id}#0`)
    expect(upcomingOccurrences([home], { from: 0, to: 30 * DAY }, 0)).toEqual([])
  })

  it('places a rule’s occurrences in its time zone', () => {
    const home = space('home')
    // 09:00 in Paris on 2025-03-29 (UTC+1) and 2025-03-30 (UTC+2, after the DST change).
    const start = Date.UTC(2025, 2, 29, 8)
    home.schedule.createOperation(op({ dueAt: start, repeat: { kind: 'rrule', rrule: 'FREQ=DAILY', timeZone: 'Europe/Paris' } }))

    const items = upcomingOccurrences([home], { from: start, to: Date.UTC(2025, 2, 31) }, 10)

    expect(due(items)).toEqual([start, Date.UTC(2025, 2, 30, 7)])
  })

  it('exports each occurrence as a calendar event that names its space and kind', () => {
    const [event] = agendaEvents([
      { spaceId: 'home', spaceName: 'Home', operationId: 'op1' as OperationId, title: 'Water the plants', kind: 'notify', occurrenceId: 'op1#3' as OccurrenceId, dueAt: 1_000 },
    ])
    expect(event).toMatchObject({ uid: 'op1#3@home.pii', title: 'Water the plants', start: 1_000 })
    expect(event?.description).toContain('Home')
    expect(event?.description).toContain('notify')
  })

  it('[OCC6] leaves a skipped occurrence out of the agenda and its .ics export, and exports a moved one at its new time under the same uid', () => {
    const home = space('home', 'Home')
    const daily = home.schedule.createOperation(op({ title: 'Daily', dueAt: DAY, repeat: { kind: 'every', everyMs: DAY } }))
    home.schedule.skipOccurrence(daily.id, 1)
    home.schedule.moveOccurrence(daily.id, 2, 3 * DAY + 5 * HOUR)
    const items = upcomingOccurrences([home], { from: 0, to: 5 * DAY }, 10)
    expect(items.map((item) => [item.occurrenceId, item.dueAt])).toEqual([
      [`${daily.id}#0`, DAY],
      [`${daily.id}#2`, 3 * DAY + 5 * HOUR],
      [`${daily.id}#3`, 4 * DAY],
    ])
    const ics = agendaToICalendar(agendaEvents(items), { now: 0 })
    expect(ics).not.toContain(`UID:${daily.id}#1@home.pii`)
    expect(ics).toContain(`UID:${daily.id}#2@home.pii\r\nDTSTAMP:19700101T000000Z\r\nDTSTART:19700104T050000Z\r\n`)
  })
})
