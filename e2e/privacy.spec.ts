/**
 * What the relay can see, and what a rogue member can do: nothing of the
 * content crosses the relay readable, and forged, tampered or deleted
 * envelopes change nothing any honest peer shows.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { breakWebRtc, closePeers, cuttableNetwork, expectTitles, launchPeer, shareLinkOf, syncStatus } from './browserPeers.ts'
import { framesRevealing, startCapturingProxy } from '../test/helpers/capturingProxy.ts'
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
    expect(framesRevealing(proxy.frames, [...secrets, spaceId])).toEqual([])
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

test('[CID1] a rogue peer squats an honest peer’s clientID while it is offline; after reconnect all three browsers show the honest peer’s offline edits', async ({ piiServer, baseURL }) => {
  test.setTimeout(180_000)
  const a = await launchPeer(baseURL!)
  // B's service worker would carry B's edits to the room while the page is cut off: here B is one page, offline as a whole.
  const b = await launchPeer(baseURL!, cuttableNetwork, { serviceWorkers: 'block' })
  const c = await launchPeer(baseURL!)
  let rogue: ReturnType<typeof spawn> | undefined
  try {
    await openApp(a.page)
    await createSpace(a.page, 'Team')
    await addItem(a.page, 'From A')
    const link = await shareLinkOf(a.page)
    await openApp(b.page)
    const victim = (await b.page.getByTestId('device-did').textContent()) ?? ''
    await joinByLink(b.page, link)
    await joinByLink(c.page, link)
    await addItem(b.page, 'B online')
    for (const peer of [a, b, c]) await expectTitles(peer.page, ['From A', 'B online'])

    // Mallory joins with the link and learns B's clientID and its clock from B's envelopes.
    const [space, secret] = new URL(link).hash.split('/').slice(2)
    const squatter = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'peers/squattingPeer.ts'), piiServer.relayUrl, space!, secret!, victim], { stdio: ['pipe', 'pipe', 'inherit'] })
    rogue = squatter
    const lines = createInterface({ input: squatter.stdout })
    // Watched from the spawn: an exit before a wait starts must fail that wait too, not go unheard.
    let exitCode: number | null | undefined
    squatter.on('exit', (code) => (exitCode = code))
    // Bounded: a squatting peer that stalls or exits fails the test with what it was waiting for (one run waited out
    // the test's whole timeout on "squatted" with nothing said).
    const said = (word: string): Promise<void> => {
      let stalled: ReturnType<typeof setTimeout> | undefined
      return new Promise<void>((resolve, reject) => {
        const exited = (): void => reject(new Error(`The squatting peer exited (code ${exitCode}) before saying "${word}".`))
        if (exitCode !== undefined) return exited()
        stalled = setTimeout(() => reject(new Error(`The squatting peer said nothing with "${word}" in 60 s.`)), 60_000)
        lines.on('line', (line) => (line.includes(word) ? resolve() : line.includes('"failed"') && reject(new Error(`The squatting peer failed: ${line}`))))
        squatter.on('exit', exited)
      }).finally(() => clearTimeout(stalled))
    }
    await said('ready')

    // B's Wi-Fi drops: same session, same clientID. B edits offline.
    await b.context.setOffline(true)
    await b.page.evaluate(() => (window as unknown as { piiCutNetwork(): void }).piiCutNetwork())
    await expect(syncStatus(b.page)).toContainText('Offline')
    await addItem(b.page, 'B offline 1')
    await addItem(b.page, 'B offline 2')

    // Mallory signs garbage under B's clientID from the clock A and C last saw, then B comes back.
    squatter.stdin?.write('squat\n')
    await said('squatted')
    // A and C hold Mallory's envelope, and refused it, before B is back: the attack is not outrun.
    for (const peer of [a, c]) await expect(peer.page.getByText(/changes? from peers refused/)).toBeVisible({ timeout: 20_000 })
    await b.context.setOffline(false)
    const all = ['From A', 'B online', 'B offline 1', 'B offline 2']
    for (const peer of [a, b, c]) await expectTitles(peer.page, all)
    await expect(syncStatus(b.page)).toHaveText('Up to date', { timeout: 30_000 })
  } finally {
    rogue?.stdin?.end()
    rogue?.kill()
    await closePeers([a, b, c])
  }
})
