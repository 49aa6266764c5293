/**
 * WebSocket clients for the relay benchmark, speaking the y-webrtc signaling
 * protocol that both servers accept.
 */
import { once } from 'node:events'
import { WebSocket, type RawData } from 'ws'

const CONFIRM_TIMEOUT_MS = 10_000

/**
 * Both servers run ws without permessage-deflate, so offering it would only
 * cost a header. UTF-8 validation is skipped on receipt: the load generator
 * shares two cores with the server, and its own per-frame cost should be as
 * small as it can be so it is not what limits the measured rate.
 */
export async function connect(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
  await once(socket, 'open')
  return socket
}

function sendJson(socket: WebSocket, message: object): void {
  socket.send(JSON.stringify(message))
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/**
 * Sends a ping and waits for the pong. Both servers handle a connection's
 * frames in order, so once the pong is back every earlier subscribe is in
 * place. Only call while nothing is being published to this client.
 */
export function confirm(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`No pong within ${CONFIRM_TIMEOUT_MS} ms.`)), CONFIRM_TIMEOUT_MS)
    const onMessage = (data: RawData): void => {
      const text = rawText(data)
      finish(text === '{"type":"pong"}' ? undefined : new Error(`Expected a pong, got ${text.slice(0, 100)}.`))
    }
    const onClose = (): void => finish(new Error('Closed while waiting for a pong.'))
    function finish(error: Error | undefined): void {
      clearTimeout(timer)
      socket.off('message', onMessage)
      socket.off('close', onClose)
      if (error) reject(error)
      else resolve()
    }
    socket.on('message', onMessage)
    socket.once('close', onClose)
    sendJson(socket, { type: 'ping' })
  })
}

/** Opens one client, subscribes it to one topic and confirms the subscription. */
async function openOne(url: string, topic: string): Promise<WebSocket> {
  const socket = await connect(url)
  sendJson(socket, { type: 'subscribe', topics: [topic] })
  await confirm(socket)
  return socket
}

/**
 * Opens `count` subscribed clients, `topicOf(i)` naming the i-th one's topic, `batch` at a time, so the listen backlog
 * never overflows into SYN retries that would stall the run for a second.
 */
export async function openSubscribed(url: string, count: number, batch: number, topicOf: (index: number) => string, first = 0): Promise<WebSocket[]> {
  const sockets: WebSocket[] = []
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start)
    const opened = Array.from({ length: size }, (_, offset) => openOne(url, topicOf(first + start + offset)))
    const settled = await Promise.allSettled(opened)
    for (const result of settled) if (result.status === 'fulfilled') sockets.push(result.value)
    const failure = settled.find((result) => result.status === 'rejected')
    if (failure) {
      closeAll(sockets)
      throw new Error(`Opening client ${first + start + settled.indexOf(failure)} failed: ${String(failure.reason)}`)
    }
  }
  return sockets
}

/**
 * Drops the TCP connections without a close handshake: the servers see the
 * connection end and forget the client just the same, and the bench does not
 * wait for thousands of handshakes.
 */
export function closeAll(sockets: readonly WebSocket[]): void {
  for (const socket of sockets) socket.terminate()
}
