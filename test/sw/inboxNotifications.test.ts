import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { didFromPublicKey } from '../../src/core/identity/didKey.ts'
import { INBOX } from '../../src/core/scheduler/notifyKind.ts'
import { watchInbox } from '../../src/sw/inboxNotifications.ts'
import type { NotificationRequest } from '../../src/sw/notificationData.ts'

const ME = didFromPublicKey(new Uint8Array(32).fill(1))
const SOMEONE_ELSE = didFromPublicKey(new Uint8Array(32).fill(2))
const NOW = Date.UTC(2026, 10, 21, 12)

function entry(occurrence: string, fields: Partial<{ title: string; to: string[]; createdAt: number }> = {}) {
  return { occurrence, title: fields.title ?? 'Doctor', body: 'Bring the letter', to: fields.to ?? [], createdAt: fields.createdAt ?? NOW, by: 'did:key:z6MkHost' }
}

function watching(deviceDoc = new Y.Doc()) {
  const doc = new Y.Doc()
  const shown: NotificationRequest[] = []
  const stop = watchInbox({ space: 'space', doc, deviceDoc, device: ME, now: () => NOW, show: (request) => (shown.push(request), Promise.resolve()) })
  return { doc, deviceDoc, shown, stop }
}

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
    again.doc.getMap(INBOX).set('old#0', entry('old#0', { createdAt: NOW - 2 * 24 * 60 * 60_000 }))
    again.doc.getMap(INBOX).set('ahead#0', entry('ahead#0', { createdAt: NOW + 2 * 24 * 60 * 60_000 }))
    expect(again.shown).toEqual([])
  })

  it('[K4] forgets what it showed once that is too old to be shown again, so the device doc does not grow for ever', () => {
    const deviceDoc = new Y.Doc()
    deviceDoc.getMap('notified').set('space\nold#0', NOW - 3 * 24 * 60 * 60_000)
    deviceDoc.getMap('notified').set('space\nrecent#0', NOW - 60_000)
    watching(deviceDoc)
    expect([...deviceDoc.getMap('notified').keys()]).toEqual(['space\nrecent#0'])
  })

  it('[K4] shows nothing for an entry whose time no date can hold (a peer’s junk)', () => {
    const { doc, shown } = watching()
    doc.getMap(INBOX).set('op#0', entry('op#0', { createdAt: 1e16 }))
    expect(shown).toEqual([])
  })
})
