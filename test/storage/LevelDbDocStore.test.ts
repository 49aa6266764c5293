import { spawn } from 'node:child_process'
import { build } from 'esbuild'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { LevelDbDocStore, MAX_ROWS_BEFORE_COMPACT } from '../../src/storage/LevelDbDocStore.ts'
import { seededRandom } from '../helpers/seededRandom.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-level-')

let writer: Promise<string> | undefined
/**
 * The kill tests' writer (test/helpers/levelDbWriter.ts), bundled once into plain JavaScript: 51 processes started
 * through tsx would each transpile it again, CPU the rest of the suite needs on a 2-core machine. It is written under
 * node_modules so that classic-level (native, left out of the bundle) resolves from it.
 */
function writerScript(): Promise<string> {
  writer ??= (async () => {
    const outfile = join(import.meta.dirname, '../../node_modules/.cache/pii-tests/levelDbWriter.mjs')
    await build({ entryPoints: [join(import.meta.dirname, '../helpers/levelDbWriter.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['classic-level'], outfile, logLevel: 'silent' })
    return outfile
  })()
  return writer
}

const list = (doc: Y.Doc): string[] => doc.getArray<string>('list').toArray()

/** The doc stored under `name` in `folder`, read by a fresh store. */
async function reopened(folder: string, name = 'space'): Promise<{ doc: Y.Doc; rows: number }> {
  const store = await LevelDbDocStore.open(folder)
  const doc = new Y.Doc()
  const stored = store.attach(name, doc)
  await stored.loaded
  await stored.close()
  const rows = await store.rowCount(name)
  await store.close()
  return { doc, rows }
}

describe('LevelDbDocStore', () => {
  it('keeps a change made while an earlier one is being written: saved() promises all of them, and all load back', async () => {
    const folder = join(await newFolder(), 'db')
    const store = await LevelDbDocStore.open(folder)
    const doc = new Y.Doc()
    const stored = store.attach('space', doc)
    await stored.loaded
    const list = doc.getArray<number>('list')
    // A change every turn of the event loop: most land while the one before is in LevelDB's hands.
    for (let n = 0; n < 300; n++) {
      list.push([n])
      await new Promise((resolve) => setImmediate(resolve))
    }
    await stored.saved()
    await stored.close()
    await store.close()
    const reopened = await LevelDbDocStore.open(folder)
    const again = new Y.Doc()
    const loaded = reopened.attach('space', again)
    await loaded.loaded
    expect(again.getArray<number>('list').toArray()).toEqual(Array.from({ length: 300 }, (_, n) => n))
    await loaded.close()
    await reopened.close()
  })

  it('keeps every saved change across a reopen, and saves what the doc held before attaching', async () => {
    const folder = await newFolder()
    const store = await LevelDbDocStore.open(folder)
    const doc = new Y.Doc()
    doc.getArray<string>('list').push(['before attaching'])
    const stored = store.attach('space', doc)
    await stored.loaded
    doc.getArray<string>('list').push(['after'])
    await stored.close()
    await store.close()
    expect(list((await reopened(folder)).doc)).toEqual(['before attaching', 'after'])
  })

  it('folds a long history into one snapshot, atomically, and keeps the content', async () => {
    const folder = await newFolder()
    const store = await LevelDbDocStore.open(folder)
    const doc = new Y.Doc()
    const stored = store.attach('space', doc)
    await stored.loaded
    for (let n = 0; n < MAX_ROWS_BEFORE_COMPACT + 20; n++) {
      doc.getArray<string>('list').push([`item ${n}`])
      await stored.saved()
    }
    expect(await store.rowCount('space')).toBeLessThan(30)
    await stored.close()
    await store.close()
    const { doc: again, rows } = await reopened(folder)
    expect(list(again)).toEqual(Array.from({ length: MAX_ROWS_BEFORE_COMPACT + 20 }, (_, n) => `item ${n}`))
    expect(rows).toBeLessThan(30)
  })

  it('removes and replaces a doc without touching another', async () => {
    const folder = await newFolder()
    const store = await LevelDbDocStore.open(folder)
    for (const name of ['a', 'b']) {
      const doc = new Y.Doc()
      const stored = store.attach(name, doc)
      doc.getArray<string>('list').push([name])
      await stored.close()
    }
    const replacement = new Y.Doc()
    replacement.getArray<string>('list').push(['rebuilt'])
    await store.replace('b', Y.encodeStateAsUpdate(replacement))
    await store.remove('a')
    await store.close()
    expect(list((await reopened(folder, 'a')).doc)).toEqual([])
    expect(list((await reopened(folder, 'b')).doc)).toEqual(['rebuilt'])
  })

  it('refuses a name it cannot keep apart from others, and a folder another store holds, saying why', async () => {
    const folder = await newFolder()
    const store = await LevelDbDocStore.open(folder)
    expect(() => store.attach('a\u0000b', new Y.Doc())).toThrow(/without control characters/)
    await expect(LevelDbDocStore.open(folder)).rejects.toThrow(/Is another Pii node running on it\?/)
    await store.close()
  })

  it('a process killed with SIGKILL at any moment reopens with every change it had reported saved', async () => {
    // Killed early (history only) and late (after compactions folded it): each time, nothing reported kept is lost.
    for (const killAfter of [150, MAX_ROWS_BEFORE_COMPACT * 2 + 37]) {
      const folder = await newFolder()
      const child = spawn(process.execPath, [await writerScript(), folder], { stdio: ['ignore', 'pipe', 'inherit'] })
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
      let kept = -1
      for await (const line of createInterface({ input: child.stdout })) {
        kept = Number(line.replace('kept ', ''))
        if (kept >= killAfter) {
          child.kill('SIGKILL')
          break
        }
      }
      await exited
      expect(kept).toBeGreaterThanOrEqual(killAfter)
      const items = list((await reopened(folder)).doc)
      // Every item reported kept, and whatever the child wrote after (it runs on until the signal lands): in order, whole.
      expect(items.length).toBeGreaterThan(kept)
      expect(items).toEqual(Array.from({ length: items.length }, (_, n) => `item ${n}`))
    }
  })

  it('50 kills at seeded random moments (mid-write, mid-compaction, before the first write) of one folder lose nothing reported saved', async () => {
    const seed = 16_050
    const random = seededRandom(seed)
    const folder = await newFolder()
    let saved = -1
    let compactionsCrossed = 0
    for (let kill = 0; kill < 50; kill++) {
      const burst = 1 + Math.floor(random() * 8)
      // Half the kills after a number of saves, half after a delay from start-up, wherever the writer then is.
      const afterSaves = random() < 0.5 ? Math.floor(random() * 200) : undefined
      const afterMs = Math.floor(random() * 60)
      const child = spawn(process.execPath, [await writerScript(), folder, String(burst)], { stdio: ['ignore', 'pipe', 'inherit'] })
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
      let started: number | undefined
      let savesThisRun = 0
      for await (const line of createInterface({ input: child.stdout })) {
        const [word, value] = line.split(' ')
        if (word === 'ready') {
          // What it found is what the previous run saved, at least: nothing reported kept is gone.
          expect(Number(value), `seed ${seed}, kill ${kill}`).toBeGreaterThan(saved)
          started = Number(value)
          if (afterSaves === undefined) setTimeout(() => child.kill('SIGKILL'), afterMs)
          continue
        }
        saved = Number(value)
        if (afterSaves !== undefined && ++savesThisRun >= afterSaves) {
          child.kill('SIGKILL')
          break
        }
      }
      await exited
      if (started !== undefined && Math.floor(saved / MAX_ROWS_BEFORE_COMPACT) > Math.floor(started / MAX_ROWS_BEFORE_COMPACT)) compactionsCrossed++
    }
    const items = list((await reopened(folder)).doc)
    expect(items.length).toBeGreaterThan(saved)
    expect(items).toEqual(Array.from({ length: items.length }, (_, n) => `item ${n}`))
    // The kills landed around compactions too, not only between plain writes.
    expect(compactionsCrossed).toBeGreaterThan(0)
    // 50 processes started and killed: ~30 s alone, several times that on a busy machine.
  }, 300_000)
})
