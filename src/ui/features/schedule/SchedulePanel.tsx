import { useEffect, useMemo } from 'react'
import type { Scheduler } from '../../../core/scheduler/schedulers.ts'
import type { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { useSpaceSync } from '../../hooks/useSpaceSync.ts'
import { OperationEditor } from './OperationEditor.tsx'
import { OperationList } from './OperationList.tsx'
import { ResultsPanel } from './ResultsPanel.tsx'
import { SchedulersPanel } from './SchedulersPanel.tsx'
import { useHostStats, useScheduleValue, useSpaceSchedule } from './useSchedule.ts'
import { useKinds } from '../../hooks/useKinds.ts'
import type { HostKind } from '../../../core/scheduler/kinds.ts'
import './schedule.css'
import { memberLabels } from '../../components/memberNames.ts'
import { useMembership } from '../../hooks/useMembership.ts'

const readSchedulers = (schedule: SpaceSchedule): Scheduler[] => schedule.schedulers().sort((a, b) => a.everyMs - b.everyMs || a.name.localeCompare(b.name))
const NO_SCHEDULERS: Scheduler[] = []

/** A space's Schedule tab: its schedulers, a new operation, and the operations with their history. */
export function SchedulePanel({ session }: { readonly session: SpaceSession }) {
  const schedule = useSpaceSchedule(session)
  const schedulers = useScheduleValue(session, schedule, readSchedulers, NO_SCHEDULERS)
  const { status, sync } = useSpaceSync(session)
  const membership = useMembership(sync)
  // Members by the name the membership log gives them; a device in the room that is no member, by what its presence says.
  const deviceNames = useMemo(() => new Map([...(status?.peers.map((peer) => [peer.device, peer.name] as const) ?? []), ...memberLabels(membership)]), [status, membership])
  const host = useHostStats(session.id)
  const kinds = useKinds()
  // H7: what the devices awake now can run: this device's host (when it runs) and every peer in the room.
  const awakeKinds = useMemo(() => {
    const awake = new Set<string>(host && kinds ? kinds.runnableOn(host.host as HostKind) : [])
    for (const peer of status?.peers ?? []) for (const kind of peer.kinds) awake.add(kind)
    return awake
  }, [host, kinds, status])

  // SCH4: a space gets its default schedulers the first time its schedule is looked at (fixed ids: two devices doing it at once agree).
  useEffect(() => schedule?.ensureDefaultSchedulers(), [schedule])

  if (!schedule) return null
  return (
    <div className="schedule">
      <OperationEditor schedule={schedule} schedulers={schedulers} />
      <OperationList session={session} schedule={schedule} schedulers={schedulers} deviceNames={deviceNames} awakeKinds={awakeKinds} />
      <ResultsPanel session={session} deviceNames={deviceNames} />
      <SchedulersPanel session={session} schedule={schedule} schedulers={schedulers} />
    </div>
  )
}
