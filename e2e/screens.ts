/**
 * The README's screenshots, made by the e2e run so they never go stale.
 *
 * A screen is written to docs/screens/ only when it looks different from
 * the file already there: today's date in the agenda or a new device id
 * moves a few hundred pixels, a changed layout moves thousands. So a run
 * that changed no screen leaves the working tree clean, and one that did
 * leaves the new pictures to commit with the change. Random content (QR
 * codes) is masked, so it never counts as a change.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'

const SCREENS_DIR = join(fileURLToPath(new URL('..', import.meta.url)), 'docs/screens')
/** Share of pixels that must differ before a screen counts as changed (a date or an id is far less). */
const CHANGED_SHARE = 0.01

export async function saveScreen(page: Page, name: string): Promise<void> {
  const shot = await page.screenshot({ animations: 'disabled', caret: 'hide', mask: [page.getByRole('img', { name: /QR code/i })] })
  const path = join(SCREENS_DIR, `${name}.png`)
  const before = await readFile(path).catch(() => undefined)
  if (before && (await differingShare(page, before, shot)) < CHANGED_SHARE) return
  await mkdir(SCREENS_DIR, { recursive: true })
  await writeFile(path, shot)
}

/** Decodes both pictures in a blank page of the same browser and counts the pixels that differ. */
async function differingShare(page: Page, before: Buffer, after: Buffer): Promise<number> {
  const scratch = await page.context().newPage()
  try {
    return await scratch.evaluate(
      async ([a, b]) => {
        const pixels = async (base64: string): Promise<ImageData> => {
          const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${base64}`)).blob())
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
          const context = canvas.getContext('2d')
          if (!context) throw new Error('No 2D canvas to compare screenshots in.')
          context.drawImage(bitmap, 0, 0)
          return context.getImageData(0, 0, bitmap.width, bitmap.height)
        }
        const [first, second] = await Promise.all([pixels(a), pixels(b)])
        if (first.width !== second.width || first.height !== second.height) return 1
        let differing = 0
        for (let index = 0; index < first.data.length; index += 4) {
          if (first.data[index] !== second.data[index] || first.data[index + 1] !== second.data[index + 1] || first.data[index + 2] !== second.data[index + 2]) differing++
        }
        return differing / (first.width * first.height)
      },
      [before.toString('base64'), after.toString('base64')] as const,
    )
  } finally {
    await scratch.close()
  }
}
