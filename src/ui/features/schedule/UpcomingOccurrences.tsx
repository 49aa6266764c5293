import { useMemo, useState, type FormEvent } from 'react'
import { unfinishedOccurrences } from '../../../core/scheduler/agenda.ts'
import { InvalidFields } from '../../../core/scheduler/InvalidFields.ts'
import { parseSchedule } from '../../../core/scheduler/naturalLanguage.ts'
import { movedFrom, moveWindow } from '../../../core/scheduler/occurrenceEdits.ts'
import { occurrenceAt, occurrencesBetween, type Occurrence } from '../../../core/scheduler/occurrences.ts'
import type { Operation } from '../../../core/scheduler/operations.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import { instantOf, wallTimeOf } from '../../../core/scheduler/zonedTime.ts'
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx'
import { zoneOf } from './timeZones.ts'
import './calendarEdits.css'

/** Occurrences listed: the next few are what a person changes one by one; further ones are a new timing. */
const SHOWN = 5

/** What an occurrence edit did, for the row to say (with a way back, when there is one). */
export interface OccurrenceNotice {
  readonly text: string
  readonly undo?: () => void
}

interface UpcomingOccurrencesProps {
  readonly schedule: SpaceSchedule
  readonly operation: Operation
  readonly now: number
  readonly onNotice: (notice: OccurrenceNotice) => void
}

/**
 * An operation's next occurrences, each of which can be skipped, moved
 * ("this one only"), changed from there on ("this and all following") or
 * ended there (SPEC OP8, OP9); and the skipped ones still to come, which
 * can be put back.
 */
export function UpcomingOccurrences({ schedule, operation, now, onNotice }: UpcomingOccurrencesProps) {
  const [changing, setChanging] = useState<number | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const facts = schedule.planFacts(operation)
  const upcoming = useMemo(() => unfinishedOccurrences(schedule, operation, now, Number.POSITIVE_INFINITY, SHOWN), [schedule, operation, now])
  const skipped = useMemo(() => skippedToCome(operation, facts.series, facts.finishedThrough, now), [operation, facts.series, facts.finishedThrough, now])
  const listId = `upcoming-${operation.id}`
  const act = (action: () => string, undo?: () => void): void => {
    try {
      onNotice({ text: action(), ...(undo ? { undo } : {}) })
      setProblem(undefined)
      setChanging(undefined)
    } catch (cause) {
      setProblem(cause instanceof InvalidFields ? cause.problems.map((entry) => entry.message).join(' ') : String(cause))
    }
  }
  const skip = (occurrence: Occurrence): void =>
    act(
      () => (schedule.skipOccurrence(operation.id, occurrence.index), `Skipped the one of ${when(occurrence.dueAt)}.`),
      () => schedule.restoreOccurrence(operation.id, occurrence.index),
    )
  return (
    <div className="upcoming">
      <h3 id={listId}>Next occurrences of “{operation.title}”</h3>
      {upcoming.length === 0 && <p className="muted small">None left to run.</p>}
      <ol className="occurrence-list" aria-labelledby={listId}>
        {upcoming.map((occurrence) => {
          const from = movedFrom(operation, facts.series, occurrence.index)
          return (
            <li key={occurrence.id} aria-label={when(occurrence.dueAt)}>
              <span>
                <time dateTime={new Date(occurrence.dueAt).toISOString()}>{when(occurrence.dueAt)}</time>
                {from !== undefined && <span className="muted small"> (moved from {when(from)})</span>}
              </span>
              <span className="row-actions">
                <button type="button" className="quiet" onClick={() => skip(occurrence)} aria-label={`Skip ${when(occurrence.dueAt)}`}>
                  Skip
                </button>
                <button type="button" className="quiet" aria-expanded={changing === occurrence.index} onClick={() => setChanging(changing === occurrence.index ? undefined : occurrence.index)} aria-label={`Change ${when(occurrence.dueAt)}`}>
                  Change…
                </button>
              </span>
              {changing === occurrence.index && <ChangeOccurrence schedule={schedule} operation={operation} occurrence={occurrence} now={now} act={act} />}
            </li>
          )
        })}
      </ol>
      {skipped.length > 0 && (
        <ul className="occurrence-list" aria-label={`Skipped occurrences of ${operation.title}`}>
          {skipped.map((occurrence) => (
            <li key={occurrence.id} aria-label={`Skipped: ${when(occurrence.dueAt)}`}>
              <span className="muted">
                <s>{when(occurrence.dueAt)}</s> skipped
              </span>
              <button type="button" className="quiet" onClick={() => act(() => (schedule.restoreOccurrence(operation.id, occurrence.index), `The one of ${when(occurrence.dueAt)} will run again.`))} aria-label={`Restore ${when(occurrence.dueAt)}`}>
                Restore
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p role="alert" className="error small">
          {problem}
        </p>
      )}
    </div>
  )
}

interface ChangeOccurrenceProps {
  readonly schedule: SpaceSchedule
  readonly operation: Operation
  readonly occurrence: Occurrence
  readonly now: number
  readonly act: (action: () => string) => void
}

/** "This one only" (a new time for it), "this and all following" (a new timing from it) or "cancel this and all following". */
function ChangeOccurrence({ schedule, operation, occurrence, now, act }: ChangeOccurrenceProps) {
  const zone = zoneOf(operation)
  const [scope, setScope] = useState<'one' | 'following'>('one')
  const [time, setTime] = useState(() => wallClockValue(occurrence.dueAt, zone))
  const [phrase, setPhrase] = useState('')
  const [confirmEnd, setConfirmEnd] = useState(false)
  const bounds = moveWindow(operation, occurrence.index, schedule.planFacts(operation))
  // "From then on": the words are read from this occurrence's time ("every day at 8pm" starts on its day), not from now.
  const from = Math.max(now, occurrence.dueAt - 1)
  const reading = phrase.trim() ? parseSchedule(phrase, { now: from, timeZone: zone }) : undefined
  const preview = reading?.ok ? occurrencesBetween('preview', reading.timing, from, Number.POSITIVE_INFINITY, 3) : []
  const label = when(occurrence.dueAt)
  const submit = (event: FormEvent): void => {
    event.preventDefault()
    if (scope === 'one') {
      const dueAt = instantOfValue(time, zone)
      return act(() => {
        if (dueAt === undefined) throw new InvalidFields('occurrence', [{ field: 'dueAt', message: 'Choose the new date and time.' }])
        schedule.moveOccurrence(operation.id, occurrence.index, dueAt)
        return `Moved the one of ${label} to ${when(dueAt)}.`
      })
    }
    act(() => {
      if (!reading?.ok) throw new InvalidFields('occurrence', [{ field: 'when', message: reading?.error ?? 'Say when it runs from now on, e.g. “every Tuesday at 11am”.' }])
      const changed = schedule.changeFollowing(operation.id, occurrence.index, reading.timing)
      return changed.id === operation.id ? `“${operation.title}” now runs ${reading.summary}.` : `From ${label} on, “${operation.title}” runs ${reading.summary}; the ones before stay as they were.`
    })
  }
  return (
    <form className="occurrence-change" onSubmit={submit} aria-label={`Change ${label}`}>
      <fieldset>
        <legend>Change</legend>
        <label>
          <input type="radio" name={`scope-${occurrence.id}`} checked={scope === 'one'} onChange={() => setScope('one')} /> This one only
        </label>
        <label>
          <input type="radio" name={`scope-${occurrence.id}`} checked={scope === 'following'} onChange={() => setScope('following')} /> This and all following
        </label>
      </fieldset>
      {scope === 'one' ? (
        <label className="field">
          New time ({zone})
          <input
            type="datetime-local"
            value={time}
            onChange={(event) => setTime(event.target.value)}
            {...(bounds.after === undefined ? {} : { min: wallClockValue(Math.max(bounds.after + 60_000, now), zone) })}
            {...(bounds.before === undefined ? {} : { max: wallClockValue(bounds.before - 60_000, zone) })}
          />
        </label>
      ) : (
        <>
          <label className="field">
            From then on ({zone})
            <input value={phrase} onChange={(event) => setPhrase(event.target.value)} placeholder="every Tuesday at 11am" />
          </label>
          <div aria-live="polite" className="when-preview">
            {reading && !reading.ok && <p className="error small">{reading.error}</p>}
            {reading?.ok && (
              <ol aria-label="Next occurrences">
                {preview.map((next) => (
                  <li key={next.index}>{when(next.dueAt)}</li>
                ))}
              </ol>
            )}
          </div>
        </>
      )}
      <div className="row-actions">
        <button type="submit">{scope === 'one' ? 'Move it' : 'Change from here'}</button>
        <button type="button" className="quiet" onClick={() => setConfirmEnd(true)}>
          Cancel this and all following
        </button>
      </div>
      {confirmEnd && (
        <ConfirmDialog
          title={`Stop “${operation.title}” from ${label}?`}
          message="This occurrence and every one after it will not run. The ones before it, and the history, stay."
          confirmLabel="Stop from here"
          onCancel={() => setConfirmEnd(false)}
          onConfirm={() => {
            setConfirmEnd(false)
            act(() => (schedule.endSeriesAt(operation.id, occurrence.index), `“${operation.title}” stops before ${label}.`))
          }}
        />
      )}
    </form>
  )
}

/** The skipped occurrences of the plan that are still to come, soonest first (at most SHOWN). */
function skippedToCome(operation: Operation, series: string, finishedThrough: number, now: number): Occurrence[] {
  const plain = { ...operation, exceptions: {} }
  const found: Occurrence[] = []
  for (const index of operation.exceptions?.skipped ?? []) {
    if (index < finishedThrough) continue
    const occurrence = occurrenceAt(series, plain, index)
    if (occurrence && occurrence.dueAt >= now) found.push(occurrence)
    if (found.length >= SHOWN) break
  }
  return found
}

const whenFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })

/** "Tue 2 Mar, 10:00" on this device's clock. */
function when(instant: number): string {
  return whenFormat.format(instant)
}

/** An instant as an <input type="datetime-local"> value on the zone's wall clock ("2027-03-02T10:00"). */
function wallClockValue(instant: number, zone: string): string {
  const wall = wallTimeOf(instant, zone)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${wall.year}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}`
}

function instantOfValue(value: string, zone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value)
  if (!match) return undefined
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number]
  return instantOf({ year, month, day, hour, minute, second: 0, millisecond: 0 }, zone)
}
