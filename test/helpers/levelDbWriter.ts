/**
 * A child process for the kill test of LevelDbDocStore: adds items to one
 * doc, one at a time, and prints `kept <n>` once item n is saved, until it
 * is killed. Run: node --import tsx test/helpers/levelDbWriter.ts <folder>
 */
import * as Y from 'yjs'
import { LevelDbDocStore } from '../../src/storage/LevelDbDocStore.ts'

const folder = process.argv[2]
if (!folder) throw new Error('Usage: levelDbWriter.ts <folder>')
const store = await LevelDbDocStore.open(folder)
const doc = new Y.Doc()
const stored = store.attach('space', doc)
await stored.loaded
for (let n = 0; ; n++) {
  doc.getArray<string>('list').push([`item ${n}`])
  await stored.saved()
  process.stdout.write(`kept ${n}\n`)
}
