/**
 * Pairing a device with a person's other devices (MEMBERSHIP.md M13): the
 * link one device shows, the room both meet in, the short code both show,
 * and the messages they exchange there.
 *
 * The link `<origin>/#/pair/<secret>` carries a one-time 32-byte secret.
 * Both devices derive from it the relay topic and key they talk through
 * (the relay sees a topic and ciphertext), and with both device keys the
 * six-digit code the person compares. Each device accepts exactly one
 * counterpart: a second device answering the link (someone who saw it)
 * ends the pairing on both screens, so nobody can slip in between.
 *
 * What the new device is given, the home space's secret, is sealed to its
 * X25519 key: whoever else holds the link can read the room, not the home.
 */
import { digest as sha256 } from 'lib0/hash/sha256'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../identity/didKey.ts'
import { X25519_PUBLIC_KEY_BYTES } from '../identity/sealingKey.ts'
import { SIGNATURE_BYTES } from '../space/envelope.ts'
import { roomAccessOf, SHARE_SECRET_BYTES, type RoomAccess, type ShareSecret } from '../space/shareLink.ts'

export type PairingSecret = string & { readonly __brand: 'PairingSecret' }

/** How long an "Add a device" link works: long enough to pick up the other device, short enough that a stale one is dead. */
export const PAIRING_TTL_MS = 10 * 60_000
export const MAX_DEVICE_NAME_LENGTH = 60

export class PairingLinkError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PairingLinkError'
  }
}

export function newPairingSecret(): PairingSecret {
  return encodeBase58(crypto.getRandomValues(new Uint8Array(SHARE_SECRET_BYTES))) as PairingSecret
}

export function isPairingSecret(value: unknown): value is PairingSecret {
  return typeof value === 'string' && value.length <= 50 && decodeBase58(value)?.length === SHARE_SECRET_BYTES
}

export function pairingLink(origin: string, secret: PairingSecret): string {
  return `${origin.replace(/\/+$/, '')}/#/pair/${secret}`
}

/** The secret of a pairing link (the whole link or its fragment), or a sentence a person can act on. */
export function parsePairingLink(link: string): PairingSecret {
  const hash = link.includes('#') ? link.slice(link.indexOf('#')) : link
  const match = /^#?\/pair\/([^/]*)\/?$/.exec(hash.trim())
  if (!match) throw new PairingLinkError('This is not a Pii pairing link. It ends in #/pair/ followed by one code: on your other device, choose "Add a device" and copy the link it shows.')
  if (!isPairingSecret(match[1])) throw new PairingLinkError('This pairing link is damaged: part of it is missing or was changed. Copy all of it, or scan the code again.')
  return match[1]
}

function derived(context: string, secret: PairingSecret, ...keys: Uint8Array[]): Uint8Array {
  const parts = [new TextEncoder().encode(`${context}\0`), decodeBase58(secret) ?? new Uint8Array(0), ...keys]
  const input = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    input.set(part, offset)
    offset += part.length
  }
  return sha256(input)
}

/** Where the two devices meet: a room of its own, derived apart from the secret so no space's room can be the same. */
export function pairingRoom(secret: PairingSecret): RoomAccess {
  return roomAccessOf(encodeBase58(derived('pii pairing room v1', secret)) as ShareSecret)
}

/** The six digits both screens show ("123 456"): the same only if both devices see each other's key. */
export function pairingCode(secret: PairingSecret, host: Uint8Array, guest: Uint8Array): string {
  const bytes = derived('pii pairing code v1', secret, host, guest)
  const number = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
  const digits = String(number % 1_000_000).padStart(6, '0')
  return `${digits.slice(0, 3)} ${digits.slice(3)}`
}

/** What the guest is sealed: the home space's context, bound to both devices, so a box opens in this pairing only. */
export function homeBoxContext(host: Uint8Array, guest: Uint8Array): string {
  return `pii pairing home v1 ${encodeBase58(host)} ${encodeBase58(guest)}`
}

/** Runtimes a device reports, so the person sees "node" next to a server. */
export type DeviceRuntime = 'browser' | 'node'

export type PairingMessage =
  /** The device that showed the link: who the person pairs with. */
  | { readonly kind: 'offer'; readonly device: Uint8Array; readonly name: string }
  /** The device that opened the link asks to be paired. */
  | { readonly kind: 'request'; readonly device: Uint8Array; readonly x25519: Uint8Array; readonly name: string; readonly runtime: DeviceRuntime }
  /** The guest's person confirmed: its signature of the pairing (pairingMessage). */
  | { readonly kind: 'confirm'; readonly device: Uint8Array; readonly proof: Uint8Array }
  /** The host's person confirmed: its signature of the pairing, and the home space sealed to the guest. */
  | { readonly kind: 'welcome'; readonly device: Uint8Array; readonly guest: Uint8Array; readonly proof: Uint8Array; readonly home: Uint8Array }
  /** The guest is in: the host may stop. */
  | { readonly kind: 'linked'; readonly device: Uint8Array }
  /** Either side gives up, and says why. */
  | { readonly kind: 'cancel'; readonly device: Uint8Array; readonly reason: string }

/** A sealed home: the space id and secret, with room to spare, never more. */
const MAX_HOME_BOX_BYTES = 1024
const MAX_REASON_LENGTH = 200

export function encodePairingMessage(message: PairingMessage): string {
  const fields: Record<string, string> = {}
  for (const [key, value] of Object.entries(message)) fields[key] = value instanceof Uint8Array ? encodeBase58(value) : String(value)
  return JSON.stringify(fields)
}

/** A message from the room, checked field by field; undefined for anything else. */
export function readPairingMessage(text: unknown): PairingMessage | undefined {
  if (typeof text !== 'string' || text.length > 4096) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const fields = value as Record<string, unknown>
  const key = (name: string, bytes: number): Uint8Array | undefined => {
    const field = fields[name]
    const decoded = typeof field === 'string' && field.length <= 2 * bytes ? decodeBase58(field) : undefined
    return decoded?.length === bytes ? decoded : undefined
  }
  // A name is the other device's own word, shown on a screen or printed to a terminal: no control character of it gets
  // through (in a terminal one could redraw the code the person compares).
  const text_ = (name: string, max: number): string | undefined => {
    const field = fields[name]
    return typeof field === 'string' && field.length <= max ? field.replace(/\p{Cc}/gu, '?') : undefined
  }
  const device = key('device', ED25519_PUBLIC_KEY_BYTES)
  if (!device) return undefined
  switch (fields.kind) {
    case 'offer': {
      const name = text_('name', MAX_DEVICE_NAME_LENGTH)
      return name === undefined ? undefined : { kind: 'offer', device, name }
    }
    case 'request': {
      const x25519 = key('x25519', X25519_PUBLIC_KEY_BYTES)
      const name = text_('name', MAX_DEVICE_NAME_LENGTH)
      const runtime = fields.runtime === 'node' ? 'node' : fields.runtime === 'browser' ? 'browser' : undefined
      return x25519 && name !== undefined && runtime ? { kind: 'request', device, x25519, name, runtime } : undefined
    }
    case 'confirm': {
      const proof = key('proof', SIGNATURE_BYTES)
      return proof ? { kind: 'confirm', device, proof } : undefined
    }
    case 'welcome': {
      const guest = key('guest', ED25519_PUBLIC_KEY_BYTES)
      const proof = key('proof', SIGNATURE_BYTES)
      const homeText = text_('home', 2 * MAX_HOME_BOX_BYTES)
      const home = homeText === undefined ? undefined : decodeBase58(homeText)
      return guest && proof && home && home.length <= MAX_HOME_BOX_BYTES ? { kind: 'welcome', device, guest, proof, home } : undefined
    }
    case 'linked':
      return { kind: 'linked', device }
    case 'cancel': {
      const reason = text_('reason', MAX_REASON_LENGTH)
      return reason === undefined ? undefined : { kind: 'cancel', device, reason }
    }
    default:
      return undefined
  }
}
