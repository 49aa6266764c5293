/** A raw WebSocket client for relay tests: sends frames, records what arrives and how it closed. */
import type { OutgoingHttpHeaders } from 'node:http'
import { WebSocket, type ClientOptions } from 'ws'

/** ws's options, with headers as Node's http client takes them: an array sends that header once per value. */
export type RelayClientOptions = Omit<ClientOptions, 'headers'> & { readonly headers?: OutgoingHttpHeaders }

// ws types headers as single strings but hands them to http.request unchanged, which repeats a header given as an array.
const open = (url: string, options: RelayClientOptions): WebSocket => new WebSocket(url, options as ClientOptions)

export interface Closed {
  readonly code: number
  readonly reason: string
}

/** How the relay answered an upgrade it would not accept: an HTTP status and a plain-text sentence. */
export interface Refusal {
  readonly status: number
  readonly body: string
}

export class RelayClient {
  readonly received: Record<string, unknown>[] = []
  readonly closed: Promise<Closed>
  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    socket.on('message', (data: Buffer) => this.received.push(JSON.parse(data.toString()) as Record<string, unknown>))
  }

  static connect(url: string, options: RelayClientOptions = {}): Promise<RelayClient> {
    return new Promise((resolve, reject) => {
      const socket = open(url, options)
      socket.once('open', () => resolve(new RelayClient(socket)))
      socket.once('error', reject)
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)))
    })
  }

  /** Attempts a connection the relay should refuse; rejects if it opens instead. */
  static refusal(url: string, options: RelayClientOptions = {}): Promise<Refusal> {
    return new Promise((resolve, reject) => {
      const socket = open(url, options)
      socket.once('open', () => {
        socket.terminate()
        reject(new Error('The relay accepted a connection it should have refused.'))
      })
      socket.once('error', reject)
      socket.once('unexpected-response', (_request, response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.once('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
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
