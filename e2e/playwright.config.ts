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
    // No screencast: it doubled the time of the longest tests on this 2-core machine; a failure's trace keeps its DOM snapshots.
    trace: { mode: 'retain-on-failure', screenshots: false },
  },
})
