import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { backupFileName, backupKind, type BackupPort } from '../../../src/core/scheduler/backupKind.ts'
import type { KindContext } from '../../../src/core/scheduler/kinds.ts'
import { occurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import type { Operation, OperationId } from '../../../src/core/scheduler/operations.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'

const OP: Operation = {
  id: 'nightly' as OperationId,
  schedulerId: 's' as SchedulerId,
  title: 'Nightly backup',
  kind: 'backup',
  input: { label: 'Family photos' },
  dueAt: 0,
  repeat: { kind: 'every', everyMs: 86_400_000 },
  catchUp: 'latest',
  status: 'active',
  createdBy: 'did:key:z6Mk',
  createdAt: 0,
}

const contextFor = (doc: Y.Doc, index: number, operationId: string = OP.id): KindContext => {
  const id = occurrenceId(operationId, index)
  return { operation: OP, occurrence: { id, index, dueAt: index * 86_400_000 }, idempotencyKey: id, doc, peer: 'p', now: () => 0 }
}

/** A folder in memory: a save replaces the file of the same name. */
function memoryFolder(): { port: BackupPort; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>()
  return { port: { save: (file) => Promise.resolve(void files.set(file.name, file.bytes)) }, files }
}

function spaceDoc(): Y.Doc {
  const doc = new Y.Doc()
  doc.getMap('meta').set('name', 'Home')
  doc.getMap('items').set('i1', { text: 'Buy milk' })
  doc.getText('notes').insert(0, 'Gate code 1234')
  return doc
}

describe('backup kind', () => {
  it('[K2] names the input field that is wrong, and fails the run instead of saving', async () => {
    const kind = backupKind(memoryFolder().port)
    expect(kind.checkInput({})).toEqual([])
    expect(kind.checkInput(undefined)).toEqual([])
    expect(kind.checkInput({ label: 'ok' })).toEqual([])
    expect(kind.checkInput({ label: 'x'.repeat(101) }).map((problem) => problem.field)).toEqual(['input.label'])
    expect(kind.checkInput({ label: ' ' }).map((problem) => problem.field)).toEqual(['input.label'])
    expect(kind.checkInput({ label: 7 }).map((problem) => problem.field)).toEqual(['input.label'])
    expect(kind.checkInput('label').map((problem) => problem.field)).toEqual(['input'])
    const { port, files } = memoryFolder()
    await expect(backupKind(port).execute({ label: '' }, contextFor(spaceDoc(), 0))).rejects.toThrow(/label must be text of 1 to 100 characters/)
    expect(files.size).toBe(0)
  })

  it('saves bytes that restore the space into an empty doc', async () => {
    const { port, files } = memoryFolder()
    const doc = spaceDoc()
    const name = await backupKind(port).execute(OP.input, contextFor(doc, 0))
    expect(name).toBe('pii-backup-Family-photos.nightly-0.yjs')
    const bytes = files.get(name as string)
    expect(bytes).toBeInstanceOf(Uint8Array)
    const restored = new Y.Doc()
    Y.applyUpdate(restored, bytes as Uint8Array)
    expect(restored.getMap('meta').toJSON()).toEqual({ name: 'Home' })
    expect(restored.getMap('items').toJSON()).toEqual({ i1: { text: 'Buy milk' } })
    expect(restored.getText('notes').toString()).toBe('Gate code 1234')
    expect(Y.encodeStateVector(restored)).toEqual(Y.encodeStateVector(doc))
  })

  it('[G3] a repeated occurrence saves over its own file; the next occurrence gets a new one', async () => {
    const { port, files } = memoryFolder()
    const doc = spaceDoc()
    const kind = backupKind(port)
    const saved = [await kind.execute({}, contextFor(doc, 4)), await kind.execute({}, contextFor(doc, 4))]
    doc.getMap('items').set('i2', { text: 'Call the plumber' })
    saved.push(await kind.execute({}, contextFor(doc, 5)))
    expect(saved).toEqual(['pii-backup-space.nightly-4.yjs', 'pii-backup-space.nightly-4.yjs', 'pii-backup-space.nightly-5.yjs'])
    expect([...files.keys()]).toEqual(['pii-backup-space.nightly-4.yjs', 'pii-backup-space.nightly-5.yjs'])
  })

  it('makes file names safe, and never gives two occurrences one name', () => {
    const names = [
      backupFileName('a/b#0'),
      backupFileName('a:b#0'),
      backupFileName('a_b#0'),
      backupFileName('a-b#0'),
      backupFileName('a-b#0', 'x'),
      backupFileName('a#10'),
      backupFileName('a-1#0'),
      backupFileName('../../etc/passwd#3', '../Nightly .. copy'),
    ]
    expect(new Set(names).size).toBe(names.length)
    for (const name of names) expect(name).toMatch(/^pii-backup-[A-Za-z0-9-]+\.[A-Za-z0-9_-]+\.yjs$/)
    expect(backupFileName('../../etc/passwd#3', '../Nightly .. copy')).toBe('pii-backup-Nightly-copy._2e__2e__2f__2e__2e__2f_etc_2f_passwd-3.yjs')
    expect(backupFileName('q#0', 'Café')).toBe('pii-backup-Cafe.q-0.yjs')
  })

  it('reports a save that fails', async () => {
    const full: BackupPort = { save: () => Promise.reject(new Error('The disk is full.')) }
    await expect(backupKind(full).execute({}, contextFor(spaceDoc(), 0))).rejects.toThrow('The disk is full.')
  })
})
