/**
 * Start-up of the node's process on a copy of a data folder: spawn → its
 * "node started" log line → `spaces` listing every space with its log read
 * from disk → its CPU quiet; its RSS once loaded and once quiet; then how
 * long SIGTERM takes (it writes what it holds). Each start gets a fresh copy
 * of the fixture's folder, so every start finds the same bytes (a node
 * rewrites its LevelDB files as it opens them); the copy was just written,
 * so the files are in the page cache: these are warm starts.
 */
import { cp, rm } from 'node:fs/promises'
import { rssKiB, spawnNode, untilLoaded, untilQuiet, type SpawnedNode } from './nodeProcess.ts'

/** Far above any start-up seen; a start not done by then is broken. */
export const START_TIMEOUT_MS = 300_000
/** How long a loaded node is watched for its CPU to go quiet before that is given up (reported as never). */
export const QUIET_LIMIT_MS = 30_000

export interface StartupSample {
  /** Spawn → the "node started" log line. */
  readonly startedMs: number
  /** Spawn → `spaces` lists every space with envelopes (read from its disk). */
  readonly loadedMs: number
  /** Spawn → the start of the first second in which it used under 5% of a core (NaN: not within QUIET_LIMIT_MS of loading). */
  readonly quietMs: number
  readonly rssLoadedKiB: number
  readonly rssQuietKiB: number
  /** SIGTERM → exit. */
  readonly stopMs: number
}

export interface StartedNode {
  readonly node: SpawnedNode
  readonly startedMs: number
  readonly loadedMs: number
  readonly quietMs: number
  readonly rssLoadedKiB: number
  readonly rssQuietKiB: number
}

/** Spawns the node on `folder` and waits until it has started, loaded `spaces` spaces, and gone quiet (or `quietLimitMs` passed). */
export async function startNode(folder: string, spaces: number, quietLimitMs: number): Promise<StartedNode> {
  const node = spawnNode(folder)
  try {
    const startedMs = await node.logged('node started', START_TIMEOUT_MS)
    const loadedMs = await untilLoaded(node, spaces, START_TIMEOUT_MS)
    const rssLoadedKiB = rssKiB(node.pid)
    const { quietMs } = await untilQuiet(node, loadedMs + quietLimitMs)
    return { node, startedMs, loadedMs, quietMs, rssLoadedKiB, rssQuietKiB: rssKiB(node.pid) }
  } catch (error) {
    await node.kill()
    throw error
  }
}

/** Stops a node and checks it exited as `npm run node` should on SIGTERM; resolves with the ms it took. */
export async function stopNode(node: SpawnedNode): Promise<number> {
  const from = performance.now()
  const code = await node.stop()
  if (code !== 0) throw new Error(`The node exited with ${code} on SIGTERM:\n${node.output()}`)
  return performance.now() - from
}

/** One start on a fresh copy of `source` at `copy`, from spawn to stop. */
export async function timeStartup(source: string, copy: string, spaces: number): Promise<StartupSample> {
  await rm(copy, { recursive: true, force: true })
  await cp(source, copy, { recursive: true })
  try {
    const { node, ...started } = await startNode(copy, spaces, QUIET_LIMIT_MS)
    return { ...started, stopMs: await stopNode(node) }
  } finally {
    await rm(copy, { recursive: true, force: true })
  }
}
