/**
 * Sharing a space between separate Chromium processes, through the real
 * relay, over real WebRTC: join by link, concurrent edits, offline edits,
 * a relay restart, reopening with the network cut, and the relay fallback.
 */
import type { Page } from '@playwright/test'
import { ROW_HEIGHT_PX } from '../src/ui/features/space/ItemRow.tsx'
import { startPiiServer, type RunningPiiServer } from '../src/server/PiiServer.ts'
import { breakWebRtc, closePeers, expectTitles, launchPeer, shareLinkOf, syncAnnouncement, syncStatus, watch } from './browserPeers.ts'
import { addItem, addItemsInPage, APP_ROOT, createSpace, expect, openApp, test } from './fixtures.ts'
import { joinByLink } from './joining.ts'

test.describe.configure({ timeout: 180_000 })

test('A shares a space; B and C join, edit together, work offline, survive a relay restart, and reopen offline', async ({}, testInfo) => {
  // This test restarts the relay, so it has a server of its own rather than the worker's.
  let server: RunningPiiServer = await startPiiServer({ appRoot: APP_ROOT, host: '127.0.0.1', port: 0 })
  const port = Number(new URL(server.url).port)
  const [a, b, c] = await Promise.all([launchPeer(server.url), launchPeer(server.url), launchPeer(server.url)])
  try {
    let link = ''
    await test.step('A creates and shares; B and C join by the link', async () => {
      await openApp(a.page)
      await createSpace(a.page, 'Trip')
      await addItem(a.page, 'Tickets')
      link = await shareLinkOf(a.page)
      // The space, its room secret, and the invite that admits whoever opens it.
      expect(link).toMatch(/\/#\/s\/[1-9A-HJ-NP-Za-km-z]+\/[1-9A-HJ-NP-Za-km-z]+\/[1-9A-HJ-NP-Za-km-z]+$/)
      for (const peer of [b, c]) {
        await joinByLink(peer.page, link)
        await expect(peer.page.getByLabel('Space name')).toHaveValue('Trip', { timeout: 20_000 })
        await expectTitles(peer.page, ['Tickets'])
        // The secret leaves the address bar once the space is joined.
        expect(peer.page.url()).toMatch(/#\/space\//)
      }
      await expect(a.page.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(2, { timeout: 20_000 })
      await expect(a.page.getByRole('list', { name: 'Online now' })).toContainText('direct')
      await expect(syncStatus(a.page)).toHaveText('Up to date', { timeout: 20_000 })
    })

    await test.step('all three edit at once and converge', async () => {
      await Promise.all([addItem(a.page, 'From A'), addItem(b.page, 'From B'), addItem(c.page, 'From C')])
      const all = ['Tickets', 'From A', 'From B', 'From C']
      for (const peer of [a, b, c]) await expectTitles(peer.page, all)
    })

    await test.step('B edits offline, reconnects, and everything merges', async () => {
      // Once B has heard that another device holds "From B": going offline before that, B would rightly count it unseen.
      await expect(syncStatus(b.page)).toHaveText('Up to date', { timeout: 20_000 })
      await b.context.setOffline(true)
      await b.page.reload()
      await expect(syncStatus(b.page)).toContainText('Offline')
      await addItem(b.page, 'Offline from B')
      await addItem(a.page, 'Meanwhile from A')
      await expect(syncStatus(b.page)).toContainText('1 change not yet seen by any other device')
      // A screen reader hears the network come back, not every count: the line's changes are not announced.
      await expect(syncAnnouncement(b.page)).toBeEmpty()
      await b.context.setOffline(false)
      const all = ['Tickets', 'From A', 'From B', 'From C', 'Offline from B', 'Meanwhile from A']
      for (const peer of [a, b, c]) await expectTitles(peer.page, all)
      await expect(syncStatus(b.page)).toHaveText('Up to date', { timeout: 20_000 })
      await expect(syncAnnouncement(b.page)).toHaveText('Back online.')
      await expect(syncAnnouncement(b.page)).toHaveRole('status')
      await expect(syncStatus(b.page)).not.toHaveAttribute('role')
    })

    await test.step('the relay restarts mid-session and sync resumes by itself', async () => {
      await server.close()
      server = await startPiiServer({ appRoot: APP_ROOT, host: '127.0.0.1', port })
      // C reloads: its WebRTC links are gone, so only the restarted relay can bring it back into the mesh.
      await c.page.reload()
      await addItem(c.page, 'After restart')
      for (const peer of [a, b, c]) await expectTitles(peer.page, ['Tickets', 'From A', 'From B', 'From C', 'Offline from B', 'Meanwhile from A', 'After restart'])
    })

    await test.step('C closes, reopens with the network cut, and still has everything', async () => {
      const spaceUrl = c.page.url()
      await c.page.close()
      await c.context.setOffline(true)
      c.page = await c.context.newPage()
      watch(c)
      await c.page.goto(spaceUrl)
      await expectTitles(c.page, ['Tickets', 'From A', 'From B', 'From C', 'Offline from B', 'Meanwhile from A', 'After restart'])
      await expect(syncStatus(c.page)).toContainText('Offline')
    })
    testInfo.annotations.push({ type: 'share link', description: link.replace(/[^/]+$/, '<secret>') })
  } finally {
    await closePeers([a, b, c])
    await server.close()
  }
})

test('with WebRTC failing on one peer, sync goes through the relay', async ({ baseURL }) => {
  const a = await launchPeer(baseURL!)
  // No TURN server and relay-only ICE: this browser can never open a WebRTC connection.
  const b = await launchPeer(baseURL!, breakWebRtc)
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Behind a NAT')
    await addItem(a.page, 'Before B')
    await joinByLink(b.page, await shareLinkOf(a.page))
    await expectTitles(b.page, ['Before B'])
    await addItem(b.page, 'From B')
    await addItem(a.page, 'From A')
    await expectTitles(a.page, ['Before B', 'From A', 'From B'])
    await expectTitles(b.page, ['Before B', 'From A', 'From B'])
    await expect(b.page.getByRole('list', { name: 'Online now' })).toContainText('through the relay')
    await expect(a.page.getByRole('list', { name: 'Online now' })).toContainText('through the relay')
  } finally {
    await closePeers([a, b])
  }
})

test('a space bigger than one WebRTC message reaches a newcomer over a direct connection', async ({ baseURL }) => {
  // An SCTP data channel carries at most 256 KiB per message, and a newcomer's sync reply holds the whole space.
  const titles = Array.from({ length: 320 }, (_, index) => `${index} `.padEnd(1000, String.fromCharCode(97 + (index % 26))))
  const a = await launchPeer(baseURL!)
  const b = await launchPeer(baseURL!)
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Archive')
    await addItemsInPage(a.page, titles)
    await expect(countLine(a.page)).toHaveText(`${titles.length} of ${titles.length} to do`)
    // Each added item was scrolled into view.
    await expect(a.page.locator(`[aria-posinset="${titles.length}"]`)).toBeInViewport()
    await a.page.locator('.item-scroller').evaluate((element) => (element.scrollTop = 0))
    await joinByLink(b.page, await shareLinkOf(a.page))
    await expect(b.page.getByRole('list', { name: 'Online now' })).toContainText('direct', { timeout: 20_000 })
    await expect(countLine(b.page))
      .toHaveText(`${titles.length} of ${titles.length} to do`, { timeout: 30_000 })
      .catch(async (error: unknown) => {
        // Once, B stayed at "Nothing here yet." while listed "direct": what B's page says (its access, its sync line, who it sees).
        const shown = await b.page.locator('main').innerText().catch(() => '')
        throw new Error(`B has not got the space. B's page: ${shown.slice(0, 1_500)}`, { cause: error })
      })
    expect((await everyTitle(b.page)).join('\n') === titles.join('\n'), 'B holds every title, in order').toBe(true)
    await addItem(b.page, 'Reply from B')
    await expect(countLine(a.page)).toHaveText(`${titles.length + 1} of ${titles.length + 1} to do`)
    // A change from a peer leaves A where it scrolled to, not back at the item it added last
    // (a reveal would scroll in the next frame, so wait for two).
    await a.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
    await expect(a.page.locator('[aria-posinset="1"]')).toBeInViewport()
  } finally {
    await closePeers([a, b])
  }
})

/** "N of M to do": the list renders only the rows in view, so this is where its length shows. */
function countLine(page: Page) {
  return page.locator('p.count')
}

/** Every title of a long list, in order: the list renders only the rows in view, so this scrolls through it. */
async function everyTitle(page: Page): Promise<string[]> {
  const titles = new Map<number, string>()
  const scroller = page.locator('.item-scroller')
  for (let top = 0; ; ) {
    await scroller.evaluate((element, top) => (element.scrollTop = top), top)
    // The row at the new top is rendered once React has handled the scroll.
    const wanted = Math.floor(top / ROW_HEIGHT_PX) + 1
    await expect(page.locator(`[aria-posinset="${wanted}"]`))
      .toBeAttached()
      .catch(async (error: unknown) => {
        // Where the list was when the row did not come: its scroll position, the rows it rendered, the page's heading.
        const state = await scroller.evaluate(
          (element) =>
            `scrollTop ${element.scrollTop} of ${element.scrollHeight}, rows ${[...element.querySelectorAll('[aria-posinset]')].map((row) => row.getAttribute('aria-posinset')).join(',')}; page: ${document.querySelector('main')?.textContent?.slice(0, 300) ?? ''}`,
        )
        throw new Error(`Row ${wanted} never rendered after scrolling to ${top}: ${state}`, { cause: error })
      })
    const rows = await page.getByRole('list', { name: 'Items' }).getByRole('listitem').evaluateAll((items) =>
      items.map((item) => [Number(item.getAttribute('aria-posinset')), item.querySelector<HTMLInputElement>('input[aria-label="Item title"]')?.value ?? ''] as const),
    )
    for (const [position, title] of rows) titles.set(position, title)
    const { scrollTop, clientHeight, scrollHeight } = await scroller.evaluate((element) => ({ scrollTop: element.scrollTop, clientHeight: element.clientHeight, scrollHeight: element.scrollHeight }))
    if (scrollTop + clientHeight >= scrollHeight) break
    top = scrollTop + clientHeight
  }
  return [...titles.entries()].sort(([a], [b]) => a - b).map(([, title]) => title)
}

test('[ACK5] a browser that closes leaves "Online now" and never reappears there as reached through the relay', async ({ baseURL }) => {
  const a = await launchPeer(baseURL!)
  // Only B's page: its service worker, a session of its own that reaches rooms through the relay, would be listed too.
  const b = await launchPeer(baseURL!, undefined, { serviceWorkers: 'block' })
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Who is here')
    await joinByLink(b.page, await shareLinkOf(a.page))
    const online = a.page.getByRole('list', { name: 'Online now' })
    await expect(online).toContainText('direct', { timeout: 20_000 })
    await b.browser.close()
    // Listed "direct" until WebRTC notices the connection is gone (~15 s for a killed browser), then not at all.
    // Before, it came back as reached "through the relay" from then until 30-35 s after closing.
    let gone = false
    for (const end = Date.now() + 35_000; Date.now() < end; await a.page.waitForTimeout(500)) {
      // One read that never waits: counting first and then reading raced the list's removal, and the read waited for
      // a list that was gone until the test timed out.
      const listed = (await online.allTextContents()).join('')
      expect(listed).not.toContain('through the relay')
      if (gone) expect(listed).toBe('')
      gone ||= listed === ''
    }
    expect(gone).toBe(true)
  } finally {
    await closePeers([a, b])
  }
})
