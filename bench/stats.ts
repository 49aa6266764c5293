/** The summary statistics every benchmark reports, computed one way for all of them. */

function ascending(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => a - b)
}

export function median(values: ArrayLike<number>): number {
  const ordered = ascending(values)
  const middle = Math.floor(ordered.length / 2)
  if (ordered.length === 0) return Number.NaN
  return ordered.length % 2 === 1 ? (ordered[middle] ?? Number.NaN) : ((ordered[middle - 1] ?? 0) + (ordered[middle] ?? 0)) / 2
}

/** Nearest-rank percentile: always an observed value, never an interpolation between two. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const ordered = ascending(values)
  return ordered[Math.max(0, Math.ceil((p / 100) * ordered.length) - 1)] ?? Number.NaN
}
