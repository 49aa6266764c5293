import { defineConfig } from '@playwright/test'
import { launchOptions } from './chromium.ts'

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  fullyParallel: true,
  // Two cores: one browser per core keeps timings realistic.
  workers: 2,
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
