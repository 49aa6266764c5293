import { useState, type FormEvent } from 'react'
import { formatDuration, parseDuration } from '../../../core/scheduler/durations.ts'
import { InvalidFields } from '../../../core/scheduler/InvalidFields.ts'
import { DEFAULT_BUDGET, deviceBudget, type Scheduler, type SchedulerId } from '../../../core/scheduler/schedulers.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { useNow } from '../../hooks/useNow.ts'
import { clockWarning } from './clockWarning.ts'
import { useHostStats } from './useSchedule.ts'

/** Every scheduler of the space: how often it ticks, its budget, and how its queue is keeping up. */
export function SchedulersPanel({ session, schedule, schedulers }: { readonly session: SpaceSession; readonly schedule: SpaceSchedule; readonly schedulers: readonly Scheduler[] }) {
  const host = useHostStats(session.id)
  const now = useNow(1_000)
  const [error, setError] = useState<string | undefined>(undefined)
  const wrongClock = host && clockWarning(host.clockCorrectionMs)
  const attempt = (change: () => void): void => {
    try {
      change()
      setError(undefined)
    } catch (cause) {
      setError(cause instanceof InvalidFields ? cause.problems.map((problem) => problem.message).join(' ') : String(cause))
    }
  }

  return (
    <section className="panel" aria-labelledby="schedulers-heading">
      <h2 id="schedulers-heading">Who runs this schedule</h2>
      <p className="muted small">{scheduleInWords(host?.host, schedulers)}</p>
      {wrongClock && <p className="notice warning">{wrongClock}</p>}
      {/* Ticks, budgets and queues are for those tuning a busy schedule: someone planning a reminder needs only the sentence above. */}
      <details className="advanced">
        <summary>Advanced: schedulers and their budgets</summary>
        {/* Roles spelled out: on a phone the table's parts are laid out as blocks (schedule.css), which drops their table semantics. */}
        <table role="table" className="schedule-table" aria-label="Schedulers">
          <thead role="rowgroup">
            <tr role="row">
              <th role="columnheader">Name</th>
              <th role="columnheader">Every</th>
              <th role="columnheader">Budget per tick</th>
              <th role="columnheader">Queue</th>
              <th role="columnheader">Lag</th>
              <th role="columnheader">Last tick</th>
              <th role="columnheader" title="How late the host's ticks ran, over the last 600: 99th percentile">Tick late (p99)</th>
              <th role="columnheader" />
            </tr>
          </thead>
          <tbody role="rowgroup">
            {schedulers.map((scheduler) => {
              const stats = host?.stats[scheduler.id]
              // A budget above this device's caps (saved elsewhere) is saved back as what this device runs, so a rename or a pause is not refused for it (CAP4).
              const save = (changes: Partial<Scheduler>): Scheduler => schedule.saveScheduler({ ...scheduler, budget: deviceBudget(scheduler.budget), ...changes })
              return (
                <tr role="row" key={scheduler.id} aria-label={scheduler.name}>
                  <td role="cell" className="row-title">{scheduler.name}</td>
                  <td role="cell" data-label="Every">
                    <IntervalField scheduler={scheduler} onSave={(everyMs) => attempt(() => save({ everyMs }))} />
                  </td>
                  <td role="cell" data-label="Budget per tick">
                    <BudgetField scheduler={scheduler} onSave={(budget) => attempt(() => save({ budget }))} />
                  </td>
                  <td role="cell" data-label="Queue">{stats?.queueLength ?? '–'}</td>
                  <td role="cell" data-label="Lag">{stats ? formatLag(stats.lagMs) : '–'}</td>
                  <td role="cell" data-label="Last tick">{scheduler.paused ? 'paused' : stats?.lastTickAt !== undefined ? `${formatAgo(now - stats.lastTickAt)} ago` : '–'}</td>
                  <td role="cell" data-label="Tick late (p99)">{stats && stats.tickLate.samples > 0 ? `${stats.tickLate.p99Ms} ms` : '–'}</td>
                  <td role="cell" className="row-actions">
                    <button type="button" className="quiet" onClick={() => attempt(() => save({ paused: !scheduler.paused }))}>
                      {scheduler.paused ? 'Resume' : 'Pause'}
                    </button>
                    <button type="button" className="quiet" aria-label={`Delete scheduler ${scheduler.name}`} onClick={() => attempt(() => schedule.deleteScheduler(scheduler.id))}>
                      Delete
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <NewScheduler onCreate={(name, everyMs) => attempt(() => schedule.saveScheduler({ id: crypto.randomUUID() as SchedulerId, name, everyMs, budget: DEFAULT_BUDGET, paused: false }))} />
      </details>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  )
}

function IntervalField({ scheduler, onSave }: { readonly scheduler: Scheduler; readonly onSave: (everyMs: number) => void }) {
  const [draft, setDraft] = useState<string | undefined>(undefined)
  const commit = (): void => {
    const everyMs = draft === undefined ? undefined : parseDuration(draft)
    if (everyMs !== undefined && everyMs !== scheduler.everyMs) onSave(everyMs)
    setDraft(undefined)
  }
  return (
    <input
      className="compact"
      aria-label={`Interval of ${scheduler.name}`}
      value={draft ?? formatDuration(scheduler.everyMs)}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => event.key === 'Enter' && event.currentTarget.blur()}
    />
  )
}

function BudgetField({ scheduler, onSave }: { readonly scheduler: Scheduler; readonly onSave: (budget: Scheduler['budget']) => void }) {
  const { maxOpsPerTick, maxMsPerTick } = scheduler.budget
  // What this device runs: the other field of an edit is saved as that, not as a value it would refuse.
  const applied = deviceBudget(scheduler.budget)
  const clamped = applied.maxOpsPerTick < maxOpsPerTick || applied.maxMsPerTick < maxMsPerTick
  return (
    <span className="budget">
      <NumberField label={`Operations per tick of ${scheduler.name}`} value={maxOpsPerTick} onSave={(value) => onSave({ maxOpsPerTick: value, maxMsPerTick: applied.maxMsPerTick })} /> ops /
      <NumberField label={`Milliseconds per tick of ${scheduler.name}`} value={maxMsPerTick} onSave={(value) => onSave({ maxOpsPerTick: applied.maxOpsPerTick, maxMsPerTick: value })} /> ms
      {clamped && (
        <span className="muted small" role="note">
          {' '}
          limited to {applied.maxOpsPerTick.toLocaleString('en')} ops / {applied.maxMsPerTick.toLocaleString('en')} ms on this device, the most a device runs in one tick
        </span>
      )}
    </span>
  )
}

function NumberField({ label, value, onSave }: { readonly label: string; readonly value: number; readonly onSave: (value: number) => void }) {
  const [draft, setDraft] = useState<string | undefined>(undefined)
  const commit = (): void => {
    // Out-of-range numbers go through, so the scheduler's own check explains the limits.
    if (draft !== undefined && draft.trim() !== '' && Number(draft) !== value) onSave(Number(draft))
    setDraft(undefined)
  }
  return (
    <input
      className="number"
      inputMode="numeric"
      aria-label={label}
      value={draft ?? String(value)}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => event.key === 'Enter' && event.currentTarget.blur()}
    />
  )
}

function NewScheduler({ onCreate }: { readonly onCreate: (name: string, everyMs: number) => void }) {
  const [name, setName] = useState('')
  const [every, setEvery] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const submit = (event: FormEvent): void => {
    event.preventDefault()
    const everyMs = parseDuration(every)
    if (everyMs === undefined) return setProblem(`“${every}” is not an interval; write e.g. 100 ms, 5 s, 10 min or 1 d.`)
    setProblem(undefined)
    onCreate(name.trim() || `Every ${formatDuration(everyMs)}`, everyMs)
    setName('')
    setEvery('')
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-label="New scheduler">
      <input aria-label="New scheduler name" placeholder="New scheduler name" value={name} onChange={(event) => setName(event.target.value)} />
      <input aria-label="New scheduler interval" placeholder="every (e.g. 100 ms)" value={every} onChange={(event) => setEvery(event.target.value)} required />
      <button type="submit">Add scheduler</button>
      {problem && (
        <span role="alert" className="error">
          {problem}
        </span>
      )}
    </form>
  )
}

/** Which of this device's runtimes hosts the schedule, and how precisely operations run, in words. */
function scheduleInWords(host: string | undefined, schedulers: readonly Scheduler[]): string {
  const runner = host === undefined ? 'Waiting for this device to start running the schedule.' : `This device’s ${host === 'service-worker' ? 'service worker' : host === 'page' ? 'open tab' : host} runs this schedule while it is awake; another device of the space takes over while it sleeps.`
  const active = schedulers.filter((scheduler) => !scheduler.paused).sort((a, b) => a.everyMs - b.everyMs)
  const finest = active[0]
  const precision = finest ? ` Operations run on time to within ${formatDuration(finest.everyMs)} at best, depending on the scheduler each one uses.` : ' Every scheduler is paused: nothing runs until one is resumed.'
  return runner + precision
}

function formatLag(ms: number): string {
  return ms <= 0 ? 'none' : ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(1)} s`
}

function formatAgo(ms: number): string {
  if (ms < 90_000) return `${Math.max(0, Math.round(ms / 1_000))} s`
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 3_600_000)} h`
}
