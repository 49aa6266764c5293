/**
 * Topic sharing between relay instances over Redis pub/sub. Each instance
 * subscribes to a Redis channel per topic that has local subscribers, and
 * publishes its clients' publishes there, tagged with its own id so it can
 * skip its own echoes. Redis sees what the relay sees: topic names and
 * ciphertext.
 */
import { randomUUID } from 'node:crypto'
import { createClient } from '@redis/client'
import type { Logger } from '../log.ts'
import { parseClientFrame } from './protocol.ts'
import type { TopicBridge } from './TopicBridge.ts'

const CHANNEL_PREFIX = 'pii-relay:'

/** The part of a Redis client the bridge uses. */
interface PubSubClient {
  connect(): Promise<unknown>
  close(): Promise<unknown>
  duplicate(): PubSubClient
  on(event: 'error', listener: (error: Error) => void): unknown
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  unsubscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
}

export class RedisBridge implements TopicBridge {
  private readonly instance = randomUUID()
  private deliver: (topic: string, publishText: string) => void = () => {}

  private constructor(
    private readonly publisher: PubSubClient,
    private readonly subscriber: PubSubClient,
    private readonly log: Logger,
  ) {}

  /** Connects both clients; fails with a clear message if Redis cannot be reached. */
  static async connect(url: string, log: Logger): Promise<RedisBridge> {
    const publisher: PubSubClient = createClient({ url })
    const subscriber = publisher.duplicate()
    // The client reconnects by itself (and re-subscribes); an error event
    // without a listener would crash the relay instead.
    for (const [role, client] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
      client.on('error', (error: Error) => log.warn('redis error', { role, error: error.message }))
    }
    try {
      await Promise.all([publisher.connect(), subscriber.connect()])
    } catch (error) {
      throw new Error(`Could not reach Redis at ${url} (${error instanceof Error ? error.message : String(error)}). Check REDIS_URL.`, {
        cause: error,
      })
    }
    return new RedisBridge(publisher, subscriber, log)
  }

  private readonly listener = (message: string, channel: string): void => {
    const separator = message.indexOf('\n')
    if (separator < 0 || message.slice(0, separator) === this.instance) return
    const topic = channel.slice(CHANNEL_PREFIX.length)
    const text = message.slice(separator + 1)
    // Another process wrote this: it is checked like any client frame.
    const parsed = parseClientFrame(text)
    if (!parsed.ok || parsed.message.type !== 'publish' || parsed.message.topic !== topic) {
      this.log.warn('ignored malformed message from redis', { channel })
      return
    }
    this.deliver(topic, parsed.text)
  }

  onPublish(deliver: (topic: string, publishText: string) => void): void {
    this.deliver = deliver
  }

  join(topic: string): void {
    this.subscriber.subscribe(CHANNEL_PREFIX + topic, this.listener).catch((error: unknown) => this.warn('subscribe', error))
  }

  leave(topic: string): void {
    this.subscriber.unsubscribe(CHANNEL_PREFIX + topic, this.listener).catch((error: unknown) => this.warn('unsubscribe', error))
  }

  publish(topic: string, publishText: string): void {
    this.publisher.publish(CHANNEL_PREFIX + topic, `${this.instance}\n${publishText}`).catch((error: unknown) => this.warn('publish', error))
  }

  private warn(operation: string, error: unknown): void {
    this.log.warn(`redis ${operation} failed`, { error: error instanceof Error ? error.message : String(error) })
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.subscriber.close(), this.publisher.close()])
  }
}
