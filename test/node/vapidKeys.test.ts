import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import webPush from 'web-push'
import { describe, expect, it } from 'vitest'
import { DEFAULT_VAPID_SUBJECT, loadOrCreateVapidKeys, readVapidSubject, VAPID_KEYS_FILE, VapidSubjectError } from '../../src/node/vapidKeys.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-vapid-')

describe('loadOrCreateVapidKeys', () => {
  it('[PUSH3] makes the node’s VAPID keys once, readable by its owner only, and the same keys after a restart', async () => {
    const folder = await newFolder()
    const made = await loadOrCreateVapidKeys(folder)
    expect((await stat(join(folder, VAPID_KEYS_FILE))).mode & 0o777).toBe(0o600)
    expect(made.publicKey).toMatch(/^B[A-Za-z0-9_-]{86}$/)
    expect(made.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(made.subject).toBe(DEFAULT_VAPID_SUBJECT)
    const restarted = await loadOrCreateVapidKeys(folder, 'mailto:someone@example.org')
    expect(restarted).toEqual({ ...made, subject: 'mailto:someone@example.org' })
    const many = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateVapidKeys(folder)))
    for (const keys of many) expect(keys).toEqual(made)
    // No temporary file is left beside it.
    expect(await readdir(folder)).toEqual([VAPID_KEYS_FILE])
    // web-push takes them as they are.
    expect(() => webPush.getVapidHeaders('https://push.example.com', made.subject, made.publicKey, made.privateKey, 'aes128gcm')).not.toThrow()
  })

  it('[PUSH3] refuses a damaged file, or one whose public key is another key’s, saying what to do, and never overwrites it', async () => {
    const folder = await newFolder()
    const path = join(folder, VAPID_KEYS_FILE)
    await loadOrCreateVapidKeys(folder)
    const genuine = JSON.parse(await readFile(path, 'utf8')) as { publicKey: string; privateKey: string }
    const other = await loadOrCreateVapidKeys(await newFolder())
    const offCurve = Buffer.from(genuine.publicKey, 'base64url')
    offCurve[64] = (offCurve[64] ?? 0) ^ 1
    const cases = [
      'not json',
      'null',
      JSON.stringify({ ...genuine, format: 'pii sealing key v1' }),
      JSON.stringify({ ...genuine, format: 'pii vapid keys v1', publicKey: other.publicKey }),
      JSON.stringify({ ...genuine, format: 'pii vapid keys v1', privateKey: genuine.privateKey.slice(1) }),
      JSON.stringify({ ...genuine, format: 'pii vapid keys v1', privateKey: Buffer.alloc(32).toString('base64url') }),
      JSON.stringify({ ...genuine, format: 'pii vapid keys v1', publicKey: offCurve.toString('base64url') }),
      JSON.stringify({ format: 'pii vapid keys v1', publicKey: 42, privateKey: null }),
    ]
    for (const text of cases) {
      await writeFile(path, text)
      await expect(loadOrCreateVapidKeys(folder), text).rejects.toThrow(/is not a Pii push \(VAPID\) key file \(.+\)\. Restore it from a backup, or move it away/)
      expect(await readFile(path, 'utf8')).toBe(text)
    }
  })
})

describe('readVapidSubject', () => {
  it('takes a mailto: address or an https: URL of a public host, and gives a placeholder push services accept when unset', () => {
    expect(readVapidSubject(undefined)).toBe(DEFAULT_VAPID_SUBJECT)
    expect(readVapidSubject('  ')).toBe(DEFAULT_VAPID_SUBJECT)
    expect(DEFAULT_VAPID_SUBJECT).not.toMatch(/localhost/)
    expect(readVapidSubject(' mailto:me@example.org ')).toBe('mailto:me@example.org')
    expect(readVapidSubject('https://pii.example.org/contact')).toBe('https://pii.example.org/contact')
  })

  it('refuses, with a sentence, a subject a push service would refuse, and writes no keys for it', async () => {
    const bad = ['mailto:pii@localhost', 'https://localhost/', 'https://127.0.0.1/', 'http://example.com/', 'me@example.com', 'mailto: me@example.com', 'mailto:a@b.example,c@d.example', 'javascript:alert(1)', `mailto:${'a'.repeat(300)}@example.com`]
    for (const subject of bad) expect(() => readVapidSubject(subject), subject).toThrow(VapidSubjectError)
    expect(() => readVapidSubject('mailto:pii@localhost')).toThrow(/^The push contact must be a mailto: address or an https: URL of a public host \(.+\); it is "mailto:pii@localhost"\.$/)
    const folder = await newFolder()
    await expect(loadOrCreateVapidKeys(folder, 'mailto:pii@localhost')).rejects.toThrow(VapidSubjectError)
    expect(await readdir(folder)).toEqual([])
  })
})
