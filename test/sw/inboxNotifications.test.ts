import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { didFromPublicKey } from '../../src/core/identity/didKey.ts'
import { heldBackNotifications } from '../../src/core/scheduler/notificationAllowance.ts'
import { INBOX } from '../../src/core/scheduler/notifyKind.ts'
import { newSpaceId, type SpaceId } from '../../src/core/space/ids.ts'
import { putSpaceEntry } from '../../src/core/space/spaceList.ts'
import { watchInbox } from '../../src/sw/inboxNotifications.ts'
import type { NotificationRequest } from '../../src/sw/notificationData.ts'

const ME = didFromPublicKey(new Uint8Array(32).fill(1))
const SOMEONE_ELSE = didFromPublicKey(new Uint8Array(32).fill(2))
const NOW = Date.UTC(2026, 10, 21, 12)
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

function entry(occurrence: string, fields: Partial<{ title: string; to: string[]; createdAt: number }> = {}) {
  return { occurrence, title: fields.title ?? 'Doctor', body: 'Bring the letter', to: fields.to ?? [], createdAt: fields.createdAt ?? NOW, by: 'did:key:z6MkHost' }
}

/** A fake clock with the timers the watcher sets: `advance` moves time and fires what fell due. */
function fakeTime(start = NOW) {
  let now = start
  let timers: Array<{ at: number; callback: () => void }> = []
  return {
    now: () => now,
    timers: {
      after: (ms: number, callback: () => void) => {
        const timer = { at: now + ms, callback }
        timers.push(timer)
        return () => void (timers = timers.filter((other) => other !== timer))
      },
    },
    advance(ms: number): void {
      now += ms
      const due = timers.filter((timer) => timer.at <= now)
      timers = timers.filter((timer) => timer.at > now)
      for (const timer of due) timer.callback()
    },
  }
}

function watching(deviceDoc = new Y.Doc(), space = 'space', time = fakeTime()) {
  const doc = new Y.Doc()
  const shown: NotificationRequest[] = []
  const stop = watchInbox({ space, doc, deviceDoc, device: ME, now: time.now, timers: time.timers, show: (request) => (shown.push(request), Promise.resolve()) })
  return { doc, deviceDoc, shown, stop, time }
}

/** A space listed on the device under a name, as the summary notification names it. */
function namedSpace(deviceDoc: Y.Doc, name: string): SpaceId {
  const id = newSpaceId()
  putSpaceEntry(deviceDoc, { id, name, createdAt: 0 })
  return id
}

/** `count` entries written in one transaction (one sync from a peer), due `at`. */
function flood(doc: Y.Doc, prefix: string, count: number, at = NOW): void {
  doc.transact(() => {
    for (let index = 0; index < count; index++) doc.getMap(INBOX).set(`${prefix}#${index}`, entry(`${prefix}#${index}`, { createdAt: at + index }))
  })
}

const summaries = (shown: readonly NotificationRequest[]): string[] => shown.filter((request) => !request.tag.includes('#')).map((request) => request.title)
const reminders = (shown: readonly NotificationRequest[]): NotificationRequest[] => shown.filter((request) => request.tag.includes('#'))

describe('inbox notifications', () => {
  it('[K4] shows each entry for this device (or everyone) once, tagged by its occurrence, and none for others', () => {
    const { doc, shown } = watching()
    doc.getMap(INBOX).set('op#0', entry('op#0'))
    doc.getMap(INBOX).set('op#1', entry('op#1', { to: [ME] }))
    doc.getMap(INBOX).set('op#2', entry('op#2', { to: [SOMEONE_ELSE] }))
    // The same entry written again (a repeat after a partition) is not shown again.
    doc.getMap(INBOX).set('op#0', entry('op#0'))
    expect(shown.map((request) => request.tag)).toEqual(['space\nop#0', 'space\nop#1'])
    expect(shown[0]).toMatchObject({ title: 'Doctor', body: 'Bring the letter', space: 'space' })
  })

  it('[K4] remembers what it showed across restarts, and keeps old news (and news dated days ahead) silent', () => {
    const first = watching()
    first.doc.getMap(INBOX).set('op#0', entry('op#0'))
    first.stop()
    const again = watching(first.deviceDoc)
    again.doc.getMap(INBOX).set('op#0', entry('op#0'))
    again.doc.getMap(INBOX).set('old#0', entry('old#0', { createdAt: NOW - 2 * DAY }))
    again.doc.getMap(INBOX).set('ahead#0', entry('ahead#0', { createdAt: NOW + 2 * DAY }))
    expect(again.shown).toEqual([])
  })

  it('[K4] forgets what it showed once that is too old to be shown again, so the device doc does not grow for ever', () => {
    const deviceDoc = new Y.Doc()
    deviceDoc.getMap('notified').set('space\nold#0', NOW - 3 * DAY)
    deviceDoc.getMap('notified').set('space\nrecent#0', NOW - 60_000)
    watching(deviceDoc)
    expect([...deviceDoc.getMap('notified').keys()]).toEqual(['space\nrecent#0'])
  })

  it('[K4] shows nothing for an entry whose time no date can hold (a peer’s junk)', () => {
    const { doc, shown } = watching()
    doc.getMap(INBOX).set('op#0', entry('op#0', { createdAt: 1e16 }))
    expect(shown).toEqual([])
  })

  it('[CAP2] shows the first 5 of a flood from one space, keeps the rest silent in the inbox, and says how many in one summary', () => {
    const deviceDoc = new Y.Doc()
    const home = namedSpace(deviceDoc, 'Home')
    const { doc, shown, stop } = watching(deviceDoc, home)
    flood(doc, 'spam', 12)
    expect(reminders(shown).map((request) => request.tag)).toEqual([0, 1, 2, 3, 4].map((index) => `${home}\nspam#${index}`))
    expect(summaries(shown)).toEqual(['7 more reminders from Home: see the inbox'])
    expect(shown.at(-1)?.space).toBe(home)
    expect(shown.at(-1)?.body).toMatch(/Home sent more reminders than this device shows as notifications/)
    // What was held back is never shown later, not even after a restart with the allowance refilled.
    stop()
    const later = fakeTime(NOW + DAY / 2)
    const again = watching(deviceDoc, home, later)
    flood(again.doc, 'spam', 12)
    expect(again.shown).toEqual([])
  })

  it('[CAP2] then shows 10 per 10 minutes, with at most one summary per 10 minutes saying how many more were held back', () => {
    const deviceDoc = new Y.Doc()
    const home = namedSpace(deviceDoc, 'Home')
    const { doc, shown, time } = watching(deviceDoc, home)
    // One reminder every 10 s for 30 minutes: 180 of them.
    for (let index = 0; index < 180; index++) {
      doc.getMap(INBOX).set(`fast#${index}`, entry(`fast#${index}`, { createdAt: time.now() }))
      time.advance(10_000)
    }
    // 5 at once, then one a minute: 29 more by the last reminder, at 29 min 50 s.
    expect(reminders(shown)).toHaveLength(34)
    // The first as soon as one is held back (at 50 s), then one 10 minutes after the last, for what was held back meanwhile.
    expect(summaries(shown)).toEqual(['1 more reminder from Home: see the inbox', '49 more reminders from Home: see the inbox', '50 more reminders from Home: see the inbox'])
    time.advance(10 * MINUTE)
    expect(summaries(shown).at(-1)).toBe('46 more reminders from Home: see the inbox')
    // Every reminder was either shown or counted in a summary.
    expect(reminders(shown).length + summaries(shown).reduce((sum, title) => sum + Number.parseInt(title, 10), 0)).toBe(180)
  })

  it('[CAP2] limits each space on its own: one space’s flood does not silence another’s reminder', () => {
    const deviceDoc = new Y.Doc()
    const noisy = watching(deviceDoc, namedSpace(deviceDoc, 'Noisy'))
    const family = watching(deviceDoc, namedSpace(deviceDoc, 'Family'))
    flood(noisy.doc, 'spam', 50)
    family.doc.getMap(INBOX).set('dentist#0', entry('dentist#0'))
    expect(reminders(noisy.shown)).toHaveLength(5)
    expect(reminders(family.shown)).toHaveLength(1)
    expect(summaries(family.shown)).toEqual([])
  })

  it('[CAP2] keeps a space’s allowance in the device doc across restarts, and forgets it once the space has been quiet for days', () => {
    const deviceDoc = new Y.Doc()
    const home = namedSpace(deviceDoc, 'Home')
    const first = watching(deviceDoc, home)
    flood(first.doc, 'spam', 5)
    first.stop()
    // A restart does not give the space a new burst.
    const again = watching(deviceDoc, home)
    again.doc.getMap(INBOX).set('more#0', entry('more#0'))
    expect(reminders(again.shown)).toEqual([])
    again.stop()
    expect(deviceDoc.getMap('notificationAllowances').size).toBe(1)
    watching(deviceDoc, home, fakeTime(NOW + 3 * DAY))
    expect(deviceDoc.getMap('notificationAllowances').size).toBe(0)
  })

  it('[CAP2] a clock set back does not silence a space until it catches up', () => {
    const deviceDoc = new Y.Doc()
    const home = namedSpace(deviceDoc, 'Home')
    const ahead = watching(deviceDoc, home, fakeTime(NOW + DAY / 2))
    flood(ahead.doc, 'spam', 5, NOW + DAY / 2)
    ahead.stop()
    // The device's time is corrected, half a day back.
    const { doc, shown, time } = watching(deviceDoc, home)
    doc.getMap(INBOX).set('early#0', entry('early#0'))
    expect(reminders(shown)).toEqual([])
    time.advance(10 * MINUTE)
    doc.getMap(INBOX).set('later#0', entry('later#0', { createdAt: time.now() }))
    expect(reminders(shown).map((request) => request.tag)).toEqual([`${home}\nlater#0`])
    expect(summaries(shown)).toEqual(['1 more reminder from Home: see the inbox'])
  })

  it('[CAP2] tells the inbox page which spaces had reminders held back, and how many, for a day', () => {
    const deviceDoc = new Y.Doc()
    const home = namedSpace(deviceDoc, 'Home')
    const { doc } = watching(deviceDoc, home)
    flood(doc, 'spam', 12)
    expect(heldBackNotifications(deviceDoc, NOW)).toEqual([{ space: home, count: 7, lastAt: NOW }])
    expect(heldBackNotifications(deviceDoc, NOW + DAY + 1)).toEqual([])
  })
})
