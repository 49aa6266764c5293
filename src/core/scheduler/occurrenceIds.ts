/**
 * Occurrence ids: `<operation id>#<n>` for an operation's first plan, and
 * `<operation id>@<plan>#<n>` once its timing was edited (SPEC OCC1, OP4):
 * the idempotency key of every side effect of an occurrence (G3). The plan
 * is part of the id, so no run of an earlier plan can mark an occurrence of
 * the new one done. A module of its own, without the rule engine, so the
 * kinds that key their writes by them load without it.
 */

export type OccurrenceId = string & { readonly __brand: 'OccurrenceId' }

/** The series a plan's occurrences are numbered in: the operation id for its first plan (as before plans existed), `<id>@<plan>` after. */
export function seriesOf(operation: { readonly id: string; readonly plan?: number }): string {
  return operation.plan === undefined || operation.plan === 0 ? operation.id : `${operation.id}@${operation.plan}`
}

export function occurrenceId(series: string, index: number): OccurrenceId {
  return `${series}#${index}` as OccurrenceId
}

export interface ParsedOccurrenceId {
  readonly operationId: string
  /** 0 for the operation's first plan. */
  readonly plan: number
  /** What occurrenceId was given: the operation id, with its plan after the first (seriesOf). */
  readonly series: string
  /** NaN for an id that does not end in one. */
  readonly index: number
}

/** The operation, plan and index an occurrence id names (see occurrenceId). */
export function parseOccurrenceId(id: string): ParsedOccurrenceId {
  const separator = id.lastIndexOf('#')
  const series = id.slice(0, separator)
  const index = separator < 0 ? Number.NaN : Number(id.slice(separator + 1))
  const at = series.lastIndexOf('@')
  const plan = at < 0 ? Number.NaN : Number(series.slice(at + 1))
  // Only a whole plan number after the '@' is one: an id from elsewhere may hold an '@' of its own.
  if (at > 0 && Number.isSafeInteger(plan) && plan > 0 && String(plan) === series.slice(at + 1)) return { operationId: series.slice(0, at), plan, series, index }
  return { operationId: series, plan: 0, series, index }
}
