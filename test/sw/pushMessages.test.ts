import { createECDH, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { didFromPublicKey } from '../../src/core/identity/didKey.ts'
import { encodePushMessage, type PushMessage } from '../../src/core/identity/pushSubscription.ts'
import { INBOX } from '../../src/core/scheduler/notifyKind.ts'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { watchInbox } from '../../src/sw/inboxNotifications.ts'
import type { NotificationRequest } from '../../src/sw/notificationData.ts'
import { notificationOfPush, showPush } from '../../src/sw/pushMessages.ts'
import { subscribeToPush, unsubscribeFromPush } from '../../src/sw/pushSubscribe.ts'

const ME = didFromPublicKey(new Uint8Array(32).fill(1))
const NOW = Date.UTC(2026, 10, 21, 8)
const DAY = 24 * 60 * 60_000
const message: PushMessage = { space: newSpaceId(), title: 'Doctor at 9', body: 'Bring the letter', tag: 'op1#3', at: NOW }
const pushData = (text: string): { text(): string } => ({ text: () => text })

function registrationShowing(): { shown: Array<{ title: string; options: NotificationOptions | undefined }>; showNotification(title: string, options?: NotificationOptions): Promise<void> } {
  const shown: Array<{ title: string; options: NotificationOptions | undefined }> = []
  return { shown, showNotification: (title, options) => (shown.push({ title, options }), Promise.resolve()) }
}

describe('pushed reminders in the service worker', () => {
  it('[PUSH5] are shown as the device’s own host shows the same inbox entry: one tag (so never twice), one space to open', () => {
    const doc = new Y.Doc()
    const shownByHost: NotificationRequest[] = []
    const stop = watchInbox({
      space: message.space,
      doc,
      deviceDoc: new Y.Doc(),
      device: ME,
      now: () => NOW,
      timers: { after: () => () => undefined },
      show: (request) => (shownByHost.push(request), Promise.resolve()),
    })
    doc.getMap(INBOX).set(message.tag, { occurrence: message.tag, title: message.title, body: message.body, to: [], createdAt: NOW, by: 'did:key:z6MkHost' })
    stop()
    expect(shownByHost).toHaveLength(1)
    expect(notificationOfPush(encodePushMessage(message), NOW)).toEqual(shownByHost[0])
  })

  it('[PUSH5] show nothing for junk, for a push without data, without permission, or for news a day old or a day ahead', async () => {
    const registration = registrationShowing()
    const show = (data: { text(): string } | null, permission: NotificationPermission = 'granted', now = NOW): Promise<void> => showPush({ data, permission, registration, now })
    await show(null)
    await show(pushData('not json'))
    await show(pushData(JSON.stringify({ ...message, title: 'x'.repeat(5000) })))
    await show({ text: () => { throw new TypeError('not text') } })
    await show(pushData(encodePushMessage(message)), 'denied')
    await show(pushData(encodePushMessage(message)), 'default')
    await show(pushData(encodePushMessage(message)), 'granted', NOW + DAY + 1)
    await show(pushData(encodePushMessage(message)), 'granted', NOW - DAY - 1)
    expect(registration.shown).toEqual([])
    await show(pushData(encodePushMessage(message)))
    expect(registration.shown).toEqual([{ title: message.title, options: { tag: `${message.space}\n${message.tag}`, body: message.body, data: { space: message.space } } }])
  })
})

/** A PushManager as a browser's, with a push service that answers `endpoint`. */
function fakePushManager(options: { permission?: PermissionState; endpoint?: string; refuse?: DOMException } = {}) {
  let current: (PushSubscription & { ended: boolean }) | null = null
  const made: Array<PushSubscription & { ended: boolean }> = []
  const manager = {
    permissionState: () => Promise.resolve(options.permission ?? 'granted'),
    getSubscription: () => Promise.resolve(current),
    subscribe: (subscribeOptions: PushSubscriptionOptionsInit) => {
      if (options.refuse) return Promise.reject(options.refuse)
      const p256dh = createECDH('prime256v1').generateKeys()
      const auth = randomBytes(16)
      const key = new Uint8Array(subscribeOptions.applicationServerKey as Uint8Array).buffer
      const subscription = {
        endpoint: options.endpoint ?? `https://fcm.googleapis.com/fcm/send/${randomBytes(8).toString('hex')}`,
        options: { applicationServerKey: key, userVisibleOnly: true },
        ended: false,
        getKey: (name: PushEncryptionKeyName) => new Uint8Array(name === 'p256dh' ? p256dh : auth).buffer,
        unsubscribe: () => {
          subscription.ended = true
          if (current === subscription) current = null
          return Promise.resolve(true)
        },
      } as unknown as PushSubscription & { ended: boolean }
      made.push(subscription)
      current = subscription
      return Promise.resolve(subscription)
    },
  }
  return { registration: { pushManager: manager as unknown as PushManager }, made }
}

const nodeKey = (): string => createECDH('prime256v1').generateKeys().toString('base64url')

describe('subscribeToPush', () => {
  it('subscribes with the node’s key and gives the record to publish; the same key again reuses the subscription, another replaces it', async () => {
    const { registration, made } = fakePushManager()
    const key = nodeKey()
    const record = await subscribeToPush(registration, key, ME, NOW)
    expect(record).toEqual({ device: ME, endpoint: made[0]?.endpoint, keys: { p256dh: expect.any(String) as string, auth: expect.any(String) as string }, vapidKey: key, createdAt: NOW })
    expect((await subscribeToPush(registration, key, ME, NOW + 1)).endpoint).toBe(record.endpoint)
    expect(made).toHaveLength(1)
    const other = await subscribeToPush(registration, nodeKey(), ME, NOW)
    expect(made).toHaveLength(2)
    expect(made[0]?.ended).toBe(true)
    expect(other.endpoint).toBe(made[1]?.endpoint)
    expect(await unsubscribeFromPush(registration)).toBe(true)
    expect(await unsubscribeFromPush(registration)).toBe(false)
  })

  it('says why it cannot: no Web Push, blocked notifications, a bad node key, or a subscription the node would refuse', async () => {
    await expect(subscribeToPush({}, nodeKey(), ME)).rejects.toMatchObject({ reason: 'unsupported' })
    await expect(subscribeToPush(fakePushManager({ permission: 'denied' }).registration, nodeKey(), ME)).rejects.toMatchObject({ reason: 'denied' })
    await expect(subscribeToPush(fakePushManager({ refuse: new DOMException('no', 'NotAllowedError') }).registration, nodeKey(), ME)).rejects.toMatchObject({ reason: 'denied' })
    await expect(subscribeToPush(fakePushManager({ refuse: new DOMException('push service error', 'AbortError') }).registration, nodeKey(), ME)).rejects.toMatchObject({
      reason: 'failed',
      message: expect.stringContaining('push service error') as string,
    })
    await expect(subscribeToPush(fakePushManager().registration, 'not a key', ME)).rejects.toMatchObject({ reason: 'bad-key' })
    await expect(subscribeToPush(fakePushManager({ endpoint: 'http://10.0.0.1/push' }).registration, nodeKey(), ME)).rejects.toMatchObject({ reason: 'failed' })
  })
})
