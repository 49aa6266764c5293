/**
 * The room two devices pair in (core/devices/PairingSession.ts): a relay
 * topic derived from the pairing link's secret, every message sealed with
 * the key derived beside it, so the relay carries ciphertext on a topic
 * that names nothing. The relay, not WebRTC: pairing is a few small
 * messages, and the two devices may sit behind NATs no direct connection
 * crosses.
 */
import type { PairingChannel } from '../core/devices/PairingSession.ts'
import type { RoomAccess } from '../core/space/shareLink.ts'
import { RelayConnection } from './RelayConnection.ts'
import { importRelayKey, openFrame, parsePublishFrame, sealFrame } from './relayFrames.ts'
import type { RelayTopic } from './RelaySocket.ts'

/** Pairing messages are a few hundred bytes; a handful queued is all a session ever has. */
const MAX_QUEUED = 32

export interface RelayPairingOptions {
  /** The relay's WebSocket URL. */
  readonly url: string
  readonly access: RoomAccess
  /** For Node, which has no global WebSocket: the `ws` package's. */
  readonly WebSocketImpl?: typeof WebSocket
}

export function relayPairingChannel(options: RelayPairingOptions): PairingChannel {
  const topicName = options.access.relayTopic
  const peerId = `pair-${crypto.randomUUID()}`
  const key = importRelayKey(options.access.relayKey)
  const listeners = new Set<(text: unknown) => void>()
  const outbox: Uint8Array[] = []
  let inbound = Promise.resolve()
  let closed = false
  const connection = new RelayConnection({ url: options.url, ...(options.WebSocketImpl ? { WebSocketImpl: options.WebSocketImpl } : {}) })
  const receive = async (value: unknown): Promise<void> => {
    const frame = parsePublishFrame(value, topicName)
    if (!frame || frame.from === peerId || frame.to !== undefined) return
    const plaintext = await openFrame(await key, topicName, frame)
    if (!plaintext || closed) return
    const text = new TextDecoder('utf-8', { fatal: false }).decode(plaintext)
    for (const listener of [...listeners]) listener(text)
  }
  const topic: RelayTopic = connection.join(topicName, {
    // Checked and opened in order, one at a time: a flood of junk costs one decrypt each, nothing more.
    deliver: (value) => {
      inbound = inbound.then(() => receive(value)).catch(() => undefined)
    },
    subscribedChanged: (subscribed) => {
      if (subscribed && outbox.length > 0) topic.wake()
    },
    peekOutgoing: () => outbox[0]?.length,
    sealOutgoing: async () => {
      const next = outbox.shift()
      return next && sealFrame(await key, topicName, peerId, undefined, next)
    },
  })
  return {
    send: (text) => {
      if (closed) return
      // Each side says everything again every second: when the relay is slow, the oldest copy is the one to drop.
      if (outbox.length >= MAX_QUEUED) outbox.shift()
      outbox.push(new TextEncoder().encode(text))
      topic.wake()
    },
    onMessage: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: () => {
      if (closed) return
      closed = true
      listeners.clear()
      topic.leave()
    },
  }
}
