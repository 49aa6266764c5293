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
  return { operation: OP, occurrence: { id, index, dueAt: index * 86_400_000 }, idempotencyKey: id, doc, peer: 'p', now: () => 0, signal: new AbortController().signal }
}

/** A folder in memory: a save replaces the file of the same name. */
function memoryFolder(): { port: BackupPort; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>()
  const port: BackupPort = {
    save: (file) => Promise.resolve(void files.set(file.name, file.bytes)),
    list: () => Promise.resolve([...files.keys()]),
    remove: (name) => Promise.resolve(void files.delete(name)),
  }
  return { port, files }
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
    const full: BackupPort = { ...memoryFolder().port, save: () => Promise.reject(new Error('The disk is full.')) }
    await expect(backupKind(full).execute({}, contextFor(spaceDoc(), 0))).rejects.toThrow('The disk is full.')
  })

  it('[CAP1] keeps only the last 10 backups of an operation, under whatever label, and leaves other operations’ alone', async () => {
    const { port, files } = memoryFolder()
    const kind = backupKind(port)
    const doc = spaceDoc()
    await kind.execute({ label: 'Other' }, contextFor(doc, 0, 'weekly'))
    // Run out of order (a repeat after a partition comes late), and relabelled halfway: the newest by occurrence stay.
    for (const index of [3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]) await kind.execute({ label: index < 6 ? 'Old name' : 'New name' }, contextFor(doc, index))
    const nightly = [...files.keys()].filter((name) => name.includes('.nightly-')).sort()
    expect(nightly).toHaveLength(10)
    expect(nightly).not.toContain('pii-backup-Old-name.nightly-0.yjs')
    expect(nightly).not.toContain('pii-backup-Old-name.nightly-1.yjs')
    expect(nightly).toContain('pii-backup-Old-name.nightly-2.yjs')
    expect(nightly).toContain('pii-backup-New-name.nightly-11.yjs')
    expect(files.has('pii-backup-Other.weekly-0.yjs')).toBe(true)
  })

  it('[CAP1] [OP4] each plan of an operation gets its own file names, and the last 10 are kept over all its plans', async () => {
    const { port, files } = memoryFolder()
    const kind = backupKind(port)
    const doc = spaceDoc()
    for (let index = 0; index < 8; index++) await kind.execute({}, contextFor(doc, index))
    // Retimed: the new plan's occurrences 0 to 5 do not overwrite the first plan's 0 to 5.
    for (let index = 0; index < 6; index++) await kind.execute({}, contextFor(doc, index, 'nightly@1'))
    const kept = [...files.keys()].sort()
    expect(kept).toHaveLength(10)
    expect(kept.filter((name) => name.includes('.nightly_40_1-'))).toHaveLength(6)
    // The first plan's newest four stay; its older ones went first.
    expect(kept.filter((name) => name.includes('.nightly-'))).toEqual([4, 5, 6, 7].map((index) => `pii-backup-space.nightly-${index}.yjs`))
  })

  it('[CAP1] an operation id that ends like another one’s index does not share its backups', async () => {
    const { port, files } = memoryFolder()
    const kind = backupKind(port)
    const doc = spaceDoc()
    await kind.execute({}, contextFor(doc, 0, 'a-1'))
    for (let index = 0; index < 12; index++) await kind.execute({}, contextFor(doc, index, 'a'))
    expect(files.has('pii-backup-space.a-1-0.yjs')).toBe(true)
    expect([...files.keys()].filter((name) => /\.a-\d+\.yjs$/.test(name))).toHaveLength(10)
  })

  it('[CAP1] fails the run, saying the backup was saved, when older backups cannot be deleted', async () => {
    const { port, files } = memoryFolder()
    const stuck: BackupPort = { ...port, remove: () => Promise.reject(new Error('The file is locked.')) }
    for (let index = 0; index < 10; index++) await backupKind(stuck).execute({}, contextFor(spaceDoc(), index))
    await expect(backupKind(stuck).execute({}, contextFor(spaceDoc(), 10))).rejects.toThrow(/pii-backup-space\.nightly-10\.yjs was saved, but older backups of this operation could not be deleted \(The file is locked\.\)/)
    expect(files.size).toBe(11)
  })
})
