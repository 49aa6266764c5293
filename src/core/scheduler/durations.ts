/**
 * Intervals as people write and read them ("500 ms", "1.5 s", "2 min",
 * "10 y"): the schedulers panel shows and takes a scheduler's frequency this
 * way, not as a raw count of milliseconds.
 */

const UNITS: ReadonlyArray<readonly [ms: number, names: readonly string[], short: string]> = [
  [365.25 * 24 * 60 * 60_000, ['y', 'yr', 'yrs', 'year', 'years'], 'y'],
  [7 * 24 * 60 * 60_000, ['w', 'wk', 'wks', 'week', 'weeks'], 'w'],
  [24 * 60 * 60_000, ['d', 'day', 'days'], 'd'],
  [60 * 60_000, ['h', 'hr', 'hrs', 'hour', 'hours'], 'h'],
  [60_000, ['m', 'min', 'mins', 'minute', 'minutes'], 'min'],
  [1_000, ['s', 'sec', 'secs', 'second', 'seconds'], 's'],
  [1, ['ms', 'millisecond', 'milliseconds'], 'ms'],
]

/** "2 min" → 120000; a bare number is ms; undefined for anything else. The result is rounded to whole ms. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  if (!match) return undefined
  const amount = Number(match[1])
  const name = match[2]!.toLowerCase()
  const unit = name === '' ? 1 : UNITS.find(([, names]) => names.includes(name))?.[0]
  return unit === undefined ? undefined : Math.round(amount * unit)
}

/** 120000 → "2 min"; the largest unit that divides it exactly, so a value shown can be typed back unchanged. */
export function formatDuration(ms: number): string {
  for (const [unit, , short] of UNITS) {
    if (ms >= unit && ms % unit === 0) return `${ms / unit} ${short}`
  }
  return `${ms} ms`
}
