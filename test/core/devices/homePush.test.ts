import { createECDH, randomBytes } from 'node:crypto'
import { toHexString } from 'lib0/buffer'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { HOME_PUSH_KEYS, HOME_PUSH_SUBSCRIPTIONS, publishPushKey, publishSubscription, pushKeys, pushSubscriptions, signSubscription } from '../../../src/core/devices/homePush.ts'
import { createNobleKey, signWith, verifySignature, type DeviceKey } from '../../../src/core/identity/deviceKey.ts'
import { didFromPublicKey } from '../../../src/core/identity/didKey.ts'
import { encodeBase64Url, type PushSubscriptionRecord } from '../../../src/core/identity/pushSubscription.ts'
import { EMPTY_MEMBERSHIP, type MemberDevice, type MembershipState } from '../../../src/core/members/resolveMembership.ts'

const p256 = (): string => {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return encodeBase64Url(new Uint8Array(ecdh.getPublicKey()))
}
const verify = (key: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> => verifySignature(undefined, key, signature, message)
const deviceKey = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)
const sign = (key: DeviceKey) => (message: Uint8Array) => signWith(key, undefined, message)
const record = (device: Uint8Array, vapidKey: string): PushSubscriptionRecord => ({
  device: didFromPublicKey(device),
  endpoint: `https://push.example.net/send/${toHexString(device).slice(0, 8)}`,
  keys: { p256dh: p256(), auth: encodeBase64Url(new Uint8Array(randomBytes(16))) },
  vapidKey,
  createdAt: 1_000,
})
/** A home whose membership links exactly `devices`. */
const linked = (...devices: Uint8Array[]): MembershipState => ({
  ...EMPTY_MEMBERSHIP,
  devices: new Map(devices.map((key): [string, MemberDevice] => [toHexString(key), { device: toHexString(key), key, person: toHexString(devices[0]!), name: '', x25519: new Uint8Array(0), linkedAt: 0, rank: 0 }])),
})

describe('Web Push through the home space', () => {
  it('[PUSH6] sends only to well-formed subscriptions of devices still linked, each signed by its own device', async () => {
    const home = new Y.Doc()
    const [laptop, phone, lost] = await Promise.all([createNobleKey(), createNobleKey(), createNobleKey()])
    const node = deviceKey(4)
    const vapid = p256()
    publishPushKey(home, node, vapid)
    for (const device of [laptop, phone, lost]) publishSubscription(home, await signSubscription(record(device.publicKey, vapid), sign(device)))
    const subscriptions = home.getMap<unknown>(HOME_PUSH_SUBSCRIPTIONS)
    // The lost phone, before its unlink, files the thief's endpoint under the laptop's name, signed by itself; and junk.
    const planted = await signSubscription({ ...record(laptop.publicKey, vapid), endpoint: 'https://push.thief.example/x' }, sign(lost))
    subscriptions.set(didFromPublicKey(laptop.publicKey), planted)
    subscriptions.set('junk', { endpoint: 'http://169.254.169.254/' })
    const sendTo = (await pushSubscriptions(home, linked(node, phone.publicKey, laptop.publicKey), verify)).map((found) => found.device)
    expect(sendTo).toEqual([didFromPublicKey(phone.publicKey)])
    expect(pushKeys(home, linked(node, phone.publicKey))).toEqual([vapid])
  })

  it('[PUSH6] takes no push key from a node that is not linked, nor one that is no P-256 key', () => {
    const home = new Y.Doc()
    publishPushKey(home, deviceKey(4), p256())
    home.getMap<unknown>(HOME_PUSH_KEYS).set(toHexString(deviceKey(5)), 'not a key')
    expect(pushKeys(home, linked(deviceKey(1), deviceKey(5)))).toEqual([])
  })
})
