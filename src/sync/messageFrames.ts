/**
 * Splits a large data-channel message into frames and joins them again.
 *
 * Why: y-webrtc sends a newcomer the whole space as one sync reply, and an
 * SCTP data channel carries at most 256 KiB per message (Chromium closes the
 * channel on anything bigger; yjs/y-webrtc#20). Frames are 64 KiB, which
 * every WebRTC implementation accepts.
 *
 * Frame: FRAME_MARK u8 ‖ message id u32 ‖ message length u32 ‖ offset u32 ‖ bytes.
 * A y-webrtc message starts with its type, a varuint below 0x80, so a frame
 * can never be mistaken for a whole message and small messages go out as
 * they are. Data channels are ordered and reliable, and a message's frames
 * are sent back to back, so frames arrive in order and never interleave.
 */

export const FRAME_BYTES = 64 * 1024
export const FRAME_MARK = 0xf7
export const FRAME_HEADER_BYTES = 13
/** Bounds what a peer can make us buffer; a space this large would need a different sync anyway. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024

export function isFrame(bytes: Uint8Array): boolean {
  return bytes.length >= 1 && bytes[0] === FRAME_MARK
}

/** The message itself if it fits in one frame, else its frames. */
export function splitMessage(message: Uint8Array, id: number, frameBytes = FRAME_BYTES): Uint8Array[] {
  if (message.length <= frameBytes) return [message]
  const frames: Uint8Array[] = []
  for (let offset = 0; offset < message.length; offset += frameBytes) {
    const part = message.subarray(offset, offset + frameBytes)
    const frame = new Uint8Array(FRAME_HEADER_BYTES + part.length)
    const header = new DataView(frame.buffer)
    header.setUint8(0, FRAME_MARK)
    header.setUint32(1, id >>> 0)
    header.setUint32(5, message.length)
    header.setUint32(9, offset)
    frame.set(part, FRAME_HEADER_BYTES)
    frames.push(frame)
  }
  return frames
}

export type JoinResult =
  | { readonly kind: 'partial' }
  | { readonly kind: 'message'; readonly message: Uint8Array }
  | { readonly kind: 'refused'; readonly reason: string }

/** Joins one channel's frames. A bad frame drops the message it belongs to, never the channel. */
export class MessageJoiner {
  /** Parts kept as received and joined at the end: a peer's announced length reserves no memory. */
  private assembling: { id: number; length: number; parts: Uint8Array[]; received: number } | undefined

  push(frame: Uint8Array): JoinResult {
    if (frame.length <= FRAME_HEADER_BYTES || frame[0] !== FRAME_MARK) return this.refuse('a frame shorter than its header')
    const header = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES)
    const id = header.getUint32(1)
    const length = header.getUint32(5)
    const offset = header.getUint32(9)
    if (length > MAX_MESSAGE_BYTES) return this.refuse(`a message of ${length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`)
    if (this.assembling && (this.assembling.id !== id || this.assembling.length !== length)) {
      return this.refuse('a frame of another message before the previous one was complete')
    }
    if ((this.assembling?.received ?? 0) !== offset) return this.refuse('a frame out of order')
    const assembling = (this.assembling ??= { id, length, parts: [], received: 0 })
    const part = frame.subarray(FRAME_HEADER_BYTES)
    if (assembling.received + part.length > length) return this.refuse('frames longer than the message they announce')
    assembling.parts.push(part)
    assembling.received += part.length
    if (assembling.received < length) return { kind: 'partial' }
    this.assembling = undefined
    const message = new Uint8Array(length)
    let at = 0
    for (const received of assembling.parts) {
      message.set(received, at)
      at += received.length
    }
    return { kind: 'message', message }
  }

  private refuse(reason: string): JoinResult {
    this.assembling = undefined
    return { kind: 'refused', reason }
  }
}
