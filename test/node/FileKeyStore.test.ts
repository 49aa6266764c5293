import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { signWith, verifySignature } from '../../src/core/identity/deviceKey.ts'
import { DEVICE_KEY_FILE, FileKeyStore } from '../../src/node/FileKeyStore.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-key-')

const message = new TextEncoder().encode('a statement')

describe('FileKeyStore', () => {
  it('makes the node’s key once, readable by its owner only, and signs with the same key after a restart', async () => {
    const folder = await newFolder()
    expect(await new FileKeyStore(folder).load()).toBeUndefined()
    const made = await new FileKeyStore(folder).loadOrCreate()
    expect((await stat(join(folder, DEVICE_KEY_FILE))).mode & 0o777).toBe(0o600)
    const restarted = await new FileKeyStore(folder).loadOrCreate()
    expect(restarted.publicKey).toEqual(made.publicKey)
    // Held in WebCrypto once loaded; its signatures are the seed's.
    expect(restarted.kind).toBe('webcrypto')
    const signature = await signWith(restarted, crypto.subtle, message)
    expect(await verifySignature(crypto.subtle, made.publicKey, signature, message)).toBe(true)
    const withoutWebCrypto = await new FileKeyStore(folder, null).loadOrCreate()
    expect(withoutWebCrypto.kind).toBe('noble')
    expect(await verifySignature(crypto.subtle, made.publicKey, await signWith(withoutWebCrypto, undefined, message), message)).toBe(true)
  })

  it('two processes starting at once on one folder end up with one key', async () => {
    const folder = await newFolder()
    const keys = await Promise.all(Array.from({ length: 8 }, () => new FileKeyStore(folder).loadOrCreate()))
    for (const key of keys) expect(key.publicKey).toEqual(keys[0]!.publicKey)
  })

  it('refuses a damaged or foreign key file, saying what to do, and never overwrites it', async () => {
    const folder = await newFolder()
    const path = join(folder, DEVICE_KEY_FILE)
    const cases = [
      'not json',
      JSON.stringify({ format: 'something else' }),
      JSON.stringify({ format: 'pii device key v1', seed: 'short', publicKey: 'x' }),
      JSON.stringify({ format: 'pii device key v1', seed: '11111111111111111111111111111111', publicKey: '11111111111111111111111111111111' }),
    ]
    for (const text of cases) {
      await writeFile(path, text)
      await expect(new FileKeyStore(folder).loadOrCreate()).rejects.toThrow(/is not a Pii device key .* Restore it from a backup, or move it away/)
      expect(await readFile(path, 'utf8')).toBe(text)
    }
  })
})
