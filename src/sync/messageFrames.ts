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
 *
 * A channel joins one message at a time; the channels of one room share a
 * ReassemblyBudget, so a member opening many connections (one per invented
 * peer id) cannot make the room hold more than MAX_ROOM_JOINING_BYTES.
 */
import { ReassemblyBudget, type HeldMessage } from './ReassemblyBudget.ts'

export const FRAME_BYTES = 64 * 1024
export const FRAME_MARK = 0xf7
export const FRAME_HEADER_BYTES = 13
/** Bounds one message; a space this large would need a different sync anyway. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024
/**
 * Unfinished messages one room may hold, across all its channels: one
 * message at the largest size. A newcomer gets the space from every peer at
 * once, but those copies are the same space, so losing some is harmless.
 */
const MAX_ROOM_JOINING_BYTES = MAX_MESSAGE_BYTES
/** y-webrtc opens at most 20 to 34 connections itself, each joining one message at a time; beyond that someone is opening connections. */
const MAX_ROOM_JOINING_MESSAGES = 64

/** The budget the data channels of one room share. */
export function roomJoiningBudget(): ReassemblyBudget {
  return new ReassemblyBudget(MAX_ROOM_JOINING_BYTES, MAX_ROOM_JOINING_MESSAGES)
}

/** The bytes of what a data channel is asked to send, or undefined for what is not bytes (text goes out as it is). */
function messageBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined
}

/** Ids of the messages this process splits: one counter for every channel, browser's or node's. */
let nextMessageId = 1

/** A channel's `send` that splits bytes into frames and passes each to `nativeSend`; text goes out as it is. */
export function splittingSend(nativeSend: (data: unknown) => void): (data: unknown) => void {
  return (data) => {
    const bytes = messageBytes(data)
    if (!bytes) return nativeSend(data)
    for (const frame of splitMessage(bytes, nextMessageId++)) nativeSend(frame)
  }
}

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
  /** A frame of a message already refused, passed over. */
  | { readonly kind: 'skipped' }

interface Joining {
  readonly id: number
  readonly length: number
  readonly parts: Uint8Array[]
  received: number
  readonly held: HeldMessage
}

/** Joins one channel's frames. A bad frame drops the message it belongs to, never the channel. */
export class MessageJoiner {
  /** Parts kept as received and joined at the end: a peer's announced length reserves no memory. */
  private joining: Joining | undefined
  /**
   * The rest of a message the room's budget dropped: its frames still
   * arrive, and are passed over quietly, after one refusal, rather than
   * each refused as out of order.
   */
  private skipping: { readonly id: number; readonly length: number; next: number; reported: boolean } | undefined

  /** `budget`: shared by the channels of one room; a joiner on its own holds one message of any allowed size. */
  constructor(private readonly budget = new ReassemblyBudget(MAX_MESSAGE_BYTES, 1)) {}

  push(frame: Uint8Array): JoinResult {
    if (frame.length <= FRAME_HEADER_BYTES || frame[0] !== FRAME_MARK) return this.refuse('a frame shorter than its header')
    const header = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES)
    const id = header.getUint32(1)
    const length = header.getUint32(5)
    const offset = header.getUint32(9)
    const part = frame.subarray(FRAME_HEADER_BYTES)
    const skipped = this.skip(id, length, offset, part.length)
    if (skipped) return skipped
    if (length > MAX_MESSAGE_BYTES) return this.refuse(`a message of ${length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`)
    if (this.joining && (this.joining.id !== id || this.joining.length !== length)) {
      return this.refuse('a frame of another message before the previous one was complete')
    }
    if ((this.joining?.received ?? 0) !== offset) return this.refuse('a frame out of order')
    const joining = (this.joining ??= { id, length, parts: [], received: 0, held: this.budget.hold(() => this.dropped()) })
    if (joining.received + part.length > length) return this.refuse('frames longer than the message they announce')
    if (!joining.held.add(part.length)) return this.refuse('a message larger than this room can hold')
    joining.parts.push(part)
    joining.received += part.length
    if (joining.received < length) return { kind: 'partial' }
    this.joining = undefined
    joining.held.release()
    const message = new Uint8Array(length)
    let at = 0
    for (const received of joining.parts) {
      message.set(received, at)
      at += received.length
    }
    return { kind: 'message', message }
  }

  /** The channel closed: whatever it was joining will never complete. */
  discard(): void {
    this.joining?.held.release()
    this.joining = undefined
    this.skipping = undefined
  }

  /** Called by the budget, which has already stopped counting the message. */
  private dropped(): void {
    const { joining } = this
    if (!joining) return
    this.joining = undefined
    this.skipping = { id: joining.id, length: joining.length, next: joining.received, reported: false }
  }

  /** The result for a frame of a dropped message, or undefined when the frame is not one. */
  private skip(id: number, length: number, offset: number, bytes: number): JoinResult | undefined {
    const { skipping } = this
    if (!skipping) return undefined
    if (skipping.id !== id || skipping.length !== length || skipping.next !== offset) {
      this.skipping = undefined
      return undefined
    }
    skipping.next += bytes
    if (skipping.next >= length) this.skipping = undefined
    if (skipping.reported) return { kind: 'skipped' }
    skipping.reported = true
    return { kind: 'refused', reason: 'a message while its room was already holding as much unfinished data as it may' }
  }

  private refuse(reason: string): JoinResult {
    this.discard()
    return { kind: 'refused', reason }
  }
}
