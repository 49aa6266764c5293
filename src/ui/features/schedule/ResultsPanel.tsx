import { useCallback } from 'react'
import { docResultsOf, type ResultEntry } from '../../../core/scheduler/docResults.ts'
import { parseOccurrenceId } from '../../../core/scheduler/occurrenceIds.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useAttachedSync } from '../../hooks/useSpaceSync.ts'
import { useServices } from '../../services.ts'

/** The latest entries shown per counter or log; the rest stay in the space. */
const SHOWN_ENTRIES = 5
/** A log value is JSON a member wrote: shown as one short line. */
const MAX_SHOWN_VALUE_CHARS = 120

interface Results {
  readonly counters: ReadonlyArray<{ readonly name: string; readonly value: number; readonly entries: number; readonly latest: readonly ResultEntry[] }>
  readonly logs: ReadonlyArray<{ readonly name: string; readonly latest: readonly ResultEntry[] }>
}

const NO_RESULTS: Results = { counters: [], logs: [] }

/** SPEC K7: what the space's `doc` operations wrote, counters and logs, with the device that added each entry. */
export function ResultsPanel({ session, deviceNames }: { readonly session: SpaceSession; readonly deviceNames: ReadonlyMap<string, string> }) {
  const { device } = useServices()
  const read = useCallback((doc: Parameters<typeof docResultsOf>[0]): Results => {
    const results = docResultsOf(doc)
    return {
      counters: results.counterNames().map((counter) => ({ ...counter, latest: results.entries('counter', counter.name, SHOWN_ENTRIES) })),
      logs: results.logNames().map((name) => ({ name, latest: results.entries('log', name, SHOWN_ENTRIES) })),
    }
  }, [])
  const results = useDocValue(session.doc, read, NO_RESULTS)
  const sync = useAttachedSync(session)
  // Who added an entry is whose lane wrote it (verified by the signed log), not anything the entry says.
  const addedBy = (entry: ResultEntry): string => {
    const writer = entry.writer === undefined ? undefined : sync?.log.writerOf(entry.writer)
    if (writer === undefined) return 'a device not verified yet'
    return writer === device.did ? 'this device' : (deviceNames.get(writer) ?? `${writer.slice(0, 16)}…${writer.slice(-4)}`)
  }
  if (results.counters.length === 0 && results.logs.length === 0) return null
  return (
    <section className="panel" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      <p className="muted small">What this space’s doc operations have counted and logged, newest last.</p>
      {results.counters.map((counter) => (
        <div key={`counter:${counter.name}`} className="result" role="group" aria-label={`Counter ${counter.name}`}>
          <p>
            <strong>{counter.name}</strong>: <output>{counter.value}</output> <span className="muted small">({counter.entries} increments)</span>
          </p>
          <ul className="small">
            {counter.latest.map((entry) => (
              <li key={entry.occurrence}>
                {formatAmount(entry.value)} by {addedBy(entry)}, occurrence {occurrenceLabel(entry.occurrence)}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {results.logs.map((log) => (
        <div key={`log:${log.name}`} className="result" role="group" aria-label={`Log ${log.name}`}>
          <p>
            <strong>{log.name}</strong>
          </p>
          <ul className="small">
            {log.latest.map((entry) => (
              <li key={entry.occurrence}>
                <code>{formatValue(entry.value)}</code> by {addedBy(entry)}, occurrence {occurrenceLabel(entry.occurrence)}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  )
}

function formatAmount(value: unknown): string {
  return typeof value === 'number' && Number.isSafeInteger(value) ? (value >= 0 ? `+${value}` : String(value)) : 'nothing (not a whole number)'
}

function formatValue(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? 'null'
  } catch {
    text = String(value)
  }
  return text.length > MAX_SHOWN_VALUE_CHARS ? `${text.slice(0, MAX_SHOWN_VALUE_CHARS - 1)}…` : text
}

/** "#3", or "#3 after an edit" once the operation's timing was edited (OP4: a plan is numbered by the edit's time, not a count). */
function occurrenceLabel(occurrence: string): string {
  const { index, plan } = parseOccurrenceId(occurrence)
  return plan > 0 ? `#${index + 1} after an edit` : `#${index + 1}`
}
