import { describe, expect, it } from 'vitest'
import { FRAME_BYTES, FRAME_HEADER_BYTES, FRAME_MARK, isFrame, MAX_MESSAGE_BYTES, MessageJoiner, splitMessage, type JoinResult } from '../../src/sync/messageFrames.ts'
import { ReassemblyBudget } from '../../src/sync/ReassemblyBudget.ts'

/** The message a join completed with, as a Buffer so a mismatch reports briefly. */
function joinedMessage(result: JoinResult | undefined): Buffer | undefined {
  return result?.kind === 'message' ? Buffer.from(result.message) : undefined
}

function message(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let index = 0; index < length; index++) bytes[index] = (index * 131 + seed * 7919 + (index >> 8)) & 0xff
  // A y-webrtc message starts with its type.
  bytes[0] = 0
  return bytes
}

describe('message frames', () => {
  it('MF1 sends a message that fits in one frame as it is', () => {
    const small = message(FRAME_BYTES)
    const frames = splitMessage(small, 1)
    expect(frames).toEqual([small])
    expect(isFrame(frames[0]!)).toBe(false)
  })

  it('MF2 splits a large message into frames no bigger than a data channel accepts, and joins them back byte for byte', () => {
    const large = message(1_300_000)
    const frames = splitMessage(large, 7)
    expect(frames).toHaveLength(Math.ceil(large.length / FRAME_BYTES))
    expect(Math.max(...frames.map((frame) => frame.length))).toBeLessThanOrEqual(FRAME_BYTES + FRAME_HEADER_BYTES)
    expect(frames.every(isFrame)).toBe(true)
    const joiner = new MessageJoiner()
    const results = frames.map((frame) => joiner.push(frame))
    expect(results.slice(0, -1).every((result) => result.kind === 'partial')).toBe(true)
    const last = results.at(-1)
    expect(joinedMessage(last)?.equals(large)).toBe(true)
  })

  it('MF3 joins consecutive messages on one channel', () => {
    const joiner = new MessageJoiner()
    for (const [id, length] of [[1, 200_000], [2, FRAME_BYTES + 1], [3, 3 * FRAME_BYTES]] as const) {
      const original = message(length, id)
      const results = splitMessage(original, id).map((frame) => joiner.push(frame))
      const last = results.at(-1)
      expect(joinedMessage(last)?.equals(original)).toBe(true)
    }
  })

  it('MF4 refuses hostile frames, drops only the message they belong to, and keeps joining afterwards', () => {
    const joiner = new MessageJoiner()
    const [first, second] = splitMessage(message(200_000, 2), 5)
    const other = splitMessage(message(200_000, 3), 6)
    expect(joiner.push(first!).kind).toBe('partial')
    // A frame of another message in the middle of one.
    expect(joiner.push(other[1]!)).toMatchObject({ kind: 'refused', reason: 'a frame of another message before the previous one was complete' })
    // The rest of the interrupted message is refused, never taken as the start of a message.
    expect(joiner.push(second!)).toMatchObject({ kind: 'refused', reason: 'a frame out of order' })

    const huge = new Uint8Array(20).fill(0)
    const header = new DataView(huge.buffer)
    header.setUint8(0, FRAME_MARK)
    header.setUint32(1, 9)
    header.setUint32(5, MAX_MESSAGE_BYTES + 1)
    expect(new MessageJoiner().push(huge)).toMatchObject({ kind: 'refused', reason: `a message of ${MAX_MESSAGE_BYTES + 1} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit` })

    const overlong = splitMessage(message(FRAME_BYTES + 10, 4), 8)
    const lying = overlong[1]!.slice()
    const fresh = new MessageJoiner()
    fresh.push(overlong[0]!)
    expect(fresh.push(new Uint8Array([...lying, 1, 2, 3]))).toMatchObject({ kind: 'refused', reason: 'frames longer than the message they announce' })
    expect(new MessageJoiner().push(new Uint8Array([FRAME_MARK, 0, 0]))).toMatchObject({ kind: 'refused' })

    const intact = message(150_000, 9)
    const results = splitMessage(intact, 10).map((frame) => joiner.push(frame))
    const last = results.at(-1)
    expect(joinedMessage(last)?.equals(intact)).toBe(true)
  })

  it('[CAP5] channels sharing a room budget hold at most its bytes and messages together; a message dropped for room is refused once, its other frames passed over, and the channel joins the next', () => {
    const budget = new ReassemblyBudget(8 * FRAME_BYTES, 4)
    // Six channels (one per invented peer), each five frames into a ten-frame message: 30 frames, far more than the room holds.
    const hostile = Array.from({ length: 6 }, () => new MessageJoiner(budget))
    const messages = hostile.map((_, index) => splitMessage(message(10 * FRAME_BYTES, index), index + 1))
    const kinds = hostile.map((): string[] => [])
    for (let frame = 0; frame < 5; frame++) {
      hostile.forEach((joiner, index) => {
        kinds[index]!.push(joiner.push(messages[index]![frame]!).kind)
        expect(budget.bytes).toBeLessThanOrEqual(8 * FRAME_BYTES)
        expect(budget.messages).toBeLessThanOrEqual(4)
      })
    }
    // Channels dropped to make room were told once; the rest of their message is passed over quietly, not refused frame by frame.
    for (const channel of kinds) expect(channel.filter((kind) => kind === 'refused').length).toBeLessThanOrEqual(1)
    expect(kinds[0]).toEqual(['partial', 'refused', 'skipped', 'skipped', 'skipped'])
    const dropped = hostile[0]!
    for (const frame of messages[0]!.slice(5)) expect(dropped.push(frame).kind).toBe('skipped')

    // An honest message larger than what any one flooder holds still arrives, whole.
    const honest = new MessageJoiner(budget)
    const original = message(6 * FRAME_BYTES + 5, 42)
    const results = splitMessage(original, 99).map((frame) => honest.push(frame))
    expect(joinedMessage(results.at(-1))?.equals(original)).toBe(true)
    expect(budget.bytes).toBeLessThanOrEqual(8 * FRAME_BYTES)
    // The dropped channel carries on with its next message.
    const next = message(2 * FRAME_BYTES, 7)
    expect(joinedMessage(splitMessage(next, 100).map((frame) => dropped.push(frame)).at(-1))?.equals(next)).toBe(true)
  })

  it('[CAP5] a channel that closes mid-message gives its bytes back to the room', () => {
    const budget = new ReassemblyBudget(8 * FRAME_BYTES, 4)
    const joiner = new MessageJoiner(budget)
    joiner.push(splitMessage(message(4 * FRAME_BYTES), 1)[0]!)
    expect(budget.bytes).toBe(FRAME_BYTES)
    joiner.discard()
    expect([budget.bytes, budget.messages]).toEqual([0, 0])
  })
})
