import { useEffect, useMemo } from 'react'
import type * as Y from 'yjs'
import { agendaEvents, upcomingOccurrences, type AgendaItem } from '../../../core/scheduler/agenda.ts'
import { agendaToICalendar } from '../../../core/scheduler/icalendar.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import type { SpaceId } from '../../../core/space/ids.ts'
import { useAllSpaces, type ListedSpace } from '../../hooks/useAllSpaces.ts'
import { saveFile } from '../../components/saveFile.ts'
import { useKinds } from '../../hooks/useKinds.ts'
import { useNow } from '../../hooks/useNow.ts'
import { hrefFor } from '../../route.ts'
import { useServices } from '../../services.ts'
import { scheduleView } from '../schedule/useSchedule.ts'
import './agenda.css'

/** How far ahead the agenda looks: a month of plans, which is what a calendar export is for. */
const HORIZON_MS = 30 * 24 * 60 * 60 * 1000
/** Rows shown (and exported): a page of them stays quick to render, however fast an operation repeats. */
const LIMIT = 200
/** Times are shown to the minute, so the list moves on once a minute. */
const REFRESH_MS = 60_000
export function AgendaPage() {
  const { spaces, loading } = useAllSpaces()
  const views = useScheduleViews(spaces)
  const now = useNow(REFRESH_MS)
  // Recomputed after any change to any space's doc: `spaces` is a new array then.
  const items = useMemo(
    () =>
      views
        ? upcomingOccurrences(
            spaces.map((space) => ({ spaceId: space.id, spaceName: space.name, schedule: views.of(space.session.doc) })),
            { from: now, to: now + HORIZON_MS },
            LIMIT,
          )
        : [],
    [spaces, views, now],
  )
  const days = useMemo(() => groupByDay(items), [items])

  return (
    <section className="panel agenda" aria-labelledby="agenda-heading">
      <div className="agenda-header">
        <h1 id="agenda-heading">Agenda</h1>
        <button type="button" onClick={() => downloadICalendar(items)}>
          Export .ics
        </button>
      </div>
      <p className="muted">What your spaces plan to run in the next 30 days{items.length === LIMIT ? ` (the first ${LIMIT})` : ''}.</p>
      {items.length === 0 ? (
        <p className="muted">
          {loading || !views ? 'Loading your spaces…' : 'Nothing planned. To add an operation, open a space and use its Schedule tab.'}
        </p>
      ) : (
        days.map((day) => (
          <section key={day.key} className="agenda-day" aria-labelledby={`agenda-day-${day.key}`}>
            <h2 id={`agenda-day-${day.key}`}>{day.label}</h2>
            <ul className="agenda-list" aria-label={day.label}>
              {day.items.map((item) => (
                <AgendaRow key={`${item.spaceId} ${item.occurrenceId}`} item={item} />
              ))}
            </ul>
          </section>
        ))
      )}
    </section>
  )
}

function AgendaRow({ item }: { readonly item: AgendaItem }) {
  return (
    <li className="agenda-row">
      <time className="agenda-time" dateTime={new Date(item.dueAt).toISOString()}>
        {timeFormat.format(item.dueAt)}
      </time>
      <span className="agenda-title">{item.title}</span>
      <a className="agenda-space" href={hrefFor({ page: 'space', id: item.spaceId as SpaceId })}>
        {item.spaceName || 'Unnamed space'}
      </a>
      <span className="agenda-kind muted">{item.kind}</span>
    </li>
  )
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })

interface Day {
  /** The local date, `YYYY-MM-DD`: a stable React key and element id. */
  readonly key: string
  readonly label: string
  readonly items: AgendaItem[]
}

/** Items (in due order) by local calendar day. */
function groupByDay(items: readonly AgendaItem[]): Day[] {
  const days: Day[] = []
  for (const item of items) {
    const date = new Date(item.dueAt)
    const key = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`
    const last = days.at(-1)
    if (last?.key === key) last.items.push(item)
    else days.push({ key, label: dayFormat.format(date), items: [item] })
  }
  return days
}

/**
 * The page's own read-only view of each space's schedule, made on first use
 * and destroyed once its space is no longer held or the page goes: a
 * SpaceSchedule observes its doc until destroyed, so views made per render,
 * or kept after the page, would pile up observers on every open space.
 */
class ScheduleViews {
  private readonly views = new Map<Y.Doc, SpaceSchedule>()

  constructor(private readonly make: (doc: Y.Doc) => SpaceSchedule) {}

  of(doc: Y.Doc): SpaceSchedule {
    let view = this.views.get(doc)
    if (!view) {
      view = this.make(doc)
      this.views.set(doc, view)
    }
    return view
  }

  keepOnly(docs: ReadonlySet<Y.Doc>): void {
    for (const [doc, view] of this.views) {
      if (docs.has(doc)) continue
      view.destroy()
      this.views.delete(doc)
    }
  }

  destroy(): void {
    this.keepOnly(new Set())
  }
}

/** Schedule views of the given spaces, for as long as the caller is mounted. */
function useScheduleViews(spaces: readonly ListedSpace[]): ScheduleViews | undefined {
  const { device } = useServices()
  const kinds = useKinds()
  const views = useMemo(() => kinds && new ScheduleViews((doc) => scheduleView(doc, kinds, device.did)), [kinds, device.did])
  useEffect(() => views?.keepOnly(new Set(spaces.map((space) => space.session.doc))), [views, spaces])
  // After an unmount (or React's StrictMode rehearsal of one), views are made afresh on the next use.
  useEffect(() => () => views?.destroy(), [views])
  return views
}

function downloadICalendar(items: readonly AgendaItem[]): void {
  saveFile(new Blob([agendaToICalendar(agendaEvents(items), { now: Date.now() })], { type: 'text/calendar' }), 'pii-agenda.ics')
}
