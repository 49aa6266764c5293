/**
 * Which Chromium the tests and benchmarks drive: Debian's by default,
 * PII_CHROMIUM to use another (e.g. Playwright's own). Never downloads one.
 */
import { existsSync } from 'node:fs'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export function chromiumPath(): string {
  const path = process.env.PII_CHROMIUM || '/usr/bin/chromium'
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium found at ${path}. Install one (on Debian: sudo apt-get install -y chromium) ` +
        'or point PII_CHROMIUM at a Chromium or Chrome binary.',
    )
  }
  return path
}

export function launchOptions() {
  return { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true }
}
