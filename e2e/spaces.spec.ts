import type { Page } from '@playwright/test'
import { addItems, createSpace, expect, expectItems, itemTitles, openApp, test } from './fixtures.ts'

test('a space and its items survive a reload', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Groceries')
  await addItems(page, ['Milk', 'Bread', 'Apples'])
  await page.getByRole('checkbox', { name: 'Done: Bread' }).check()

  await page.reload()
  await expectItems(page, ['Milk', 'Bread', 'Apples'])
  await expect(page.getByRole('checkbox', { name: 'Done: Bread' })).toBeChecked()
  await expect(page.getByRole('checkbox', { name: 'Done: Milk' })).not.toBeChecked()

  await page.getByRole('link', { name: 'Back to your spaces' }).click()
  await expect(page.getByRole('list', { name: 'Your spaces' }).getByRole('link', { name: 'Groceries' })).toBeVisible()
})

test('items can be edited, reordered, annotated, deleted, and undone', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Chores')
  await addItems(page, ['Dishes', 'Laundry', 'Vacuum'])

  await itemTitles(page).nth(0).fill('Wash dishes')
  // The row's labels follow its title.
  await expect(page.getByRole('button', { name: 'Delete Wash dishes' })).toBeVisible()
  await itemTitles(page).nth(2).press('Alt+ArrowUp')
  await expectItems(page, ['Wash dishes', 'Vacuum', 'Laundry'])

  await page.getByRole('button', { name: 'Notes for Laundry' }).click()
  await page.getByLabel('Notes', { exact: true }).fill('Whites separately')
  await expect(page.getByRole('button', { name: 'Notes for Laundry' })).toHaveText('Notes •')

  await page.getByRole('button', { name: 'Delete Vacuum' }).click()
  await expectItems(page, ['Wash dishes', 'Laundry'])

  await page.keyboard.press('Control+z')
  await expectItems(page, ['Wash dishes', 'Vacuum', 'Laundry'])
  await page.keyboard.press('Control+Shift+z')
  await expectItems(page, ['Wash dishes', 'Laundry'])

  await page.reload()
  await expectItems(page, ['Wash dishes', 'Laundry'])
  await page.getByRole('button', { name: 'Notes for Laundry' }).click()
  await expect(page.getByLabel('Notes', { exact: true })).toHaveValue('Whites separately')

  // The items leave as files people open elsewhere: a Markdown task list and a spreadsheet.
  const exports = page.getByRole('group', { name: 'Export the items' })
  const markdown = await downloaded(page, () => exports.getByRole('button', { name: 'Markdown' }).click())
  expect(markdown).toEqual({ name: 'Chores.md', text: '# Chores\n\n- [ ] Wash dishes\n- [ ] Laundry\n\n  > Whites separately\n' })
  const csv = await downloaded(page, () => exports.getByRole('button', { name: 'CSV' }).click())
  expect(csv).toEqual({ name: 'Chores.csv', text: 'done,title,notes\r\nno,Wash dishes,\r\nno,Laundry,Whites separately\r\n' })
})

/** What clicking `start` downloads: the file's suggested name and its text. */
async function downloaded(page: Page, start: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), start()])
  const stream = await download.createReadStream()
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') }
}

test('spaces can be renamed, and leaving one asks first', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Trip')
  await addItems(page, ['Passport'])
  await page.getByLabel('Space name').fill('Trip to Lisbon')
  await page.getByLabel('Space name').press('Enter')
  await page.getByRole('link', { name: 'Back to your spaces' }).click()

  const spaces = page.getByRole('list', { name: 'Your spaces' })
  await expect(spaces.getByRole('link', { name: 'Trip to Lisbon' })).toBeVisible()

  await page.getByRole('button', { name: 'Leave Trip to Lisbon' }).click()
  const dialog = page.getByRole('dialog', { name: 'Leave “Trip to Lisbon”?' })
  await expect(dialog).toBeVisible()
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(spaces.getByRole('link', { name: 'Trip to Lisbon' })).toBeVisible()

  await page.getByRole('button', { name: 'Leave Trip to Lisbon' }).click()
  await dialog.getByRole('button', { name: 'Leave space' }).click()
  await expect(page.getByText('No spaces yet.')).toBeVisible()
  await page.reload()
  await expect(page.getByText('No spaces yet.')).toBeVisible()
})
