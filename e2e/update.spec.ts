import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPiiServer } from '../src/server/PiiServer.ts'
import { APP_ROOT, expect, test, waitForOfflineReady } from './fixtures.ts'

/** Asks the controlling service worker which build it is (see tagBuild). */
const askBuild = `new Promise((resolve) => {
  navigator.serviceWorker.addEventListener('message', (event) => resolve(event.data), { once: true })
  navigator.serviceWorker.controller.postMessage('which-build')
})`

/** Makes a copy of the built app's service worker answer askBuild with its name. */
function tagBuild(root: string, name: string): Promise<void> {
  return appendFile(
    join(root, 'sw.js'),
    `\nself.addEventListener('message', (event) => { if (event.data === 'which-build') event.source.postMessage('${name}') })\n`,
  )
}

test('a new version waits until the user chooses to reload, then takes over', async ({ page }) => {
  const folder = await mkdtemp(join(tmpdir(), 'pii-update-'))
  const v1 = join(folder, 'v1')
  const v2 = join(folder, 'v2')
  await cp(APP_ROOT, v1, { recursive: true })
  await cp(APP_ROOT, v2, { recursive: true })
  await tagBuild(v1, 'build-1')
  await tagBuild(v2, 'build-2')

  let server = await startPiiServer({ appRoot: v1, host: '127.0.0.1', port: 0 })
  const port = Number(new URL(server.url).port)
  try {
    await page.goto(server.url)
    await expect(page.getByRole('link', { name: 'Pii', exact: true })).toBeVisible()
    await waitForOfflineReady(page)
    expect(await page.evaluate(askBuild)).toBe('build-1')
    await expect(page.getByText('A new version is ready.')).toHaveCount(0)

    // Deploy build 2 at the same address; the page's next update check finds it.
    await server.close()
    server = await startPiiServer({ appRoot: v2, host: '127.0.0.1', port })
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update())

    await expect(page.getByText('A new version is ready.')).toBeVisible()
    // Until the user says so, the old version keeps serving this page.
    expect(await page.evaluate(askBuild)).toBe('build-1')
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload' }).click()])
    await expect.poll(() => page.evaluate(askBuild)).toBe('build-2')
    await expect(page.getByText('A new version is ready.')).toHaveCount(0)
  } finally {
    await server.close()
    await rm(folder, { recursive: true, force: true })
  }
})
