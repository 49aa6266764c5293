/**
 * An RTCPeerConnection whose data channels split large messages into frames
 * and join them on arrival (see messageFrames.ts), handed to y-webrtc's
 * simple-peer as its `wrtc` implementation. Frames are invisible above the
 * channel: simple-peer and y-webrtc only ever see whole messages.
 *
 * Each room gets a class of its own, whose channels share one reassembly
 * budget: a member cannot multiply what the room buffers by opening more
 * connections.
 *
 * Relies on DOM event semantics (stopImmediatePropagation, MessageEvent),
 * which browsers have; the personal node has its own binding (src/node/nodeWebRtc.ts).
 */
import type { ReassemblyBudget } from './ReassemblyBudget.ts'
import { isFrame, MessageJoiner, roomJoiningBudget, splittingSend } from './messageFrames.ts'

/** What simple-peer takes as its `wrtc` option. */
export interface WebRtcClasses {
  readonly RTCPeerConnection: typeof RTCPeerConnection
  readonly RTCSessionDescription: typeof RTCSessionDescription
  readonly RTCIceCandidate: typeof RTCIceCandidate
}

/** simple-peer's `wrtc` option for one room: the browser's WebRTC classes, with framing data channels. */
export function framedWebRtc(): WebRtcClasses | undefined {
  // Read when a room is joined, not at load, so whatever the page has installed by then is what gets wrapped.
  if (typeof RTCPeerConnection === 'undefined') return undefined
  return { RTCPeerConnection: framedPeerConnection(RTCPeerConnection, roomJoiningBudget()), RTCSessionDescription, RTCIceCandidate }
}

/** `Base` with framing data channels; every channel of every connection it makes draws on `budget`. */
export function framedPeerConnection(Base: typeof RTCPeerConnection, budget: ReassemblyBudget): typeof RTCPeerConnection {
  return class FramedPeerConnection extends Base {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args)
      // Added before simple-peer sets ondatachannel, so the channel is framed before anyone reads from it.
      this.addEventListener('datachannel', (event) => frameChannel(event.channel, budget))
    }

    override createDataChannel(...args: Parameters<RTCPeerConnection['createDataChannel']>): RTCDataChannel {
      return frameChannel(super.createDataChannel(...args), budget)
    }
  }
}

function frameChannel(channel: RTCDataChannel, budget: ReassemblyBudget): RTCDataChannel {
  const nativeSend = channel.send.bind(channel) as (data: unknown) => void
  Object.defineProperty(channel, 'send', { configurable: true, value: splittingSend(nativeSend) })
  const joiner = new MessageJoiner(budget)
  // What it was joining will never complete; the room's budget gets those bytes back now.
  channel.addEventListener('close', () => joiner.discard())
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
