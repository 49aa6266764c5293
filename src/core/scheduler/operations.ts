/**
 * Operations: planned work in a space's operations table, the scheduler's
 * source of truth (SPEC OP1–OP5). This module owns their shape and the
 * checks an operation passes before it is saved.
 */
import { RRule } from './rrule.ts'
import { FieldChecks, type FieldProblem } from './InvalidFields.ts'
import { checkExceptions } from './occurrenceExceptions.ts'
import { hasDayFilter, parseRule, ruleOccurs, type Repeat, type Timing } from './occurrences.ts'
import { LATEST_TIME, MAX_EVERY_MS, MIN_EVERY_MS, type SchedulerId } from './schedulers.ts'
import { isTimeZone } from './zonedTime.ts'

export type OperationId = string & { readonly __brand: 'OperationId' }

export const CatchUp = { skip: 'skip', latest: 'latest', all: 'all' } as const
export type CatchUp = (typeof CatchUp)[keyof typeof CatchUp]

export const OperationStatus = { active: 'active', paused: 'paused', cancelled: 'cancelled' } as const
export type OperationStatus = (typeof OperationStatus)[keyof typeof OperationStatus]

export interface Operation extends Timing {
  readonly id: OperationId
  readonly schedulerId: SchedulerId
  readonly title: string
  /** Which registered kind runs it (notify, http, doc, backup…). */
  readonly kind: string
  /** The kind's input, as JSON. */
  readonly input: unknown
  readonly catchUp: CatchUp
  readonly status: OperationStatus
  /** The creator's did:key. */
  readonly createdBy: string
  readonly createdAt: number
  readonly cancelledAt?: number
  readonly cancelledBy?: string
  /**
   * Which plan the timing is (OP4): absent or 0 for the first; at each edit
   * of the timing, the edit's time in ms (or one more than the plan before,
   * if that is later), so concurrent edits make distinct plans. Its
   * occurrences are numbered afresh, under ids that carry it
   * (occurrenceIds.ts seriesOf).
   */
  readonly plan?: number
  /** When the plan began (the edit): its occurrences due before this are not part of it. */
  readonly planFrom?: number
}

/** What a person or an import gives to plan an operation; the schedule adds the rest (SpaceSchedule.createOperation). */
export type NewOperation = Omit<Operation, 'id' | 'status' | 'createdBy' | 'createdAt' | 'cancelledAt' | 'cancelledBy'>

/** An operation's title, at most (a notification's title is shorter still: notifyKind). */
export const MAX_TITLE_CHARS = 500
const MAX_ID_CHARS = 200
/** An id with these would be read back wrongly from an occurrence id (`<id>@<plan>#<n>`) or a table key (`<occurrence>\n<peer>`). */
const ID_SEPARATORS = /[@#\n]/u
/** A rule finer than an hour would be expanded occurrence by occurrence from its start; `every` covers that, in O(1). */
const FINEST_RULE_FREQUENCY = RRule.HOURLY

function checkRepeat(checks: FieldChecks, repeat: Repeat | undefined, dueAt: unknown): void {
  if (typeof repeat !== 'object' || repeat === null) return checks.fail('repeat', 'Repeat must be none, every N ms, or an RRULE with a time zone.')
  if (repeat.kind === 'none') return
  if (repeat.kind === 'every') {
    checks.wholeNumber('repeat.everyMs', repeat.everyMs, MIN_EVERY_MS, MAX_EVERY_MS, 'The repeat interval in ms (100 ms to 10 years)')
    return
  }
  if (repeat.kind !== 'rrule') return checks.fail('repeat', 'Repeat must be none, every N ms, or an RRULE with a time zone.')
  if (typeof repeat.timeZone !== 'string' || !isTimeZone(repeat.timeZone)) {
    checks.fail('repeat.timeZone', `"${String(repeat.timeZone)}" is not a time zone this device knows; use an IANA name such as Europe/Paris.`)
  }
  try {
    if (typeof repeat.rrule !== 'string' || /DTSTART|TZID/i.test(repeat.rrule)) throw new Error('only the rule')
    const rule = parseRule(repeat.rrule)
    if (rule.freq === undefined) throw new Error('no FREQ')
    if (rule.freq > FINEST_RULE_FREQUENCY) {
      checks.fail('repeat.rrule', 'A rule repeats at most hourly; for shorter intervals repeat every N ms instead.')
    } else if (rule.freq > RRule.MONTHLY && rule.bysetpos !== undefined && rule.bysetpos !== null) {
      checks.fail('repeat.rrule', 'BYSETPOS needs a monthly or yearly rule (e.g. FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1 for the last Monday).')
    } else if (rule.freq > RRule.MONTHLY && (rule.interval ?? 1) > 1 && (rule.freq === RRule.WEEKLY ? hasDayFilter({ ...rule, byweekday: null }) : hasDayFilter(rule))) {
      checks.fail('repeat.rrule', 'A weekly, daily or hourly rule with an INTERVAL cannot also pick dates (they drift against its periods); use a monthly or yearly rule, or a weekly one by weekday, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU.')
    } else if (typeof dueAt === 'number' && Number.isSafeInteger(dueAt) && isTimeZone(repeat.timeZone) && !ruleOccurs({ dueAt, repeat })) {
      checks.fail('repeat.rrule', `"${repeat.rrule}" never happens (like February 30th); check its BYMONTH, BYMONTHDAY and INTERVAL.`)
    }
  } catch {
    checks.fail('repeat.rrule', `"${String(repeat.rrule)}" is not an RFC 5545 RRULE; write e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU (the start is the due time, not DTSTART).`)
  }
}

/**
 * Checks an operation as someone wants to save it; throws InvalidFields
 * naming every bad field (OP3), including its input as its kind reads it
 * (`checkInput`, from the KindRegistry).
 */
export function validateOperation(input: Operation, knownKinds: ReadonlySet<string>, checkInput?: (kind: string, input: unknown) => readonly FieldProblem[]): Operation {
  const checks = new FieldChecks('operation')
  if (typeof input.id !== 'string' || input.id.length === 0 || input.id.length > MAX_ID_CHARS || ID_SEPARATORS.test(input.id)) {
    checks.fail('id', `An operation id is 1 to ${MAX_ID_CHARS} characters without @, # or line breaks.`)
  }
  if (input.plan !== undefined) checks.wholeNumber('plan', input.plan, 0, Number.MAX_SAFE_INTEGER, 'The plan number')
  if (input.planFrom !== undefined) checks.wholeNumber('planFrom', input.planFrom, 0, LATEST_TIME, 'When the plan began (ms since 1970)')
  for (const problem of checkInput?.(input.kind, input.input) ?? []) checks.fail(problem.field, problem.message)
  checks.text('title', input.title, MAX_TITLE_CHARS, 'The title')
  if (typeof input.schedulerId !== 'string' || input.schedulerId.length === 0) checks.fail('schedulerId', 'Choose the scheduler that runs it.')
  if (!knownKinds.has(input.kind)) checks.fail('kind', `"${String(input.kind)}" is not a kind this space can run; choose one of ${[...knownKinds].join(', ')}.`)
  checks.wholeNumber('dueAt', input.dueAt, 0, LATEST_TIME, 'The due time (ms since 1970)')
  checkRepeat(checks, input.repeat, input.dueAt)
  if (input.times !== undefined) checks.wholeNumber('times', input.times, 1, Number.MAX_SAFE_INTEGER, 'How many times')
  if (input.until !== undefined && checks.wholeNumber('until', input.until, 0, LATEST_TIME, 'Until (ms since 1970)') && input.until < input.dueAt) {
    checks.fail('until', 'Until is before the first due time, so it would never run; move it later or remove it.')
  }
  checkExceptions(checks, input.exceptions)
  if (!Object.values(CatchUp).includes(input.catchUp)) checks.fail('catchUp', 'Catch-up must be skip, latest or all.')
  if (!Object.values(OperationStatus).includes(input.status)) checks.fail('status', 'Status must be active, paused or cancelled.')
  if (input.status === OperationStatus.cancelled && (input.cancelledAt === undefined || input.cancelledBy === undefined)) {
    checks.fail('cancelledAt', 'A cancelled operation records when and by whom.')
  }
  if (typeof input.createdBy !== 'string' || !input.createdBy.startsWith('did:key:')) checks.fail('createdBy', 'The creator is a did:key.')
  try {
    JSON.stringify(input.input)
  } catch {
    checks.fail('input', 'The input must be plain JSON.')
  }
  checks.done()
  return input
}
