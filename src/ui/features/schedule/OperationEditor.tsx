import { useMemo, useState, type FormEvent } from 'react'
import { InvalidFields, type FieldProblem } from '../../../core/scheduler/InvalidFields.ts'
import { parseSchedule } from '../../../core/scheduler/naturalLanguage.ts'
import { occurrencesBetween, type Occurrence } from '../../../core/scheduler/occurrences.ts'
import { CatchUp, type Operation } from '../../../core/scheduler/operations.ts'
import { defaultScheduler, formatLateness, precisionOf, schedulerWarning, worstLateness } from '../../../core/scheduler/schedulerChoice.ts'
import type { Scheduler } from '../../../core/scheduler/schedulers.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import { useNow } from '../../hooks/useNow.ts'
import { readAdvancedRule, type AdvancedRuleInput, type AdvancedTiming } from './advancedRule.ts'
import { deviceZone, timeZoneOptions, zoneOf } from './timeZones.ts'

const PREVIEW_COUNT = 5
/** A reminder's title is its notification's title (notifyKind's limit). */
const MAX_NOTIFY_TITLE_CHARS = 200
const KINDS = [
  { kind: 'notify', label: 'Notify (a reminder in the inbox)' },
  { kind: 'doc', label: 'Change this space (count or log)' },
  { kind: 'http', label: 'HTTP request (webhook)' },
  { kind: 'backup', label: 'Backup (a snapshot file)' },
] as const
type KindName = (typeof KINDS)[number]['kind']

const CATCH_UP_LABELS: Record<CatchUp, string> = {
  [CatchUp.skip]: 'Skip what was missed',
  [CatchUp.latest]: 'Run the latest missed once',
  [CatchUp.all]: 'Run every missed one',
}

interface OperationEditorProps {
  readonly schedule: SpaceSchedule
  readonly schedulers: readonly Scheduler[]
  /** The operation to change; absent, the editor plans a new one. */
  readonly editing?: Operation
  /** Called once an edit is saved or given up. */
  readonly onDone?: () => void
}

/**
 * Plans a new operation, or changes one: what it does (its kind and input)
 * and when, in words ("every 2 weeks on Tuesday at 10am", "in 20 minutes")
 * or, under "Advanced", as a raw RRULE and its first run, read in the
 * operation's time zone (OP11; the device's by default), with the next
 * occurrences shown in local time before it is saved. The scheduler is the
 * one that keeps the timing on time (OP6) until the person picks another,
 * and a coarser pick says how late it can run (OP7).
 */
export function OperationEditor({ schedule, schedulers, editing, onDone }: OperationEditorProps) {
  const now = useNow(30_000)
  const [title, setTitle] = useState(editing?.title ?? '')
  const [kind, setKind] = useState<KindName>(isKindName(editing?.kind) ? editing.kind : 'notify')
  const [when, setWhen] = useState('')
  const [fields, setFields] = useState<Record<string, string>>(() => ({ action: 'increment', by: '1', method: 'POST', ...fieldsOf(editing?.input) }))
  // Empty until the person picks one: then the scheduler follows the timing (OP6).
  const [schedulerId, setSchedulerId] = useState<string>(editing?.schedulerId ?? '')
  const [timeZone, setTimeZone] = useState<string>(editing ? zoneOf(editing) : deviceZone)
  const [catchUp, setCatchUp] = useState<CatchUp>(editing?.catchUp ?? CatchUp.latest)
  const [problems, setProblems] = useState<readonly FieldProblem[]>([])
  const [saved, setSaved] = useState<string | undefined>(undefined)
  const [advanced, setAdvanced] = useState<AdvancedRuleInput>({ rrule: '', start: '' })

  const parsed = useMemo(() => (when.trim() ? parseSchedule(when, { now, timeZone }) : undefined), [when, now, timeZone])
  const preview = useMemo(() => (parsed?.ok ? occurrencesBetween('preview', parsed.timing, now, Number.POSITIVE_INFINITY, PREVIEW_COUNT) : []), [parsed, now])
  // A raw rule, once typed, is the timing: "When" is set aside until it is cleared.
  const rawRule = useMemo(() => (advanced.rrule.trim() ? readAdvancedRule(advanced, timeZone, now) : undefined), [advanced, now, timeZone])
  const rawPreview = useMemo(() => (rawRule?.ok ? occurrencesBetween('preview', rawRule.timing, now, Number.POSITIVE_INFINITY, PREVIEW_COUNT) : []), [rawRule, now])
  const field = (name: string): string => fields[name] ?? ''
  const setField = (name: string, value: string): void => setFields((current) => ({ ...current, [name]: value }))
  // What would run: the raw rule, the words, or (an edit with "When" left empty) the operation's own timing.
  const timing = rawRule?.ok ? rawRule.timing : rawRule ? undefined : parsed?.ok ? parsed.timing : editing
  const recommended = useMemo(() => (timing ? defaultScheduler(schedulers, timing, now) : undefined), [schedulers, timing, now])
  const chosenScheduler = schedulerId || recommended?.id || schedulers[0]?.id || ''
  const picked = schedulers.find((scheduler) => scheduler.id === chosenScheduler)
  const warning = useMemo(() => (picked && timing ? schedulerWarning(picked, schedulers, timing, now) : undefined), [picked, schedulers, timing, now])
  const lateness = !schedulerId && recommended && timing ? worstLateness(recommended, timing, now) : 0
  const onTime = !timing || lateness <= precisionOf(timing, now)
  const headingId = editing ? `edit-${editing.id}` : 'new-operation'

  const submit = (event: FormEvent): void => {
    event.preventDefault()
    setSaved(undefined)
    if (rawRule?.ok === false) return setProblems(rawRule.problems)
    // Read again at this moment: the preview's clock may be half a minute old, and "in 10 seconds" must not be saved in the past.
    const reading = rawRule ?? (when.trim() ? parseSchedule(when, { now: Date.now(), timeZone }) : undefined)
    // An edit with "When" left empty keeps its timing.
    if (reading?.ok === false || (!reading && !editing)) {
      return setProblems([{ field: 'when', message: reading?.error ?? 'Say when it runs, e.g. “every 2 weeks on Tuesday at 10am” or “in 20 minutes”.' }])
    }
    const changes = { title: title.trim(), kind, input: inputFor(kind, title.trim(), field), schedulerId: chosenScheduler as Scheduler['id'], catchUp }
    try {
      if (editing) {
        schedule.editOperation(editing.id, reading?.ok ? { ...changes, ...reading.timing } : changes)
        setProblems([])
        onDone?.()
        return
      }
      if (!reading?.ok) return
      schedule.createOperation({ ...changes, ...reading.timing })
      setProblems([])
      setSaved(`Planned “${title.trim()}”: ${reading.summary}.`)
      setTitle('')
      setWhen('')
      setAdvanced({ rrule: '', start: '' })
      // The next operation's scheduler follows its own timing again.
      setSchedulerId('')
    } catch (cause) {
      setProblems(cause instanceof InvalidFields ? cause.problems : [{ field: 'operation', message: String(cause) }])
    }
  }

  return (
    <section className={editing ? 'operation-edit' : 'panel'} aria-labelledby={headingId}>
      <h2 id={headingId}>{editing ? `Edit “${editing.title}”` : 'New operation'}</h2>
      <form className="operation-form" onSubmit={submit} aria-label={editing ? `Edit ${editing.title}` : 'New operation'}>
        <label className="field">
          Title
          <input value={title} onChange={(event) => setTitle(event.target.value)} placeholder="Doctor" maxLength={kind === 'notify' ? MAX_NOTIFY_TITLE_CHARS : 500} />
        </label>
        <label className="field">
          When
          <input value={when} onChange={(event) => setWhen(event.target.value)} placeholder={editing ? 'leave empty to keep its timing' : 'every 2 weeks on Tuesday at 10am'} aria-describedby={`${headingId}-preview`} />
        </label>
        <div id={`${headingId}-preview`} aria-live="polite" className="when-preview">
          {rawRule && when.trim() && <p className="muted small">The advanced RRULE below is used instead.</p>}
          {!rawRule && parsed && !parsed.ok && <p className="error">{parsed.error}</p>}
          {!rawRule && parsed?.ok && <OccurrencePreview summary={parsed.summary} occurrences={preview} />}
        </div>
        <label className="field">
          Time zone
          <select value={timeZone} onChange={(event) => setTimeZone(event.target.value)}>
            {timeZoneOptions(timeZone).map((zone) => (
              <option key={zone}>{zone}</option>
            ))}
          </select>
        </label>
        <AdvancedRuleField headingId={headingId} value={advanced} onChange={setAdvanced} timeZone={timeZone} reading={rawRule} preview={rawPreview} />
        <label className="field">
          Does
          <select value={kind} onChange={(event) => setKind(event.target.value as KindName)} disabled={editing !== undefined}>
            {KINDS.map((option) => (
              <option key={option.kind} value={option.kind}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <KindFields kind={kind} field={field} setField={setField} />
        <div className="field-row">
          <label className="field">
            Scheduler
            <select value={chosenScheduler} onChange={(event) => setSchedulerId(event.target.value)} aria-describedby={`${headingId}-scheduler-note`}>
              {schedulers.map((scheduler) => (
                <option key={scheduler.id} value={scheduler.id}>
                  {scheduler.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            If missed
            <select value={catchUp} onChange={(event) => setCatchUp(event.target.value as CatchUp)}>
              {Object.values(CatchUp).map((policy) => (
                <option key={policy} value={policy}>
                  {CATCH_UP_LABELS[policy]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div id={`${headingId}-scheduler-note`} aria-live="polite">
          {warning && <p className="error small">{warning}</p>}
          {!warning && !schedulerId && recommended && (
            <p className={onTime ? 'muted small' : 'error small'}>
              {onTime ? 'The scheduler is chosen to run it on time; pick another if you like.' : `No scheduler here runs it on time: on “${recommended.name}” it can be up to ${formatLateness(lateness)} late. Add a faster scheduler below.`}
            </p>
          )}
        </div>
        <div className="row-actions">
          <button type="submit">{editing ? 'Save changes' : 'Plan it'}</button>
          {editing && (
            <button type="button" className="quiet" onClick={onDone}>
              Cancel edit
            </button>
          )}
        </div>
        {problems.length > 0 && (
          <ul role="alert" className="error problems">
            {problems.map((problem) => (
              <li key={`${problem.field}:${problem.message}`}>
                <strong>{problem.field}</strong>: {problem.message}
              </li>
            ))}
          </ul>
        )}
        {saved && (
          <p role="status" className="muted">
            {saved}
          </p>
        )}
      </form>
    </section>
  )
}

function OccurrencePreview({ summary, occurrences }: { readonly summary: string; readonly occurrences: readonly Occurrence[] }) {
  return (
    <>
      <p className="muted small">{summary}</p>
      <ol aria-label="Next occurrences">
        {occurrences.map((occurrence) => (
          <li key={occurrence.index}>{new Date(occurrence.dueAt).toLocaleString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: occurrence.dueAt % 60_000 === 0 ? undefined : '2-digit' })}</li>
        ))}
      </ol>
    </>
  )
}

interface AdvancedRuleFieldProps {
  readonly headingId: string
  readonly value: AdvancedRuleInput
  readonly onChange: (value: AdvancedRuleInput) => void
  readonly timeZone: string
  readonly reading: AdvancedTiming | undefined
  readonly preview: readonly Occurrence[]
}

/** "Advanced: RRULE": a raw rule and its first run, checked as a save would check them, with its next occurrences. */
function AdvancedRuleField({ headingId, value, onChange, timeZone, reading, preview }: AdvancedRuleFieldProps) {
  const messagesId = `${headingId}-rrule-messages`
  return (
    <details className="advanced-rule" open={value.rrule.trim() !== ''}>
      <summary>Advanced: RRULE</summary>
      <label className="field">
        RRULE
        <input value={value.rrule} onChange={(event) => onChange({ ...value, rrule: event.target.value })} placeholder="FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1" spellCheck={false} aria-describedby={messagesId} />
      </label>
      <label className="field">
        First run ({timeZone})
        <input type="datetime-local" value={value.start} onChange={(event) => onChange({ ...value, start: event.target.value })} aria-describedby={messagesId} />
      </label>
      <div id={messagesId} aria-live="polite" className="when-preview">
        {reading && !reading.ok && (
          <ul className="error problems">
            {reading.problems.map((problem) => (
              <li key={`${problem.field}:${problem.message}`}>
                <strong>{problem.field}</strong>: {problem.message}
              </li>
            ))}
          </ul>
        )}
        {reading?.ok && <OccurrencePreview summary={reading.summary} occurrences={preview} />}
      </div>
    </details>
  )
}

interface KindFieldsProps {
  readonly kind: KindName
  readonly field: (name: string) => string
  readonly setField: (name: string, value: string) => void
}

function KindFields({ kind, field, setField }: KindFieldsProps) {
  const input = (name: string, label: string, placeholder = '') => (
    <label className="field" key={name}>
      {label}
      <input value={field(name)} placeholder={placeholder} onChange={(event) => setField(name, event.target.value)} />
    </label>
  )
  if (kind === 'notify') return input('body', 'Message (optional)', 'Bring the referral letter')
  if (kind === 'backup') return input('label', 'Backup label (optional)', 'weekly')
  if (kind === 'http') {
    return (
      <>
        {input('url', 'URL', 'https://example.org/hook')}
        <label className="field">
          Method
          <select value={field('method')} onChange={(event) => setField('method', event.target.value)}>
            {['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((method) => (
              <option key={method}>{method}</option>
            ))}
          </select>
        </label>
        {field('method') !== 'GET' && input('body', 'Body (optional)', '{"ping": true}')}
      </>
    )
  }
  return (
    <>
      <label className="field">
        Change
        <select value={field('action')} onChange={(event) => setField('action', event.target.value)}>
          <option value="increment">Add to a counter</option>
          <option value="append">Append to a log</option>
        </select>
      </label>
      {field('action') === 'append' ? (
        <>
          {input('log', 'Log name', 'moves')}
          {input('value', 'Entry', 'tick')}
        </>
      ) : (
        <>
          {input('counter', 'Counter name', 'ticks')}
          {input('by', 'Add', '1')}
        </>
      )}
    </>
  )
}

const isKindName = (kind: string | undefined): kind is KindName => KINDS.some((option) => option.kind === kind)

/** An operation's input as the form's text fields, to edit it. */
function fieldsOf(input: unknown): Record<string, string> {
  if (typeof input !== 'object' || input === null) return {}
  const fields: Record<string, string> = {}
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number') fields[name] = String(value)
  }
  return fields
}

/** The kind's input from the form; the kind's own check (on save) explains anything wrong, field by field. */
function inputFor(kind: KindName, title: string, field: (name: string) => string): unknown {
  const optional = (name: string): Record<string, string> => (field(name).trim() ? { [name]: field(name).trim() } : {})
  switch (kind) {
    case 'notify':
      return { title: title || 'Reminder', ...optional('body') }
    case 'backup':
      return { ...optional('label') }
    case 'http':
      return { url: field('url').trim(), method: field('method') || 'POST', ...(field('method') === 'GET' ? {} : optional('body')) }
    case 'doc':
      return field('action') === 'append'
        ? { action: 'append', log: field('log').trim(), value: field('value') }
        : { action: 'increment', counter: field('counter').trim(), by: Number(field('by') || '1') }
  }
}
