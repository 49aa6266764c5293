/**
 * What was wrong with a scheduler or operation someone tried to save: every
 * problem at once, each naming its field, what is wrong and what would be
 * accepted (SPEC SCH1, OP3), so a form can put each message beside its field.
 */
export interface FieldProblem {
  readonly field: string
  /** A sentence a person can act on. */
  readonly message: string
}

export class InvalidFields extends Error {
  constructor(
    /** "scheduler" or "operation": what was being saved. */
    readonly subject: string,
    readonly problems: readonly FieldProblem[],
  ) {
    super(`This ${subject} was not saved: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join(' ')}`)
    this.name = 'InvalidFields'
  }
}

/** Collects problems field by field; `done` throws them all, or returns when there were none. */
export class FieldChecks {
  private readonly problems: FieldProblem[] = []

  constructor(private readonly subject: string) {}

  fail(field: string, message: string): void {
    this.problems.push({ field, message })
  }

  /** A whole number within [min, max]; `describe` says what the number is, for the message. */
  wholeNumber(field: string, value: unknown, min: number, max: number, describe: string): value is number {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return true
    this.fail(field, `${describe} must be a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}; got ${String(value)}.`)
    return false
  }

  text(field: string, value: unknown, maxLength: number, describe: string): value is string {
    if (typeof value === 'string' && value.trim().length > 0 && value.length <= maxLength) return true
    this.fail(field, `${describe} must be text of 1 to ${maxLength} characters.`)
    return false
  }

  done(): void {
    if (this.problems.length > 0) throw new InvalidFields(this.subject, this.problems)
  }
}
