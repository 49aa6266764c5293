import { expect, openApp, test } from './fixtures.ts'

test('the device gets an Ed25519 did:key with a non-extractable private key, kept across reloads', async ({ page }) => {
  await openApp(page)
  const did = page.getByTestId('device-did')
  await expect(did).toHaveText(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/)
  const first = await did.textContent()

  const stored = await page.evaluate(
    () =>
      new Promise<{ kind: string; extractable: boolean | undefined }>((resolve, reject) => {
        const open = indexedDB.open('pii-keys')
        open.onerror = () => reject(open.error ?? new Error('opening pii-keys failed'))
        open.onsuccess = () => {
          const get = open.result.transaction('keys').objectStore('keys').get('device') as IDBRequest<{ kind: string; privateKey?: CryptoKey }>
          get.onsuccess = () => resolve({ kind: get.result.kind, extractable: get.result.privateKey?.extractable })
        }
      }),
  )
  expect(stored).toEqual({ kind: 'webcrypto', extractable: false })

  await page.reload()
  await expect(did).toHaveText(first ?? '')
})

test('the display name is editable and kept', async ({ page }) => {
  await openApp(page)
  await page.getByLabel('Display name').fill('Kitchen tablet')
  await page.getByLabel('Display name').press('Enter')
  await page.reload()
  await expect(page.getByLabel('Display name')).toHaveValue('Kitchen tablet')
})
