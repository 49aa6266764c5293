/**
 * Pii on a phone (issue 17): every screen at 360 × 640 with touch fits the
 * screen (no sideways scrolling, no clipped title) and has no moderate,
 * serious or critical accessibility violation axe can find, in light and in dark.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { addItem, createSpace, expect, openApp, test } from './fixtures.ts'
import { saveScreen } from './screens.ts'

const PHONE_WIDTH = 360
test.use({ viewport: { width: PHONE_WIDTH, height: 640 }, hasTouch: true, isMobile: true })
// The walk with its axe passes takes ~40 s alone and three times that beside the rest of the suite on 2 cores.
test.describe.configure({ timeout: 300_000 })

const LONG_NAME = 'Weekend trip to the mountains with everyone'

/**
 * Marks the screens axe checks: one of each kind (the space list, a space with items and a note open, share, the
 * Schedule tab with an operation being edited, then with its run history and the schedulers open, agenda, inbox,
 * pairing). The steps between them change no more than a few rows, and each axe pass costs seconds on a busy
 * 2-core machine.
 */
const AXE = true

/** The screens the README shows, by the file each is saved as (see screens.ts). */
const README_SCREENS: Readonly<Record<string, string>> = {
  spaces: 'spaces',
  'a space with items': 'space',
  'an item’s notes': 'notes',
  share: 'share',
  'schedule: planning an operation': 'schedule',
  agenda: 'agenda',
  inbox: 'inbox',
  'add a device': 'add-device',
}

/** Each main screen, reached as a person would, then `check` run on it. */
async function visitEveryScreen(page: Page, check: (screen: string, axe?: boolean) => Promise<void>): Promise<void> {
  await openApp(page)
  await check('spaces (empty)', AXE)
  await createSpace(page, LONG_NAME)
  await check('a space with no items')
  for (const title of ['Tent', 'Sleeping bags for four people and a spare one', 'Stove']) await addItem(page, title)
  await check('a space with items')
  await page.getByRole('button', { name: /Notes/ }).first().click()
  await check('an item’s notes', AXE)
  await page.getByRole('button', { name: 'Share' }).click()
  await expect(page.getByRole('textbox', { name: 'Share link' })).toHaveValue(/#\/s\//)
  await check('share', AXE)
  await page.getByRole('button', { name: 'Done' }).click()
  await page.getByRole('tab', { name: 'Schedule' }).click()
  const form = page.getByRole('form', { name: 'New operation' })
  await form.getByLabel('Title').fill('Doctor')
  await form.getByLabel('When').fill('every 2 weeks on Tuesday at 10am')
  await expect(form.getByRole('list', { name: 'Next occurrences' }).getByRole('listitem')).toHaveCount(5)
  await check('schedule: planning an operation')
  await form.getByRole('button', { name: 'Plan it' }).click()
  await expect(form.getByRole('status')).toContainText('Planned “Doctor”')
  await check('schedule: an operation planned')
  await page.getByRole('list', { name: 'Operations' }).getByRole('listitem', { name: 'Doctor' }).getByRole('button', { name: 'Edit' }).click()
  await check('schedule: editing an operation', AXE)
  await page.getByRole('button', { name: 'Cancel edit' }).click()
  const operations = page.getByRole('list', { name: 'Operations' })
  // "Run now" runs a copy at once, listed as an operation of its own.
  await operations.getByRole('listitem', { name: 'Doctor' }).getByRole('button', { name: 'Run now' }).click()
  await operations.getByRole('listitem', { name: 'Doctor (run now)' }).getByRole('button', { name: 'History (1)' }).click()
  // On a phone the header row is not shown: each cell names its column.
  await expect(page.getByRole('table', { name: 'Run history of Doctor (run now)' }).getByRole('row')).toHaveCount(1)
  await check('schedule: run history')
  await page.getByRole('group').getByText('Advanced: schedulers and their budgets').click()
  await expect(page.getByRole('table', { name: 'Schedulers' })).toBeVisible()
  await check('schedule: schedulers', AXE)
  await page.getByRole('link', { name: 'Agenda' }).click()
  await expect(page.getByRole('heading', { name: 'Agenda' })).toBeVisible()
  await check('agenda', AXE)
  await page.getByRole('link', { name: 'Inbox' }).click()
  await expect(page.getByRole('heading', { name: 'Inbox' })).toBeVisible()
  await check('inbox', AXE)
  await page.getByRole('link', { name: 'Spaces' }).click()
  await expect(page.getByRole('link', { name: LONG_NAME })).toBeVisible()
  await check('spaces')
  await page.getByRole('button', { name: 'Add a device' }).click()
  await expect(page.getByRole('textbox', { name: 'Pairing link' })).toHaveValue(/#\/pair\//, { timeout: 20_000 })
  await check('add a device', AXE)
  const pairingLink = await page.getByRole('textbox', { name: 'Pairing link' }).inputValue()
  await page.getByRole('button', { name: 'Cancel' }).click()
  await page.goto(pairingLink)
  await expect(page.getByRole('heading', { name: 'Link this device to another of yours?' })).toBeVisible()
  await check('a pairing link, asking first', AXE)
}

test('[UI1] [UI4] every screen fits a 360 px phone (nothing scrolls sideways) and has no moderate, serious or critical accessibility violation, light and dark', async ({ page }) => {
  // One walk through the screens checks both: the walk costs as much as the checks on this 2-core machine.
  await visitEveryScreen(page, async (screen, axe = false) => {
    // Against the phone's width itself: a mobile browser widens its layout viewport (innerWidth) to fit what overflows.
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))
    expect.soft(innerWidth, `${screen}: layout viewport`).toBe(PHONE_WIDTH)
    expect.soft(scrollWidth, `${screen}: page width`).toBeLessThanOrEqual(PHONE_WIDTH)
    const wide = await page.evaluate(
      (width) =>
        [...document.querySelectorAll<HTMLElement>('body *')]
          .filter((element) => element.getBoundingClientRect().right > width + 0.5 && element.getClientRects().length > 0)
          .map((element) => `${element.tagName.toLowerCase()}.${element.className} ${Math.round(element.getBoundingClientRect().right)}`)
          .slice(0, 8),
      PHONE_WIDTH,
    )
    expect.soft(wide, `${screen}: elements past the right edge`).toEqual([])
    const screenshot = README_SCREENS[screen]
    if (screenshot) await saveScreen(page, screenshot)
    if (!axe) return
    // Every rule in light; in dark only what the colour scheme changes (contrast): the structure is the same page.
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      const builder = new AxeBuilder({ page })
      const { violations } = await (colorScheme === 'dark' ? builder.withRules(['color-contrast']) : builder).analyze()
      // Moderate too: the issue asks for no serious or critical one, and with every page's h1 and heading levels in order there is none.
      const serious = violations.filter((violation) => violation.impact === 'moderate' || violation.impact === 'serious' || violation.impact === 'critical')
      const found = serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).slice(0, 4).join(', ')})`)
      expect.soft(found, `${screen}, ${colorScheme}: accessibility`).toEqual([])
    }
    await page.emulateMedia({ colorScheme: 'light' })
  })
})

/** Titles in list order (all rows are in view here). */
async function titlesInOrder(page: Page): Promise<string[]> {
  return page.getByRole('list', { name: 'Items' }).getByRole('listitem').evaluateAll((rows) =>
    rows
      .map((row) => [Number(row.getAttribute('aria-posinset')), row.querySelector<HTMLInputElement>('input[aria-label="Item title"]')?.value ?? ''] as const)
      .sort(([a], [b]) => a - b)
      .map(([, title]) => title),
  )
}

test('[UI2] by touch: an item’s menu moves it up or down, opens its notes and deletes it, and a finger drags a row by its handle', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Packing')
  for (const title of ['Tent', 'Stove', 'Map', 'Torch']) await addItem(page, title)
  await expect.poll(() => titlesInOrder(page)).toEqual(['Tent', 'Stove', 'Map', 'Torch'])

  await page.getByRole('button', { name: 'More for Tent' }).tap()
  await page.getByRole('group', { name: 'Actions for Tent' }).getByRole('button', { name: 'Move down' }).tap()
  await expect.poll(() => titlesInOrder(page)).toEqual(['Stove', 'Tent', 'Map', 'Torch'])
  await expect(page.getByRole('group', { name: 'Actions for Tent' })).toBeHidden()
  await page.getByRole('button', { name: 'More for Map' }).tap()
  await page.getByRole('group', { name: 'Actions for Map' }).getByRole('button', { name: 'Move up' }).tap()
  await expect.poll(() => titlesInOrder(page)).toEqual(['Stove', 'Map', 'Tent', 'Torch'])

  // The rest of an item's actions are in the same menu: on a phone the row's ✕ gives its room to the title.
  await addItem(page, 'Spare socks')
  await expect(page.getByRole('button', { name: 'Delete Spare socks' })).toBeHidden()
  await page.getByRole('button', { name: 'More for Spare socks' }).tap()
  await page.getByRole('group', { name: 'Actions for Spare socks' }).getByRole('button', { name: 'Notes' }).tap()
  await expect(page.getByRole('complementary', { name: 'Notes for Spare socks' }).getByRole('textbox', { name: 'Notes' })).toBeVisible()
  await page.getByRole('button', { name: 'More for Spare socks' }).tap()
  await page.getByRole('group', { name: 'Actions for Spare socks' }).getByRole('button', { name: 'Delete' }).tap()
  await expect.poll(() => titlesInOrder(page)).toEqual(['Stove', 'Map', 'Tent', 'Torch'])

  // A real touch sequence (touchstart, moves, touchend) through DevTools: the browser turns it into pointer events.
  // Last in the test: a tap right after it would land inside the browser's double-tap window, which no finger does.
  const from = (await page.locator('[aria-posinset="4"] .drag-handle').boundingBox({ timeout: 10_000 }))!
  const firstRow = (await page.locator('[aria-posinset="1"]').boundingBox({ timeout: 10_000 }))!
  const cdp = await page.context().newCDPSession(page)
  const x = from.x + from.width / 2
  const startY = from.y + from.height / 2
  const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', y: number) =>
    cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] })
  await touch('touchStart', startY)
  const target = firstRow.y + 4
  for (let step = 1; step <= 10; step++) await touch('touchMove', startY + ((target - startY) * step) / 10)
  await touch('touchEnd', target)
  await expect.poll(() => titlesInOrder(page)).toEqual(['Torch', 'Stove', 'Map', 'Tent'])
})
