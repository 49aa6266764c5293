/**
 * Pii by keyboard alone (issue 17): on a desktop, a person who never touches
 * the mouse creates a space, adds items, reorders one, shares the space and
 * plans a reminder; focus is always visible and comes back where it was when
 * a dialog closes.
 */
import type { Locator, Page } from '@playwright/test'
import { expect, openApp, test } from './fixtures.ts'

/** Presses Tab (Shift+Tab backwards) until `target` has focus, as a keyboard user would; fails if it never does. */
async function tabTo(page: Page, target: Locator, { backwards = false, most = 60 } = {}): Promise<void> {
  const handle = await target.elementHandle({ timeout: 10_000 })
  for (let presses = 0; presses < most; presses++) {
    if (await page.evaluate((element) => document.activeElement === element, handle)) {
      // Whatever has focus shows it: an outline drawn by :focus-visible.
      expect(await target.evaluate((element) => getComputedStyle(element).outlineStyle)).not.toBe('none')
      return
    }
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab')
  }
  throw new Error(`${String(target)} never took focus in ${most} presses of Tab`)
}

test('[UI5] by keyboard alone: create a space, add items, reorder, share, plan a reminder; focus shows and returns after a dialog', async ({ page }) => {
  await openApp(page)
  await tabTo(page, page.getByLabel('New space name'))
  await page.keyboard.type('Errands')
  await page.keyboard.press('Enter')
  await expect(page.getByLabel('Space name')).toHaveValue('Errands')

  await tabTo(page, page.getByLabel('New item'))
  for (const title of ['Post office', 'Bakery', 'Pharmacy']) {
    await page.keyboard.type(title)
    await page.keyboard.press('Enter')
  }
  const titles = page.getByRole('list', { name: 'Items' }).getByLabel('Item title')
  await expect(titles).toHaveCount(3)
  await tabTo(page, titles.nth(2))
  await page.keyboard.press('Alt+ArrowUp')
  await expect.poll(() => titles.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value))).toEqual(['Post office', 'Pharmacy', 'Bakery'])

  const share = page.getByRole('button', { name: 'Share' })
  await tabTo(page, share, { backwards: true })
  await page.keyboard.press('Enter')
  await expect(page.getByRole('textbox', { name: 'Share link' })).toHaveValue(/#\/s\//)
  await page.keyboard.press('Escape')
  await expect(page.getByRole('textbox', { name: 'Share link' })).toBeHidden()
  await expect(share).toBeFocused()

  await tabTo(page, page.getByRole('tab', { name: 'Schedule' }))
  await page.keyboard.press('Enter')
  const form = page.getByRole('form', { name: 'New operation' })
  await tabTo(page, form.getByLabel('Title'))
  await page.keyboard.type('Pick up prescription')
  await tabTo(page, form.getByLabel('When'))
  await page.keyboard.type('every Monday at 9am')
  await expect(form.getByRole('list', { name: 'Next occurrences' }).getByRole('listitem')).toHaveCount(5)
  await tabTo(page, form.getByRole('button', { name: 'Plan it' }))
  await page.keyboard.press('Enter')
  await expect(form.getByRole('status')).toContainText('Planned “Pick up prescription”')
  await expect(page.getByRole('list', { name: 'Operations' }).getByRole('listitem', { name: 'Pick up prescription' })).toBeVisible()
})
