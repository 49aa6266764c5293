/** Joining by share link, as a person does it and as another web site can try it. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Page } from '@playwright/test'
import { HOST_STATS_CHANNEL } from '../src/core/scheduler/hostStats.ts'
import type { SpaceId } from '../src/core/space/ids.ts'
import { parseShareFragment, type ShareSecret } from '../src/core/space/shareLink.ts'
import { expect } from './fixtures.ts'

export const joinButton = (page: Page) => page.getByRole('button', { name: 'Join', exact: true })

/** Opens a share link and accepts the join screen that asks first. */
export async function joinByLink(page: Page, link: string): Promise<void> {
  await page.goto(link)
  await joinButton(page).click()
}

/** The space and the secret a share link `…/#/s/<space>/<secret>` holds. */
export function partsOfLink(link: string): { readonly space: SpaceId; readonly secret: ShareSecret } {
  return parseShareFragment(new URL(link).hash)
}

export interface OtherSite {
  /** The address of a page on this site whose script sends the browser to `url`. */
  pageSendingTo(url: string): string
  close(): Promise<void>
}

/** A web site on another origin (another port of 127.0.0.1): any page anywhere can send a browser to a share link. */
export async function startOtherSite(): Promise<OtherSite> {
  const server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('to') ?? ''
    // As a script literal, with `<` escaped so the address cannot close the <script> element.
    const literal = JSON.stringify(target).replaceAll('<', '\\u003c')
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(`<!doctype html><title>Somewhere else</title><script>location.href = ${literal}</script>`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    pageSendingTo: (url) => `${origin}/?to=${encodeURIComponent(url)}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}

/**
 * What this browser stores that names the space: its own databases, and any
 * row of another database (the device doc's list of spaces) whose bytes hold
 * the id (Yjs writes a map key as its UTF-8 bytes).
 */
export function storedMentionsOf(page: Page, space: string): Promise<string[]> {
  return page.evaluate(async (space) => {
    const mentions: string[] = []
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue
      if (name.includes(space)) {
        mentions.push(name)
        continue
      }
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name)
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error ?? new Error(`Could not open ${name}`))
      })
      try {
        for (const store of db.objectStoreNames) {
          const rows = await new Promise<unknown[]>((resolve, reject) => {
            const request = db.transaction(store).objectStore(store).getAll()
            request.onsuccess = () => resolve(request.result)
            request.onerror = () => reject(request.error ?? new Error(`Could not read ${name}/${store}`))
          })
          const text = (row: unknown): string =>
            row instanceof Uint8Array || row instanceof ArrayBuffer ? new TextDecoder('latin1').decode(row) : JSON.stringify(row) ?? ''
          if (rows.some((row) => text(row).includes(space))) mentions.push(`${name}/${store}`)
        }
      } finally {
        // An open connection would block the app deleting a database.
        db.close()
      }
    }
    return mentions
  }, space)
}

/** The spaces this browser's scheduler host runs now, from the figures it publishes every second (HOST_STATS_CHANNEL). */
export function hostedSpacesOf(page: Page): Promise<string[] | 'no host'> {
  return page.evaluate(
    (channel) =>
      new Promise<string[] | 'no host'>((resolve) => {
        const stats = new BroadcastChannel(channel)
        const done = (spaces: string[] | 'no host'): void => {
          stats.close()
          resolve(spaces)
        }
        const silent = setTimeout(() => done('no host'), 5_000)
        stats.onmessage = (event: MessageEvent<{ spaces?: Record<string, unknown> }>) => {
          clearTimeout(silent)
          done(Object.keys(event.data.spaces ?? {}))
        }
      }),
    HOST_STATS_CHANNEL,
  )
}

/** Fails if anyone shows up in the page's "Online now" list within `ms`. */
export async function expectNobodyOnlineFor(page: Page, ms: number): Promise<void> {
  await expect(page.getByText('Nobody else has this space open.')).toBeVisible()
  const until = Date.now() + ms
  while (Date.now() < until) {
    expect(await page.getByRole('list', { name: 'Online now' }).getByRole('listitem').count(), 'nobody else is online').toBe(0)
    await page.waitForTimeout(250)
  }
}
