/**
 * Opening a share link asks first (LNK1–LNK3): any page can send a browser
 * to a link, but nothing is stored, announced or hosted until the person
 * chooses "Join"; leaving a space takes it off the device again.
 */
import type { Page } from '@playwright/test'
import { shortSpaceId } from '../src/ui/features/join/joinWording.ts'
import { closePeers, expectTitles, launchPeer, shareLinkOf } from './browserPeers.ts'
import { addItem, createSpace, expect, openApp, test, watchProblems } from './fixtures.ts'
import { expectNobodyOnlineFor, hostedSpacesOf, joinButton, joinByLink, partsOfLink, startOtherSite, storedMentionsOf } from './joining.ts'

test.describe.configure({ timeout: 120_000 })

/** How long a device that had joined would take to show up to the others: WebRTC and the relay both answer within 3 s here. */
const WATCH_FOR_PRESENCE_MS = 6_000

const joinScreen = (page: Page) => page.getByRole('region', { name: 'Join this shared space?' })

test('[LNK3] a page on another origin navigates to a share link; nothing is joined until the click', async ({ baseURL }) => {
  const a = await launchPeer(baseURL!)
  const b = await launchPeer(baseURL!)
  const elsewhere = await startOtherSite()
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Plans')
    await addItem(a.page, 'Booked the ferry')
    const link = await shareLinkOf(a.page)
    const { space } = partsOfLink(link)
    await openApp(b.page)
    await b.page.getByLabel('Display name').fill('Bea’s laptop')
    await b.page.getByLabel('Display name').press('Enter')

    await b.page.goto(elsewhere.pageSendingTo(link))
    await expect(joinButton(b.page)).toBeFocused()
    expect(new URL(b.page.url()).origin).toBe(new URL(baseURL!).origin)
    await expect(joinScreen(b.page)).toContainText(shortSpaceId(space))
    await expect(joinScreen(b.page)).toContainText('store the space and everything in it on this device')
    await expect(joinScreen(b.page)).toContainText('as “Bea’s laptop”')
    await expect(joinScreen(b.page)).toContainText('reminders and webhooks')

    // Before the click: nobody shows up on A (no room joined over WebRTC or the relay), and B stores nothing of the space.
    await expectNobodyOnlineFor(a.page, WATCH_FOR_PRESENCE_MS)
    expect(await storedMentionsOf(b.page, space)).toEqual([])
    expect(await hostedSpacesOf(b.page)).not.toContain(space)

    await joinButton(b.page).click()
    await expect(b.page.getByLabel('Space name')).toHaveValue('Plans', { timeout: 20_000 })
    await expectTitles(b.page, ['Booked the ferry'])
    expect(b.page.url()).toMatch(/#\/space\//)
    await expect(a.page.getByRole('list', { name: 'Online now' })).toContainText('Bea’s laptop', { timeout: 20_000 })
    // The same look at storage that found nothing before does find the space now.
    await expect.poll(() => storedMentionsOf(b.page, space)).toContain(`pii-space-${space}`)
  } finally {
    await closePeers([a, b])
    await elsewhere.close()
  }
})

test('[LNK2] leaving a space removes it from the device, stops its reminders, and others keep it', async ({ baseURL }) => {
  const a = await launchPeer(baseURL!)
  const b = await launchPeer(baseURL!)
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Chores')
    await addItem(a.page, 'Dishes')
    const link = await shareLinkOf(a.page)
    const { space } = partsOfLink(link)
    await joinByLink(b.page, link)
    await expectTitles(b.page, ['Dishes'])
    await expect(a.page.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(1, { timeout: 20_000 })
    // B's scheduler host runs the space (its reminders, its webhooks) as it runs every space on the device.
    await expect.poll(() => hostedSpacesOf(b.page), { timeout: 20_000 }).toContain(space)

    await b.page.getByRole('button', { name: 'Leave this space' }).click()
    const dialog = b.page.getByRole('dialog', { name: 'Leave “Chores”?' })
    await expect(dialog).toContainText('removed from this device')
    await expect(dialog).toContainText('Members who have it keep their copies')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await expect(b.page.getByLabel('Space name')).toHaveValue('Chores')

    await b.page.getByRole('button', { name: 'Leave this space' }).click()
    await dialog.getByRole('button', { name: 'Leave space' }).click()
    await expect(b.page.getByText('No spaces yet.')).toBeVisible()
    expect(new URL(b.page.url()).hash).toBe('#/')
    // The host goes on running (it publishes), with nothing to run.
    await expect.poll(() => hostedSpacesOf(b.page), { timeout: 20_000 }).toEqual([])
    // Its databases are deleted (the device doc's history may name the space until that doc is compacted).
    await expect.poll(() => storedMentionsOf(b.page, space)).not.toContainEqual(expect.stringMatching(`^pii-(space|log)-${space}$`))
    // Neither B's tab nor its host is in the space's room any more.
    await expect(a.page.getByText('Nobody else has this space open.')).toBeVisible({ timeout: 20_000 })
    await b.page.reload()
    await expect(b.page.getByText('No spaces yet.')).toBeVisible()

    await expect(a.page.getByLabel('Space name')).toHaveValue('Chores')
    await expectTitles(a.page, ['Dishes'])
    await a.page.reload()
    await expectTitles(a.page, ['Dishes'])
  } finally {
    await closePeers([a, b])
  }
})

test('[LNK1] the join screen says what joining does; "Not now" and Escape leave nothing; a link to a space already here just opens it', async ({ page, browser, baseURL }) => {
  await openApp(page)
  await createSpace(page, 'Lisbon')
  await addItem(page, 'Tram 28')
  const link = await shareLinkOf(page)
  const { space, secret } = partsOfLink(link)
  // The device that made the space: the link opens it, no question asked, and the secret leaves the address.
  await page.getByRole('link', { name: 'Back to your spaces' }).click()
  await page.goto(link)
  await expect(page.getByLabel('Space name')).toHaveValue('Lisbon')
  expect(page.url()).not.toContain(secret)
  await expect(joinButton(page)).toHaveCount(0)

  const other = await browser.newContext({ baseURL: baseURL! })
  try {
    const newcomer = await other.newPage()
    const problems: string[] = []
    watchProblems(newcomer, problems)
    await newcomer.goto(link)
    await expect(joinButton(newcomer)).toBeFocused()
    await expect(joinScreen(newcomer)).toContainText('as “Unnamed device”')
    await newcomer.keyboard.press('Escape')
    await expect(newcomer.getByText('No spaces yet.')).toBeVisible()
    expect(newcomer.url()).not.toContain(secret)

    await newcomer.goto(link)
    await joinScreen(newcomer).getByRole('button', { name: 'Not now' }).click()
    await expect(newcomer.getByText('No spaces yet.')).toBeVisible()
    expect(newcomer.url()).not.toContain(secret)
    await newcomer.reload()
    await expect(newcomer.getByText('No spaces yet.')).toBeVisible()
    expect(await storedMentionsOf(newcomer, space)).toEqual([])
    expect(problems).toEqual([])
  } finally {
    await other.close()
  }
})

test('a space shared the moment it is made arrives with its name, and a rename from the space list reaches who joined', async ({ baseURL }) => {
  const a = await launchPeer(baseURL!)
  const b = await launchPeer(baseURL!)
  try {
    // Nothing but the name: the list hands the new space to its view, and only the session that wrote the name may sign it.
    await openApp(a.page)
    await a.page.getByLabel('New space name').fill('Draft')
    await a.page.getByRole('button', { name: 'Create space' }).click()
    await joinByLink(b.page, await shareLinkOf(a.page))
    await expect(b.page.getByLabel('Space name')).toHaveValue('Draft', { timeout: 20_000 })

    // From the list, A's tab opens the space just to rename it and closes it again at once.
    await openApp(a.page)
    await a.page.getByRole('button', { name: 'Rename Draft' }).click()
    await a.page.getByLabel('New name for Draft').fill('Final')
    await a.page.getByLabel('New name for Draft').press('Enter')
    await expect(a.page.getByRole('link', { name: 'Final' })).toBeVisible()
    // B hears of it from A's device once A opens the space again (the rename itself left no room open).
    await a.page.getByRole('link', { name: 'Final' }).click()
    await expect(b.page.getByLabel('Space name')).toHaveValue('Final', { timeout: 20_000 })
  } finally {
    await closePeers([a, b])
  }
})
