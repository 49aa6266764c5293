import { decodeBase58, encodeBase58 } from '../identity/base58.ts'

export type SpaceId = string & { readonly __brand: 'SpaceId' }
export type ItemId = string & { readonly __brand: 'ItemId' }

/** 128 random bits: collision-free across every device that ever makes one. */
export const ID_BYTES = 16

function randomId(): string {
  return encodeBase58(crypto.getRandomValues(new Uint8Array(ID_BYTES)))
}

export const newSpaceId = (): SpaceId => randomId() as SpaceId
export const newItemId = (): ItemId => randomId() as ItemId

/** Space ids arrive in URLs and from other peers, so they are checked. */
export function isSpaceId(value: unknown): value is SpaceId {
  if (typeof value !== 'string' || value.length < 16 || value.length > 24) return false
  const bytes = decodeBase58(value)
  return bytes !== undefined && bytes.length === ID_BYTES
}
