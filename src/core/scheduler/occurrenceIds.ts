/**
 * Occurrence ids: `<operation id>#<n>`, the idempotency key of every side
 * effect of an occurrence (SPEC OCC1, G3). A module of their own, without
 * the rule engine, so the kinds that key their writes by them load without it.
 */

export type OccurrenceId = string & { readonly __brand: 'OccurrenceId' }

export function occurrenceId(operationId: string, index: number): OccurrenceId {
  return `${operationId}#${index}` as OccurrenceId
}

/** The operation and index an occurrence id names (see occurrenceId); the index is NaN for an id that does not end in one. */
export function parseOccurrenceId(id: string): { readonly operationId: string; readonly index: number } {
  const separator = id.lastIndexOf('#')
  return { operationId: id.slice(0, separator), index: separator < 0 ? Number.NaN : Number(id.slice(separator + 1)) }
}
