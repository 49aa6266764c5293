/**
 * Real y-webrtc providers on a WebSocket stand-in that checks what the
 * relay checks (its topic limits and its own token bucket at its default
 * limits), on a fake clock: which connection each room's signaling goes
 * over, and what and when each connection sends.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'
import { DEFAULT_RELAY_LIMITS } from '../../src/server/config.ts'
import { MAX_TOPICS_PER_MESSAGE } from '../../src/server/relay/protocol.ts'
import { TokenBucket } from '../../src/server/relay/TokenBucket.ts'
import { announceFrame, ROOMS_PER_CONNECTION, SignalingGroups, type SignalingSeat } from '../../src/sync/SignalingGroups.ts'

interface Frame {
  readonly type: string
  readonly topics?: string[]
  readonly topic?: string
  readonly data?: unknown
}

/** A WebSocket to the relay as lib0 uses one, refusing (counting, here) what the relay would refuse. */
class RelaySocket {
  static readonly made: RelaySocket[] = []
  readyState = 0
  onopen: ((event: object) => void) | null = null
  onclose: ((event: object) => void) | null = null
  onerror: ((event: object) => void) | null = null
  onmessage: ((event: object) => void) | null = null
  readonly frames: Frame[] = []
  readonly topics = new Set<string>()
  readonly refusals: string[] = []
  private bucket = new TokenBucket(0, 0, 0)

  constructor(readonly url: string) {
    RelaySocket.made.push(this)
  }

  open(): void {
    this.readyState = 1
    this.bucket = new TokenBucket(DEFAULT_RELAY_LIMITS.messageBurst, DEFAULT_RELAY_LIMITS.messagesPerSecond, Date.now())
    this.onopen?.({})
  }

  send(text: string): void {
    if (this.readyState === 0) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)')
    if (this.readyState !== 1) return
    const frame = JSON.parse(text) as Frame
    this.frames.push(frame)
    if (!this.bucket.take(Date.now())) this.refusals.push('rate_limited')
    if (frame.topics && frame.topics.length > MAX_TOPICS_PER_MESSAGE) this.refusals.push('bad_topics')
    for (const topic of frame.topics ?? []) {
      if (frame.type === 'subscribe') this.topics.add(topic)
      else this.topics.delete(topic)
    }
    if (this.topics.size > DEFAULT_RELAY_LIMITS.maxTopicsPerConnection) this.refusals.push('too_many_topics')
  }

  close(): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.topics.clear()
    this.onclose?.({})
  }

  of(type: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type)
  }

  /** The rooms announced on this socket (a room with no password announces in the clear). */
  announced(): string[] {
    return this.of('publish').map((frame) => frame.topic!)
  }
}

interface OpenRoom {
  readonly name: string
  readonly seat: SignalingSeat
  readonly provider: WebrtcProvider
}

let relayUrl = ''
const open: OpenRoom[] = []
const globals = globalThis as { WebSocket?: unknown }
const hadWebSocket = 'WebSocket' in globals

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  globals.WebSocket = RelaySocket
  RelaySocket.made.length = 0
  // SignalingGroups and y-webrtc keep their connections per URL for the context: a relay of its own for each test.
  relayUrl = `ws://relay-${randomUUID()}.invalid/`
})

afterEach(() => {
  for (const room of open.splice(0)) close(room)
  vi.useRealTimers()
  if (hadWebSocket) return
  delete globals.WebSocket
})

/** As WebrtcRooms opens a room; no password, so that the room connects at once (no PBKDF2) and announces in the clear. */
function join(count: number): OpenRoom[] {
  return Array.from({ length: count }, () => {
    const name = `room-${randomUUID()}`
    const seat = SignalingGroups.of(relayUrl).join(name)!
    const provider = new WebrtcProvider(name, new Y.Doc(), { signaling: [seat.url] })
    seat.attach(provider)
    const room = { name, seat, provider }
    open.push(room)
    return room
  })
}

function close(room: OpenRoom): void {
  room.seat.leave()
  room.provider.disconnect()
  room.provider.destroy()
  room.provider.awareness.destroy()
}

/** The socket of each signaling URL, in the order they were made. */
const sockets = (): Map<string, RelaySocket> => new Map(RelaySocket.made.filter((socket) => socket.readyState !== 3).map((socket) => [socket.url, socket]))

/** Lets the relay accept every socket lib0 is still connecting; returns those. */
async function openAll(): Promise<RelaySocket[]> {
  await vi.advanceTimersByTimeAsync(0)
  const connecting = [...sockets().values()].filter((socket) => socket.readyState === 0)
  for (const socket of connecting) socket.open()
  return connecting
}

describe('SignalingGroups', () => {
  it('[SIG1] 600 rooms go over three connections of at most 256 rooms; each subscribes its own rooms only, 64 to a frame, and announces each once', async () => {
    const rooms = join(600)
    const all = await openAll()
    expect(all.map((socket) => socket.url)).toEqual([relayUrl, `${relayUrl}?group=1`, `${relayUrl}?group=2`])
    await vi.advanceTimersByTimeAsync(10_000)

    const expected = [rooms.slice(0, 256), rooms.slice(256, 512), rooms.slice(512)].map((group) => group.map((room) => room.name).sort())
    for (const [index, socket] of all.entries()) {
      expect(socket.refusals).toEqual([])
      expect([...socket.topics].sort()).toEqual(expected[index])
      expect(socket.topics.size).toBeLessThanOrEqual(ROOMS_PER_CONNECTION)
      for (const frame of socket.of('subscribe')) expect(frame.topics!.length).toBeLessThanOrEqual(64)
      expect(socket.announced().sort()).toEqual(expected[index])
    }
  })

  it('[SIG1] a room joining while the connections are open is subscribed and announced on its own connection only; one leaving is unsubscribed there, and its slot goes to the next room', async () => {
    join(256)
    const [first] = await openAll()
    await vi.advanceTimersByTimeAsync(10_000)
    const before = first!.frames.length

    // The 257th room's group connects after the room does.
    const [lateA] = join(1)
    const [added] = await openAll()
    expect(added!.url).toBe(`${relayUrl}?group=1`)
    await vi.advanceTimersByTimeAsync(1_000)
    // y-webrtc subscribes and announces a room that connects on every open signaling connection.
    const [lateB] = join(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(first!.frames.slice(before)).toEqual([])
    expect([...added!.topics]).toEqual([lateA!.name, lateB!.name])
    expect(added!.announced()).toEqual([lateA!.name, lateB!.name])

    const leaving = open[0]!
    close(leaving)
    open.splice(0, 1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(first!.of('unsubscribe')).toEqual([{ type: 'unsubscribe', topics: [leaving.name] }])
    expect(added!.of('unsubscribe')).toEqual([])
    const [next] = join(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(first!.topics.has(next!.name)).toBe(true)
    expect(first!.topics.size).toBe(256)
    expect(first!.refusals).toEqual([])
  })

  it('[SIG1] 256 rooms connecting at once on an open connection, then reconnecting with it after a drop, stay within the relay’s rate limit, every room announced within 5 s', async () => {
    const rooms = join(1)
    const [socket] = await openAll()
    // y-webrtc subscribes and announces each room as it connects: 510 frames at once.
    rooms.push(...join(255))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(socket!.announced()).toHaveLength(256)
    expect(socket!.refusals).toEqual([])

    // The relay restarts: lib0 reopens within 0–2.5 s, and everything is sent again on the new socket.
    socket!.close()
    await vi.advanceTimersByTimeAsync(3_000)
    const reopened = sockets().get(relayUrl)!
    expect(reopened).not.toBe(socket)
    reopened.open()
    await vi.advanceTimersByTimeAsync(5_000)
    expect([...reopened.topics].sort()).toEqual(rooms.map((room) => room.name).sort())
    expect(reopened.announced()).toHaveLength(256)
    expect(reopened.refusals).toEqual([])
  })

  it('[SIG1] an announce this module seals opens with y-webrtc’s own crypto as y-webrtc’s announce', async () => {
    vi.useRealTimers()
    const crypto = (await import(new URL('../../node_modules/y-webrtc/src/crypto.js', import.meta.url).href)) as {
      deriveKey(secret: string, room: string): PromiseLike<CryptoKey>
      decryptJson(data: Uint8Array, key: CryptoKey): PromiseLike<unknown>
    }
    const key = await crypto.deriveKey('the room password', 'the room')
    const frame = (await announceFrame({ name: 'the room', peerId: 'a peer', key })) as Frame
    expect(frame).toMatchObject({ type: 'publish', topic: 'the room' })
    expect(await crypto.decryptJson(Buffer.from(frame.data as string, 'base64'), key)).toEqual({ type: 'announce', from: 'a peer' })
  })
})
