/**
 * The personal node as the scheduler of record (issue 16), with real parts
 * only: two browsers in their own Chromium processes share a space, the
 * owner links the node to themselves as they would a phone ("Add a device",
 * then `npm run node -- link -` and the code compared; the node its own
 * process over @roamhq/wrtc and LevelDB), the space reaches the node through
 * the owner's home space, and a `doc` operation counts every 2 s. Both browsers close: the node goes on counting, once per
 * occurrence. It is killed with SIGKILL and restarted; a third browser then
 * joins with the link and gets the space from the node alone: every run the
 * browsers saw before closing is there, every occurrence ran once, and the
 * counter says as much.
 */
import type { Page } from '@playwright/test'
import { closePeers, launchPeer, shareLinkOf, syncStatus, type Peer } from './browserPeers.ts'
import { createSpace, expect, openApp, test } from './fixtures.ts'
import { joinByLink } from './joining.ts'
import { linkNode, metricOf, newDataFolder, startNode, type NodeProcess } from './personalNodeProcess.ts'

const RUNS = 'pii_node_runs_performed_total'

interface HistoryRow {
  readonly index: number
  readonly ranBy: string
  readonly outcome: string
}

async function historyOf(page: Page): Promise<HistoryRow[]> {
  const table = page.getByRole('table', { name: 'Run history of Tick' })
  if ((await table.count()) === 0) return []
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')
      return { index: Number(cells[0]), ranBy: cells[2] ?? '', outcome: cells[4] ?? '' }
    }),
  )
}

/** Runs the node recorded: members see them under its person's name, with its device (shortDevice: its did's last six). */
const recordedBy = (nodeDid: string) => (row: HistoryRow): boolean => row.ranBy.startsWith('Ana') && row.ranBy.endsWith(`…${nodeDid.slice(-6)})`)

async function openHistory(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Schedule' }).click()
  await page.getByRole('list', { name: 'Operations' }).getByRole('listitem', { name: 'Tick' }).getByRole('button', { name: /^History/ }).click()
}

/** Resolves once the node's runs-performed counter has moved past `from`; polls its /metrics. */
async function runsPast(node: NodeProcess, from: number, timeout: number): Promise<number> {
  let now = from
  await expect.poll(async () => (now = await metricOf(node, RUNS)), { timeout, intervals: [100] }).toBeGreaterThan(from)
  return now
}

test('[M13] [G1] [G2] linked like a phone, the node runs a shared space’s schedule while every browser is closed: each occurrence once, across a kill -9, and a newcomer gets it all from the node', async ({ piiServer }) => {
  test.setTimeout(240_000)
  const data = await newDataFolder()
  const peers: Peer[] = []
  const nodes: NodeProcess[] = []
  try {
    const [a, b] = await Promise.all([launchPeer(piiServer.url), launchPeer(piiServer.url)])
    peers.push(a, b)
    await openApp(a.page)
    await a.page.getByLabel('Display name').fill('Ana')
    await a.page.getByLabel('Display name').press('Enter')
    await createSpace(a.page, 'Clock')
    const link = await shareLinkOf(a.page)
    await joinByLink(b.page, link)
    await expect(b.page.getByLabel('Space name')).toHaveValue('Clock', { timeout: 20_000 })

    // The owner links the node as they would a phone: "Add a device" on their browser, `link -` on the node, one code on both.
    const node = startNode(data.folder, [])
    nodes.push(node)
    const nodeDid = String((await node.logged('node started')).device)
    const byNode = recordedBy(nodeDid)
    await openApp(a.page)
    await a.page.getByRole('button', { name: 'Add a device' }).click()
    const pairingField = a.page.getByRole('textbox', { name: 'Pairing link' })
    await expect(pairingField).toHaveValue(/#\/pair\//, { timeout: 20_000 })
    const pairingLink = await pairingField.inputValue()
    const codeOnScreen = async (): Promise<string> => {
      await expect(a.page.getByTestId('pairing-code')).toHaveText(/^\d{3} \d{3}$/, { timeout: 30_000 })
      const code = (await a.page.getByTestId('pairing-code').textContent()) ?? ''
      await a.page.getByRole('button', { name: 'It matches: link it' }).click()
      return code
    }
    await linkNode(data.folder, pairingLink, codeOnScreen)
    await expect(a.page.getByTestId('pairing-linked')).toBeVisible({ timeout: 30_000 })
    await a.page.getByRole('button', { name: 'Close' }).click()
    await expect(a.page.getByRole('list', { name: 'Linked devices' }).getByRole('listitem')).toHaveCount(2, { timeout: 30_000 })
    await a.page.getByRole('link', { name: 'Clock' }).click()
    await expect(a.page.getByRole('list', { name: 'Online now' }).getByText('Home node')).toBeVisible({ timeout: 60_000 })

    await a.page.getByRole('tab', { name: 'Schedule' }).click()
    const form = a.page.getByRole('form', { name: 'New operation' })
    await form.getByLabel('Title').fill('Tick')
    await form.getByLabel('When').fill('every 2 seconds')
    await form.getByLabel('Does').selectOption('doc')
    await form.getByLabel('Counter name').fill('ticks')
    await form.getByRole('button', { name: 'Plan it' }).click()
    await expect(form.getByRole('status')).toContainText('Planned “Tick”')
    await a.page.getByRole('list', { name: 'Operations' }).getByRole('listitem', { name: 'Tick' }).getByRole('button', { name: /^History/ }).click()
    await expect.poll(async () => (await historyOf(a.page)).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(3)

    // Close both browsers right after a run, once the node has confirmed holding every change A made ("Up to date").
    const rowsSeen = (await historyOf(a.page)).length
    await expect.poll(async () => (await historyOf(a.page)).length, { timeout: 30_000, intervals: [50] }).toBeGreaterThan(rowsSeen)
    await expect(syncStatus(a.page)).toHaveText('Up to date', { timeout: 10_000 })
    const beforeClose = await historyOf(a.page)
    await closePeers(peers.splice(0))

    // Nobody but the node: it goes on counting.
    const runsBefore = await metricOf(node, RUNS)
    const counted = await runsPast(node, runsBefore + 2, 90_000)
    // kill -9 between two of its runs: right after one (its record written before anyone heard of it), before the next claim.
    await runsPast(node, counted, 30_000)
    await new Promise((resolve) => setTimeout(resolve, 900))
    const runsBeforeKill = await metricOf(node, RUNS)
    await node.kill()

    const restarted = startNode(data.folder, [])
    nodes.push(restarted)
    await restarted.logged('node started')
    await runsPast(restarted, 1, 60_000)

    // A newcomer, with every browser closed: the node is all it meets.
    const c = await launchPeer(piiServer.url)
    peers.push(c)
    await joinByLink(c.page, link)
    await expect(c.page.getByLabel('Space name')).toHaveValue('Clock', { timeout: 30_000 })
    await openHistory(c.page)
    await expect.poll(async () => (await historyOf(c.page)).filter(byNode).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(runsBeforeKill + 1)
    const rows = await historyOf(c.page)
    // Once per occurrence: no index twice, one device per run, every run ok, and the history says none ran twice.
    const indexes = rows.map((row) => row.index)
    expect(new Set(indexes).size, `occurrences ${indexes.join(', ')}`).toBe(indexes.length)
    for (const row of rows) {
      expect(row.ranBy, `occurrence ${row.index}`).not.toContain(' and ')
      expect(row.ranBy, `occurrence ${row.index}`).not.toContain('not verified')
      expect(row.outcome, `occurrence ${row.index}`).toBe('ok')
    }
    await expect(c.page.getByText('none ran twice')).toBeVisible()
    // Nothing acknowledged is lost: every run the browsers saw before they closed is still there, as it was.
    for (const seen of beforeClose) {
      const now = rows.find((row) => row.index === seen.index)
      expect(now, `occurrence ${seen.index}`).toBeDefined()
      // Who ran it, as the newcomer names them (A's own runs were "This device" to A).
      if (seen.ranBy !== 'This device') expect(now?.ranBy, `occurrence ${seen.index}`).toBe(seen.ranBy)
    }
    expect(rows.filter(byNode).length).toBeGreaterThanOrEqual(runsBeforeKill + 1)
    // The counter counts each run once: its total and its increments are the runs in the history.
    const counter = c.page.getByRole('group', { name: 'Counter ticks' })
    const countsRuns = async (): Promise<string> => {
      const text = (await counter.textContent()) ?? ''
      const runs = (await historyOf(c.page)).length
      return /ticks: (\d+) \((\d+) increments?\)/.exec(text)?.slice(1).every((count) => Number(count) === runs) ? 'each run counted once' : `${text} with ${runs} runs`
    }
    await expect.poll(countsRuns, { timeout: 10_000 }).toBe('each run counted once')
    await closePeers(peers.splice(0))
    expect(await restarted.stop()).toBe(0)
    await restarted.logged('stopped; everything held is written')
  } finally {
    await closePeers(peers)
    for (const each of nodes) {
      await each.attachOutput()
      await each.kill()
    }
    await data.remove()
  }
})
