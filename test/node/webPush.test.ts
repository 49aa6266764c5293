import webPush from 'web-push'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { didFromPublicKey } from '../../src/core/identity/didKey.ts'
import { readPushMessage, type PushMessage, type PushSubscriptionRecord } from '../../src/core/identity/pushSubscription.ts'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { loadOrCreateVapidKeys, type VapidKeys } from '../../src/node/vapidKeys.ts'
import { isPublicAddress, PushSender, type PushResult, type PushSenderOptions } from '../../src/node/webPush.ts'
import { startLocalPushService, type LocalPushService, type LocalSubscription, type PushAnswer } from '../helpers/localPushService.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-push-')
const DEVICE = didFromPublicKey(new Uint8Array(32).fill(7))
const NOW = Date.UTC(2026, 10, 21, 8)
const message: PushMessage = { space: newSpaceId(), title: 'Doctor at 9', body: 'Bring the letter', tag: 'op1#3', at: NOW }

let service: LocalPushService
let keys: VapidKeys
const senders: PushSender[] = []

beforeEach(async () => {
  service = await startLocalPushService()
  keys = await loadOrCreateVapidKeys(await newFolder())
})
afterEach(async () => {
  for (const sender of senders.splice(0)) sender.close()
  await service.close()
})

function sender(options: Partial<PushSenderOptions> = {}): PushSender {
  const made = new PushSender({ keys, allowLoopback: true, ...options })
  senders.push(made)
  return made
}

function record(subscription: LocalSubscription, fields: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord {
  return { device: DEVICE, endpoint: subscription.endpoint, keys: subscription.keys, vapidKey: keys.publicKey, createdAt: NOW, ...fields }
}

const subscribed = (answer?: PushAnswer): PushSubscriptionRecord => record(service.subscribe({ vapidKey: keys.publicKey, ...(answer ? { answer } : {}) }))

describe('PushSender', () => {
  it('sends each subscription the message, signed with the node’s VAPID key and encrypted to that subscription alone', async () => {
    const phone = subscribed()
    const laptop = subscribed()
    const results = await sender().send(message, [phone, laptop])
    expect(results).toEqual([
      { endpoint: phone.endpoint, outcome: 'delivered', status: 201 },
      { endpoint: laptop.endpoint, outcome: 'delivered', status: 201 },
    ])
    expect(service.refusals).toEqual([])
    for (const endpoint of [phone.endpoint, laptop.endpoint]) {
      const [push, ...more] = service.received(endpoint)
      expect(more).toEqual([])
      expect(readPushMessage(push?.text)).toEqual(message)
      expect(push).toMatchObject({ ttl: 24 * 60 * 60, urgency: 'high', vapidKey: keys.publicKey, claims: { aud: service.origin, sub: 'mailto:pii-node@example.com' } })
    }
  })

  it('[PUSH4] cuts a body too long for a push, and what arrives still reads as the message', async () => {
    const phone = subscribed()
    // Control characters are six bytes each in JSON: 2,000 of them would be 12 KB.
    const long = { ...message, body: '\u0001'.repeat(2000) }
    expect(await sender().send(long, [phone])).toMatchObject([{ outcome: 'delivered' }])
    const text = service.received(phone.endpoint)[0]?.text ?? ''
    expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(3072)
    const read = readPushMessage(text)
    expect(read).toMatchObject({ space: message.space, title: message.title, tag: message.tag })
    expect(read?.body?.replaceAll('\u0001', '')).toBe('…')
  })

  it('reports a subscription the push service says is gone (410, or 404), for the caller to drop', async () => {
    const gone = subscribed('gone')
    const unknown = record(service.subscribe(), { endpoint: `${service.origin}/push/nobody` })
    expect(await sender().send(message, [gone, unknown])).toEqual([
      { endpoint: gone.endpoint, outcome: 'gone', status: 410 },
      { endpoint: unknown.endpoint, outcome: 'gone', status: 404 },
    ])
  })

  it('[PUSH1] refuses, without a request, an endpoint that is not https:, an IP address, or not a push subscription at all; and never throws for one', async () => {
    const plain = subscribed()
    const strict = sender({ allowLoopback: false })
    const junk = [
      plain,
      { ...plain, endpoint: plain.endpoint.replace('http:', 'https:') },
      { ...plain, endpoint: 'javascript:alert(1)' },
      { ...plain, keys: { ...plain.keys, p256dh: plain.keys.auth } },
      null,
      42,
      { endpoint: 'https://fcm.googleapis.com/fcm/send/x' },
    ] as unknown as PushSubscriptionRecord[]
    const results = await strict.send(message, junk)
    expect(results.map((result) => result.outcome)).toEqual(Array<string>(junk.length).fill('refused'))
    expect(results.map((result) => 'reason' in result && result.reason)).toEqual(Array<string>(junk.length).fill('invalid'))
    expect(service.requestsTo(plain.endpoint)).toBe(0)
    expect(strict.stats().refused).toBe(junk.length)
  })

  it('[PUSH2] refuses a host that resolves to a private or loopback address, even beside a public one, before connecting', async () => {
    const subscription = service.subscribe()
    const resolved: string[] = []
    const answers: Record<string, Array<{ address: string; family: number }>> = {
      'push.rebind.example': [{ address: '127.0.0.2', family: 4 }],
      'push.mixed.example': [{ address: '192.0.2.10', family: 4 }, { address: '::1', family: 6 }],
      'push.mapped.example': [{ address: '::ffff:127.0.0.2', family: 6 }],
    }
    const strict = sender({
      allowLoopback: false,
      resolveHost: (host) => {
        resolved.push(host)
        return Promise.resolve(answers[host] ?? [])
      },
    })
    const records = Object.keys(answers).map((host) => record(subscription, { endpoint: `https://${host}/push/x` }))
    const results = await strict.send(message, records)
    expect(resolved.sort()).toEqual(Object.keys(answers).sort())
    expect(results).toEqual(records.map(({ endpoint }) => ({ endpoint, outcome: 'refused', reason: 'private-address' })))
  })

  it('[PUSH2] knows which addresses are public', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(address), address).toBe(true)
    const privateOnes = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255']
    for (const address of [...privateOnes, '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:10.0.0.1', '::ffff:7f00:1', 'not an address']) {
      expect(isPublicAddress(address), address).toBe(false)
    }
  })

  it('[PUSH2] never follows a redirect', async () => {
    const target = subscribed()
    const redirecting = subscribed({ redirectTo: target.endpoint })
    expect(await sender().send(message, [redirecting])).toEqual([
      { endpoint: redirecting.endpoint, outcome: 'failed', reason: 'redirect', retryable: false, status: 307, detail: 'HTTP 307, not followed' },
    ])
    expect(service.requestsTo(target.endpoint)).toBe(0)
  })

  it('[PUSH4] gives up on an endpoint that never answers, and the others of the round are not held by it', async () => {
    const hung = subscribed('hang')
    const fine = subscribed()
    const started = Date.now()
    const results = await sender({ timeoutMs: 300 }).send(message, [hung, fine])
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(results).toEqual([
      { endpoint: hung.endpoint, outcome: 'failed', reason: 'timeout', retryable: true, detail: 'no answer within 300 ms' },
      { endpoint: fine.endpoint, outcome: 'delivered', status: 201 },
    ])
  })

  it('[PUSH4] sends to a bounded number of endpoints at once', async () => {
    const hung = [subscribed('hang'), subscribed('hang'), subscribed('hang'), subscribed('hang')]
    const started = Date.now()
    const results = await sender({ timeoutMs: 250, concurrency: 2 }).send(message, hung)
    expect(results.map((result) => result.outcome)).toEqual(['failed', 'failed', 'failed', 'failed'])
    // Two at a time: the second pair starts only when the first pair's deadlines pass.
    expect(Date.now() - started).toBeGreaterThanOrEqual(490)
  })

  it('says which failures are worth retrying, with the push service’s Retry-After', async () => {
    const busy = subscribed({ status: 429, retryAfter: '120' })
    const down = subscribed({ status: 503 })
    const refusing = subscribed({ status: 403 })
    expect(await sender().send(message, [busy, down, refusing])).toEqual([
      { endpoint: busy.endpoint, outcome: 'failed', reason: 'status', retryable: true, status: 429, retryAfterMs: 120_000, detail: 'HTTP 429' },
      { endpoint: down.endpoint, outcome: 'failed', reason: 'status', retryable: true, status: 503, detail: 'HTTP 503' },
      { endpoint: refusing.endpoint, outcome: 'failed', reason: 'status', retryable: false, status: 403, detail: 'HTTP 403' },
    ])
  })

  it('[PUSH1] does not send a subscription made with another VAPID key (its push service would refuse it)', async () => {
    const other = await loadOrCreateVapidKeys(await newFolder())
    const foreign = record(service.subscribe({ vapidKey: other.publicKey }), { vapidKey: other.publicKey })
    expect(await sender().send(message, [foreign])).toEqual([{ endpoint: foreign.endpoint, outcome: 'refused', reason: 'other-vapid-key' }])
    expect(service.requestsTo(foreign.endpoint)).toBe(0)
  })

  it('[PUSH4] a flood to one endpoint is cut to a burst and then a steady rate; the rest is dropped and counted', async () => {
    let now = NOW
    const limited = sender({ burst: 3, refillMs: 60_000, now: () => now })
    const phone = subscribed()
    const laptop = subscribed()
    const outcomes: PushResult['outcome'][] = []
    for (let round = 0; round < 10; round++) outcomes.push(...(await limited.send({ ...message, tag: `op1#${round}` }, [phone])).map((result) => result.outcome))
    // The same endpoint twice in one list is sent once.
    const twice = await limited.send(message, [laptop, laptop])
    expect(outcomes).toEqual([...Array<string>(3).fill('delivered'), ...Array<string>(7).fill('limited')])
    expect(twice.map((result) => result.outcome)).toEqual(['delivered', 'delivered'])
    expect(service.requestsTo(phone.endpoint)).toBe(3)
    expect(service.requestsTo(laptop.endpoint)).toBe(1)
    now += 60_000
    expect((await limited.send(message, [phone, phone]))[0]?.outcome).toBe('delivered')
    expect((await limited.send(message, [phone]))[0]?.outcome).toBe('limited')
    expect(limited.stats()).toEqual({ delivered: 5, gone: 0, refused: 0, limited: 8, failed: 0 })
  })

  it('rejects a malformed message (a caller’s bug) before sending anything', async () => {
    const phone = subscribed()
    await expect(sender().send({ ...message, space: 'not a space' }, [phone])).rejects.toThrow(/push message needs a space id/)
    await expect(sender().send({ ...message, title: ' ' }, [phone])).rejects.toThrow(/push message needs/)
    expect(service.requestsTo(phone.endpoint)).toBe(0)
  })
})

describe('the local push service (what the tests above rely on)', () => {
  it('opens a push only with the subscription’s own keys', async () => {
    const phone = subscribed()
    const other = service.subscribe()
    const misdirected = { ...phone, keys: other.keys }
    expect(await sender().send(message, [misdirected])).toMatchObject([{ outcome: 'failed', status: 400, retryable: false }])
    expect(service.received()).toEqual([])
    expect(service.refusals).toEqual([`${phone.endpoint}: does not decrypt (wrong keys, or altered)`])
  })

  it('refuses a VAPID token for another audience, signed by another key than its k, or of another key than the subscription’s', async () => {
    const phone = service.subscribe({ vapidKey: keys.publicKey })
    const other = await loadOrCreateVapidKeys(await newFolder())
    const token = (signer: VapidKeys, audience = service.origin): string =>
      webPush.getVapidHeaders(audience, signer.subject, signer.publicKey, signer.privateKey, 'aes128gcm').Authorization
    const post = async (authorization: string): Promise<number> => {
      const details = webPush.generateRequestDetails(phone, 'hello', { vapidDetails: keys, contentEncoding: 'aes128gcm' })
      return (await fetch(phone.endpoint, { method: 'POST', headers: { ...(details.headers as Record<string, string>), Authorization: authorization }, body: new Uint8Array(details.body) })).status
    }
    expect(await post(token(keys))).toBe(201)
    expect(await post(token(keys, 'https://elsewhere.example'))).toBe(401)
    expect(await post(token(other).replace(/k=.*$/, `k=${keys.publicKey}`))).toBe(401)
    expect(await post(token(other))).toBe(403)
    expect(service.refusals).toEqual([
      expect.stringMatching(/JWT aud https:\/\/elsewhere.example, not http:\/\/127\.0\.0\.1:\d+$/),
      expect.stringMatching(/JWT signature does not verify against k$/),
      expect.stringMatching(/token signed by another VAPID key than the subscription’s$/),
    ])
    expect(service.received().map((push) => push.text)).toEqual(['hello'])
  })
})
