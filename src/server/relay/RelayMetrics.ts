/** Counters the relay keeps, rendered in Prometheus text format for GET /metrics. */
import { Rejection } from './protocol.ts'

export class RelayMetrics {
  connectionsOpened = 0
  framesIn = 0
  framesOut = 0
  deliveries = 0
  publishes = 0
  droppedConsumers = 0
  bridgeMessagesIn = 0
  bridgeMessagesOut = 0
  readonly rejections = new Map<Rejection, number>(Object.values(Rejection).map((reason) => [reason, 0]))

  reject(reason: Rejection): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1)
  }

  render(gauges: { readonly connections: number; readonly topics: number }): string {
    const lines: string[] = []
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: ReadonlyArray<readonly [string, number]>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`)
    }
    metric('pii_relay_connections', 'gauge', 'Open WebSocket connections.', [['', gauges.connections]])
    metric('pii_relay_topics', 'gauge', 'Topics with at least one subscriber on this instance.', [['', gauges.topics]])
    metric('pii_relay_connections_opened_total', 'counter', 'WebSocket connections accepted.', [['', this.connectionsOpened]])
    metric('pii_relay_frames_in_total', 'counter', 'Frames received from clients.', [['', this.framesIn]])
    metric('pii_relay_frames_out_total', 'counter', 'Frames sent to clients.', [['', this.framesOut]])
    metric('pii_relay_publishes_total', 'counter', 'Valid publish frames received from clients.', [['', this.publishes]])
    metric('pii_relay_deliveries_total', 'counter', 'Publishes delivered to a subscriber.', [['', this.deliveries]])
    metric(
      'pii_relay_rejections_total',
      'counter',
      'Frames or connections refused, by reason.',
      [...this.rejections].map(([reason, count]) => [`{reason="${reason}"}`, count] as const),
    )
    metric('pii_relay_dropped_consumers_total', 'counter', 'Subscribers dropped because they read too slowly.', [['', this.droppedConsumers]])
    metric('pii_relay_bridge_messages_in_total', 'counter', 'Publishes received from other relay instances.', [['', this.bridgeMessagesIn]])
    metric('pii_relay_bridge_messages_out_total', 'counter', 'Publishes sent to other relay instances.', [['', this.bridgeMessagesOut]])
    const memory = process.memoryUsage()
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the relay process.', [['', memory.rss]])
    metric('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', memory.heapUsed]])
    return lines.join('\n') + '\n'
  }
}
