/**
 * What the relay can see, and what a rogue member can do: nothing of the
 * content crosses the relay readable, and forged, tampered or deleted
 * envelopes change nothing any honest peer shows.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { breakWebRtc, closePeers, expectTitles, launchPeer, shareLinkOf } from './browserPeers.ts'
import { startCapturingProxy } from '../test/helpers/capturingProxy.ts'
import { addItem, createSpace, expect, openApp, test } from './fixtures.ts'
import { joinByLink } from './joining.ts'

test.describe.configure({ timeout: 120_000 })

test('the relay receives no title, name or space id, even when it carries the sync', async ({ piiServer }) => {
  const proxy = await startCapturingProxy(piiServer.url)
  const a = await launchPeer(proxy.url)
  // B cannot use WebRTC, so every change between A and B crosses the relay.
  const b = await launchPeer(proxy.url, breakWebRtc)
  const secrets = ['Surprise party for Dana', 'Buy a cake for Dana', 'Secret plans']
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Secret plans')
    await addItem(a.page, 'Surprise party for Dana')
    const link = await shareLinkOf(a.page)
    await joinByLink(b.page, link)
    await expectTitles(b.page, ['Surprise party for Dana'])
    await addItem(b.page, 'Buy a cake for Dana')
    await expectTitles(a.page, ['Surprise party for Dana', 'Buy a cake for Dana'])
    const spaceId = new URL(link).hash.split('/')[2]!
    expect(proxy.frames.length).toBeGreaterThan(10)
    expect(proxy.frames.some((frame) => frame.includes('pii-relay-'))).toBe(true)
    for (const frame of proxy.frames) {
      const decoded = [...frame.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((match) => Buffer.from(match[1]!, 'base64').toString('latin1'))
      for (const text of [frame, ...decoded]) {
        for (const secret of [...secrets, spaceId]) expect(text).not.toContain(secret)
      }
    }
  } finally {
    await closePeers([a, b])
    await proxy.close()
  }
})

test('a member sending forged, tampered and replayed envelopes, and deleting genuine ones, changes nothing', async ({ piiServer, baseURL }) => {
  const a = await launchPeer(baseURL!)
  const b = await launchPeer(baseURL!)
  const titles = ['Flights', 'Hotel', 'Car']
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Holiday')
    for (const title of titles) await addItem(a.page, title)
    const link = await shareLinkOf(a.page)
    await joinByLink(b.page, link)
    await expectTitles(b.page, titles)

    const [space, secret] = new URL(link).hash.split('/').slice(2)
    const rogue = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'peers/roguePeer.ts'), piiServer.relayUrl, space!, secret!, String(titles.length)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    try {
      const attacked = new Promise<void>((resolve, reject) => {
        createInterface({ input: rogue.stdout }).on('line', (line) => line.includes('attacked') && resolve())
        rogue.on('exit', (code) => reject(new Error(`The rogue peer exited (code ${code}) before attacking.`)))
      })
      await attacked
      for (const peer of [a, b]) {
        await expect(peer.page.getByText(/changes? from peers refused/)).toBeVisible({ timeout: 20_000 })
        await expectTitles(peer.page, titles)
      }
      await addItem(b.page, 'After the attack')
      await expectTitles(a.page, [...titles, 'After the attack'])
      // A newcomer gets every genuine change: the honest peers put back what the rogue deleted.
      const c = await launchPeer(baseURL!)
      try {
        await joinByLink(c.page, link)
        await expectTitles(c.page, [...titles, 'After the attack'])
      } finally {
        await closePeers([c])
      }
    } finally {
      rogue.stdin.end()
      rogue.kill()
    }
  } finally {
    await closePeers([a, b])
  }
})
