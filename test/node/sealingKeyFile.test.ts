import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSealed, sealTo } from '../../src/core/identity/sealingKey.ts'
import { loadOrCreateSealingKeyFile, SEALING_KEY_FILE } from '../../src/node/sealingKeyFile.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-sealing-')
const message = new TextEncoder().encode('an epoch’s room')

describe('loadOrCreateSealingKeyFile', () => {
  it('makes the node’s sealing key once, readable by its owner only; a box sealed before a restart opens after it', async () => {
    const folder = await newFolder()
    const made = await loadOrCreateSealingKeyFile(folder)
    expect((await stat(join(folder, SEALING_KEY_FILE))).mode & 0o777).toBe(0o600)
    const box = await sealTo(crypto.subtle, made.publicKey, message, 'test')
    const restarted = await loadOrCreateSealingKeyFile(folder)
    expect(restarted.publicKey).toEqual(made.publicKey)
    expect(restarted.privateKey.extractable).toBe(false)
    expect(await openSealed(crypto.subtle, restarted, box, 'test')).toEqual(message)
    const many = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateSealingKeyFile(folder)))
    for (const key of many) expect(key.publicKey).toEqual(made.publicKey)
  })

  it('refuses a damaged file, or one whose public key is another key’s, saying what to do, and never overwrites it', async () => {
    const folder = await newFolder()
    const path = join(folder, SEALING_KEY_FILE)
    await loadOrCreateSealingKeyFile(folder)
    const genuine = JSON.parse(await readFile(path, 'utf8')) as { publicKey: string }
    const other = await newFolder()
    await loadOrCreateSealingKeyFile(other)
    const foreign = JSON.parse(await readFile(join(other, SEALING_KEY_FILE), 'utf8')) as { publicKey: string }
    const cases = ['not json', JSON.stringify({ format: 'else' }), JSON.stringify({ ...genuine, publicKey: foreign.publicKey }), JSON.stringify({ ...genuine, pkcs8: '1111' })]
    for (const text of cases) {
      await writeFile(path, text)
      await expect(loadOrCreateSealingKeyFile(folder)).rejects.toThrow(/is not a Pii sealing key \(.+\)\. Restore it from a backup, or move it away/)
      expect(await readFile(path, 'utf8')).toBe(text)
    }
  })
})
