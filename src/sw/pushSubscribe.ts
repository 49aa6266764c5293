/**
 * Subscribes this browser to Web Push with the personal node's VAPID key,
 * and gives the record to publish in the home space so the node can wake
 * this device (core/identity/pushSubscription.ts). Runs in a page (from the
 * composition root: the UI must not import src/sw) or in the worker (e.g. on
 * `pushsubscriptionchange`); both have the registration's PushManager.
 */
import type { Did } from '../core/identity/didKey.ts'
import { decodeBase64Url, encodeBase64Url, isP256Point, readPushSubscription, type PushSubscriptionRecord } from '../core/identity/pushSubscription.ts'

export const PushSubscribeErrorReason = {
  /** No PushManager: a browser without Web Push, or Safari outside an installed web app. */
  unsupported: 'unsupported',
  /** The person (or the browser's settings) refused notifications. */
  denied: 'denied',
  /** The node's key is not a P-256 public key in base64url. */
  badKey: 'bad-key',
  /** The browser's push service failed, or gave a subscription Pii does not send to. */
  failed: 'failed',
} as const
export type PushSubscribeErrorReason = (typeof PushSubscribeErrorReason)[keyof typeof PushSubscribeErrorReason]

export class PushSubscribeError extends Error {
  override readonly name = 'PushSubscribeError'
  constructor(
    readonly reason: PushSubscribeErrorReason,
    message: string,
  ) {
    super(message)
  }
}

/** What subscribeToPush needs of a registration (a ServiceWorkerRegistration has it). */
export interface PushRegistration {
  readonly pushManager?: PushManager
}

/**
 * This browser's push subscription for the node's `vapidPublicKey`, as the
 * record `device` publishes. One made before with the same key is reused
 * (its endpoint is already known); one made with another key (another
 * node's) is ended first, as a browser holds one subscription per worker.
 * Subscribing from a page may ask the person for notification permission,
 * so call it from their click.
 */
export async function subscribeToPush(registration: PushRegistration, vapidPublicKey: string, device: Did, now: number = Date.now()): Promise<PushSubscriptionRecord> {
  const manager = registration.pushManager
  if (!manager) throw new PushSubscribeError(PushSubscribeErrorReason.unsupported, 'This browser cannot receive reminders while Pii is closed (it has no Web Push; on iPhone and iPad, add Pii to the home screen first).')
  const key = decodeBase64Url(vapidPublicKey)
  if (!key || !isP256Point(key)) throw new PushSubscribeError(PushSubscribeErrorReason.badKey, 'The personal node’s push key is not a P-256 public key; update the node, then try again.')
  if ((await manager.permissionState({ userVisibleOnly: true })) === 'denied') throw denied()
  let subscription: PushSubscription
  try {
    const existing = await manager.getSubscription()
    const existingKey = existing?.options.applicationServerKey
    if (existing && existingKey && encodeBase64Url(new Uint8Array(existingKey)) === vapidPublicKey) {
      subscription = existing
    } else {
      await existing?.unsubscribe()
      subscription = await manager.subscribe({ userVisibleOnly: true, applicationServerKey: Uint8Array.from(key) })
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotAllowedError') throw denied()
    throw new PushSubscribeError(PushSubscribeErrorReason.failed, `This browser’s push service did not take the subscription (${error instanceof Error ? error.message : String(error)}). Try again later.`)
  }
  const keyText = (name: PushEncryptionKeyName): string => {
    const bytes = subscription.getKey(name)
    return bytes ? encodeBase64Url(new Uint8Array(bytes)) : ''
  }
  const record = readPushSubscription({ device, endpoint: subscription.endpoint, keys: { p256dh: keyText('p256dh'), auth: keyText('auth') }, vapidKey: vapidPublicKey, createdAt: now })
  if (!record) {
    // Published, it would be refused by the node (PUSH1): better said now, here, than never delivered.
    throw new PushSubscribeError(PushSubscribeErrorReason.failed, 'This browser’s push service gave a subscription the personal node does not send to (not a public https: address, or keys of another kind).')
  }
  return record
}

/** Ends this browser's push subscription, if it has one; whether there was one. */
export async function unsubscribeFromPush(registration: PushRegistration): Promise<boolean> {
  const subscription = await registration.pushManager?.getSubscription()
  return subscription ? subscription.unsubscribe() : false
}

const denied = (): PushSubscribeError =>
  new PushSubscribeError(PushSubscribeErrorReason.denied, 'Notifications are blocked for Pii in this browser’s settings. Allow them there to get reminders while Pii is closed.')
