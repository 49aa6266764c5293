/**
 * Ends the run with one plain line, "e2e: N passed, N failed[, N skipped]",
 * which CI reads as the suite's verdict whatever reporter prints above it.
 */
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter'

export default class SummaryReporter implements Reporter {
  private readonly outcomes = new Map<string, TestResult['status']>()

  onTestEnd(test: TestCase, result: TestResult): void {
    // Retries report the same test again; its last result is the verdict.
    this.outcomes.set(test.id, result.status)
  }

  onEnd(_result: FullResult): void {
    const statuses = [...this.outcomes.values()]
    const passed = statuses.filter((status) => status === 'passed').length
    const skipped = statuses.filter((status) => status === 'skipped').length
    const failed = statuses.length - passed - skipped
    console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
  }

  printsToStdio(): boolean {
    return false
  }
}
