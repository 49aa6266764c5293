/**
 * The agenda: what the device's spaces plan to run next, across all of
 * them, and the same list as calendar events for an .ics export. Pure: the
 * caller passes the range (its clock) and the schedules (its open spaces).
 *
 * Each operation is expanded only as far as the agenda can show: at most
 * `limit` occurrences, and never past the latest one already sure to be cut.
 * Expanding a range naively would hang the page: an every-100-ms operation
 * has 26 million occurrences in 30 days.
 */
import type { AgendaEvent } from './icalendar.ts'
import { nextOccurrence, type Occurrence } from './occurrences.ts'
import { parseOccurrenceId, seriesOf, type OccurrenceId } from './occurrenceIds.ts'
import { OperationStatus, type Operation, type OperationId } from './operations.ts'
import type { SpaceSchedule } from './SpaceSchedule.ts'
import { compareText } from './compareText.ts'

export interface AgendaSpace {
  readonly spaceId: string
  readonly spaceName: string
  readonly schedule: SpaceSchedule
}

export interface AgendaItem {
  readonly spaceId: string
  readonly spaceName: string
  readonly operationId: OperationId
  readonly title: string
  /** The kind that runs it (notify, http, doc…). */
  readonly kind: string
  readonly occurrenceId: OccurrenceId
  /** ms since the epoch. */
  readonly dueAt: number
}

/**
 * Occurrences of active operations due in [from, to) that are not finished
 * (no run record, not in a skipped range), in due order, at most `limit`.
 * Ties are ordered by space, operation and occurrence, so the list does not
 * shuffle between renders.
 */
export function upcomingOccurrences(spaces: readonly AgendaSpace[], range: { readonly from: number; readonly to: number }, limit: number): AgendaItem[] {
  if (!(limit >= 1)) return []
  let items: AgendaItem[] = []
  // Once `limit` items are known, nothing due after the last of them can make the cut: later operations stop there.
  let to = range.to
  for (const { spaceId, spaceName, schedule } of spaces) {
    for (const operation of schedule.operations()) {
      if (operation.status !== OperationStatus.active) continue
      for (const occurrence of unfinishedOccurrences(schedule, operation, range.from, to, limit)) {
        items.push({ spaceId, spaceName, operationId: operation.id, title: operation.title, kind: operation.kind, occurrenceId: occurrence.id, dueAt: occurrence.dueAt })
      }
      if (items.length >= limit) {
        items = items.sort(byDueTime).slice(0, limit)
        // +1: an occurrence due at the same instant as the last may still sort before it.
        to = Math.min(to, items[items.length - 1]!.dueAt + 1)
      }
    }
  }
  return items.sort(byDueTime).slice(0, limit)
}

/**
 * The operation's first `limit` unfinished occurrences in [from, to), as the
 * schedule's queue would take them: a skipped one (OP8) left out, a moved
 * one at its new time (OCC5). The operation list's upcoming occurrences too.
 */
export function unfinishedOccurrences(schedule: SpaceSchedule, operation: Operation, from: number, to: number, limit: number): Occurrence[] {
  const found: Occurrence[] = []
  // From the progress mark: what is below it is finished, and only counted on the way, not placed in the zone.
  const start = nextOccurrence(seriesOf(operation), operation, from, schedule.finishedThrough(operation.id))
  let next = start && schedule.firstUnfinished(operation, start.index)
  while (next && next.dueAt < to && found.length < limit) {
    found.push(next)
    next = schedule.firstUnfinished(operation, next.index + 1)
  }
  return found
}

function byDueTime(a: AgendaItem, b: AgendaItem): number {
  return a.dueAt - b.dueAt || compareText(a.spaceId, b.spaceId) || compareText(a.operationId, b.operationId) || parseOccurrenceId(a.occurrenceId).index - parseOccurrenceId(b.occurrenceId).index
}

/**
 * The agenda as calendar events (OCC6). The uid names the occurrence and its
 * space, so re-importing a later export updates the events instead of
 * doubling them: a moved occurrence (OCC5) keeps its uid and carries its new
 * time; a skipped one is not in the agenda, so not in the file.
 */
export function agendaEvents(items: readonly AgendaItem[]): AgendaEvent[] {
  return items.map((item) => ({
    uid: `${item.occurrenceId}@${item.spaceId}.pii`,
    title: item.title,
    start: item.dueAt,
    description: `A ${item.kind} operation in the Pii space “${item.spaceName || 'Unnamed space'}”.`,
  }))
}
