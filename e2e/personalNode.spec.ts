/**
 * The personal node as a blind replica (issue 16, SECURITY MEM10), with
 * real parts only: browsers in their own Chromium processes, the real
 * server and relay, the node as its own process over @roamhq/wrtc, with
 * its LevelDB data folder on disk.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { closePeers, expectTitles, launchPeer, shareLinkOf, syncStatus, type Peer } from './browserPeers.ts'
import { addItems, createSpace, expect, openApp, test } from './fixtures.ts'
import { joinByLink } from './joining.ts'
import { replicaLinkOf } from './personalNodeLinks.ts'
import { newDataFolder, startNode, type NodeProcess } from './personalNodeProcess.ts'

/** Every file of the folder, raw, and every value of its database as LevelDB hands it back (decompressed). */
async function everythingStoredIn(folder: string): Promise<Buffer> {
  const files = await readdir(folder, { recursive: true, withFileTypes: true })
  const raw = await Promise.all(files.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name))))
  const db = new ClassicLevel<string, Uint8Array>(join(folder, 'db'), { valueEncoding: 'view' })
  const values = await db.values().all()
  await db.close()
  return Buffer.concat([...raw, ...values])
}

test.describe('a personal node', () => {
  test('[MEM10] keeps a space while every browser is closed: a newcomer gets it from the node alone, after a kill -9 too, and the node’s disk holds no title', async ({ baseURL }) => {
    test.setTimeout(180_000)
    const data = await newDataFolder()
    const peers: Peer[] = []
    const nodes: NodeProcess[] = []
    try {
      const owner = await launchPeer(baseURL!)
      peers.push(owner)
      await openApp(owner.page)
      await createSpace(owner.page, 'Node trip')
      const titles = ['Passport kept by the node', 'Tickets kept by the node']
      await addItems(owner.page, titles)
      const nodeLink = await replicaLinkOf(owner.page)
      const editorLink = await shareLinkOf(owner.page)

      const node = startNode(data.folder, ['replicate', nodeLink])
      nodes.push(node)
      await node.logged('node started')
      // The owner's open device brings the invite; the node accepts it.
      await node.logged('admitted to a space', 60_000)
      // Up to date: every peer in the room (the node alone) has acknowledged everything the owner's device wrote.
      await expect(syncStatus(owner.page)).toHaveText('Up to date', { timeout: 30_000 })
      await owner.page.getByRole('button', { name: 'Share' }).click()
      await expect(owner.page.getByText('Home node · Replica')).toBeVisible()
      await owner.page.getByRole('button', { name: 'Done' }).click()
      await closePeers(peers.splice(0))

      // Every browser is closed: the node is all a newcomer meets.
      const newcomer = await launchPeer(baseURL!)
      peers.push(newcomer)
      await joinByLink(newcomer.page, editorLink)
      await expectTitles(newcomer.page, titles)
      await expect(newcomer.page.getByRole('textbox', { name: 'Space name' })).toHaveValue('Node trip')
      await expect(syncStatus(newcomer.page)).toHaveText('Up to date', { timeout: 30_000 })
      await closePeers(peers.splice(0))

      // kill -9 and restart: what it acknowledged is on disk.
      await node.kill()
      const restarted = startNode(data.folder, [])
      nodes.push(restarted)
      await restarted.logged('node started')
      const late = await launchPeer(baseURL!)
      peers.push(late)
      await joinByLink(late.page, editorLink)
      await expectTitles(late.page, titles)
      await closePeers(peers.splice(0))
      expect(await restarted.stop()).toBe(0)
      await restarted.logged('stopped; everything held is written')

      const stored = await everythingStoredIn(data.folder)
      expect(stored.length).toBeGreaterThan(4_000)
      for (const secret of [...titles, 'Node trip']) expect(stored.includes(Buffer.from(secret)), `the node's disk holds "${secret}"`).toBe(false)
    } finally {
      await closePeers(peers)
      for (const node of nodes) {
        await node.attachOutput()
        await node.kill()
      }
      await data.remove()
    }
  })
})
