/**
 * The operation editor's "Advanced: RRULE" field: a raw RFC 5545 rule
 * (e.g. FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1) and its first run, for what the
 * schedule box does not read. The rule is checked by operations.ts's own
 * validation, so the editor shows the same messages a save would give,
 * beside the field, before saving.
 */
import { InvalidFields, type FieldProblem } from '../../../core/scheduler/InvalidFields.ts'
import { occurrencesBetween, type Timing } from '../../../core/scheduler/occurrences.ts'
import { validateOperation, type Operation, type OperationId } from '../../../core/scheduler/operations.ts'
import type { SchedulerId } from '../../../core/scheduler/schedulers.ts'
import { instantOf } from '../../../core/scheduler/zonedTime.ts'

export interface AdvancedRuleInput {
  /** As typed, with or without "RRULE:". */
  readonly rrule: string
  /** The first run on this device's wall clock, as an <input type="datetime-local"> gives it ("2027-10-12T09:00"). */
  readonly start: string
}

export type AdvancedTiming = { readonly ok: true; readonly timing: Timing; readonly summary: string } | { readonly ok: false; readonly problems: readonly FieldProblem[] }

/** The fields of an operation this field sets: only their problems are shown beside it. */
const TIMING_FIELDS = /^(dueAt|repeat)/
const PROBE_KIND = 'probe'
/** Everything but the timing, valid, so validateOperation reports the timing's problems alone. */
const PROBE: Omit<Operation, keyof Timing> = {
  id: 'advanced-rule' as OperationId,
  schedulerId: 'advanced-rule' as SchedulerId,
  title: 'Advanced rule',
  kind: PROBE_KIND,
  input: {},
  catchUp: 'skip',
  status: 'active',
  createdBy: 'did:key:advanced-rule',
  createdAt: 0,
}

/** Reads the field into a timing in `timeZone`, or the problems operations.ts finds with it (named by field: dueAt, repeat.rrule, repeat.timeZone). */
export function readAdvancedRule(input: AdvancedRuleInput, timeZone: string, now: number): AdvancedTiming {
  const rrule = input.rrule.trim()
  const dueAt = wallClockInstant(input.start, timeZone)
  if (dueAt === undefined) return { ok: false, problems: [{ field: 'dueAt', message: 'Choose when it first runs (the rule’s start, as DTSTART would give it).' }] }
  const timing: Timing = { dueAt, repeat: { kind: 'rrule', rrule, timeZone } }
  try {
    validateOperation({ ...PROBE, ...timing }, new Set([PROBE_KIND]))
  } catch (error) {
    if (!(error instanceof InvalidFields)) throw error
    return { ok: false, problems: error.problems.filter((problem) => TIMING_FIELDS.test(problem.field)) }
  }
  const [next] = occurrencesBetween('advanced', timing, now, Number.POSITIVE_INFINITY, 1)
  if (!next) return { ok: false, problems: [{ field: 'repeat.rrule', message: 'This rule has no occurrence from now on (its COUNT or UNTIL has passed); change them or the first run.' }] }
  return { ok: true, timing, summary: `RRULE ${rrule}, starting ${input.start.replace('T', ' at ')} (${timeZone})` }
}

/** "2027-10-12T09:00" (seconds optional) on the zone's wall clock as an instant, or undefined when it is not such a value. */
function wallClockInstant(value: string, timeZone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim())
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0))
  const instant = instantOf({ year: year ?? 0, month: month ?? 1, day: day ?? 1, hour: hour ?? 0, minute: minute ?? 0, second: second ?? 0, millisecond: 0 }, timeZone)
  return Number.isFinite(instant) ? instant : undefined
}
