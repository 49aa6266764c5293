/**
 * Every spec runs against the real built app served by the real Pii server,
 * started per worker on a free 127.0.0.1 port and stopped with the worker.
 */
import { test as base, expect, type BrowserContext, type ConsoleMessage, type Page, type Worker } from '@playwright/test'
import { join } from 'node:path'
import { startPiiServer, type RunningPiiServer } from '../src/server/PiiServer.ts'

export const APP_ROOT = join(import.meta.dirname, '..', 'dist', 'app')

export const test = base.extend<object, { piiServer: RunningPiiServer }>({
  piiServer: [
    async ({}, use) => {
      const server = await startPiiServer({ appRoot: APP_ROOT, host: '127.0.0.1', port: 0 })
      await use(server)
      await server.close()
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ piiServer }, use) => use(piiServer.url),
  // A page error or a blocked resource (e.g. by the Content-Security-Policy) fails the test that caused it.
  page: async ({ page, context }, use, testInfo) => {
    const problems: string[] = []
    watchProblems(page, problems)
    const consoleLog = recordConsole(context)
    await use(page)
    // A failure on CI leaves only its printed log: the page's and the worker's console go with it (see summaryReporter).
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('console', { body: consoleLog.join('\n'), contentType: 'text/plain' })
    expect(problems).toEqual([])
  },
})

export { expect }

export function isNetworkNoise(text: string): boolean {
  // A socket that cannot connect, or one the network dropped under a send (the browser logs both itself).
  return /^WebSocket connection to '.*' failed/.test(text) || text === 'WebSocket is already in CLOSING or CLOSED state.'
}

/** Opens the app and waits until it has booted (device key and device doc loaded). */
export async function openApp(page: Page, hash = '#/'): Promise<void> {
  await page.goto('/' + hash)
  await expect(page.getByRole('link', { name: 'Pii', exact: true })).toBeVisible()
}

export async function createSpace(page: Page, name: string): Promise<void> {
  await page.getByLabel('New space name').fill(name)
  await page.getByRole('button', { name: 'Create space' }).click()
  await expect(page.getByLabel('Space name')).toHaveValue(name)
}

/** Collects the page's errors and console errors into `problems`. */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    // The browser's own log of a WebSocket that cannot connect (offline, relay down) is the situation under test, not an app error.
    if (message.type() === 'error' && !isNetworkNoise(message.text())) problems.push(`console error: ${message.text()}`)
  })
}

/** Every console message of the context's pages and service worker, timed from the start, for a failure's report. */
export function recordConsole(context: BrowserContext, label = ''): string[] {
  const started = Date.now()
  const lines: string[] = []
  const record = (source: string, message: ConsoleMessage): void => void lines.push(`${Date.now() - started} ms ${label}${source} ${message.type()}: ${message.text()}`)
  const watchPage = (page: Page): void => {
    page.on('console', (message) => record('page', message))
    page.on('pageerror', (error) => lines.push(`${Date.now() - started} ms ${label}page error: ${error.message}`))
  }
  context.pages().forEach(watchPage)
  context.on('page', watchPage)
  const watchWorker = (worker: Worker): void => void worker.on('console', (message) => record('worker', message))
  context.serviceWorkers().forEach(watchWorker)
  context.on('serviceworker', watchWorker)
  return lines
}

/** Adds an item through the form without waiting for it: with several peers editing, the last row may be another's. */
export async function addItem(page: Page, title: string): Promise<void> {
  await page.getByLabel('New item').fill(title)
  await page.getByLabel('New item').press('Enter')
}

export async function addItems(page: Page, titles: readonly string[]): Promise<void> {
  for (const title of titles) {
    await addItem(page, title)
    await expect(itemTitles(page).last()).toHaveValue(title)
  }
}

/**
 * Adds many items the way typing does (the "New item" field's input event, then the form's submit), driven from inside
 * the page: two devtools round trips per item made 320 items take 22 s alone and 35 s beside another test, against 6 s
 * here. Each item is awaited until its row shows; with `thenDelete`, its row's Delete button is then pressed and the row
 * awaited gone, before the next title is typed.
 */
export async function addItemsInPage(page: Page, titles: readonly string[], options: { thenDelete?: boolean } = {}): Promise<void> {
  await page.getByLabel('New item').evaluate(
    async (input: HTMLInputElement, { titles, thenDelete }) => {
      // The native setter, as typing sets the value (React's own tracks assignments); called with .call(input) below.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set
      if (!setValue || !input.form) throw new Error('"New item" is not an input inside a form')
      const nextFrame = (): Promise<unknown> => new Promise((resolve) => requestAnimationFrame(resolve))
      const rowOf = (title: string): Element | null | undefined =>
        [...document.querySelectorAll<HTMLInputElement>('input[aria-label="Item title"]')].find((field) => field.value === title)?.closest('li')
      const until = async <T>(find: () => T | null | undefined, what: string): Promise<T> => {
        for (const end = Date.now() + 15_000; Date.now() < end; await nextFrame()) {
          const found = find()
          if (found) return found
        }
        throw new Error(`${what} within 15 s`)
      }
      for (const title of titles) {
        setValue.call(input, title)
        input.dispatchEvent(new Event('input', { bubbles: true }))
        // React renders the typed value before the submit reads it.
        await until(() => input.value === title && input.form, `"New item" did not keep "${title.slice(0, 20)}…"`)
        input.form.requestSubmit()
        const row = await until(() => rowOf(title), `The row of "${title.slice(0, 20)}…" did not show`)
        if (!thenDelete) continue
        const remove = await until(() => row.querySelector<HTMLButtonElement>('button.row-delete'), 'No Delete button in the new row')
        remove.click()
        await until(() => !rowOf(title), `The row of "${title.slice(0, 20)}…" stayed after Delete`)
      }
    },
    { titles, thenDelete: options.thenDelete ?? false },
  )
}

export function itemTitles(page: Page) {
  return page.getByRole('list', { name: 'Items' }).getByLabel('Item title')
}

export async function expectItems(page: Page, titles: readonly string[]): Promise<void> {
  await expect(itemTitles(page)).toHaveCount(titles.length)
  for (const [index, title] of titles.entries()) await expect(itemTitles(page).nth(index)).toHaveValue(title)
}

/** Waits until the service worker controls the page, i.e. the app shell is precached. */
export async function waitForOfflineReady(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }))
    }
  })
}
