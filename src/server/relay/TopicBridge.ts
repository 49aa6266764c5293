/** Shares topics between relay instances, so peers on different instances meet. */
export interface TopicBridge {
  /** This instance has its first local subscriber for `topic`: start receiving it. */
  join(topic: string): void
  /** This instance's last local subscriber of `topic` left: stop receiving it. */
  leave(topic: string): void
  /** Sends a local publish to the other instances. */
  publish(topic: string, publishText: string): void
  /** Called for each publish another instance sent on a joined topic. */
  onPublish(deliver: (topic: string, publishText: string) => void): void
  close(): Promise<void>
}
