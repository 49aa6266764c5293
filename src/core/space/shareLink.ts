/**
 * Share links: `<origin>/#/s/<spaceId>/<secret>/<invite>`. The invite is the
 * secret key of an invite in the space's membership log (core/members): it
 * admits whoever opens the link with the invite's role, until it expires, is
 * used up or revoked. A link without one (made before membership) reaches
 * the room but admits nobody to a space whose log is founded. The secrets live only in
 * the URL fragment, which browsers never send to a server, so the relay and
 * the static host never see it. Everything a room needs is derived from it,
 * each with its own context string so no derived value reveals another:
 *   - the room name peers meet under (what the relay sees instead of the space id),
 *   - the y-webrtc room password (which encrypts signaling and WebRTC traffic),
 *   - the relay fallback's topic and key.
 * Those four together are a room's RoomAccess, all the sync layer is given.
 * A replica link (`#/r/…`, for a personal node kept as a blind replica)
 * carries the room access instead of the secret, so it cannot lead to the
 * content key, which derives from the secret too.
 */
import { digest as sha256 } from 'lib0/hash/sha256'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { isSpaceId, type SpaceId } from './ids.ts'

export type ShareSecret = string & { readonly __brand: 'ShareSecret' }

/** 256 bits: unguessable, and enough key material for every derivation. */
export const SHARE_SECRET_BYTES = 32

export const ShareLinkErrorReason = {
  notShareLink: 'not-share-link',
  badSpaceId: 'bad-space-id',
  badSecret: 'bad-secret',
} as const
export type ShareLinkErrorReason = (typeof ShareLinkErrorReason)[keyof typeof ShareLinkErrorReason]

export class ShareLinkError extends Error {
  constructor(
    readonly reason: ShareLinkErrorReason,
    message: string,
  ) {
    super(message)
    this.name = 'ShareLinkError'
  }
}

export function newShareSecret(): ShareSecret {
  return encodeBase58(crypto.getRandomValues(new Uint8Array(SHARE_SECRET_BYTES))) as ShareSecret
}

export function isShareSecret(value: unknown): value is ShareSecret {
  if (typeof value !== 'string' || value.length > 50) return false
  return decodeBase58(value)?.length === SHARE_SECRET_BYTES
}

export type InviteSecret = string & { readonly __brand: 'InviteSecret' }

/** An invite's secret key is an Ed25519 secret key: 32 bytes. */
export function isInviteSecret(value: unknown): value is InviteSecret {
  return isShareSecret(value)
}

export function shareLink(origin: string, space: SpaceId, secret: ShareSecret, invite?: InviteSecret): string {
  return `${origin.replace(/\/+$/, '')}/#/s/${space}/${secret}${invite ? `/${invite}` : ''}`
}

const DAMAGED = 'This share link is damaged: part of it is missing or was changed. Ask for the link again and copy all of it.'

/** Reads the fragment of a share link (`#/s/<spaceId>/<secret>[/<invite>]`), with a sentence a person can act on when it is wrong. */
export function parseShareFragment(hash: string): { readonly space: SpaceId; readonly secret: ShareSecret; readonly invite?: InviteSecret } {
  const match = /^#?\/s\/([^/]*)\/([^/]*)(?:\/([^/]*))?\/?$/.exec(hash)
  if (!match) throw new ShareLinkError(ShareLinkErrorReason.notShareLink, 'This is not a Pii share link. A share link ends in #/s/ followed by two or three codes.')
  const [, space, secret, invite] = match
  if (!isSpaceId(space)) throw new ShareLinkError(ShareLinkErrorReason.badSpaceId, DAMAGED)
  if (!isShareSecret(secret)) throw new ShareLinkError(ShareLinkErrorReason.badSecret, DAMAGED)
  if (invite !== undefined && invite !== '' && !isInviteSecret(invite)) throw new ShareLinkError(ShareLinkErrorReason.badSecret, DAMAGED)
  return { space, secret, ...(invite ? { invite } : {}) }
}

function derive(context: string, secret: ShareSecret): Uint8Array {
  const secretBytes = decodeBase58(secret)
  if (!secretBytes || secretBytes.length !== SHARE_SECRET_BYTES) throw new ShareLinkError(ShareLinkErrorReason.badSecret, DAMAGED)
  const contextBytes = new TextEncoder().encode(`${context}\0`)
  const input = new Uint8Array(contextBytes.length + secretBytes.length)
  input.set(contextBytes)
  input.set(secretBytes, contextBytes.length)
  return sha256(input)
}

/**
 * What meeting a space's peers in one epoch's room takes (name, password,
 * relay topic and key), without the secret: the content key also derives
 * from the secret, and a blind replica may reach the room but never read it.
 * The sync layer is given only this.
 */
export interface RoomAccess {
  /** The room name peers meet under: reveals neither the space id nor the secret. */
  readonly name: string
  /** The y-webrtc room password: encrypts every signaling and relayed message of the room. */
  readonly password: string
  /** The relay topic of the room's fallback traffic, for peers that cannot connect over WebRTC. */
  readonly relayTopic: string
  /** 32 bytes of AES-GCM key for the relay fallback, which the relay carries but cannot read. */
  readonly relayKey: Uint8Array
}

const DERIVED_BYTES = 32
const ROOM_ACCESS_CONTEXTS = ['pii room name v1', 'pii room password v1', 'pii relay topic v1', 'pii relay key v1'] as const

/** A room access as bytes (for a replica link, or sealed to a replica in a rekey): its four 32-byte derivations of `secret`. */
export function roomAccessBytesOf(secret: ShareSecret): Uint8Array {
  const bytes = new Uint8Array(ROOM_ACCESS_CONTEXTS.length * DERIVED_BYTES)
  for (const [index, context] of ROOM_ACCESS_CONTEXTS.entries()) bytes.set(derive(context, secret), index * DERIVED_BYTES)
  return bytes
}

export function roomAccessFromBytes(bytes: Uint8Array): RoomAccess | undefined {
  if (bytes.length !== ROOM_ACCESS_CONTEXTS.length * DERIVED_BYTES) return undefined
  const part = (index: number): Uint8Array => bytes.slice(index * DERIVED_BYTES, (index + 1) * DERIVED_BYTES)
  return { name: 'pii-' + encodeBase58(part(0)), password: encodeBase58(part(1)), relayTopic: 'pii-relay-' + encodeBase58(part(2)), relayKey: part(3) }
}

export function roomAccessOf(secret: ShareSecret): RoomAccess {
  return roomAccessFromBytes(roomAccessBytesOf(secret))!
}

export const roomName = (secret: ShareSecret): string => roomAccessOf(secret).name
export const roomPassword = (secret: ShareSecret): string => roomAccessOf(secret).password

function decodeRoomAccess(code: string): RoomAccess | undefined {
  const bytes = code.length <= 200 ? decodeBase58(code) : undefined
  return bytes && roomAccessFromBytes(bytes)
}

/**
 * A replica link, for a personal node kept as a blind replica:
 * `<origin>/#/r/<spaceId>/<room access>/<invite>`. It carries the room
 * access of `secret`, not the secret, so whoever holds it can reach the room
 * and be admitted as a replica, but never derive the content key.
 */
export function replicaLink(origin: string, space: SpaceId, secret: ShareSecret, invite: InviteSecret): string {
  return `${origin.replace(/\/+$/, '')}/#/r/${space}/${encodeBase58(roomAccessBytesOf(secret))}/${invite}`
}

/** Reads the fragment of a replica link, with a sentence a person can act on when it is wrong. */
export function parseReplicaFragment(hash: string): { readonly space: SpaceId; readonly access: RoomAccess; readonly invite: InviteSecret } {
  const match = /^#?\/r\/([^/]*)\/([^/]*)\/([^/]*)\/?$/.exec(hash)
  if (!match) throw new ShareLinkError(ShareLinkErrorReason.notShareLink, 'This is not a Pii replica link. A replica link ends in #/r/ followed by three codes.')
  const [, space, code, invite] = match
  if (!isSpaceId(space)) throw new ShareLinkError(ShareLinkErrorReason.badSpaceId, DAMAGED)
  const access = code === undefined ? undefined : decodeRoomAccess(code)
  if (!access || !isInviteSecret(invite)) throw new ShareLinkError(ShareLinkErrorReason.badSecret, DAMAGED)
  return { space, access, invite }
}
