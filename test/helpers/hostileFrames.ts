/**
 * Hostile input for the relay: malformed, truncated, binary, deeply nested,
 * oversized and flooding frames from many connections at once. Shared by the
 * fuzz test and `npm run fuzz:relay`.
 */
import { WebSocket } from 'ws'
import type { Random } from './seededRandom.ts'


const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T

function randomBytes(random: Random, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)))
}

const VALID = [
  '{"type":"subscribe","topics":["room"]}',
  '{"type":"publish","topic":"room","data":"abc"}',
  '{"type":"unsubscribe","topics":["room"]}',
  '{"type":"ping"}',
]

/** One hostile frame; `oversizeBytes` is just past the relay's frame limit. */
export function hostileFrame(random: Random, oversizeBytes: number): { data: string | Buffer; binary: boolean } {
  switch (Math.floor(random() * 12)) {
    case 0:
      return { data: randomBytes(random, 1 + Math.floor(random() * 64)).toString('latin1'), binary: false }
    case 1: {
      const valid = pick(random, VALID)
      return { data: valid.slice(0, Math.floor(random() * (valid.length - 1))), binary: false }
    }
    case 2:
      return { data: randomBytes(random, 1 + Math.floor(random() * 256)), binary: true }
    case 3: {
      const depth = 10_000 + Math.floor(random() * 90_000)
      return { data: '['.repeat(depth) + ']'.repeat(depth), binary: false }
    }
    case 4: {
      const depth = 10_000
      return { data: `{"type":"publish","topic":"room","data":${'['.repeat(depth)}${']'.repeat(depth)}}`, binary: false }
    }
    case 5:
      return { data: `{"type":"publish","topic":"room","data":"${'x'.repeat(oversizeBytes)}"}`, binary: false }
    case 6:
      return { data: pick(random, ['null', '1', '"str"', '[]', '{}', 'true', '{"type":null}', '{"type":["publish"]}']), binary: false }
    case 7:
      return { data: JSON.stringify({ type: 'subscribe', topics: Array.from({ length: 100 }, (_, n) => `topic-${n}-${random()}`) }), binary: false }
    case 8:
      return { data: JSON.stringify({ type: 'subscribe', topics: [1, null, {}, 'x'.repeat(10_000)] }), binary: false }
    case 9:
      return { data: JSON.stringify({ type: 'publish', topic: { $ne: null }, __proto__: { polluted: true } }), binary: false }
    case 10:
      // Invalid UTF-8 in a text frame.
      return { data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), binary: false }
    default:
      return { data: pick(random, VALID), binary: false }
  }
}

export interface AttackResult {
  readonly framesSent: number
  readonly connectionsOpened: number
  readonly connectionsRefused: number
}

/**
 * Sends `frames` hostile frames over `parallel` connections, reconnecting
 * whenever the relay closes one (which it does on the first bad frame).
 * Every eighth connection floods: it sends just past the burst the relay
 * allows, so the rate limit (not the frame checks) is what stops it.
 */
export async function runAttack(
  url: string,
  frames: number,
  parallel: number,
  random: Random,
  oversizeBytes: number,
  floodBurst = 400,
): Promise<AttackResult> {
  let sent = 0
  let opened = 0
  let refused = 0
  const worker = async (index: number): Promise<void> => {
    while (sent < frames) {
      let socket: WebSocket
      try {
        socket = await open(url)
        opened++
      } catch {
        refused++
        await new Promise((resolve) => setTimeout(resolve, 5))
        continue
      }
      const flood = index % 8 === 0
      const burst = flood ? floodBurst : 1 + Math.floor(random() * 3)
      for (let n = 0; n < burst && sent < frames && socket.readyState === WebSocket.OPEN; n++) {
        const frame = flood ? { data: '{"type":"publish","topic":"room","data":"flood"}', binary: false } : hostileFrame(random, oversizeBytes)
        socket.send(frame.data, { binary: frame.binary })
        sent++
      }
      await closedOrTimeout(socket, 200)
      socket.terminate()
    }
  }
  await Promise.all(Array.from({ length: parallel }, (_, index) => worker(index)))
  return { framesSent: sent, connectionsOpened: opened, connectionsRefused: refused }
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

function closedOrTimeout(socket: WebSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    // Errors here are the relay refusing us, which is the point.
    socket.on('error', () => {})
  })
}
