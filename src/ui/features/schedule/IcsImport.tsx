import { useState, type ChangeEvent } from 'react'
import { IcsFileProblem, MAX_ICS_CHARS } from '../../../core/scheduler/icalendarReader.ts'
import { previewIcsImport, reminderOperation, type IcsImportPreview } from '../../../core/scheduler/icsImport.ts'
import { InvalidFields } from '../../../core/scheduler/InvalidFields.ts'
import type { NewOperation, OperationId } from '../../../core/scheduler/operations.ts'
import { defaultScheduler } from '../../../core/scheduler/schedulerChoice.ts'
import type { Scheduler } from '../../../core/scheduler/schedulers.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import { deviceZone } from './timeZones.ts'
import './calendarEdits.css'

/** A file's bytes, at most: its text is then at most this many characters (icalendarReader's cap). */
const MAX_FILE_BYTES = MAX_ICS_CHARS

interface IcsImportProps {
  readonly schedule: SpaceSchedule
  readonly schedulers: readonly Scheduler[]
}

/**
 * "Import .ics" (SPEC ICS1–ICS4): a calendar file's events as reminders.
 * The file is read here, on this device, and shown as a preview (each
 * reminder with its first times, and what cannot be imported and why);
 * nothing is written to the space until the person confirms.
 */
export function IcsImport({ schedule, schedulers }: IcsImportProps) {
  const [preview, setPreview] = useState<IcsImportPreview | undefined>(undefined)
  const [fileName, setFileName] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [done, setDone] = useState<string | undefined>(undefined)

  const read = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0]
    // The same file can be chosen again after a change to the space.
    event.target.value = ''
    setPreview(undefined)
    setDone(undefined)
    setProblem(undefined)
    if (!file) return
    setFileName(file.name)
    if (file.size > MAX_FILE_BYTES) return setProblem(`“${file.name}” is larger than ${MAX_FILE_BYTES / 1_048_576} MB; export a shorter range of the calendar and import that.`)
    try {
      const text = await file.text()
      const started = performance.now()
      setPreview(previewIcsImport(text, { now: Date.now(), timeZone: deviceZone(), elapsed: () => performance.now() - started, exists: (id) => schedule.operation(id) !== undefined }))
    } catch (cause) {
      setProblem(cause instanceof IcsFileProblem ? cause.message : `“${file.name}” could not be read: ${String(cause)}`)
    }
  }

  const importAll = (): void => {
    if (!preview) return
    const now = Date.now()
    const failed: string[] = []
    const entries: Array<{ readonly fields: NewOperation; readonly id: OperationId; readonly title: string }> = []
    for (const reminder of preview.reminders) {
      // Each on the scheduler that keeps it on time (OP6), as the editor would pick.
      const scheduler = defaultScheduler(schedulers, reminder.timing, now)
      if (scheduler) entries.push({ fields: reminderOperation(reminder, scheduler.id), id: reminder.id, title: reminder.title })
      else failed.push(`“${reminder.title}”: this space has no scheduler; add one below.`)
    }
    const results = schedule.createOperations(entries)
    results.forEach((result, index) => {
      if (result instanceof InvalidFields) failed.push(`“${entries[index]!.title}”: ${result.problems.map((entry) => entry.message).join(' ')}`)
    })
    const imported = results.length - results.filter((result) => result instanceof InvalidFields).length
    setPreview(undefined)
    setDone(`Imported ${imported} reminder${imported === 1 ? '' : 's'} from “${fileName}”.`)
    setProblem(failed.length > 0 ? `Not imported: ${failed.join(' ')}` : undefined)
  }

  const count = preview?.reminders.length ?? 0
  return (
    <div className="ics-import">
      <label className="file-button">
        Import .ics
        <input type="file" accept=".ics,text/calendar" onChange={(event) => void read(event)} />
      </label>
      {problem && (
        <p role="alert" className="error small">
          {problem}
        </p>
      )}
      {done && (
        <p role="status" className="muted small">
          {done}
        </p>
      )}
      {preview && (
        <section className="ics-preview" aria-labelledby="ics-preview-heading">
          <h3 id="ics-preview-heading">From “{fileName}”</h3>
          {count === 0 ? (
            <p className="muted small">Nothing in this file can be imported as a reminder.</p>
          ) : (
            <ul aria-label="Reminders to import">
              {preview.reminders.map((reminder) => (
                <li key={reminder.id} aria-label={reminder.title}>
                  <strong>{reminder.title}</strong> <span className="muted small">{reminder.repeats === 'Once' ? 'once' : `repeats: ${reminder.repeats}`}</span>
                  <span className="small"> · next {reminder.next.map((dueAt) => new Date(dueAt).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })).join('; ')}</span>
                </li>
              ))}
            </ul>
          )}
          {preview.notImported.length > 0 && (
            <>
              <h4>Not imported</h4>
              <ul aria-label="Not imported">
                {preview.notImported.map((entry, index) => (
                  <li key={`${index} ${entry.title}`}>
                    <strong>{entry.title}</strong>: {entry.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          <div className="row-actions">
            {count > 0 && (
              <button type="button" onClick={importAll}>
                Import {count} reminder{count === 1 ? '' : 's'}
              </button>
            )}
            <button type="button" className="quiet" onClick={() => setPreview(undefined)}>
              Cancel
            </button>
          </div>
        </section>
      )}
    </div>
  )
}
