/**
 * The figures a device's scheduler host publishes for the schedulers panel
 * of every tab (it runs in the service worker or in one elected tab, so the
 * tabs learn them by message). The message crosses a context boundary, so
 * it is checked before it is shown.
 */
import type { SchedulerStats } from './SchedulerHost.ts'

/** The BroadcastChannel the host publishes on. */
export const HOST_STATS_CHANNEL = 'pii-scheduler-stats'

export interface HostStatsMessage {
  readonly type: 'scheduler-stats'
  /** Which context hosts: 'service-worker', 'page' or 'node'. */
  readonly host: string
  /** By space id, then scheduler id. */
  readonly spaces: Record<string, Record<string, SchedulerStats>>
  /** By space id: how far the room time its schedule runs on is from this device's clock, ms (roomClock.ts, CL7). */
  readonly clockCorrections?: Record<string, number>
}

const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0

function isLateness(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const { samples, p50Ms, p99Ms, maxMs } = value as Record<string, unknown>
  return isCount(samples) && typeof p50Ms === 'number' && typeof p99Ms === 'number' && typeof maxMs === 'number'
}

function isStats(value: unknown): value is SchedulerStats {
  if (typeof value !== 'object' || value === null) return false
  const stats = value as Record<string, unknown>
  return (
    (stats.lastTickAt === undefined || isCount(stats.lastTickAt)) &&
    isLateness(stats.tickLate) &&
    isCount(stats.lagMs) &&
    isCount(stats.queueLength) &&
    isCount(stats.started) &&
    isCount(stats.skipped)
  )
}

export function isHostStatsMessage(data: unknown): data is HostStatsMessage {
  if (typeof data !== 'object' || data === null) return false
  const message = data as Record<string, unknown>
  if (message.type !== 'scheduler-stats' || typeof message.host !== 'string' || typeof message.spaces !== 'object' || message.spaces === null) return false
  const corrections = message.clockCorrections
  if (corrections !== undefined && (typeof corrections !== 'object' || corrections === null || !Object.values(corrections).every((value) => typeof value === 'number' && Number.isFinite(value)))) return false
  return Object.values(message.spaces as Record<string, unknown>).every((schedulers) => typeof schedulers === 'object' && schedulers !== null && Object.values(schedulers as Record<string, unknown>).every(isStats))
}
