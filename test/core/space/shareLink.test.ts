import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeBase58 } from '../../../src/core/identity/base58.ts'
import { newSpaceId } from '../../../src/core/space/ids.ts'
import { decodeBase58 } from '../../../src/core/identity/base58.ts'
import { deriveContentKey } from '../../../src/core/space/contentCipher.ts'
import {
  newShareSecret,
  parseShareFragment,
  parseReplicaFragment,
  replicaLink,
  roomAccessOf,
  roomName,
  roomPassword,
  shareLink,
  ShareLinkErrorReason,
  type InviteSecret,
  type RoomAccess,
  type ShareSecret,
} from '../../../src/core/space/shareLink.ts'

describe('replica links', () => {
  it('[MEM10] carry the room access and an invite, never the secret, and round-trip', () => {
    const space = newSpaceId()
    const secret = newShareSecret()
    const invite = newShareSecret() as unknown as InviteSecret
    const link = replicaLink('https://pii.example/', space, secret, invite)
    expect(link.startsWith(`https://pii.example/#/r/${space}/`)).toBe(true)
    expect(link).not.toContain(secret)
    const read = parseReplicaFragment(new URL(link).hash)
    // Bytes compared as numbers: in Node the derivation hands back a Buffer, the link's reading a plain Uint8Array.
    const plain = (access: RoomAccess) => ({ ...access, relayKey: [...access.relayKey] })
    expect({ space: read.space, invite: read.invite, access: plain(read.access) }).toEqual({ space, invite, access: plain(roomAccessOf(secret)) })
  })

  it('refuse a damaged or foreign link, saying what is wrong', () => {
    const space = newSpaceId()
    const link = replicaLink('https://pii.example', space, newShareSecret(), newShareSecret() as unknown as InviteSecret)
    const hash = new URL(link).hash
    const [, , , access, invite] = hash.split('/')
    const reasonOf = (fragment: string): string | undefined => {
      try {
        parseReplicaFragment(fragment)
        return undefined
      } catch (error) {
        return (error as { reason?: string }).reason
      }
    }
    expect(reasonOf(`#/s/${space}/${newShareSecret()}`)).toBe(ShareLinkErrorReason.notShareLink)
    expect(reasonOf(`#/r/${space}/${access}`)).toBe(ShareLinkErrorReason.notShareLink)
    expect(reasonOf(`#/r/not-a-space/${access}/${invite}`)).toBe(ShareLinkErrorReason.badSpaceId)
    expect(reasonOf(`#/r/${space}/${access!.slice(0, -3)}/${invite}`)).toBe(ShareLinkErrorReason.badSecret)
    expect(reasonOf(`#/r/${space}/${access}/${invite!.slice(0, -2)}`)).toBe(ShareLinkErrorReason.badSecret)
    expect(() => parseReplicaFragment(`#/r/${space}/${access}`)).toThrow(/not a Pii replica link/)
  })
})

describe('share links', () => {
  it('[MEM10] the room access the sync layer is given holds neither the secret nor any content key, and differs per epoch', () => {
    const space = newSpaceId()
    const secret = newShareSecret()
    const access = roomAccessOf(secret)
    const secretBytes = decodeBase58(secret)!
    const contentKey = deriveContentKey(space, 0, secretBytes).bytes
    const carried = new TextEncoder().encode(JSON.stringify({ ...access, relayKey: [...access.relayKey] }))
    const contains = (haystack: Uint8Array, needle: Uint8Array): boolean => Buffer.from(haystack).includes(Buffer.from(needle))
    for (const hidden of [secretBytes, contentKey, new TextEncoder().encode(secret), new TextEncoder().encode(encodeBase58(contentKey))]) expect(contains(carried, hidden)).toBe(false)
    expect(contains(access.relayKey, contentKey.slice(0, 8))).toBe(false)
    expect(roomAccessOf(newShareSecret()).name).not.toBe(access.name)
  })

  it('round-trips: the space and the secret come back from the link’s fragment', () => {
    const space = newSpaceId()
    const secret = newShareSecret()
    const link = shareLink('https://pii.example/', space, secret)
    expect(link).toBe(`https://pii.example/#/s/${space}/${secret}`)
    expect(parseShareFragment(new URL(link).hash)).toEqual({ space, secret })
  })

  it.each([
    ['#/space/abc', ShareLinkErrorReason.notShareLink],
    ['#/s/', ShareLinkErrorReason.notShareLink],
    ['#/s/not-a-space/x', ShareLinkErrorReason.badSpaceId],
    [`#/s/${newSpaceId()}/`, ShareLinkErrorReason.badSecret],
    [`#/s/${newSpaceId()}/${newShareSecret().slice(0, -3)}`, ShareLinkErrorReason.badSecret],
    [`#/s/${newSpaceId()}/${newShareSecret().replace(/.$/, '0')}`, ShareLinkErrorReason.badSecret],
  ])('explains what is wrong with %s', (hash, reason) => {
    expect(() => parseShareFragment(hash)).toThrow(expect.objectContaining({ reason }) as Error)
  })

  it('derives a room name and password that differ from each other and per secret', () => {
    const secret = newShareSecret()
    const name = roomName(secret)
    const password = roomPassword(secret)
    expect(name).not.toContain(secret)
    expect(password).not.toBe(name.replace('pii-', ''))
    expect(roomName(secret)).toBe(name)
    expect(roomName(newShareSecret())).not.toBe(name)
    // Fixed input, fixed output, checked against Node's own SHA-256: peers on every platform must meet in the same room.
    const zeros = '11111111111111111111111111111111' as ShareSecret
    const expected = (context: string) => encodeBase58(createHash('sha256').update(`${context}\0`).update(new Uint8Array(32)).digest())
    expect(roomName(zeros)).toBe('pii-' + expected('pii room name v1'))
    expect(roomPassword(zeros)).toBe(expected('pii room password v1'))
  })
})
