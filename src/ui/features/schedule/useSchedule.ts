import { useCallback, useEffect, useState, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import type { KindRegistry } from '../../../core/scheduler/kinds.ts'
import type { SchedulerStats } from '../../../core/scheduler/SchedulerHost.ts'
import { SpaceSchedule } from '../../../core/scheduler/SpaceSchedule.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useKinds } from '../../hooks/useKinds.ts'
import { useServices } from '../../services.ts'

/**
 * A view of the space's schedule for reading and editing, alive while the
 * calling component is mounted. The device's host runs the schedule
 * elsewhere (the service worker or another tab); this instance only reads
 * the tables and writes what the person changes.
 */
/** A view of a space's schedule: it reads, and leaves progress marks to the host (see SpaceScheduleOptions.recordsProgress). */
export function scheduleView(doc: Y.Doc, kinds: KindRegistry, device: string): SpaceSchedule {
  return new SpaceSchedule({ doc, kinds, now: Date.now, actor: device, newId: () => crypto.randomUUID(), recordsProgress: false })
}

export function useSpaceSchedule(session: SpaceSession): SpaceSchedule | undefined {
  const { device } = useServices()
  const kinds = useKinds()
  const [schedule, setSchedule] = useState<SpaceSchedule | undefined>(undefined)
  useEffect(() => {
    if (!kinds) return
    const created = scheduleView(session.doc, kinds, device.did)
    setSchedule(created)
    return () => {
      created.destroy()
      setSchedule(undefined)
    }
  }, [session.doc, kinds, device.did])
  return schedule
}

/** Reads from the schedule, again whenever the space's doc changes. */
export function useScheduleValue<T>(session: SpaceSession, schedule: SpaceSchedule | undefined, read: (schedule: SpaceSchedule) => T, fallback: T): T {
  const readDoc = useCallback(() => (schedule ? read(schedule) : fallback), [schedule, read, fallback])
  return useDocValue(session.doc, readDoc, fallback)
}

/** The device host's figures for this space's schedulers, and how far its room time is from this device's clock (CL7), as last published. */
export function useHostStats(space: string): { readonly host: string; readonly stats: Record<string, SchedulerStats>; readonly clockCorrectionMs: number } | undefined {
  const { hostStats } = useServices()
  const message = useSyncExternalStore(hostStats.subscribe, hostStats.current)
  const stats = message?.spaces[space]
  return message && stats ? { host: message.host, stats, clockCorrectionMs: message.clockCorrections?.[space] ?? 0 } : undefined
}
