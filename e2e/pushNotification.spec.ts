/**
 * A push reaches the real service worker in Chromium: DevTools delivers it
 * (ServiceWorker.deliverPushMessage) as a push service would, since a
 * headless browser here has no push service to subscribe to. What the
 * personal node sends (encodePushMessage) shows as a system notification,
 * tagged as the device's inbox notification of the same entry; junk shows
 * nothing.
 */
import { encodePushMessage, type PushMessage } from '../src/core/identity/pushSubscription.ts'
import { newSpaceId } from '../src/core/space/ids.ts'
import { expect, openApp, test, waitForOfflineReady } from './fixtures.ts'

interface Shown {
  readonly title: string
  readonly body: string
  readonly tag: string
  readonly space: unknown
}

test('[PUSH5] a push from the personal node shows its reminder from the service worker; junk shows nothing', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL! })
  const cdp = await context.newCDPSession(page)
  const registrations: string[] = []
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
    for (const registration of updated) if (!registration.isDeleted && !registrations.includes(registration.registrationId)) registrations.push(registration.registrationId)
  })
  await cdp.send('ServiceWorker.enable')
  await openApp(page)
  await waitForOfflineReady(page)
  await expect.poll(() => registrations.length).toBe(1)
  const registrationId = registrations[0]!
  const origin = new URL(baseURL!).origin
  const push = (data: string): Promise<unknown> => cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data })
  const shown = (): Promise<Shown[]> =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration()
      const notifications = await registration!.getNotifications()
      return notifications.map(({ title, body, tag, data }) => ({ title, body, tag, space: (data as { space?: unknown } | null)?.space }))
    })

  const message: PushMessage = { space: newSpaceId(), title: 'Doctor at 9', body: 'Bring the referral letter', tag: 'op1#3', at: Date.now() }
  await push('not json')
  await push(JSON.stringify({ ...message, title: '' }))
  await push(encodePushMessage({ ...message, tag: 'stale#1', at: Date.now() - 2 * 24 * 60 * 60_000 }))
  await push(encodePushMessage(message))
  await expect.poll(shown).toEqual([{ title: message.title, body: message.body, tag: `${message.space}\n${message.tag}`, space: message.space }])
  // The same entry pushed again replaces its notification rather than adding one.
  await push(encodePushMessage({ ...message, body: 'Bring the letter and the card' }))
  await expect.poll(shown).toEqual([{ title: message.title, body: 'Bring the letter and the card', tag: `${message.space}\n${message.tag}`, space: message.space }])
  await cdp.detach()
})
