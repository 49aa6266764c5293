import { useUi } from '../../hooks/useUi.ts'

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`
}

export function StorageMeter() {
  const estimate = useUi((state) => state.storageEstimate)
  const unavailable = useUi((state) => state.storageUnavailable)
  if (unavailable !== undefined) return <span className="storage-meter warning">Not saving</span>
  if (!estimate) return null
  return (
    <span
      className="storage-meter"
      data-testid="storage-meter"
      title={
        estimate.persisted
          ? 'Storage is persistent: the browser will not clear it to make room.'
          : 'The browser may clear this storage when the device runs low on space.'
      }
    >
      {formatBytes(estimate.usageBytes)} of {formatBytes(estimate.quotaBytes)} used · {estimate.persisted ? 'persistent' : 'best effort'}
    </span>
  )
}
