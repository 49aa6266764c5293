import { addItems, createSpace, expect, expectItems, itemTitles, openApp, test } from './fixtures.ts'

test('two tabs of one browser see each other’s edits without a reload', async ({ page, context }) => {
  await openApp(page)
  await createSpace(page, 'Shared list')
  await addItems(page, ['From tab one'])

  const second = await context.newPage()
  await second.goto(page.url())
  await expectItems(second, ['From tab one'])

  await addItems(second, ['From tab two'])
  await expectItems(page, ['From tab one', 'From tab two'])

  await itemTitles(page).nth(0).fill('Edited in tab one')
  await expect(itemTitles(second).nth(0)).toHaveValue('Edited in tab one')
  await second.getByRole('checkbox', { name: 'Done: From tab two' }).check()
  await expect(page.getByRole('checkbox', { name: 'Done: From tab two' })).toBeChecked()

  // The space list is live too: a rename in one tab shows in the other.
  await second.getByLabel('Space name').fill('Renamed list')
  await second.getByLabel('Space name').press('Enter')
  await expect(page.getByLabel('Space name')).toHaveValue('Renamed list')
})

test('leaving a space in one tab closes it in the other', async ({ page, context }) => {
  await openApp(page)
  await createSpace(page, 'Short-lived')
  const spaceUrl = page.url()
  const second = await context.newPage()
  await second.goto(spaceUrl)
  await expect(second.getByLabel('Space name')).toHaveValue('Short-lived')

  await page.getByRole('link', { name: 'Back to your spaces' }).click()
  await page.getByRole('button', { name: 'Leave Short-lived' }).click()
  await page.getByRole('button', { name: 'Leave space' }).click()
  await expect(second.getByRole('heading', { name: 'Space not found' })).toBeVisible()
})
