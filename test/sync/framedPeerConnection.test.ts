import { describe, expect, it, vi } from 'vitest'
import { framedPeerConnection } from '../../src/sync/framedPeerConnection.ts'
import { FRAME_BYTES, FRAME_HEADER_BYTES, FRAME_MARK, MAX_MESSAGE_BYTES, roomJoiningBudget, splitMessage } from '../../src/sync/messageFrames.ts'

/** What framedPeerConnection uses of a data channel: DOM events and send. */
class FakeChannel extends EventTarget {
  send(_data: unknown): void {}
}

/** What framedPeerConnection uses of an RTCPeerConnection. */
class FakePeerConnection extends EventTarget {
  createDataChannel(): FakeChannel {
    return new FakeChannel()
  }
}

const asNative = FakePeerConnection as unknown as typeof RTCPeerConnection

/** Whole messages the channel hands to y-webrtc (listeners added after framing see only those). */
function delivered(channel: RTCDataChannel): Uint8Array[] {
  const messages: Uint8Array[] = []
  channel.addEventListener('message', (event) => messages.push(new Uint8Array((event as MessageEvent<ArrayBuffer>).data)))
  return messages
}

const receive = (channel: RTCDataChannel, frame: ArrayBufferLike): boolean => channel.dispatchEvent(new MessageEvent('message', { data: frame }))

describe('framedPeerConnection', () => {
  it('[CAP5] the data channels of one room’s connections share one reassembly bound: 50 invented peers announcing huge messages cannot make the room hold more, and an honest large message still arrives', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const budget = roomJoiningBudget()
    const Framed = framedPeerConnection(asNative, budget)
    // A member's 50 invented peers, half on channels we opened, half on channels they opened.
    const channels = Array.from({ length: 50 }, (_, index) => {
      const connection = new Framed()
      if (index % 2 === 0) return connection.createDataChannel('data')
      const channel = new FakeChannel() as unknown as RTCDataChannel
      connection.dispatchEvent(Object.assign(new Event('datachannel'), { channel }))
      return channel
    })
    // Each sends 96 frames (6 MiB) of a message it announces at the largest allowed size: 300 MiB in all, more than the room may hold.
    // One frame buffer per channel, its offset rewritten: the test's memory stays small while the room's accounting sees every frame.
    const frames = channels.map((_, index) => {
      const frame = new ArrayBuffer(FRAME_HEADER_BYTES + FRAME_BYTES)
      const header = new DataView(frame)
      header.setUint8(0, FRAME_MARK)
      header.setUint32(1, index + 1)
      header.setUint32(5, MAX_MESSAGE_BYTES)
      return { frame, header }
    })
    let most = 0
    for (let sent = 0; sent < 96; sent++) {
      channels.forEach((channel, index) => {
        const { frame, header } = frames[index]!
        header.setUint32(9, sent * FRAME_BYTES)
        receive(channel, frame)
        most = Math.max(most, budget.bytes)
      })
    }
    expect(most).toBeGreaterThan(MAX_MESSAGE_BYTES - 50 * FRAME_BYTES)
    expect(most).toBeLessThanOrEqual(MAX_MESSAGE_BYTES)
    // One warning per dropped message, not one per frame passed over.
    expect(warn.mock.calls.length).toBeLessThanOrEqual(channels.length)

    const honest = new Framed().createDataChannel('data')
    const whole = delivered(honest)
    const original = new Uint8Array(3 * 1024 * 1024).map((_, index) => index % 251)
    original[0] = 0 // a y-webrtc message starts with its type
    for (const frame of splitMessage(original, 7)) receive(honest, frame.slice().buffer)
    expect(whole).toHaveLength(1)
    expect(Buffer.from(whole[0]!).equals(Buffer.from(original))).toBe(true)
    expect(budget.bytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES)

    // Channels that close give back what they held.
    for (const channel of channels) channel.dispatchEvent(new Event('close'))
    expect(budget.bytes).toBe(0)
    warn.mockRestore()
  })
})
