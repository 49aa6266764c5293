/**
 * Message framing for the cold-sync bench's other parties, in the app's own
 * frame format (src/sync/messageFrames.ts):
 *   - the baseline page (raw y-webrtc) gets the same framing the app has, so
 *     both pages can receive a space bigger than one data-channel message
 *     (SCTP carries at most 256 KiB; yjs/y-webrtc#20);
 *   - the Node peers that serve the space (unmodified y-webrtc on
 *     @roamhq/wrtc) split what they send while `nodeChunking.sending` says
 *     so, and always join what they receive.
 * The app page gets nothing from here: it frames by itself
 * (src/sync/framedPeerConnection.ts).
 */
import wrtc from '@roamhq/wrtc'
import { FRAME_BYTES, FRAME_HEADER_BYTES, FRAME_MARK, isFrame, MessageJoiner, splitMessage } from '../../src/sync/messageFrames.ts'

/**
 * In the baseline page, before its scripts (context.addInitScript): wraps
 * RTCDataChannel.send, and gives every channel a first 'message' listener
 * that swallows frames and re-dispatches each joined message. Install it
 * before bench/sync/trace.ts, so the trace sees whole messages. A serialized
 * init script cannot import, hence the format is written out here and its
 * constants come in as arguments.
 */
export function installPageChunking([frameBytes, mark, headerBytes]: readonly [number, number, number]): void {
  const send = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'send')?.value as (this: RTCDataChannel, data: unknown) => void
  let nextId = 1
  Reflect.set(RTCDataChannel.prototype, 'send', function (this: RTCDataChannel, data: unknown) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined
    if (!bytes || bytes.length <= frameBytes) return send.call(this, data)
    const id = nextId++
    for (let offset = 0; offset < bytes.length; offset += frameBytes) {
      const part = bytes.subarray(offset, offset + frameBytes)
      const frame = new Uint8Array(headerBytes + part.length)
      const view = new DataView(frame.buffer)
      view.setUint8(0, mark)
      view.setUint32(1, id)
      view.setUint32(5, bytes.length)
      view.setUint32(9, offset)
      frame.set(part, headerBytes)
      send.call(this, frame)
    }
  })
  const joined = new WeakSet<Event>()
  // Set through Reflect, not declared: tsx would name a declared function with a helper the page lacks.
  const on: { channel?: (channel: RTCDataChannel) => void } = {}
  Reflect.set(on, 'channel', (channel: RTCDataChannel) => {
    let parts: Uint8Array[] = []
    let received = 0
    channel.addEventListener('message', (event: MessageEvent) => {
      const data: unknown = event.data
      if (joined.has(event) || !(data instanceof ArrayBuffer) || data.byteLength < headerBytes || new DataView(data).getUint8(0) !== mark) return
      event.stopImmediatePropagation()
      parts.push(new Uint8Array(data, headerBytes))
      received += data.byteLength - headerBytes
      const total = new DataView(data).getUint32(5)
      if (received < total) return
      const whole = new Uint8Array(total)
      let at = 0
      for (const part of parts) {
        whole.set(part, at)
        at += part.length
      }
      parts = []
      received = 0
      const message = new MessageEvent('message', { data: whole.buffer })
      joined.add(message)
      channel.dispatchEvent(message)
    })
  })
  const Native = RTCPeerConnection
  const create = Object.getOwnPropertyDescriptor(Native.prototype, 'createDataChannel')?.value as (this: RTCPeerConnection, ...args: unknown[]) => RTCDataChannel
  Reflect.set(Native.prototype, 'createDataChannel', function (this: RTCPeerConnection, ...args: unknown[]) {
    const channel = create.apply(this, args)
    on.channel?.(channel)
    return channel
  })
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args)
      this.addEventListener('datachannel', (event) => on.channel?.(event.channel))
    }
  }
}

export const PAGE_CHUNKING_ARGS = [FRAME_BYTES, FRAME_MARK, FRAME_HEADER_BYTES] as const

/** What this file touches of a wrtc channel; declared as function properties, since they are replaced. */
interface WrtcChannel {
  send: (this: WrtcChannel, data: unknown) => void
  dispatchEvent: (this: WrtcChannel, event: { type: string; data?: unknown }) => void
}

/** Whether the Node peers split what they send; they always join what they receive. */
export const nodeChunking = { sending: false }
let nodeInstalled = false

/** The same, for @roamhq/wrtc's channels in this process (their prototype is plain JavaScript). */
export function installNodeChunking(): void {
  if (nodeInstalled) return
  nodeInstalled = true
  const prototype = wrtc.RTCDataChannel.prototype as unknown as WrtcChannel
  const send = prototype.send
  const dispatch = prototype.dispatchEvent
  let nextId = 1
  prototype.send = function (this: WrtcChannel, data: unknown) {
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined
    if (!nodeChunking.sending || !bytes) return send.call(this, data)
    for (const frame of splitMessage(bytes, nextId++)) send.call(this, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength))
  }
  const joiners = new WeakMap<WrtcChannel, MessageJoiner>()
  prototype.dispatchEvent = function (this: WrtcChannel, event: { type: string; data?: unknown }) {
    const data = event.data
    if (event.type !== 'message' || !(data instanceof ArrayBuffer) || !isFrame(new Uint8Array(data))) return dispatch.call(this, event)
    const joiner = joiners.get(this) ?? new MessageJoiner()
    joiners.set(this, joiner)
    const result = joiner.push(new Uint8Array(data))
    if (result.kind === 'refused') throw new Error(`a Node peer received a bad frame: ${result.reason}`)
    if (result.kind === 'message') dispatch.call(this, { ...event, data: result.message.buffer })
  }
}
