/**
 * The personal node's WebRTC (@roamhq/wrtc), with the app's message framing
 * (src/sync/messageFrames.ts), handed to y-webrtc's simple-peer as its
 * `wrtc` implementation: a space bigger than one SCTP message (256 KiB)
 * crosses between the node and a browser as it does between browsers.
 *
 * The browser binding (src/sync/framedPeerConnection.ts) leans on DOM event
 * semantics that wrtc's channels lack (their EventTarget dispatches on a
 * later tick and knows no stopImmediatePropagation). Here each channel's own
 * `dispatchEvent`, which the native side calls for every message, joins
 * frames before anyone listening sees them, and its `send` splits.
 */
import wrtc from '@roamhq/wrtc'
import type { WebRtcClasses } from '../sync/framedPeerConnection.ts'
import type { ReassemblyBudget } from '../sync/ReassemblyBudget.ts'
import { isFrame, MessageJoiner, roomJoiningBudget, splittingSend } from '../sync/messageFrames.ts'

/** What this module touches of a wrtc data channel. */
interface NodeChannel {
  send(data: unknown): void
  dispatchEvent(event: { readonly type: string; readonly data?: unknown }): void
  addEventListener(type: 'close', listener: () => void): void
}

/** simple-peer's `wrtc` option for one room: wrtc's classes, with framing data channels sharing one reassembly budget. */
export function framedNodeWebRtc(budget: ReassemblyBudget = roomJoiningBudget()): WebRtcClasses {
  const Native = wrtc.RTCPeerConnection
  class FramedNodePeerConnection extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args)
      // wrtc calls listeners added here before the `ondatachannel` simple-peer sets: the channel is framed first.
      this.addEventListener('datachannel', (event) => frameNodeChannel(event.channel as unknown as NodeChannel, budget))
    }

    override createDataChannel(...args: Parameters<RTCPeerConnection['createDataChannel']>): RTCDataChannel {
      const channel = super.createDataChannel(...args)
      frameNodeChannel(channel, budget)
      return channel
    }
  }
  return {
    RTCPeerConnection: FramedNodePeerConnection,
    RTCSessionDescription: wrtc.RTCSessionDescription,
    RTCIceCandidate: wrtc.RTCIceCandidate,
  }
}

function frameNodeChannel(channel: NodeChannel, budget: ReassemblyBudget): void {
  const nativeSend = channel.send.bind(channel)
  const nativeDispatch = channel.dispatchEvent.bind(channel)
  const joiner = new MessageJoiner(budget)
  let warned = false
  channel.addEventListener('close', () => joiner.discard())
  Object.defineProperty(channel, 'send', { configurable: true, value: splittingSend(nativeSend) })
  Object.defineProperty(channel, 'dispatchEvent', {
    configurable: true,
    value(event: { readonly type: string; readonly data?: unknown }): void {
      const data = event.data
      if (event.type !== 'message' || !(data instanceof ArrayBuffer) || !isFrame(new Uint8Array(data))) return nativeDispatch(event)
      const result = joiner.push(new Uint8Array(data))
      // Once per channel: a peer sending bad frames on end must not fill the node's log.
      if (result.kind === 'refused' && !warned) {
        warned = true
        console.warn(`Pii dropped a message from a peer (and will not say so again for this connection): it sent ${result.reason}.`)
      }
      if (result.kind === 'message') nativeDispatch({ type: 'message', data: result.message.buffer })
    },
  })
}
