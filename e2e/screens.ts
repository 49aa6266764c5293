/**
 * The README's screenshots, made by the e2e run so they never go stale.
 *
 * A screen is rewritten in docs/screens/ only when what it shows changed:
 * its structure (elements and classes), its styles, or its words, with the
 * words that differ on every run (numbers, dates, a new device's id, the
 * storage meter) left out. Its fingerprint is kept beside the pictures. So a run that changed
 * no screen leaves the working tree clean, and one that changed a screen
 * leaves the new picture to commit with the change. Pixels would not do:
 * a new device id moves more of them than a button taken out of a row.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'

const SCREENS_DIR = join(fileURLToPath(new URL('..', import.meta.url)), 'docs/screens')
const FINGERPRINTS = join(SCREENS_DIR, 'fingerprints.json')

export async function saveScreen(page: Page, name: string): Promise<void> {
  const fingerprint = await page.evaluate(screenFingerprint)
  const known = JSON.parse(await readFile(FINGERPRINTS, 'utf8').catch(() => '{}')) as Record<string, string>
  const path = join(SCREENS_DIR, `${name}.png`)
  const pictured = await readFile(path).then(
    () => true,
    () => false,
  )
  if (pictured && known[name] === fingerprint) return
  await mkdir(SCREENS_DIR, { recursive: true })
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' })
  // Read again just before writing: keys sorted, so the file changes only where a screen did.
  const latest = JSON.parse(await readFile(FINGERPRINTS, 'utf8').catch(() => '{}')) as Record<string, string>
  latest[name] = fingerprint
  const sorted = Object.fromEntries(Object.entries(latest).sort(([a], [b]) => a.localeCompare(b)))
  await writeFile(FINGERPRINTS, JSON.stringify(sorted, null, 2) + '\n')
}

/** Runs in the page: a hash of what the screen shows, without what changes on every run. */
function screenFingerprint(): string {
  // The storage meter shows up when the browser's estimate arrives, in KB or MB as the walk has written: left out whole.
  const volatile = [...document.querySelectorAll('[data-testid="storage-meter"]')]
  const inVolatile = (element: Element): boolean => volatile.some((outer) => outer.contains(element))
  const words = volatile
    .reduce((text, element) => text.replace((element as HTMLElement).innerText, ''), document.body.innerText)
    .replace(/did:key:z[1-9A-HJ-NP-Za-km-z]+/g, 'did')
    .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b/g, 'D')
    .replace(/\b(AM|PM)\b/g, '')
    .replace(/\d+/g, '0')
  const structure = [...document.body.querySelectorAll('*')]
    .filter((element) => !inVolatile(element))
    .map((element) => `${element.tagName}.${element.getAttribute('class') ?? ''}`)
    .join(' ')
  const styles = [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules].map((rule) => rule.cssText)).join('\n')
  const text = `${innerWidth}x${innerHeight}\n${words}\n${structure}\n${styles}`
  // FNV-1a, 32 bits twice with different seeds: short, and collisions do not matter here.
  let first = 0x811c9dc5
  let second = 0x01000193
  for (let index = 0; index < text.length; index++) {
    first = Math.imul(first ^ text.charCodeAt(index), 0x01000193) >>> 0
    second = Math.imul(second ^ text.charCodeAt(index), 0x811c9dc5) >>> 0
  }
  return first.toString(16).padStart(8, '0') + second.toString(16).padStart(8, '0')
}
