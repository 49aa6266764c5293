/**
 * The node's WebRTC binding against real @roamhq/wrtc connections in this
 * process: messages larger than one SCTP message arrive whole, in order,
 * and a channel's listeners never see a frame.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { framedNodeWebRtc } from '../../src/node/nodeWebRtc.ts'
import wrtc from '@roamhq/wrtc'
import { FRAME_BYTES, FRAME_HEADER_BYTES, FRAME_MARK, MAX_MESSAGE_BYTES, roomJoiningBudget } from '../../src/sync/messageFrames.ts'

const opened: RTCPeerConnection[] = []
afterEach(() => {
  for (const connection of opened.splice(0)) connection.close()
})

/** Two framed connections in this process, their ICE candidates passed by hand; resolves with both ends' open channels. */
async function connectedPair(budget = roomJoiningBudget()): Promise<{ local: RTCDataChannel; remote: RTCDataChannel }> {
  const { RTCPeerConnection } = framedNodeWebRtc(budget)
  const a = new RTCPeerConnection()
  const b = new RTCPeerConnection()
  opened.push(a, b)
  a.onicecandidate = (event) => void (event.candidate && b.addIceCandidate(event.candidate))
  b.onicecandidate = (event) => void (event.candidate && a.addIceCandidate(event.candidate))
  const local = a.createDataChannel('data')
  local.binaryType = 'arraybuffer'
  const remote = new Promise<RTCDataChannel>((resolve) => (b.ondatachannel = (event) => resolve(event.channel)))
  await a.setLocalDescription(await a.createOffer())
  await b.setRemoteDescription(a.localDescription!)
  await b.setLocalDescription(await b.createAnswer())
  await a.setRemoteDescription(b.localDescription!)
  const channel = await remote
  channel.binaryType = 'arraybuffer'
  await Promise.all([local, channel].map((end) => new Promise((resolve) => (end.readyState === 'open' ? resolve(undefined) : end.addEventListener('open', resolve)))))
  return { local, remote: channel }
}

describe('framedNodeWebRtc', () => {
  it('carries a 3 MiB message whole over a real wrtc data channel, with small messages before and after in order', async () => {
    const { local, remote } = await connectedPair()
    const received: Uint8Array[] = []
    // As simple-peer reads a channel: through onmessage.
    remote.onmessage = (event: MessageEvent) => received.push(new Uint8Array(event.data as ArrayBuffer))
    const big = new Uint8Array(3 * 1024 * 1024)
    for (let index = 0; index < big.length; index += 4093) big[index] = index % 251
    local.send(Uint8Array.of(1))
    local.send(big)
    local.send(Uint8Array.of(2))
    await expect.poll(() => received.length, { timeout: 20_000 }).toBe(3)
    expect(received[0]).toEqual(Uint8Array.of(1))
    expect(received[1]!.length).toBe(big.length)
    expect(Buffer.from(received[1]!).equals(Buffer.from(big))).toBe(true)
    expect(received[2]).toEqual(Uint8Array.of(2))
    // More than one frame's worth went through: it was split and joined, not sent as one.
    expect(big.length).toBeGreaterThan(FRAME_BYTES * 40)
  })

  it('[CAP5] the channels of one room draw on one reassembly budget: unfinished messages from two connections are counted together, and freed when their channels close', async () => {
    const budget = roomJoiningBudget()
    const pairs = [await connectedPair(budget), await connectedPair(budget)]
    // A peer's own client can send frames of a message it never finishes: the channel's native send, past the framing.
    const nativeSend = (wrtc.RTCDataChannel.prototype as unknown as { send: (this: RTCDataChannel, data: Uint8Array) => void }).send
    const frame = new Uint8Array(FRAME_HEADER_BYTES + FRAME_BYTES)
    const header = new DataView(frame.buffer)
    header.setUint8(0, FRAME_MARK)
    header.setUint32(5, MAX_MESSAGE_BYTES)
    for (const [index, { local }] of pairs.entries()) {
      header.setUint32(1, index + 1)
      for (let sent = 0; sent < 4; sent++) {
        header.setUint32(9, sent * FRAME_BYTES)
        nativeSend.call(local, frame)
      }
    }
    await expect.poll(() => budget.bytes, { timeout: 20_000 }).toBe(2 * 4 * FRAME_BYTES)
    for (const { remote } of pairs) remote.close()
    await expect.poll(() => budget.bytes, { timeout: 20_000 }).toBe(0)
  })
})
