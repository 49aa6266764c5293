/**
 * Web Push through the home space: the personal node publishes its VAPID
 * public key there, and each browser of the person that wants reminders
 * while it sleeps publishes its push subscription (made with that key).
 * The node sends to every subscription of a device that is still linked.
 *
 * Any device of the person writes here (a stolen one too, until it is
 * unlinked), so every record is read strictly, and a subscription counts
 * only while its device is one of the person's current devices.
 */
import type * as Y from 'yjs'
import { toHexString } from 'lib0/buffer'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { isDid, publicKeyFromDid } from '../identity/didKey.ts'
import type { Verifier } from '../space/envelope.ts'
import { decodeBase64Url, isP256Point, readPushSubscription, type PushEndpointRules, type PushSubscriptionRecord } from '../identity/pushSubscription.ts'
import type { MembershipState } from '../members/resolveMembership.ts'

/** Top-level names in the home space's content: part of the format. */
export const HOME_PUSH_KEYS = 'homePushKeys'
export const HOME_PUSH_SUBSCRIPTIONS = 'homePushSubscriptions'

/** A person's browsers, with room to spare; past it, the map is junk. */
const MAX_SUBSCRIPTIONS = 64
const MAX_PUSH_KEYS = 16

/** The node (device hex) that publishes `vapidKey` (base64url): its key, beside any other node's. */
export function publishPushKey(home: Y.Doc, node: Uint8Array, vapidKey: string): void {
  const map = home.getMap<unknown>(HOME_PUSH_KEYS)
  if (map.get(toHexString(node)) !== vapidKey) map.set(toHexString(node), vapidKey)
}

/** The VAPID keys of the person's nodes that are still linked. */
export function pushKeys(home: Y.Doc, membership: MembershipState): string[] {
  const keys: string[] = []
  for (const [node, value] of home.getMap<unknown>(HOME_PUSH_KEYS)) {
    if (keys.length >= MAX_PUSH_KEYS) break
    const key = typeof value === 'string' && value.length <= 100 ? decodeBase64Url(value) : undefined
    if (key && isP256Point(key) && membership.devices.has(node)) keys.push(value as string)
  }
  return keys
}

/** A subscription with its device's signature: the node sends only to one its own device signed (PUSH6). */
export type SignedPushSubscription = PushSubscriptionRecord & { readonly signature: string }

const SUBSCRIPTION_CONTEXT = 'pii push subscription v1'

/** What a device signs of its subscription: every field that says where, how and for whom a push goes. */
function subscriptionMessage(record: PushSubscriptionRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify([SUBSCRIPTION_CONTEXT, record.device, record.endpoint, record.keys.p256dh, record.keys.auth, record.vapidKey, record.createdAt]))
}

export async function signSubscription(record: PushSubscriptionRecord, sign: (message: Uint8Array) => Promise<Uint8Array>): Promise<SignedPushSubscription> {
  return { ...record, signature: encodeBase58(await sign(subscriptionMessage(record))) }
}

export function publishSubscription(home: Y.Doc, record: SignedPushSubscription): void {
  home.getMap<unknown>(HOME_PUSH_SUBSCRIPTIONS).set(record.device, { ...record, keys: { ...record.keys } })
}

export function withdrawSubscription(home: Y.Doc, device: string): void {
  home.getMap<unknown>(HOME_PUSH_SUBSCRIPTIONS).delete(device)
}

/**
 * The subscriptions to send to: well formed, under their own device's name, signed by that device, of a device still
 * linked. Any device of the person writes the home (a stolen one too, until unlinked): without the signature it could
 * file its own endpoint under another device's name and keep getting every reminder after its unlink.
 */
export async function pushSubscriptions(home: Y.Doc, membership: MembershipState, verify: Verifier, rules: PushEndpointRules = {}): Promise<PushSubscriptionRecord[]> {
  const candidates: Array<{ readonly record: PushSubscriptionRecord; readonly key: Uint8Array; readonly signature: Uint8Array }> = []
  for (const [device, value] of home.getMap<unknown>(HOME_PUSH_SUBSCRIPTIONS)) {
    if (candidates.length >= MAX_SUBSCRIPTIONS) break
    const record = readPushSubscription(value, rules)
    const signatureText = (value as { signature?: unknown } | null)?.signature
    const signature = typeof signatureText === 'string' && signatureText.length <= 100 ? decodeBase58(signatureText) : undefined
    if (!record || !signature || record.device !== device || !isDid(device)) continue
    const key = publicKeyFromDid(device)
    if (membership.devices.has(toHexString(key))) candidates.push({ record, key, signature })
  }
  const signed = await Promise.all(candidates.map(({ record, key, signature }) => verify(key, signature, subscriptionMessage(record))))
  return candidates.filter((_, index) => signed[index]).map(({ record }) => record)
}

/** This device's own subscription record, if it published one. */
export function ownSubscription(home: Y.Doc, device: string): PushSubscriptionRecord | undefined {
  return readPushSubscription(home.getMap<unknown>(HOME_PUSH_SUBSCRIPTIONS).get(device), { allowLoopback: true })
}
