import { useCallback, useState } from 'react'
import { unfinishedOccurrences } from '../../../core/scheduler/agenda.ts'
import { formatDuration } from '../../../core/scheduler/durations.ts'
import { InvalidFields } from '../../../core/scheduler/InvalidFields.ts'
import { nextOccurrence } from '../../../core/scheduler/occurrences.ts'
import { seriesOf } from '../../../core/scheduler/occurrenceIds.ts'
import { rowRefreshAt } from './rowRefresh.ts'
import { sleepNotice } from './sleepNotice.ts'
import { OperationStatus, type Operation } from '../../../core/scheduler/operations.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import { MAX_CATCH_UP_OCCURRENCES } from '../../../core/scheduler/tick.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx'
import { defaultScheduler } from '../../../core/scheduler/schedulerChoice.ts'
import type { Scheduler } from '../../../core/scheduler/schedulers.ts'
import { useServices } from '../../services.ts'
import { IcsImport } from './IcsImport.tsx'
import { OperationEditor } from './OperationEditor.tsx'
import { RunHistory } from './RunHistory.tsx'
import { useWakeAt } from '../../hooks/useWakeAt.ts'
import { UpcomingOccurrences, type OccurrenceNotice } from './UpcomingOccurrences.tsx'
import { useScheduleValue } from './useSchedule.ts'

const NO_OPERATIONS: Operation[] = []
/** A fallback that stays the same object, so the reader's cache holds between renders. */
const NOT_ASLEEP: { readonly overdueSince: number | undefined; readonly lastRunAt: number | undefined } = { overdueSince: undefined, lastRunAt: undefined }
const STATUS_ORDER: Record<OperationStatus, number> = { active: 0, paused: 1, cancelled: 2 }
const readOperations = (schedule: SpaceSchedule): Operation[] =>
  schedule.operations().sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.dueAt - b.dueAt || a.title.localeCompare(b.title))

/**
 * The space's operations: what each does and when, with pause, cancel,
 * delete, its run history, and calendar-grade edits (skip the next one, run
 * it now, change one occurrence or all following: SPEC OP8–OP10); and a
 * calendar file's events imported as reminders (ICS1).
 */
interface OperationListProps {
  readonly session: SpaceSession
  readonly schedule: SpaceSchedule
  readonly schedulers: readonly Scheduler[]
  readonly deviceNames: ReadonlyMap<string, string>
  /** The kinds the devices awake now can run: this device's host's and the room's peers' (H7). */
  readonly awakeKinds: ReadonlySet<string>
}

export function OperationList({ session, schedule, schedulers, deviceNames, awakeKinds }: OperationListProps) {
  const operations = useScheduleValue(session, schedule, readOperations, NO_OPERATIONS)
  const [toDelete, setToDelete] = useState<Operation | undefined>(undefined)
  return (
    <section className="panel" aria-labelledby="operations-heading">
      <div className="operations-header">
        <h2 id="operations-heading">Operations</h2>
        <IcsImport schedule={schedule} schedulers={schedulers} />
      </div>
      {operations.length === 0 ? (
        <p className="muted">Nothing planned yet. Plan a reminder, a webhook, a backup or a change to this space above.</p>
      ) : (
        <ul className="operation-list" aria-label="Operations">
          {operations.map((operation) => (
            <OperationRow key={operation.id} session={session} schedule={schedule} schedulers={schedulers} operation={operation} deviceNames={deviceNames} awakeKinds={awakeKinds} onDelete={() => setToDelete(operation)} />
          ))}
        </ul>
      )}
      {toDelete && (
        <ConfirmDialog
          title={`Delete “${toDelete.title}”?`}
          message="It stops running on every device, and it leaves the list. Its past runs stay in the space."
          confirmLabel="Delete operation"
          onCancel={() => setToDelete(undefined)}
          onConfirm={() => {
            schedule.deleteOperation(toDelete.id)
            setToDelete(undefined)
          }}
        />
      )}
    </section>
  )
}

interface OperationRowProps {
  readonly session: SpaceSession
  readonly schedule: SpaceSchedule
  readonly schedulers: readonly Scheduler[]
  readonly operation: Operation
  readonly deviceNames: ReadonlyMap<string, string>
  readonly awakeKinds: ReadonlySet<string>
  readonly onDelete: () => void
}

function OperationRow({ session, schedule, schedulers, operation, deviceNames, awakeKinds, onDelete }: OperationRowProps) {
  const { device } = useServices()
  // The row's own clock, moved on only when its text changes with time (rowRefresh.ts), not every second for every row.
  const [now, setNow] = useState(Date.now)
  const [showHistory, setShowHistory] = useState(false)
  const [editing, setEditing] = useState(false)
  const [showUpcoming, setShowUpcoming] = useState(false)
  const [notice, setNotice] = useState<OccurrenceNotice | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const readRunCount = useCallback((current: SpaceSchedule) => current.runs.recordsOf(operation.id).length, [operation.id])
  const runCount = useScheduleValue(session, schedule, readRunCount, 0)
  const readLimitSkips = useCallback((current: SpaceSchedule) => current.skippedByCatchUpLimit(operation.id), [operation.id])
  const limitSkips = useScheduleValue(session, schedule, readLimitSkips, 0)
  const next = operation.status === OperationStatus.active ? nextOccurrence(seriesOf(operation), operation, now, schedule.finishedThrough(operation.id)) : undefined
  const readSleep = useCallback(
    (current: SpaceSchedule) => {
      const overdue = operation.status === OperationStatus.active ? current.firstUnfinished(operation, current.finishedThrough(operation.id)) : undefined
      const lastRunAt = current.runs.recordsOf(operation.id).reduce<number | undefined>((latest, record) => (latest === undefined || record.doneAt > latest ? record.doneAt : latest), undefined)
      return { overdueSince: overdue?.dueAt, lastRunAt }
    },
    [operation],
  )
  const sleep = useScheduleValue(session, schedule, readSleep, NOT_ASLEEP)
  const waitingForWake = sleepNotice({ now, kind: operation.kind, awakeKinds, ...sleep })
  useWakeAt(rowRefreshAt({ now, nextDueAt: next?.dueAt, overdueSince: sleep.overdueSince }), () => setNow(Date.now()))
  const live = operation.status !== OperationStatus.cancelled
  const repeats = operation.repeat.kind !== 'none'
  const act = (action: () => OccurrenceNotice): void => {
    try {
      setNotice(action())
      setProblem(undefined)
    } catch (cause) {
      setNotice(undefined)
      setProblem(cause instanceof InvalidFields ? cause.problems.map((entry) => entry.message).join(' ') : String(cause))
    }
  }
  const skipNext = (): void =>
    act(() => {
      // The next one not started yet: one due now is already being claimed (Q2).
      const [coming] = unfinishedOccurrences(schedule, operation, Date.now() + 1, Number.POSITIVE_INFINITY, 1)
      if (!coming) throw new InvalidFields('occurrence', [{ field: 'index', message: 'It has no occurrence left to skip.' }])
      schedule.skipOccurrence(operation.id, coming.index)
      return { text: `Skipped the one of ${new Date(coming.dueAt).toLocaleString()}.`, undo: () => schedule.restoreOccurrence(operation.id, coming.index) }
    })
  const runNow = (): void =>
    act(() => {
      // The scheduler that starts it soonest: OP6 for a one-off due now.
      const scheduler = defaultScheduler(schedulers, { dueAt: Date.now(), repeat: { kind: 'none' } }, Date.now())
      if (!scheduler) throw new InvalidFields('operation', [{ field: 'schedulerId', message: 'This space has no scheduler; add one below.' }])
      const copy = schedule.runNow(operation.id, scheduler.id)
      return { text: `“${copy.title}” starts now, once; it is listed with the operations.` }
    })
  return (
    <li className="operation" aria-label={operation.title}>
      <div className="operation-summary">
        <strong>{operation.title}</strong>
        <span className="muted small">
          {operation.kind} · {describeTiming(operation)} · {operation.status === OperationStatus.active ? (next ? `next ${new Date(next.dueAt).toLocaleString()}` : 'nothing left to run') : operation.status}
          {operation.cancelledAt !== undefined && ` by ${operation.cancelledBy === device.did ? 'this device' : (deviceNames.get(operation.cancelledBy ?? '') ?? operation.cancelledBy)} on ${new Date(operation.cancelledAt).toLocaleString()}`}
        </span>
        {waitingForWake && (
          <span className="notice warning small" role="status">
            {waitingForWake}
          </span>
        )}
        {limitSkips > 0 && (
          <span className="muted small">
            {limitSkips.toLocaleString('en')} missed occurrence{limitSkips === 1 ? ' was' : 's were'} skipped: catch-up replays at most {MAX_CATCH_UP_OCCURRENCES} after the devices running it were asleep or busy.
          </span>
        )}
      </div>
      <div className="row-actions">
        {operation.status !== OperationStatus.cancelled && (
          <button type="button" className="quiet" onClick={() => schedule.setPaused(operation.id, operation.status === OperationStatus.active)}>
            {operation.status === OperationStatus.active ? 'Pause' : 'Resume'}
          </button>
        )}
        {operation.status !== OperationStatus.cancelled && (
          <button type="button" className="quiet" onClick={() => schedule.cancelOperation(operation.id)}>
            Cancel
          </button>
        )}
        {live && (
          <button type="button" className="quiet" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Edit
          </button>
        )}
        {live && repeats && (
          <button type="button" className="quiet" onClick={skipNext} disabled={operation.status !== OperationStatus.active || !next}>
            Skip next
          </button>
        )}
        {live && repeats && (
          <button type="button" className="quiet" aria-expanded={showUpcoming} onClick={() => setShowUpcoming(!showUpcoming)}>
            Occurrences
          </button>
        )}
        <button type="button" className="quiet" onClick={runNow}>
          Run now
        </button>
        <button type="button" className="quiet" onClick={onDelete}>
          Delete
        </button>
        <button type="button" className="quiet" aria-expanded={showHistory} onClick={() => setShowHistory(!showHistory)}>
          History ({runCount})
        </button>
      </div>
      {notice && (
        <p role="status" className="muted small operation-notice">
          {notice.text}{' '}
          {notice.undo && (
            <button type="button" className="quiet" onClick={() => act(() => (notice.undo?.(), { text: 'Undone.' }))}>
              Undo
            </button>
          )}
        </p>
      )}
      {problem && (
        <p role="alert" className="error small operation-notice">
          {problem}
        </p>
      )}
      {showUpcoming && live && <UpcomingOccurrences schedule={schedule} operation={operation} now={now} onNotice={setNotice} />}
      {editing && <OperationEditor schedule={schedule} schedulers={schedulers} editing={operation} onDone={() => setEditing(false)} />}
      {showHistory && <RunHistory session={session} schedule={schedule} operation={operation} deviceNames={deviceNames} />}
    </li>
  )
}

function describeTiming(operation: Operation): string {
  const { repeat } = operation
  const first = new Date(operation.dueAt).toLocaleString()
  const { skipped = [], moved = [] } = operation.exceptions ?? {}
  const limits = [
    operation.times === undefined ? '' : `${operation.times} times`,
    operation.until === undefined ? '' : `until ${new Date(operation.until).toLocaleDateString()}`,
    skipped.length === 0 ? '' : `${skipped.length} skipped`,
    moved.length === 0 ? '' : `${moved.length} moved`,
  ]
    .filter(Boolean)
    .join(', ')
  const described = repeat.kind === 'none' ? `once at ${first}` : repeat.kind === 'every' ? `every ${formatDuration(repeat.everyMs)} from ${first}` : `${repeat.rrule} (${repeat.timeZone}) from ${first}`
  return limits ? `${described}, ${limits}` : described
}
