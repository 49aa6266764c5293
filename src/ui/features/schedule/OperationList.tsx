import { useCallback, useState } from 'react'
import { formatDuration } from '../../../core/scheduler/durations.ts'
import { nextOccurrence } from '../../../core/scheduler/occurrences.ts'
import { seriesOf } from '../../../core/scheduler/occurrenceIds.ts'
import { OperationStatus, type Operation } from '../../../core/scheduler/operations.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import { MAX_CATCH_UP_OCCURRENCES } from '../../../core/scheduler/tick.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx'
import type { Scheduler } from '../../../core/scheduler/schedulers.ts'
import { useServices } from '../../services.ts'
import { OperationEditor } from './OperationEditor.tsx'
import { RunHistory } from './RunHistory.tsx'
import { useNow } from '../../hooks/useNow.ts'
import { useScheduleValue } from './useSchedule.ts'

const NO_OPERATIONS: Operation[] = []
const STATUS_ORDER: Record<OperationStatus, number> = { active: 0, paused: 1, cancelled: 2 }
const readOperations = (schedule: SpaceSchedule): Operation[] =>
  schedule.operations().sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.dueAt - b.dueAt || a.title.localeCompare(b.title))

/** The space's operations: what each does and when, with pause, cancel, delete and its run history. */
interface OperationListProps {
  readonly session: SpaceSession
  readonly schedule: SpaceSchedule
  readonly schedulers: readonly Scheduler[]
  readonly deviceNames: ReadonlyMap<string, string>
}

export function OperationList({ session, schedule, schedulers, deviceNames }: OperationListProps) {
  const operations = useScheduleValue(session, schedule, readOperations, NO_OPERATIONS)
  const now = useNow(1_000)
  const [toDelete, setToDelete] = useState<Operation | undefined>(undefined)
  return (
    <section className="panel" aria-labelledby="operations-heading">
      <h3 id="operations-heading">Operations</h3>
      {operations.length === 0 ? (
        <p className="muted">Nothing planned yet. Plan a reminder, a webhook, a backup or a change to this space above.</p>
      ) : (
        <ul className="operation-list" aria-label="Operations">
          {operations.map((operation) => (
            <OperationRow key={operation.id} now={now} session={session} schedule={schedule} schedulers={schedulers} operation={operation} deviceNames={deviceNames} onDelete={() => setToDelete(operation)} />
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
  /** One clock for the whole list, not one timer per row. */
  readonly now: number
  readonly session: SpaceSession
  readonly schedule: SpaceSchedule
  readonly schedulers: readonly Scheduler[]
  readonly operation: Operation
  readonly deviceNames: ReadonlyMap<string, string>
  readonly onDelete: () => void
}

function OperationRow({ now, session, schedule, schedulers, operation, deviceNames, onDelete }: OperationRowProps) {
  const { device } = useServices()
  const [showHistory, setShowHistory] = useState(false)
  const [editing, setEditing] = useState(false)
  const readRunCount = useCallback((current: SpaceSchedule) => current.runs.recordsOf(operation.id).length, [operation.id])
  const runCount = useScheduleValue(session, schedule, readRunCount, 0)
  const readLimitSkips = useCallback((current: SpaceSchedule) => current.skippedByCatchUpLimit(operation.id), [operation.id])
  const limitSkips = useScheduleValue(session, schedule, readLimitSkips, 0)
  const next = operation.status === OperationStatus.active ? nextOccurrence(seriesOf(operation), operation, now, schedule.finishedThrough(operation.id)) : undefined
  return (
    <li className="operation" aria-label={operation.title}>
      <div className="operation-summary">
        <strong>{operation.title}</strong>
        <span className="muted small">
          {operation.kind} · {describeTiming(operation)} · {operation.status === OperationStatus.active ? (next ? `next ${new Date(next.dueAt).toLocaleString()}` : 'nothing left to run') : operation.status}
          {operation.cancelledAt !== undefined && ` by ${operation.cancelledBy === device.did ? 'this device' : (deviceNames.get(operation.cancelledBy ?? '') ?? operation.cancelledBy)} on ${new Date(operation.cancelledAt).toLocaleString()}`}
        </span>
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
        {operation.status !== OperationStatus.cancelled && (
          <button type="button" className="quiet" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Edit
          </button>
        )}
        <button type="button" className="quiet" onClick={onDelete}>
          Delete
        </button>
        <button type="button" className="quiet" aria-expanded={showHistory} onClick={() => setShowHistory(!showHistory)}>
          History ({runCount})
        </button>
      </div>
      {editing && <OperationEditor schedule={schedule} schedulers={schedulers} editing={operation} onDone={() => setEditing(false)} />}
      {showHistory && <RunHistory session={session} schedule={schedule} operation={operation} deviceNames={deviceNames} />}
    </li>
  )
}

function describeTiming(operation: Operation): string {
  const { repeat } = operation
  const first = new Date(operation.dueAt).toLocaleString()
  const limits = [operation.times === undefined ? '' : `${operation.times} times`, operation.until === undefined ? '' : `until ${new Date(operation.until).toLocaleDateString()}`].filter(Boolean).join(', ')
  const described = repeat.kind === 'none' ? `once at ${first}` : repeat.kind === 'every' ? `every ${formatDuration(repeat.everyMs)} from ${first}` : `${repeat.rrule} (${repeat.timeZone}) from ${first}`
  return limits ? `${described}, ${limits}` : described
}
