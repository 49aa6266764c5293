/**
 * Ends the run with one plain line, "e2e: N passed, N failed[, N skipped]",
 * which CI reads as the suite's verdict whatever reporter prints above it.
 * Before it, each failed test's page snapshot and console: CI keeps only
 * the printed log, so a rare failure must explain itself there.
 */
import { readFileSync } from 'node:fs'
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/** Enough for a page's outline and the last seconds of its console, not a flood. */
const MAX_ATTACHMENT_CHARS = 6_000

export default class SummaryReporter implements Reporter {
  private readonly outcomes = new Map<string, TestResult['status']>()

  onTestEnd(test: TestCase, result: TestResult): void {
    // Retries report the same test again; its last result is the verdict.
    this.outcomes.set(test.id, result.status)
    if (result.status === test.expectedStatus) return
    for (const attachment of result.attachments) {
      if (attachment.name !== 'error-context' && attachment.name !== 'console') continue
      const text = attachment.body?.toString('utf8') ?? (attachment.path ? readFileSync(attachment.path, 'utf8') : '')
      const shown = text.length > MAX_ATTACHMENT_CHARS ? `…${text.slice(-MAX_ATTACHMENT_CHARS)}` : text
      console.log(`\n--- ${test.title}: ${attachment.name} ---\n${shown}\n--- end of ${attachment.name} ---`)
    }
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
