import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { didFromPublicKey } from '../../../../src/core/identity/didKey.ts'
import { readDisplayName, setDisplayName, shownName } from '../../../../src/core/identity/profile.ts'
import { newSpaceId } from '../../../../src/core/space/ids.ts'
import { devicePresence } from '../../../../src/sw/browserDevice.ts'
import { shortDevice } from '../../../../src/ui/components/deviceLabel.ts'
import { PresenceList } from '../../../../src/ui/features/presence/PresenceList.tsx'
import { shortSpaceId } from '../../../../src/ui/features/join/joinWording.ts'

const device = didFromPublicKey(new Uint8Array(32).fill(7))

describe('what the join screen says', () => {
  it('[LNK1] names this device exactly as a room will show it to the members, named or not', () => {
    const deviceDoc = new Y.Doc()
    const inRoom = devicePresence(deviceDoc, [])
    expect(shownName(readDisplayName(deviceDoc))).toBe(inRoom.name())
    setDisplayName(deviceDoc, '  Bea’s laptop ')
    expect(inRoom.name()).toBe('Bea’s laptop')
    expect(shownName(readDisplayName(deviceDoc))).toBe(inRoom.name())
  })

  it('[LNK1] shortens the device id as the Online now list does, so the person can find this device there', () => {
    const markup = renderToStaticMarkup(createElement(PresenceList, { peers: [{ id: 'peer-1', name: 'Bea', device, connection: 'direct', kinds: [] }] }))
    expect(markup).toContain(shortDevice(device))
  })

  it('[LNK1] shows the start of the space id, enough to compare with the sender’s', () => {
    const id = newSpaceId()
    expect(shortSpaceId(id)).toBe(`${id.slice(0, 8)}…`)
    expect(shortSpaceId(id).length).toBeLessThan(id.length)
  })
})
