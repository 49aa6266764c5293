/**
 * An RTCPeerConnection whose data channels split large messages into frames
 * and join them on arrival (see messageFrames.ts), handed to y-webrtc's
 * simple-peer as its `wrtc` implementation. Frames are invisible above the
 * channel: simple-peer and y-webrtc only ever see whole messages.
 *
 * Relies on DOM event semantics (stopImmediatePropagation, MessageEvent),
 * which browsers have; Node peers need their own binding.
 */
import { isFrame, MessageJoiner, splitMessage } from './messageFrames.ts'

const framedClasses = new WeakMap<typeof RTCPeerConnection, typeof RTCPeerConnection>()

/** simple-peer's `wrtc` option: the browser's WebRTC classes, with framing data channels. */
export function framedWebRtc(): { RTCPeerConnection: typeof RTCPeerConnection; RTCSessionDescription: typeof RTCSessionDescription; RTCIceCandidate: typeof RTCIceCandidate } | undefined {
  // Read when a room is joined, not at load, so whatever the page has installed by then is what gets wrapped.
  if (typeof RTCPeerConnection === 'undefined') return undefined
  return { RTCPeerConnection: framedPeerConnection(RTCPeerConnection), RTCSessionDescription, RTCIceCandidate }
}

export function framedPeerConnection(Base: typeof RTCPeerConnection): typeof RTCPeerConnection {
  const known = framedClasses.get(Base)
  if (known) return known
  class FramedPeerConnection extends Base {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args)
      // Added before simple-peer sets ondatachannel, so the channel is framed before anyone reads from it.
      this.addEventListener('datachannel', (event) => frameChannel(event.channel))
    }

    override createDataChannel(...args: Parameters<RTCPeerConnection['createDataChannel']>): RTCDataChannel {
      return frameChannel(super.createDataChannel(...args))
    }
  }
  framedClasses.set(Base, FramedPeerConnection)
  return FramedPeerConnection
}

let nextMessageId = 1

function frameChannel(channel: RTCDataChannel): RTCDataChannel {
  const nativeSend = channel.send.bind(channel) as (data: unknown) => void
  Object.defineProperty(channel, 'send', {
    configurable: true,
    value(data: unknown): void {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined
      if (!bytes) return nativeSend(data)
      for (const frame of splitMessage(bytes, nextMessageId++)) nativeSend(frame)
    },
  })
  const joiner = new MessageJoiner()
  const joined = new WeakSet<Event>()
  // The first 'message' listener: it swallows frames and dispatches each whole message in their place.
  channel.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (joined.has(event) || !(event.data instanceof ArrayBuffer)) return
    const bytes = new Uint8Array(event.data)
    if (!isFrame(bytes)) return
    event.stopImmediatePropagation()
    const result = joiner.push(bytes)
    if (result.kind === 'refused') console.warn(`Pii dropped a message from a peer: it sent ${result.reason}.`)
    if (result.kind !== 'message') return
    const whole = new MessageEvent('message', { data: result.message.buffer })
    joined.add(whole)
    channel.dispatchEvent(whole)
  })
  return channel
}
