import { addItems, createSpace, expect, expectItems, openApp, test, waitForOfflineReady } from './fixtures.ts'

test('after one online visit the app loads and works with the network cut', async ({ page, context }) => {
  await openApp(page)
  await createSpace(page, 'Field notes')
  await addItems(page, ['Bring water'])
  await waitForOfflineReady(page)

  await context.setOffline(true)
  await page.reload()
  await expectItems(page, ['Bring water'])
  await addItems(page, ['Written offline'])

  await page.reload()
  await expectItems(page, ['Bring water', 'Written offline'])
  // A fresh navigation (not just a reload) also gets the app shell from the cache.
  await page.goto('/#/')
  await expect(page.getByRole('list', { name: 'Your spaces' }).getByRole('link', { name: 'Field notes' })).toBeVisible()
  await context.setOffline(false)
})
