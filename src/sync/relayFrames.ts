/**
 * The relay fallback's frames: how one plaintext message becomes the JSON
 * text of a relay `publish`, encrypted with AES-GCM under the room's relay
 * key, with topic, sender and recipient bound in as additional data; and how
 * a message too big for one frame is cut into `part`s. See RelayFallback.ts
 * for the message kinds' meaning.
 */
import { fromBase64, toBase64 } from '../core/base64.ts'
import * as encoding from 'lib0/encoding'

export const MessageKind = { hello: 0, sync: 1, awareness: 2, part: 3, bye: 4 } as const
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind]

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
/** Plaintext per frame: ~256 KiB of base64, a quarter of the relay's default 1 MiB frame limit. */
const MAX_PLAINTEXT_BYTES = 192 * 1024
export const PART_BYTES = MAX_PLAINTEXT_BYTES - 64 // room for the part header
const MAX_DATA_CHARS = 4 * Math.ceil((IV_BYTES + MAX_PLAINTEXT_BYTES + TAG_BYTES) / 3)
export const MAX_FRAME_CHARS = MAX_DATA_CHARS + 4096
const PEER_ID = /^[\w-]{1,64}$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
/** 32 bytes → a non-extractable AES-GCM key for RelayFallback. */
export async function importRelayKey(bytes: Uint8Array): Promise<CryptoKey> {
  if (bytes.length !== KEY_BYTES) throw new RangeError(`A relay key is ${KEY_BYTES} bytes; this one is ${bytes.length}.`)
  return crypto.subtle.importKey('raw', new Uint8Array(bytes), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
}

export interface PublishFrame {
  readonly from: string
  readonly to: string | undefined
  readonly data: string
}

function additionalData(topic: string, from: string, to: string | undefined): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, topic)
  encoding.writeVarString(encoder, from)
  encoding.writeVarString(encoder, to ?? '')
  return encoding.toUint8Array(encoder)
}

/** Encrypts one plaintext message into the publish frame's JSON text. */
export async function sealFrame(key: CryptoKey, topic: string, from: string, to: string | undefined, message: Uint8Array): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const aad = additionalData(topic, from, to)
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, message as Uint8Array<ArrayBuffer>))
  const data = new Uint8Array(IV_BYTES + ciphertext.length)
  data.set(iv)
  data.set(ciphertext, IV_BYTES)
  // JSON.stringify leaves out a `to` that is undefined: a broadcast has no `to` field.
  return JSON.stringify({ type: 'publish', topic, from, to, data: toBase64(data) })
}

/** The plaintext of a publish frame, or undefined when it is not base64 or was not sealed with this key, topic and addressing. */
export async function openFrame(key: CryptoKey, topic: string, frame: PublishFrame): Promise<Uint8Array | undefined> {
  if (frame.data.length % 4 !== 0 || !BASE64.test(frame.data)) return undefined
  const bytes = fromBase64(frame.data)
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined
  try {
    const aad = additionalData(topic, frame.from, frame.to)
    const iv = bytes.subarray(0, IV_BYTES)
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, bytes.subarray(IV_BYTES)))
  } catch {
    return undefined
  }
}

/** Checks a relay delivery's shape; undefined when it is not a publish on `topic` we could have sent. */
export function parsePublishFrame(value: unknown, topic: string): PublishFrame | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const frame = value as Record<string, unknown>
  const { from, to, data } = frame
  if (frame.type !== 'publish' || frame.topic !== topic) return undefined
  if (typeof from !== 'string' || !PEER_ID.test(from)) return undefined
  if (to !== undefined && (typeof to !== 'string' || !PEER_ID.test(to))) return undefined
  if (typeof data !== 'string' || data.length > MAX_DATA_CHARS) return undefined
  return { from, to, data }
}

/** One message as frame-sized plaintexts: itself, or `part` slices of it. */
export function splitMessage(message: Uint8Array): Uint8Array[] {
  if (message.length <= MAX_PLAINTEXT_BYTES) return [message]
  const id = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0
  const count = Math.ceil(message.length / PART_BYTES)
  const parts: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageKind.part)
    encoding.writeVarUint(encoder, id)
    encoding.writeVarUint(encoder, index)
    encoding.writeVarUint(encoder, count)
    encoding.writeVarUint8Array(encoder, message.subarray(index * PART_BYTES, (index + 1) * PART_BYTES))
    parts.push(encoding.toUint8Array(encoder))
  }
  return parts
}

export function encodeMessage(kind: MessageKind, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kind)
  write(encoder)
  return encoding.toUint8Array(encoder)
}
