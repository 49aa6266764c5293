import { useCallback, useState } from 'react'
import { BACKUP_FOLDER, KEPT_BACKUPS_PER_OPERATION } from '../../../core/scheduler/backupKind.ts'
import { failedAttemptsOf, type RunRecord } from '../../../core/scheduler/claims.ts'
import { KEPT_FAILURES_MS, KEPT_RUNS_PER_OPERATION } from '../../../core/scheduler/recordRetention.ts'
import { nextOccurrence } from '../../../core/scheduler/occurrences.ts'
import { parseOccurrenceId, seriesOf } from '../../../core/scheduler/occurrenceIds.ts'
import type { Operation } from '../../../core/scheduler/operations.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { saveFile } from '../../components/saveFile.ts'
import { useAttachedSync } from '../../hooks/useSpaceSync.ts'
import { useServices } from '../../services.ts'
import { useScheduleValue } from './useSchedule.ts'

/** The newest runs shown; older ones stay in the space. */
const SHOWN_RUNS = 100

/** A fallback that stays the same object, so the reader's cache holds between renders. */
const NO_RUNS: OccurrenceRuns[] = []

interface OccurrenceRuns {
  readonly id: string
  readonly index: number
  /** Whether it belongs to a plan the operation had before its timing was last edited (OP4). */
  readonly earlierPlan: boolean
  readonly dueAt: number | undefined
  /** Every peer's record: more than one means the occurrence ran twice (only possible across a partition, G2). */
  readonly records: readonly RunRecord[]
}

/** How far past the progress mark a recorded occurrence's due time is still worked out: more than any catch-up or look-ahead runs ahead. */
const MAX_INDEX_PAST_PROGRESS = 10_000

function groupRuns(records: readonly RunRecord[], operation: Operation, finishedThrough: number): OccurrenceRuns[] {
  const byOccurrence = new Map<string, RunRecord[]>()
  for (const record of records) byOccurrence.set(record.occurrence, [...(byOccurrence.get(record.occurrence) ?? []), record])
  const current = seriesOf(operation)
  return [...byOccurrence.entries()]
    .map(([id, runs]) => ({ id, ...parseOccurrenceId(id), runs }))
    // The current plan's newest first, then earlier plans', newest first.
    .sort((a, b) => b.plan - a.plan || b.index - a.index)
    .slice(0, SHOWN_RUNS)
    .map(({ id, series, index, runs }) => {
      // An earlier plan's due times went with its timing; the current plan's are worked out again, but not for an index far past
      // the progress mark (a peer's junk record "#70000000" would have an RRULE walked for minutes).
      const plausible = series === current && index <= finishedThrough + MAX_INDEX_PAST_PROGRESS
      const occurrence = plausible ? nextOccurrence(series, operation, Number.NEGATIVE_INFINITY, index) : undefined
      return { id, index, earlierPlan: series !== current, dueAt: occurrence?.index === index ? occurrence.dueAt : undefined, records: runs.sort((a, b) => a.startedAt - b.startedAt) }
    })
}

/** Who ran each occurrence, when, how late, and how it went. */
export function RunHistory({ session, schedule, operation, deviceNames }: { readonly session: SpaceSession; readonly schedule: SpaceSchedule; readonly operation: Operation; readonly deviceNames: ReadonlyMap<string, string> }) {
  const { device } = useServices()
  const read = useCallback((current: SpaceSchedule) => groupRuns(current.runs.recordsOf(operation.id), operation, current.finishedThrough(operation.id)), [operation])
  const occurrences = useScheduleValue(session, schedule, read, NO_RUNS)
  // Only the log, to ask who wrote a record: the records themselves re-render this, not every change of sync status.
  const sync = useAttachedSync(session)
  const nameOf = (peer: string): string => (peer === device.did ? 'This device' : (deviceNames.get(peer) ?? `${peer.slice(0, 16)}…${peer.slice(-4)}`))
  // Who ran it is whose lane wrote the record (verified), not the device the record names (anyone can write that).
  const ranBy = (record: RunRecord): string => {
    const client = schedule.runs.writerClientOf(record)
    const writer = client === undefined ? undefined : sync?.log.writerOf(client)
    if (writer === undefined) return `${nameOf(record.by)} (not verified yet)`
    return writer === record.by ? nameOf(writer) : `${nameOf(writer)} (recorded as ${nameOf(record.by)})`
  }
  const repeated = occurrences.filter((occurrence) => occurrence.records.length > 1).length
  const failed = occurrences.filter((occurrence) => occurrence.records[0]?.outcome === 'failed').length
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [failuresOnly, setFailuresOnly] = useState(false)
  const shown = failuresOnly ? occurrences.filter((occurrence) => occurrence.records.some((record) => record.outcome === 'failed' || failedAttemptsOf(record).length > 0)) : occurrences
  const download = async (name: string, here: boolean): Promise<void> => {
    try {
      await downloadBackup(name)
      setProblem(undefined)
    } catch {
      setProblem(
        here
          ? `“${name}” is no longer in this browser’s storage: a device keeps only the last ${KEPT_BACKUPS_PER_OPERATION} backups of an operation. Download a newer one.`
          : `“${name}” was written on another device; download it there.`,
      )
    }
  }
  if (occurrences.length === 0) return <p className="muted small">No runs yet.</p>
  return (
    <div className="run-history">
      <p className="muted small">
        {occurrences.length} run{occurrences.length === 1 ? '' : 's'} shown · {failed} failed · {repeated === 0 ? 'none ran twice' : `${repeated} ran on two devices (while they could not reach each other)`}
      </p>
      <p className="muted small">
        The space keeps the last {KEPT_RUNS_PER_OPERATION} runs of each operation, and failures for {Math.round(KEPT_FAILURES_MS / 86_400_000)} days.
      </p>
      <p className="small">
        <label>
          <input type="checkbox" checked={failuresOnly} onChange={(event) => setFailuresOnly(event.target.checked)} /> Only failures and retries
        </label>
      </p>
      {operation.kind === 'backup' && (
        <p className="muted small">
          Each device keeps only the last {KEPT_BACKUPS_PER_OPERATION} backups of this operation: older ones are deleted as new ones are written, so download the ones you want to keep.
        </p>
      )}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {/* Roles spelled out: on a phone the table's parts are laid out as blocks (schedule.css), which drops their table semantics. */}
      <table role="table" className="schedule-table" aria-label={`Run history of ${operation.title}`}>
        <thead role="rowgroup">
          <tr role="row">
            <th role="columnheader">#</th>
            <th role="columnheader">Due</th>
            <th role="columnheader">Ran by</th>
            <th role="columnheader">Late</th>
            <th role="columnheader">Outcome</th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {shown.map(({ id, index, earlierPlan, dueAt, records }) => (
            <tr role="row" key={id} className={records.length > 1 ? 'repeated' : undefined}>
              <td role="cell" data-label="#">{index + 1}</td>
              <td role="cell" data-label="Due">{earlierPlan ? 'earlier plan' : dueAt === undefined ? '–' : new Date(dueAt).toLocaleString()}</td>
              <td role="cell" data-label="Ran by">{records.map(ranBy).join(' and ')}</td>
              <td role="cell" data-label="Late">{dueAt === undefined ? '–' : formatLate(records[0]!.startedAt - dueAt)}</td>
              <td role="cell" data-label="Outcome">
                {records.map(describeOutcome).join('; ')}
                {operation.kind === 'backup' && records[0]?.outcome === 'ok' && records[0].detail && (
                  <button type="button" className="quiet" onClick={() => void download(records[0]!.detail!, records[0]!.by === device.did)}>
                    Download
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Saves a backup from the origin's private file system (where the backup kind wrote it) to the person's downloads. */
async function downloadBackup(name: string): Promise<void> {
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(BACKUP_FOLDER)
  saveFile(await (await folder.getFileHandle(name)).getFile(), name)
}

/**
 * What a run came to and, after retries (K5), on which attempt, how far
 * apart the attempts started (the backoff) and why the earlier ones failed:
 * "HTTP 200 on attempt 3, 2.0 s and 8.0 s apart (before: The server answered HTTP 503.)".
 */
export function describeOutcome(record: RunRecord): string {
  const outcome = record.outcome === 'ok' ? (record.detail ?? 'ok') : `failed: ${record.error ?? 'no reason given'}`
  const failures = failedAttemptsOf(record)
  if (failures.length === 0) return outcome
  const last = typeof record.lastAttemptAt === 'number' && Number.isFinite(record.lastAttemptAt) ? [record.lastAttemptAt] : []
  const starts = [...failures.map((failure) => failure.startedAt), ...last]
  const gaps = starts.slice(1).map((start, index) => formatGap(start - starts[index]!))
  const apart = gaps.length === 0 ? '' : `, ${gaps.length === 1 ? gaps[0] : `${gaps.slice(0, -1).join(', ')} and ${gaps.at(-1)}`} apart`
  const reasons = [...new Set(failures.map((failure) => failure.error))].join(' ')
  return `${outcome} on attempt ${failures.length + 1}${apart} (before: ${reasons})`
}

function formatGap(ms: number): string {
  return ms < 120_000 ? `${(ms / 1_000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`
}

function formatLate(ms: number): string {
  if (ms <= 0) return 'on time'
  return ms < 1_000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1_000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`
}
