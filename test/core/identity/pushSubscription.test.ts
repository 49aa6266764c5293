import { createECDH, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { didFromPublicKey } from '../../../src/core/identity/didKey.ts'
import {
  decodeBase64Url,
  encodeBase64Url,
  encodePushMessage,
  isP256Point,
  PUSH_MESSAGE_MAX_BYTES,
  readPushMessage,
  readPushSubscription,
  type PushMessage,
} from '../../../src/core/identity/pushSubscription.ts'
import { newSpaceId } from '../../../src/core/space/ids.ts'

const DEVICE = didFromPublicKey(new Uint8Array(32).fill(3))
const NOW = Date.UTC(2026, 10, 21, 8)
const newPoint = (): Buffer => createECDH('prime256v1').generateKeys()

/** A record as a browser's subscription gives it (the shape of Chrome's on FCM). */
function genuine(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    device: DEVICE,
    endpoint: 'https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bHqjZxM0VImWWqDRN7U0a3AycjUf4O-byuxb_wJsKRaKvV_iKw56s16ekq6FUqoCF7k2nONaUFg',
    keys: { p256dh: newPoint().toString('base64url'), auth: randomBytes(16).toString('base64url') },
    vapidKey: newPoint().toString('base64url'),
    createdAt: NOW,
    ...fields,
  }
}

describe('readPushSubscription', () => {
  it('[PUSH1] takes the records browsers make, as a copy of the known fields only', () => {
    const endpoints = [
      'https://fcm.googleapis.com/fcm/send/abc:APA91b-x_y',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn',
      'https://web.push.apple.com/QGh0dHBzOi8vZXhhbXBsZS5jb20',
      'https://wns2-par02p.notify.windows.com/w/?token=BQYAAADC%2fm9kZXI%3d',
    ]
    for (const endpoint of endpoints) {
      const value: Record<string, unknown> = { ...genuine({ endpoint }), extra: 'x'.repeat(10_000) }
      const record = readPushSubscription(value)
      expect(record, endpoint).toEqual({ device: value.device, endpoint, keys: value.keys, vapidKey: value.vapidKey, createdAt: NOW })
      expect(record?.keys).not.toBe(value.keys)
    }
  })

  it('[PUSH1] refuses an endpoint that is not a public https: push service: other schemes, credentials, ports, IP addresses, local names, disguised forms', () => {
    const refused = [
      'http://fcm.googleapis.com/fcm/send/x',
      'javascript:alert(1)',
      'data:text/plain,x',
      'file:///etc/passwd',
      'ftp://push.example.com/x',
      'https://user:pw@push.example.com/x',
      'https://push.example.com:8443/x',
      'https://10.0.0.1/x',
      'https://127.0.0.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://[fd00::1]/x',
      // Other spellings of 127.0.0.1, which URL would rewrite: what is checked must be what is sent.
      'https://2130706433/x',
      'https://0x7f.1/x',
      'https://localhost/x',
      'https://push.localhost/x',
      'https://printer.local/x',
      'https://metadata.google.internal/x',
      'https://router.home.arpa/x',
      'https://intranet/x',
      'https://FCM.googleapis.com/x',
      'https://ëxample.com/x',
      'https://push.example.com./x',
      'https://push.example.com/x#fragment',
      'https://push.example.com/x\n',
      'https://push.example.com/a b',
      'https://push..example.com/x',
      'https://push.example.com',
      `https://push.example.com/${'a'.repeat(3000)}`,
      '',
      42,
      undefined,
    ]
    for (const endpoint of refused) expect(readPushSubscription(genuine({ endpoint })), String(endpoint)).toBeUndefined()
  })

  it('[PUSH1] takes a loopback http: endpoint only when told to (tests), and still no other private address', () => {
    const loopback = ['http://127.0.0.1:4567/push/a', 'http://localhost:4567/push/a', 'http://[::1]:4567/push/a']
    for (const endpoint of loopback) {
      expect(readPushSubscription(genuine({ endpoint })), endpoint).toBeUndefined()
      expect(readPushSubscription(genuine({ endpoint }), { allowLoopback: true })?.endpoint, endpoint).toBe(endpoint)
    }
    for (const endpoint of ['http://192.168.1.1:4567/push/a', 'http://10.0.0.1/push/a', 'ws://127.0.0.1:4567/push/a']) {
      expect(readPushSubscription(genuine({ endpoint }), { allowLoopback: true }), endpoint).toBeUndefined()
    }
  })

  it('[PUSH1] refuses keys of the wrong size, curve or encoding, and other malformed fields', () => {
    const point = newPoint()
    const offCurve = Buffer.from(point)
    offCurve[64] = (offCurve[64] ?? 0) ^ 1
    const compressed = Buffer.from(point)
    compressed[0] = 0x02
    const xTooBig = Buffer.concat([Buffer.from([4]), Buffer.alloc(32, 0xff), point.subarray(33)])
    const auth = randomBytes(16)
    const badP256dh = [
      point.subarray(0, 64).toString('base64url'),
      offCurve.toString('base64url'),
      compressed.toString('base64url'),
      xTooBig.toString('base64url'),
      point.toString('base64'),
      `${point.toString('base64url')}=`,
      `${point.toString('base64url')}\n`,
      'A'.repeat(100_000),
      42,
      undefined,
    ]
    for (const p256dh of badP256dh) {
      expect(readPushSubscription(genuine({ keys: { p256dh, auth: auth.toString('base64url') } })), String(p256dh).slice(0, 90)).toBeUndefined()
      expect(readPushSubscription(genuine({ vapidKey: p256dh })), String(p256dh).slice(0, 90)).toBeUndefined()
    }
    const lastChar = auth.toString('base64url').slice(-1)
    // 16 bytes are 22 characters, whose last carries 4 spare bits: any set makes a second spelling of the same secret.
    const respelled = auth.toString('base64url').slice(0, -1) + String.fromCharCode(lastChar.charCodeAt(0) + (lastChar === 'A' ? 1 : -1))
    for (const bad of [randomBytes(15), randomBytes(17), randomBytes(32)].map((bytes) => bytes.toString('base64url')).concat([respelled, '', 'x'.repeat(100_000)])) {
      if (decodeBase64Url(bad)?.length === 16) continue
      expect(readPushSubscription(genuine({ keys: { p256dh: point.toString('base64url'), auth: bad } })), bad.slice(0, 40)).toBeUndefined()
    }
    const malformed: unknown[] = [
      null,
      [],
      'record',
      Object.assign(Object.create(null) as object, genuine()),
      genuine({ device: undefined }),
      genuine({ device: 'did:key:zNotAKey' }),
      genuine({ keys: undefined }),
      genuine({ keys: [point.toString('base64url'), auth.toString('base64url')] }),
      genuine({ keys: { p256dh: point.toString('base64url') } }),
      genuine({ vapidKey: undefined }),
      genuine({ createdAt: -1 }),
      genuine({ createdAt: 1.5 }),
      genuine({ createdAt: Number.NaN }),
      genuine({ createdAt: 1e300 }),
      genuine({ createdAt: String(NOW) }),
    ]
    for (const value of malformed) expect(readPushSubscription(value)).toBeUndefined()
  })

  it('knows points on P-256 from anything else', () => {
    for (let index = 0; index < 200; index++) expect(isP256Point(newPoint())).toBe(true)
    expect(isP256Point(new Uint8Array(65))).toBe(false)
    expect(isP256Point(Uint8Array.from([4, ...new Uint8Array(64).fill(0xff)]))).toBe(false)
  })

  it('reads back the base64url it writes, and only its canonical spelling', () => {
    for (const length of [0, 1, 2, 3, 16, 32, 65]) {
      const bytes = randomBytes(length)
      expect(encodeBase64Url(bytes)).toBe(bytes.toString('base64url'))
      expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(new Uint8Array(bytes))
    }
    for (const text of ['A', 'AB', 'ABC=', 'A+B/', 'AB C']) expect(decodeBase64Url(text), text).toBeUndefined()
  })
})

describe('push messages', () => {
  const message: PushMessage = { space: newSpaceId(), title: 'Doctor at 9', body: 'Bring the letter', tag: 'op1@2#3', at: NOW }

  it('reads back what the node encodes', () => {
    expect(readPushMessage(encodePushMessage(message))).toEqual(message)
    const noBody: PushMessage = { space: message.space, title: message.title, tag: message.tag, at: message.at }
    expect(readPushMessage(encodePushMessage(noBody))).toEqual(noBody)
  })

  it('[PUSH4] keeps every message within the push size, cutting the body by whole characters', () => {
    const worst = { ...message, title: '\u0000'.repeat(200), tag: '\\'.repeat(256), body: '\u0001'.repeat(2000) }
    for (const candidate of [worst, { ...message, body: '😀'.repeat(1000) }, { ...message, body: 'é'.repeat(2000) }]) {
      const text = encodePushMessage(candidate)
      expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(PUSH_MESSAGE_MAX_BYTES)
      const read = readPushMessage(text)
      expect(read).toMatchObject({ space: candidate.space, title: candidate.title, tag: candidate.tag, at: NOW })
      // No half of a surrogate pair is left: encodeURIComponent throws on one.
      expect(() => encodeURIComponent(read?.body ?? '')).not.toThrow()
      if (read?.body !== undefined) expect(read.body.endsWith('…')).toBe(true)
    }
    expect(readPushMessage(encodePushMessage({ ...message, body: 'é'.repeat(1000) }))?.body).toBe('é'.repeat(1000))
  })

  it('[PUSH5] reads nothing from junk a push may carry', () => {
    const fields = JSON.parse(encodePushMessage(message)) as Record<string, unknown>
    const junk: unknown[] = [
      undefined,
      null,
      42,
      '',
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...fields, space: 'not-a-space' }),
      JSON.stringify({ ...fields, title: '' }),
      JSON.stringify({ ...fields, title: '   ' }),
      JSON.stringify({ ...fields, title: 'x'.repeat(201) }),
      JSON.stringify({ ...fields, title: { toString: 'x' } }),
      JSON.stringify({ ...fields, body: 'x'.repeat(2001) }),
      JSON.stringify({ ...fields, body: 7 }),
      JSON.stringify({ ...fields, tag: undefined }),
      JSON.stringify({ ...fields, tag: 'a\nb' }),
      JSON.stringify({ ...fields, tag: 'x'.repeat(257) }),
      JSON.stringify({ ...fields, at: -1 }),
      JSON.stringify({ ...fields, at: 1.5 }),
      JSON.stringify({ ...fields, at: '2026-11-21' }),
      JSON.stringify({ ...fields, padding: 'x'.repeat(PUSH_MESSAGE_MAX_BYTES) }),
    ]
    for (const text of junk) expect(readPushMessage(text), String(text).slice(0, 60)).toBeUndefined()
    expect(readPushMessage(JSON.stringify({ ...fields, extra: 1, __proto__: { polluted: true } }))).toEqual(message)
  })
})
