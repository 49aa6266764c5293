/**
 * The `doc` kind: a deterministic change to the space, the game-tick and
 * chess-clock case. Two actions, both keyed by the occurrence id, so running
 * an occurrence twice (after a partition, G2) changes nothing the second
 * time (G3):
 *   increment — adds `by` to a named counter: one entry per occurrence, and
 *               the counter's value is their sum;
 *   append    — adds `value` to a named log under the occurrence id; the
 *               log reads in occurrence order.
 * Increments sit in chunks that retention folds into totals, log entries
 * flat in one top-level map (`<name>\n<occurrence>`): a nested map per name
 * would be made by two peers at once now and then, and one of the two would
 * be lost with everything written into it. Both are written and read
 * through docResults.ts.
 */
import { HostKind, inputError, type Kind, type KindContext } from './kinds.ts'
import type { FieldProblem } from './InvalidFields.ts'
import { docResultsOf, LOGS } from './docResults.ts'
import type { OccurrenceId } from './occurrenceIds.ts'

const MAX_NAME_CHARS = 100
/** A log entry's value, as JSON, at most this long: a log is for small facts, not files. */
const MAX_VALUE_CHARS = 10_000

export type DocInput = { readonly action: 'increment'; readonly counter: string; readonly by: number } | { readonly action: 'append'; readonly log: string; readonly value: unknown }

function checkName(problems: FieldProblem[], field: string, value: unknown): void {
  // One line: a line break separates the name from the occurrence where entries are kept.
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME_CHARS || value.includes('\n')) problems.push({ field, message: `The name must be one line of 1 to ${MAX_NAME_CHARS} characters.` })
}

function checkDocInput(input: unknown): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (typeof input !== 'object' || input === null) return [{ field: 'input', message: 'A doc operation needs an action: increment a counter or append to a log.' }]
  const fields = input as Record<string, unknown>
  if (fields.action === 'increment') {
    checkName(problems, 'input.counter', fields.counter)
    if (typeof fields.by !== 'number' || !Number.isSafeInteger(fields.by)) problems.push({ field: 'input.by', message: 'Increment by a whole number (negative counts down).' })
  } else if (fields.action === 'append') {
    checkName(problems, 'input.log', fields.log)
    let text: string | undefined
    try {
      text = JSON.stringify(fields.value)
    } catch {
      text = undefined
    }
    if (text === undefined || text.length > MAX_VALUE_CHARS) problems.push({ field: 'input.value', message: `The value must be JSON of at most ${MAX_VALUE_CHARS.toLocaleString('en')} characters.` })
  } else {
    problems.push({ field: 'input.action', message: 'The action must be increment or append.' })
  }
  return problems
}

const entryKey = (name: string, occurrence: string): string => `${name}\n${occurrence}`

export const docKind: Kind = {
  name: 'doc',
  runsOn: [HostKind.page, HostKind.serviceWorker, HostKind.node],
  checkInput: checkDocInput,
  execute(input: unknown, context: KindContext): Promise<void> {
    const invalid = inputError(checkDocInput(input))
    if (invalid) return Promise.reject(invalid)
    const change = input as DocInput
    if (change.action === 'increment') docResultsOf(context.doc).increment(change.counter, context.idempotencyKey as OccurrenceId, change.by)
    else context.doc.getMap(LOGS).set(entryKey(change.log, context.idempotencyKey), change.value)
    return Promise.resolve()
  },
}
