/**
 * A child process for the kill tests of LevelDbDocStore: appends items to
 * one doc, continuing from what the folder holds, in bursts of `burst`
 * items per transaction, and prints `ready <n>` (items found) and then
 * `kept <n>` once item n is saved, until it is killed.
 * Run: node --import tsx test/helpers/levelDbWriter.ts <folder> [burst] (the tests run it bundled, see LevelDbDocStore.test.ts)
 */
import * as Y from 'yjs'
import { LevelDbDocStore } from '../../src/storage/LevelDbDocStore.ts'

const folder = process.argv[2]
const burst = Number(process.argv[3] ?? 1)
if (!folder || !Number.isSafeInteger(burst) || burst < 1) throw new Error('Usage: levelDbWriter.ts <folder> [burst]')
const store = await LevelDbDocStore.open(folder)
const doc = new Y.Doc()
const stored = store.attach('space', doc)
await stored.loaded
const list = doc.getArray<string>('list')
process.stdout.write(`ready ${list.length}\n`)
for (let n = list.length; ; n += burst) {
  doc.transact(() => list.push(Array.from({ length: burst }, (_, offset) => `item ${n + offset}`)))
  await stored.saved()
  process.stdout.write(`kept ${n + burst - 1}\n`)
}
