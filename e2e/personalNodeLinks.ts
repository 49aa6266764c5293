/** What a person does in the app to hand a space to their personal node. */
import type { Page } from '@playwright/test'
import { expect } from './fixtures.ts'

/** The link Share gives for "are your personal node". */
export async function replicaLinkOf(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click()
  await page.getByLabel('People with the link').selectOption({ label: 'are your personal node' })
  const field = page.getByRole('textbox', { name: 'Share link' })
  await expect(field).toHaveValue(/#\/r\/[^/]+\/[^/]+\/[^/]+$/)
  const link = await field.inputValue()
  await page.getByRole('button', { name: 'Done' }).click()
  return link
}

