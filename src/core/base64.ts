/**
 * Base64 with the platform's atob/btoa, which every context Pii runs in has
 * (pages, the service worker, Node). lib0's helpers pick Node's Buffer
 * wherever there is no `window`: in the service worker they threw, so its
 * relay rooms could neither read nor send a frame, nor read a presence.
 */

/** Bytes per String.fromCharCode call: well under any engine's argument limit. */
const CHUNK = 0x8000

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let start = 0; start < bytes.length; start += CHUNK) binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK))
  return btoa(binary)
}

/** Throws on text that is not base64 (atob's DOMException). */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}
