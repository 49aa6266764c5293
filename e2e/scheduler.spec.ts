/**
 * The scheduler across separate Chromium processes, over real WebRTC and the
 * real relay: two devices share a space with a `doc` operation every second,
 * one hosting its scheduler in a tab, the other in its service worker;
 * each occurrence runs exactly once, on one of them; when one browser is
 * closed mid-way the other takes over within one lease (SPEC G1, CL5).
 * And a `notify` operation shows a system notification.
 */
import type { Locator, Page } from '@playwright/test'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { LEASE_MS } from '../src/core/scheduler/claims.ts'
import { closePeers, launchPeer, shareLinkOf } from './browserPeers.ts'
import { createSpace, expect, openApp, test, waitForOfflineReady } from './fixtures.ts'
import { joinByLink } from './joining.ts'

test.describe.configure({ timeout: 180_000 })

const OCCURRENCES = 30
/** Occurrences both browsers see through before one of them is closed. */
const CLOSE_AFTER = 12

async function openSchedule(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Schedule' }).click()
  await expect(page.getByRole('heading', { name: 'New operation' })).toBeVisible()
}

async function planCounter(page: Page, title: string, when: string): Promise<void> {
  const form = page.getByRole('form', { name: 'New operation' })
  await form.getByLabel('Title').fill(title)
  await form.getByLabel('When').fill(when)
  await expect(form.getByRole('list', { name: 'Next occurrences' }).getByRole('listitem')).toHaveCount(5)
  await form.getByLabel('Does').selectOption('doc')
  await form.getByLabel('Counter name').fill('ticks')
  await form.getByRole('button', { name: 'Plan it' }).click()
  await expect(form.getByRole('status')).toContainText(`Planned “${title}”`)
}

interface HistoryRow {
  readonly index: number
  /** The due time as shown, or "earlier plan" for an occurrence of the timing before the last edit. */
  readonly due: string
  readonly ranBy: string
  readonly late: string
  readonly outcome: string
}

async function historyOf(page: Page, title: string): Promise<HistoryRow[]> {
  const table = page.getByRole('table', { name: `Run history of ${title}` })
  if ((await table.count()) === 0) return []
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')
      return { index: Number(cells[0]), due: cells[1] ?? '', ranBy: cells[2] ?? '', late: cells[3] ?? '', outcome: cells[4] ?? '' }
    }),
  )
}

function operation(page: Page, title: string): Locator {
  return page.getByRole('list', { name: 'Operations' }).getByRole('listitem', { name: title })
}

/** Late as the history shows it, in ms. */
function lateMs(text: string): number {
  if (text === 'on time') return 0
  const match = /^([\d.]+) (ms|s|min)$/.exec(text)
  if (!match) throw new Error(`Unreadable lateness "${text}"`)
  return Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 's' ? 1_000 : 60_000)
}

test('[G1] [CL5] two browsers run a 1 s doc operation: each occurrence once, on one of them; closing one hands over within a lease', async ({ piiServer }) => {
  const [a, b] = await Promise.all([launchPeer(piiServer.url), launchPeer(piiServer.url)])
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Game')
    const link = await shareLinkOf(a.page)
    await joinByLink(b.page, link)
    await expect(b.page.getByLabel('Space name')).toHaveValue('Game', { timeout: 20_000 })
    await expect(a.page.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(1, { timeout: 20_000 })
    // B's scheduler moves to its service worker (which reaches A through the relay); A's stays in its tab.
    await waitForOfflineReady(b.page)
    await b.page.reload()

    await openSchedule(a.page)
    await planCounter(a.page, 'Tick', `every 1 second ${OCCURRENCES} times`)
    await openSchedule(b.page)
    await expect(operation(b.page, 'Tick')).toBeVisible()
    await expect(b.page.getByText(/^This device’s service worker runs this schedule/)).toBeVisible()
    await expect(a.page.getByText(/^This device’s open tab runs this schedule/)).toBeVisible()
    await operation(a.page, 'Tick').getByRole('button', { name: /^History/ }).click()

    await expect.poll(async () => (await historyOf(a.page, 'Tick')).length, { timeout: 40_000 }).toBeGreaterThanOrEqual(CLOSE_AFTER)
    const beforeClose = await historyOf(a.page, 'Tick')
    await b.browser.close()
    const closedAt = Date.now()

    await expect.poll(async () => (await historyOf(a.page, 'Tick')).length, { timeout: OCCURRENCES * 1_000 + LEASE_MS + 10_000 }).toBe(OCCURRENCES)
    const rows = await historyOf(a.page, 'Tick')
    // Exactly once: one row per occurrence, each run by one device, and all succeeded.
    expect(rows.map((row) => row.index).sort((x, y) => x - y)).toEqual(Array.from({ length: OCCURRENCES }, (_, index) => index + 1))
    for (const row of rows) {
      expect(row.ranBy, `occurrence ${row.index}`).not.toContain(' and ')
      expect(row.outcome, `occurrence ${row.index}`).toBe('ok')
    }
    // Both devices took part while both were there (the ranking spreads the work).
    expect(new Set(beforeClose.map((row) => row.ranBy === 'This device')).size).toBe(2)
    // The hand-over: every occurrence due after the close ran on A, at worst one lease late (B's claim ran out) and the
    // 2 s it takes A to see B leave the room, after which A's claims wait for no acknowledgement from B.
    const lastBefore = Math.max(...beforeClose.map((row) => row.index))
    for (const row of rows.filter((row) => row.index > lastBefore + 1)) {
      expect(row.ranBy, `occurrence ${row.index}`).toBe('This device')
      expect(lateMs(row.late), `occurrence ${row.index}`).toBeLessThanOrEqual(LEASE_MS + 2_000)
    }
    expect(Date.now() - closedAt).toBeLessThan(OCCURRENCES * 1_000 + LEASE_MS)
    // K7: the counter the operation kept shows in the space, each increment with the device that added it.
    const counter = a.page.getByRole('group', { name: 'Counter ticks' })
    await expect(counter).toContainText(`ticks: ${OCCURRENCES} (${OCCURRENCES} increments)`)
    await expect(counter.getByRole('listitem')).toHaveCount(5)
    await expect(counter.getByRole('listitem').last()).toContainText(`+1 by this device, occurrence #${OCCURRENCES}`)
  } finally {
    // B is closed already on the way through; closing it again does nothing, and covers a failure before that.
    await closePeers([a, b])
  }
})

test('[OP4] [G1] an operation retimed in one browser while the other hosts it: no occurrence skipped or repeated, and the new plan runs its four occurrences, each on time', async ({ piiServer }) => {
  const [a, b] = await Promise.all([launchPeer(piiServer.url), launchPeer(piiServer.url)])
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Game')
    await joinByLink(b.page, await shareLinkOf(a.page))
    await expect(b.page.getByLabel('Space name')).toHaveValue('Game', { timeout: 20_000 })
    await expect(a.page.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(1, { timeout: 20_000 })
    await openSchedule(a.page)
    await planCounter(a.page, 'Tick', 'every 1 second')
    await openSchedule(b.page)
    await expect(operation(b.page, 'Tick')).toBeVisible()
    await operation(a.page, 'Tick').getByRole('button', { name: /^History/ }).click()
    await expect.poll(async () => (await historyOf(a.page, 'Tick')).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(5)

    // B retimes it while both devices are running it.
    await operation(b.page, 'Tick').getByRole('button', { name: 'Edit' }).click()
    const edit = b.page.getByRole('form', { name: 'Edit Tick' })
    await edit.getByLabel('When').fill('every 2 seconds 4 times')
    const preview = edit.getByRole('list', { name: 'Next occurrences' }).getByRole('listitem')
    await expect(preview).toHaveCount(4)
    await edit.getByRole('button', { name: 'Save changes' }).click()
    await expect(operation(b.page, 'Tick')).toContainText('4 times')

    const current = (rows: readonly HistoryRow[]): HistoryRow[] => rows.filter((row) => row.due !== 'earlier plan')
    await expect.poll(async () => current(await historyOf(a.page, 'Tick')).length, { timeout: 30_000 }).toBe(4)
    // Long enough for a repeat, or a stray occurrence of the old plan, to show.
    await a.page.waitForTimeout(3_000)
    for (const page of [a.page, b.page]) {
      if (page === b.page) await operation(b.page, 'Tick').getByRole('button', { name: /^History/ }).click()
      await expect.poll(async () => current(await historyOf(page, 'Tick')).length, { timeout: 20_000 }).toBe(4)
      const rows = await historyOf(page, 'Tick')
      const earlier = rows.filter((row) => row.due === 'earlier plan')
      // The old plan's runs: one per occurrence, none missing up to the edit; the new plan's: exactly its four.
      expect(earlier.map((row) => row.index).sort((x, y) => x - y)).toEqual(Array.from({ length: earlier.length }, (_, index) => index + 1))
      expect(earlier.length).toBeGreaterThanOrEqual(5)
      expect(current(rows).map((row) => row.index).sort((x, y) => x - y)).toEqual([1, 2, 3, 4])
      for (const row of rows) {
        expect(row.ranBy, `occurrence ${row.index} (${row.due})`).not.toContain(' and ')
        expect(row.outcome, `occurrence ${row.index} (${row.due})`).toBe('ok')
      }
      // Each of the new plan's runs started within a second of the time the preview promised.
      for (const row of current(rows)) expect(lateMs(row.late), `occurrence ${row.index}`).toBeLessThan(1_000)
    }
  } finally {
    await closePeers([a, b])
  }
})

test('[H1] [K4] the service worker hosts the schedule: a notify operation shows a system notification and lands in the inbox', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL! })
  await openApp(page)
  await waitForOfflineReady(page)
  // Controlled by the worker now: the page leaves hosting to it.
  await page.reload()
  await createSpace(page, 'Health')
  await openSchedule(page)
  await expect(page.getByText(/^This device’s service worker runs this schedule/)).toBeVisible()
  const form = page.getByRole('form', { name: 'New operation' })
  await form.getByLabel('Title').fill('Doctor')
  await form.getByLabel('When').fill('in 2 seconds')
  await form.getByLabel('Message (optional)').fill('Bring the referral letter')
  await form.getByRole('button', { name: 'Plan it' }).click()
  await expect(form.getByRole('status')).toContainText('Planned “Doctor”')

  const shown = (): Promise<Array<{ title: string; body: string }>> =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration()
      return (await registration!.getNotifications()).map((notification) => ({ title: notification.title, body: notification.body }))
    })
  await expect.poll(shown, { timeout: 15_000 }).toEqual([{ title: 'Doctor', body: 'Bring the referral letter' }])
  await page.getByRole('link', { name: 'Inbox' }).click()
  await expect(page.getByRole('heading', { name: 'Inbox' })).toBeVisible()
  await expect(page.getByText('Bring the referral letter')).toBeVisible()
})

test('[OP4] an operation is planned in words, edited, and shows in the agenda and its .ics export', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Clinic')
  await openSchedule(page)
  const form = page.getByRole('form', { name: 'New operation' })
  await form.getByLabel('Title').fill('Doctor')
  await form.getByLabel('When').fill('every 2 weeks on Tuesday at 10am')
  const preview = form.getByRole('list', { name: 'Next occurrences' }).getByRole('listitem')
  await expect(preview).toHaveCount(5)
  // Two weeks apart, on Tuesdays, at 10:00 local time.
  for (let index = 0; index < 5; index++) await expect(preview.nth(index)).toContainText(/Tue.*10:00/)
  await form.getByRole('button', { name: 'Plan it' }).click()
  await expect(form.getByRole('status')).toContainText('Planned “Doctor”: Every 2 weeks on Tuesday at 10:00')

  await operation(page, 'Doctor').getByRole('button', { name: 'Edit' }).click()
  const edit = page.getByRole('form', { name: 'Edit Doctor' })
  await edit.getByLabel('Title').fill('Dentist')
  await edit.getByLabel('When').fill('every day at 9am 3 times')
  await edit.getByRole('button', { name: 'Save changes' }).click()
  await expect(operation(page, 'Dentist')).toContainText('3 times')
  await expect(operation(page, 'Doctor')).toHaveCount(0)

  await page.getByRole('link', { name: 'Agenda' }).click()
  await expect(page.getByRole('heading', { name: 'Agenda' })).toBeVisible()
  await expect(page.getByRole('listitem').filter({ hasText: 'Dentist' })).toHaveCount(3)
  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export .ics' }).click()
  const file = await download
  expect(file.suggestedFilename()).toBe('pii-agenda.ics')
  const text = await readFile(await file.path(), 'utf8')
  expect(text).toMatch(/^BEGIN:VCALENDAR\r\n/)
  expect(text.match(/SUMMARY:Dentist\r\n/g)).toHaveLength(3)
})

test('[K5] an http operation whose server fails twice, then answers, succeeds once after two retries, and the run history shows the backoff', async ({ piiServer }) => {
  const peer = await launchPeer(piiServer.url)
  const page = peer.page
  // A webhook on another origin: it allows the app's cross-origin POST, fails the first two requests with 503, then answers 200.
  const keys: string[] = []
  const hook = createServer((request, response) => {
    response.setHeader('Access-Control-Allow-Origin', '*')
    response.setHeader('Access-Control-Allow-Headers', 'Idempotency-Key, Content-Type')
    response.setHeader('Access-Control-Allow-Methods', 'POST')
    if (request.method === 'OPTIONS') return void response.writeHead(204).end()
    keys.push(String(request.headers['idempotency-key']))
    response.writeHead(keys.length <= 2 ? 503 : 200).end()
  })
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
  try {
    await openApp(page)
    await createSpace(page, 'Hooks')
    await openSchedule(page)
    const form = page.getByRole('form', { name: 'New operation' })
    await form.getByLabel('Title').fill('Ping')
    await form.getByLabel('When').fill('in 2 seconds')
    await form.getByLabel('Does').selectOption('http')
    await form.getByLabel('URL').fill(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`)
    await form.getByRole('button', { name: 'Plan it' }).click()
    await expect(form.getByRole('status')).toContainText('Planned “Ping”')
    await operation(page, 'Ping').getByRole('button', { name: /^History/ }).click()
    // Retried 2 s, then 8 s, after the failures: about 12 s after it was due.
    const history = page.getByRole('table', { name: 'Run history of Ping' })
    await expect(history).toContainText(/HTTP 200 on attempt 3, \d+\.\d s and \d+\.\d s apart \(before: The server answered HTTP 503/, { timeout: 40_000 })
    const rows = await historyOf(page, 'Ping')
    expect(rows).toHaveLength(1)
    const gaps = /attempt 3, (\d+\.\d) s and (\d+\.\d) s apart/.exec(rows[0]!.outcome)!.slice(1).map(Number)
    // The backoff grows: 2 s, then 8 s (give or take the time each attempt took).
    expect(gaps[0]).toBeGreaterThanOrEqual(2)
    expect(gaps[0]).toBeLessThan(4)
    expect(gaps[1]).toBeGreaterThanOrEqual(8)
    expect(gaps[1]).toBeLessThan(11)
    // Three requests, each with the occurrence id as its Idempotency-Key (G3).
    expect(keys).toHaveLength(3)
    expect(new Set(keys).size).toBe(1)
    expect(keys[0]).toMatch(/#0$/)
  } finally {
    hook.close()
    // The browser logs each 503 it fetched as a console error: here that is the failure under test, not the app's.
    const expected = (problem: string): boolean => problem === 'console error: Failed to load resource: the server responded with a status of 503 (Service Unavailable)'
    peer.problems.splice(0, peer.problems.length, ...peer.problems.filter((problem) => !expected(problem)))
    await closePeers([peer])
  }
})

test('[K2] a backup operation writes a snapshot file that run history offers for download', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Photos')
  await openSchedule(page)
  const form = page.getByRole('form', { name: 'New operation' })
  await form.getByLabel('Title').fill('Nightly')
  await form.getByLabel('When').fill('in 2 seconds')
  await form.getByLabel('Does').selectOption('backup')
  await form.getByLabel('Backup label (optional)').fill('photos')
  await form.getByRole('button', { name: 'Plan it' }).click()
  await operation(page, 'Nightly').getByRole('button', { name: /^History/ }).click()
  const history = page.getByRole('table', { name: 'Run history of Nightly' })
  await expect(history).toContainText(/pii-backup-photos\..+-0\.yjs/, { timeout: 20_000 })
  const download = page.waitForEvent('download')
  await history.getByRole('button', { name: 'Download' }).click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^pii-backup-photos\..+-0\.yjs$/)
  // A Yjs update of the space: it holds the space's name.
  expect((await readFile(await file.path())).includes(Buffer.from('Photos'))).toBe(true)
})
