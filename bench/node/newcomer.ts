/**
 * A newcomer joining one space of the node's, timed by bench/coldsync's
 * join (a fresh browser context, the click on Join → the count line reading
 * every item, and the top title checked), served either by the node alone
 * or by one browser alone: a page that got the space from the node and
 * stays open once the node is stopped (seedPage).
 */
import { cp, rm } from 'node:fs/promises'
import { chromium, type Browser, type BrowserContext } from '@playwright/test'
import { launchOptions } from '../../e2e/chromium.ts'
import { isExpectedPageError, withTimeout } from '../harness.ts'
import { coldSyncDone, watchCountLine, watchJoinScreen } from '../coldsync/probe.ts'
import { timeJoin, type JoinSample, type JoinTarget } from '../coldsync/join.ts'
import { startNode, stopNode, type StartedNode } from './startup.ts'

/** Far above any join seen; one not done by then has failed, and must not hang the run. */
const JOIN_TIMEOUT_MS = 120_000
/**
 * Before a join, the node has loaded every space and gone quiet, or, if it
 * does not (a node with hundreds of spaces stays busy), this long has passed
 * since it loaded: its rooms are joined by then.
 */
const SETTLE_LIMIT_MS = 10_000

/** When the first WebRTC data-channel message came; none when everything came over the relay's fallback. */
function firstMessage(sample: JoinSample): string {
  const { firstMs, messages } = sample.received
  return messages === 0 ? 'no WebRTC message: all of it over the relay fallback' : `first WebRTC message at ${firstMs.toFixed(0)} ms, ${messages} messages`
}

export interface SeedPage {
  /** The click on Join → every item counted, ms. */
  readonly ms: number
  close(): Promise<void>
}

/** Joins `target` in a fresh context and keeps the page open, serving the space to whoever joins next. */
export async function seedPage(browser: Browser, target: JoinTarget, timeoutMs: number): Promise<SeedPage> {
  // Service workers blocked, as for every measured page: the serving page must not be busy precaching.
  const context: BrowserContext = await browser.newContext({ serviceWorkers: 'block' })
  const errors: string[] = []
  try {
    await context.addInitScript(watchCountLine, ['p.count', target.countText] as const)
    await context.addInitScript(watchJoinScreen)
    const page = await context.newPage()
    page.on('pageerror', (error) => {
      if (!isExpectedPageError(error.message)) errors.push(error.message)
    })
    await page.goto(target.url)
    await page.getByRole('button', { name: 'Join', exact: true }).click({ timeout: timeoutMs })
    const times = await withTimeout(page.evaluate(coldSyncDone), timeoutMs, 'the serving page’s join')
    if (errors.length > 0) throw new Error(`The serving page: page errors: ${errors.join(' | ')}`)
    return { ms: times.doneAt - times.startedAt, close: () => context.close() }
  } catch (error) {
    await context.close()
    throw error
  }
}

export interface NewcomerSamples {
  /** The click on Join → every item shown, served by the node alone. */
  readonly node: JoinSample[]
  /** The same, served by one browser alone (the node stopped). */
  readonly browser: JoinSample[]
  /** The serving pages' own joins (from the node), ms. */
  readonly seeds: number[]
  readonly chromiumVersion: string
}

export type Server = 'node' | 'browser'

/**
 * Runs 0 (warm-up) to `runs`; each gives one join served by the node and
 * one served by a browser, in alternating order. A run starts the node on
 * `folder`, a copy of `source` made once (it keeps what newcomers wrote, a
 * few statements each); the node-served join happens while no page holds the
 * space; the serving page joins from the node, the node is stopped, and the
 * browser-served join follows; a run whose node join comes second starts
 * the node again for it. Joining pages run in one Chromium process, the
 * serving page in another.
 */
export async function measureNewcomers(source: string, folder: string, spaces: number, target: JoinTarget, runs: number, progress: (line: string) => void): Promise<NewcomerSamples> {
  await rm(folder, { recursive: true, force: true })
  await cp(source, folder, { recursive: true })
  const samples: NewcomerSamples = { node: [], browser: [], seeds: [], chromiumVersion: '' }
  const joining = await chromium.launch(launchOptions())
  const serving = await chromium.launch(launchOptions())
  const running = new Set<StartedNode>()
  const started = async (): Promise<StartedNode> => {
    const node = await startNode(folder, spaces, SETTLE_LIMIT_MS)
    running.add(node)
    return node
  }
  const stopped = async (node: StartedNode): Promise<void> => {
    running.delete(node)
    await stopNode(node.node)
  }
  const join = async (run: number, server: Server): Promise<void> => {
    const sample = await timeJoin(joining, target, { chunking: false, timeoutMs: JOIN_TIMEOUT_MS })
    if (Number.isNaN(sample.ms)) throw new Error(`Served by the ${server}: the join did not complete within ${JOIN_TIMEOUT_MS / 1000} s (${firstMessage(sample)}).`)
    if (run > 0) samples[server].push(sample)
    progress(`  ${run === 0 ? 'warm-up' : `run ${run}/${runs}`} served by the ${server}: ${sample.ms.toFixed(0)} ms (${firstMessage(sample)})`)
  }
  try {
    for (let run = 0; run <= runs; run++) {
      const nodeFirst = run % 2 === 0
      let node = await started()
      if (nodeFirst) await join(run, 'node')
      const seed = await seedPage(serving, target, JOIN_TIMEOUT_MS)
      try {
        if (run > 0) samples.seeds.push(seed.ms)
        await stopped(node)
        await join(run, 'browser')
      } finally {
        await seed.close()
      }
      if (!nodeFirst) {
        node = await started()
        await join(run, 'node')
      }
      await stopped(node)
    }
    return { ...samples, chromiumVersion: joining.version() }
  } finally {
    for (const node of running) await node.node.kill()
    await joining.close()
    await serving.close()
  }
}
