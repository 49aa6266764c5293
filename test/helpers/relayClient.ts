/** A raw WebSocket client for relay tests: sends frames, records what arrives and how it closed. */
import { WebSocket, type ClientOptions } from 'ws'

export interface Closed {
  readonly code: number
  readonly reason: string
}

export class RelayClient {
  readonly received: Record<string, unknown>[] = []
  readonly closed: Promise<Closed>
  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    socket.on('message', (data: Buffer) => this.received.push(JSON.parse(data.toString()) as Record<string, unknown>))
  }

  static connect(url: string, options: ClientOptions = {}): Promise<RelayClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options)
      socket.once('open', () => resolve(new RelayClient(socket)))
      socket.once('error', reject)
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)))
    })
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame))
  }

  /** Subscribes and waits for the relay to have processed it (a ping round trip behind it). */
  async subscribe(...topics: string[]): Promise<void> {
    this.send({ type: 'subscribe', topics })
    await this.roundTrip()
  }

  async roundTrip(): Promise<void> {
    const pongs = this.received.filter((message) => message.type === 'pong').length
    this.send({ type: 'ping' })
    await this.waitFor(() => this.received.filter((message) => message.type === 'pong').length > pongs)
  }

  published(topic: string): Record<string, unknown>[] {
    return this.received.filter((message) => message.type === 'publish' && message.topic === topic)
  }

  async waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('Timed out waiting for the relay.')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  close(): void {
    this.socket.close()
  }
}
