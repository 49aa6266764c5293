/**
 * Members and roles between real browsers (MEMBERSHIP.md): links per role,
 * a viewer who forces an edit past the UI, and a removal.
 */
import type { Page } from '@playwright/test'
import { addItem, createSpace, expect, openApp, test } from './fixtures.ts'
import { closePeers, cuttableNetwork, expectTitles, launchPeer, shareLinkOf } from './browserPeers.ts'
import { joinByLink } from './joining.ts'
import { framesRevealing, startCapturingProxy } from '../test/helpers/capturingProxy.ts'

/** What devtools can do that the UI does not offer: re-enable the controls a read-only role has disabled. */
async function forceControls(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const fieldset of document.querySelectorAll('fieldset')) fieldset.disabled = false
  })
}

const refusedNotice = (page: Page) => page.getByText(/\d+ changes? from peers refused/)

// Three browsers and a rekey each: ~50 s on a busy 2-core machine, more than the default 60 s leaves room for.
test.describe.configure({ timeout: 180_000 })

test('[M7][M8] an editor and a viewer join by their links; the viewer’s forced edit and a removed editor’s typing reach nobody', async ({ baseURL }) => {
  const [owner, editor, viewer] = await Promise.all([launchPeer(baseURL!), launchPeer(baseURL!), launchPeer(baseURL!)])
  try {
    await test.step('the owner shares a "can edit" and a "can view" link', async () => {
      await openApp(owner.page)
      await createSpace(owner.page, 'Club')
      await addItem(owner.page, 'Agenda')
      const editLink = await shareLinkOf(owner.page)
      const viewLink = await shareLinkOf(owner.page, 'Can view')
      expect(viewLink).not.toBe(editLink)
      await openApp(editor.page)
      await editor.page.getByLabel('Display name').fill('Editor')
      await editor.page.getByLabel('Display name').press('Enter')
      await joinByLink(editor.page, editLink)
      await joinByLink(viewer.page, viewLink)
      for (const peer of [editor, viewer]) await expectTitles(peer.page, ['Agenda'])
    })

    await test.step('the viewer is told what it can do, and its forced edit stays on its own device', async () => {
      await expect(viewer.page.getByRole('status').filter({ hasText: 'Only its editors can change it' })).toBeVisible({ timeout: 20_000 })
      await expect(viewer.page.getByLabel('New item')).toBeDisabled()
      await forceControls(viewer.page)
      await addItem(viewer.page, 'forced by the viewer')
      await expectTitles(viewer.page, ['Agenda', 'forced by the viewer'])
      // The forced edit reached the others (they say they refused it), and shows on neither.
      for (const peer of [owner, editor]) await expect(refusedNotice(peer.page)).toBeVisible({ timeout: 20_000 })
      await addItem(editor.page, 'from the editor')
      for (const peer of [owner, editor, viewer]) await expectTitles(peer.page, ['Agenda', 'from the editor', ...(peer === viewer ? ['forced by the viewer'] : [])])
    })

    await test.step('who added an item is the member whose device signed it, named by the membership log', async () => {
      await owner.page.getByRole('button', { name: 'Notes for from the editor' }).click()
      await expect(owner.page.getByLabel('Who changed this item')).toHaveText(/^Added by Editor \(device …\w{6}\)$/)
      await owner.page.getByRole('button', { name: 'Close' }).click()
      await owner.page.getByRole('button', { name: 'Notes for Agenda' }).click()
      await expect(owner.page.getByLabel('Who changed this item')).toHaveText('Added by you')
      await owner.page.getByRole('button', { name: 'Close' }).click()
    })

    await test.step('the owner removes the editor, whose typing from then on reaches nobody', async () => {
      await owner.page.getByRole('button', { name: 'Share' }).click()
      await owner.page.getByRole('button', { name: /^Remove / }).first().click()
      await owner.page.getByRole('dialog', { name: /^Remove / }).getByRole('button', { name: 'Remove' }).click()
      await owner.page.getByRole('button', { name: 'Done' }).click()
      await expect(editor.page.getByRole('status').filter({ hasText: 'You were removed from this space' })).toBeVisible({ timeout: 20_000 })
      await forceControls(editor.page)
      await addItem(editor.page, 'typed after the removal')
      await addItem(owner.page, 'after the removal, from the owner')
      // The removal re-keyed the space: the others moved to a room the removed editor cannot find, so its typing reaches
      // neither of them (and were it relayed, it would be refused: M8, in the unit tests).
      await expectTitles(viewer.page, ['Agenda', 'from the editor', 'forced by the viewer', 'after the removal, from the owner'])
      await expectTitles(owner.page, ['Agenda', 'from the editor', 'after the removal, from the owner'])
      await expectTitles(editor.page, ['Agenda', 'from the editor', 'typed after the removal'])
    })
  } finally {
    await closePeers([owner, editor, viewer])
  }
})

async function sortedTitlesOf(page: Page): Promise<string[]> {
  const inputs = page.getByRole('list', { name: 'Items' }).getByLabel('Item title')
  return (await inputs.evaluateAll((elements) => elements.map((element) => (element as HTMLInputElement).value))).sort()
}

test('[M10] a removal re-keys the space: the removed member stops receiving, and a member offline meanwhile follows into the new room; the relay never sees a title', async ({ piiServer }) => {
  // Every browser reaches the relay through a proxy that keeps each frame: the whole run's relay traffic.
  const proxy = await startCapturingProxy(piiServer.url)
  const [owner, removed, away] = await Promise.all([launchPeer(proxy.url), launchPeer(proxy.url), launchPeer(proxy.url, cuttableNetwork)])
  try {
    await test.step('two editors join', async () => {
      await openApp(owner.page)
      await createSpace(owner.page, 'Flat')
      await addItem(owner.page, 'Rent')
      const link = await shareLinkOf(owner.page)
      for (const peer of [removed, away]) await joinByLink(peer.page, link)
      for (const peer of [removed, away]) await expectTitles(peer.page, ['Rent'])
    })

    await test.step('one goes offline; the owner removes the other and writes on', async () => {
      await away.context.setOffline(true)
      await away.page.evaluate(() => (window as unknown as { piiCutNetwork(): void }).piiCutNetwork())
      await owner.page.getByRole('button', { name: 'Share' }).click()
      await owner.page.getByRole('button', { name: /^Remove / }).first().click()
      await owner.page.getByRole('dialog', { name: /^Remove / }).getByRole('button', { name: 'Remove' }).click()
      await owner.page.getByRole('button', { name: 'Done' }).click()
      await expect(removed.page.getByRole('status').filter({ hasText: 'You were removed from this space' })).toBeVisible({ timeout: 20_000 })
      await addItem(owner.page, 'written in the new epoch')
    })

    await test.step('the one who was offline comes back, finds the rekey where it left, and follows with everything written meanwhile', async () => {
      await addItem(away.page, 'written while offline')
      await away.context.setOffline(false)
      for (const peer of [owner, away]) await expectTitles(peer.page, ['Rent', 'written in the new epoch', 'written while offline'])
      await addItem(owner.page, 'once everyone is back')
      await expectTitles(away.page, ['Rent', 'written in the new epoch', 'written while offline', 'once everyone is back'])
      // What was written after the rekey went through the new room, which the removed member cannot find. (What the
      // returning member wrote offline, before it knew, it offered in the old room as it came back: MEMBERSHIP.md M10.)
      const seenByRemoved = await sortedTitlesOf(removed.page)
      expect(seenByRemoved).not.toContain('written in the new epoch')
      expect(seenByRemoved).not.toContain('once everyone is back')
    })

    await test.step('the relay carried the run, and no title in the clear', () => {
      expect(proxy.frames.length).toBeGreaterThan(10)
      // The long titles only: four random bytes of ciphertext spell "Rent" once in a few GB, not never.
      expect(framesRevealing(proxy.frames, ['written in the new epoch', 'written while offline', 'once everyone is back'])).toEqual([])
    })
  } finally {
    await closePeers([owner, removed, away])
    await proxy.close()
  }
})
