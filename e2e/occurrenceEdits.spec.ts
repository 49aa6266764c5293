/**
 * Calendar-grade editing in the operation list (SPEC OP6–OP11): the editor
 * picks the scheduler that keeps a timing on time and warns under a coarser
 * one; a repeating reminder in another time zone has its next occurrence
 * skipped (and the skip undone), one occurrence moved, all following ones
 * changed into a new operation, and one copy run now, which runs once.
 */
import type { Locator, Page } from '@playwright/test'
import { createSpace, expect, openApp, test } from './fixtures.ts'

test.use({ timezoneId: 'Europe/Paris', locale: 'en-GB' })

async function openSchedule(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Schedule' }).click()
  await expect(page.getByRole('heading', { name: 'New operation' })).toBeVisible()
}

function operation(page: Page, title: string): Locator {
  return page.getByRole('list', { name: 'Operations' }).getByRole('listitem', { name: title, exact: true })
}

test('[OP6] [OP7] the editor picks the scheduler that runs a timing on time, and says how late a coarser pick can be', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Home')
  await openSchedule(page)
  const form = page.getByRole('form', { name: 'New operation' })
  const scheduler = form.getByLabel('Scheduler')
  await form.getByLabel('When').fill('in 20 minutes')
  await expect(scheduler).toHaveValue('every-minute')
  await expect(form.getByText('The scheduler is chosen to run it on time; pick another if you like.')).toBeVisible()
  await form.getByLabel('When').fill('in 20 seconds')
  await expect(scheduler).toHaveValue('every-second')
  await scheduler.selectOption('every-minute')
  await expect(form.getByText(/^Runs on this scheduler can be up to \d+ s late; choose “Every second” to run on time\.$/)).toBeVisible()
})

test('[OP8] [OP9] [OP10] [OP11] a reminder kept on New York time: skip the next one and undo, move one, change all following, run one now', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Home')
  await openSchedule(page)
  const form = page.getByRole('form', { name: 'New operation' })
  await form.getByLabel('Title').fill('Stretch')
  await form.getByLabel('Time zone').selectOption('America/New_York')
  await form.getByLabel('When').fill('every day at 9am')
  await expect(form.getByText(/Every day at 09:00 \(America\/New_York\)/)).toBeVisible()
  await form.getByRole('button', { name: 'Plan it' }).click()
  await expect(form.getByRole('status')).toContainText('Planned “Stretch”')
  // The first of that title: after "this and all following", the new operation comes after it.
  const row = operation(page, 'Stretch').first()
  await expect(row).toContainText('(America/New_York)')

  await row.getByRole('button', { name: 'Occurrences' }).click()
  const upcoming = row.getByRole('list', { name: 'Next occurrences of “Stretch”' }).getByRole('listitem')
  await expect(upcoming).toHaveCount(5)
  const first = (await upcoming.nth(0).getAttribute('aria-label'))!
  const second = (await upcoming.nth(1).getAttribute('aria-label'))!

  // Skip the next one: the list starts at the one after, and the skipped one can be put back.
  await row.getByRole('button', { name: 'Skip next' }).click()
  await expect(row.getByRole('status')).toContainText('Skipped the one of')
  await expect(upcoming.nth(0)).toHaveAttribute('aria-label', second)
  await expect(row.getByRole('list', { name: 'Skipped occurrences of Stretch' }).getByRole('listitem')).toHaveCount(1)
  await row.getByRole('button', { name: 'Undo' }).click()
  await expect(upcoming.nth(0)).toHaveAttribute('aria-label', first)
  await expect(row.getByRole('list', { name: 'Skipped occurrences of Stretch' })).toHaveCount(0)

  // This one only: the second moves two hours later on its day, under the same place in the list.
  await upcoming.nth(1).getByRole('button', { name: `Change ${second}` }).click()
  const change = row.getByRole('form', { name: `Change ${second}` })
  const time = change.getByLabel('New time (America/New_York)')
  await time.fill((await time.inputValue()).replace('T09:00', 'T11:00'))
  await change.getByRole('button', { name: 'Move it' }).click()
  await expect(row.getByRole('status')).toContainText(`Moved the one of ${second} to`)
  await expect(upcoming.nth(1)).toContainText(`(moved from ${second})`)

  // This and all following, from the fourth: the operation stops before it, and a new one carries on at 20:00.
  const fourth = (await upcoming.nth(3).getAttribute('aria-label'))!
  await upcoming.nth(3).getByRole('button', { name: `Change ${fourth}` }).click()
  const following = row.getByRole('form', { name: `Change ${fourth}` })
  await following.getByLabel('This and all following').check()
  await following.getByLabel('From then on (America/New_York)').fill('every day at 8pm')
  await expect(following.getByRole('list', { name: 'Next occurrences' }).getByRole('listitem')).toHaveCount(3)
  await following.getByRole('button', { name: 'Change from here' }).click()
  await expect(row.getByRole('status')).toContainText('the ones before stay as they were')
  await expect(upcoming).toHaveCount(3)
  await expect(operation(page, 'Stretch')).toHaveCount(2)
  await expect(operation(page, 'Stretch').nth(1)).toContainText('BYHOUR=20')

  // Run now: a labelled one-off copy that runs once, at once.
  await row.getByRole('button', { name: 'Run now' }).click()
  const copy = operation(page, 'Stretch (run now)')
  await expect(copy).toBeVisible()
  await copy.getByRole('button', { name: /^History/ }).click()
  await expect(page.getByRole('table', { name: 'Run history of Stretch (run now)' }).locator('tbody tr')).toHaveCount(1, { timeout: 20_000 })
  await expect(page.getByRole('table', { name: 'Run history of Stretch (run now)' })).toContainText('ok')
})
