import { useEffect, useMemo } from 'react'
import type { Scheduler } from '../../../core/scheduler/schedulers.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { useSpaceSync } from '../../hooks/useSpaceSync.ts'
import { OperationEditor } from './OperationEditor.tsx'
import { OperationList } from './OperationList.tsx'
import { ResultsPanel } from './ResultsPanel.tsx'
import { SchedulersPanel } from './SchedulersPanel.tsx'
import { useScheduleValue, useSpaceSchedule } from './useSchedule.ts'
import './schedule.css'

const readSchedulers = (schedule: SpaceSchedule): Scheduler[] => schedule.schedulers().sort((a, b) => a.everyMs - b.everyMs || a.name.localeCompare(b.name))
const NO_SCHEDULERS: Scheduler[] = []

/** A space's Schedule tab: its schedulers, a new operation, and the operations with their history. */
export function SchedulePanel({ session }: { readonly session: SpaceSession }) {
  const schedule = useSpaceSchedule(session)
  const schedulers = useScheduleValue(session, schedule, readSchedulers, NO_SCHEDULERS)
  const { status } = useSpaceSync(session)
  const deviceNames = useMemo(() => new Map(status?.peers.map((peer) => [peer.device, peer.name]) ?? []), [status])

  // SCH4: a space gets its default schedulers the first time its schedule is looked at (fixed ids: two devices doing it at once agree).
  useEffect(() => schedule?.ensureDefaultSchedulers(), [schedule])

  if (!schedule) return null
  return (
    <div className="schedule">
      <OperationEditor schedule={schedule} schedulers={schedulers} />
      <OperationList session={session} schedule={schedule} schedulers={schedulers} deviceNames={deviceNames} />
      <ResultsPanel session={session} deviceNames={deviceNames} />
      <SchedulersPanel session={session} schedule={schedule} schedulers={schedulers} />
    </div>
  )
}
