/**
 * Splits data-channel messages into 64 KiB frames and joins them again,
 * underneath y-webrtc, in the joining page and in the Node peers alike.
 *
 * Why: y-webrtc sends a whole sync reply as one message, and an SCTP data
 * channel carries at most 256 KiB per message (Chromium and libwebrtc close
 * or drop anything bigger; yjs/y-webrtc#20), so neither a 100,000-update
 * space (~1.3 MB) nor the same plain doc (~1.2 MB) can reach a newcomer.
 * bench/coldsync.ts first shows that with the stock transport, then measures
 * both pages over this shim, i.e. what the app costs once its transport
 * splits large messages. Frames start with a byte no y-webrtc message starts
 * with (those begin with a small message type), so whole messages pass
 * through untouched.
 *
 * Frame: MARK u8 ‖ message id u32 ‖ total length u32 ‖ bytes. A data
 * channel is ordered and reliable, so frames arrive in order.
 */
import wrtc from '@roamhq/wrtc'

export const CHUNK_BYTES = 64 * 1024
const MARK = 0xf7
const HEADER_BYTES = 9

/**
 * In the page, before its scripts (context.addInitScript): wraps
 * RTCDataChannel.send, and gives every channel a first 'message' listener
 * that swallows frames and re-dispatches each joined message. Install it
 * before bench/sync/trace.ts, so the trace sees whole messages. Stands alone
 * (see bench/sync/probe.ts), hence its constants come in as arguments.
 */
export function installPageChunking([chunkBytes, mark, headerBytes]: readonly [number, number, number]): void {
  const send = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'send')?.value as (this: RTCDataChannel, data: unknown) => void
  let nextId = 1
  Reflect.set(RTCDataChannel.prototype, 'send', function (this: RTCDataChannel, data: unknown) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined
    if (!bytes || bytes.length <= chunkBytes) return send.call(this, data)
    const id = nextId++
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      const part = bytes.subarray(offset, offset + chunkBytes)
      const frame = new Uint8Array(headerBytes + part.length)
      const view = new DataView(frame.buffer)
      view.setUint8(0, mark)
      view.setUint32(1, id)
      view.setUint32(5, bytes.length)
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

export const PAGE_CHUNKING_ARGS = [CHUNK_BYTES, MARK, HEADER_BYTES] as const

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
    if (!nodeChunking.sending || !bytes || bytes.length <= CHUNK_BYTES) return send.call(this, data)
    const id = nextId++
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      const part = bytes.subarray(offset, offset + CHUNK_BYTES)
      const frame = Buffer.alloc(HEADER_BYTES + part.length)
      frame.writeUInt8(MARK, 0)
      frame.writeUInt32BE(id, 1)
      frame.writeUInt32BE(bytes.length, 5)
      frame.set(part, HEADER_BYTES)
      send.call(this, frame)
    }
  }
  const assembling = new WeakMap<WrtcChannel, { parts: Uint8Array[]; received: number }>()
  prototype.dispatchEvent = function (this: WrtcChannel, event: { type: string; data?: unknown }) {
    const data = event.data
    if (event.type !== 'message' || !(data instanceof ArrayBuffer) || data.byteLength < HEADER_BYTES || new DataView(data).getUint8(0) !== MARK) {
      return dispatch.call(this, event)
    }
    const state = assembling.get(this) ?? { parts: [], received: 0 }
    assembling.set(this, state)
    state.parts.push(new Uint8Array(data, HEADER_BYTES))
    state.received += data.byteLength - HEADER_BYTES
    if (state.received < new DataView(data).getUint32(5)) return
    const whole = Buffer.concat(state.parts)
    assembling.delete(this)
    dispatch.call(this, { ...event, data: whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength) })
  }
}
