import { defineConfig } from '@playwright/test'
import { launchOptions } from './chromium.ts'

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  fullyParallel: true,
  // Three at a time on two cores: the tests mostly wait on browsers, timers and the network (7.8 min with two workers,
  // 6.7 with three); every test's timeout leaves room for a busy machine.
  workers: 3,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // A focused test left in would silently skip the rest of the suite, on CI and locally alike.
  forbidOnly: true,
  reporter: [['list'], ['./summaryReporter.ts']],
  outputDir: '../test-results',
  use: {
    browserName: 'chromium',
    launchOptions: launchOptions(),
    // No trace unless asked for (PII_E2E_TRACE=1): recording every action's DOM snapshot cost the suite about 15% of its
    // time on this 2-core machine, where the suite is bound by CPU, and a CI failure shows only its printed log (the
    // error context, the page's and the worker's console; see summaryReporter) anyway. No screencast either: it doubled
    // the time of the longest tests.
    trace: process.env.PII_E2E_TRACE === '1' ? { mode: 'retain-on-failure', screenshots: false } : 'off',
  },
})
