/**
 * Where an edit's latency goes: when A's data channel sent it and when B's
 * received it, so each edit splits into A (edit → send), wire (send →
 * receive) and B (receive → in the DOM). Installed before any page script
 * (context.addInitScript): it wraps RTCDataChannel.send and listens for
 * messages ahead of simple-peer's own handler. Costs one clock read per
 * message on both pages alike.
 */

interface TraceLog {
  readonly sends: number[]
  readonly receives: number[]
  /** Size of each received message, index for index with `receives`. */
  readonly receivedBytes: number[]
}

type TraceWindow = Window & { benchTrace?: TraceLog }

/** Runs in every page of the context before its scripts; stands alone (see probe.ts). */
export function installTrace(): void {
  const log: TraceLog = { sends: [], receives: [], receivedBytes: [] }
  ;(window as TraceWindow).benchTrace = log
  // Installed with Reflect.set, not as object-literal methods: tsx would name those with a helper the page lacks.
  const send = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'send')?.value as (this: RTCDataChannel, data: unknown) => void
  Reflect.set(RTCDataChannel.prototype, 'send', function (this: RTCDataChannel, data: unknown) {
    log.sends.push(performance.timeOrigin + performance.now())
    send.call(this, data)
  })
  const Native = RTCPeerConnection
  // simple-peer receives on a channel it creates (initiator) or one announced by `datachannel`; listen to both first.
  const create = Object.getOwnPropertyDescriptor(Native.prototype, 'createDataChannel')?.value as (this: RTCPeerConnection, ...args: unknown[]) => RTCDataChannel
  Reflect.set(Native.prototype, 'createDataChannel', function (this: RTCPeerConnection, ...args: unknown[]) {
    const channel = create.apply(this, args)
    channel.addEventListener('message', (event: MessageEvent) => {
      log.receives.push(performance.timeOrigin + performance.now())
      log.receivedBytes.push(event.data instanceof ArrayBuffer ? event.data.byteLength : String(event.data).length)
    })
    return channel
  })
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args)
      this.addEventListener('datachannel', (event) =>
        event.channel.addEventListener('message', (message: MessageEvent) => {
          log.receives.push(performance.timeOrigin + performance.now())
          log.receivedBytes.push(message.data instanceof ArrayBuffer ? message.data.byteLength : String(message.data).length)
        }),
      )
    }
  }
}

/** The first time in this page's trace at or after `from` (epoch ms), or NaN. */
export function firstTraceAfter([kind, from]: readonly ['sends' | 'receives', number]): number {
  const times = (window as TraceWindow).benchTrace?.[kind] ?? []
  return times.find((time) => time >= from) ?? Number.NaN
}

export interface ReceiveSummary {
  /** Ms since navigation start of the first message from any peer: the data channel is open. */
  readonly firstMs: number
  /** Ms since navigation start, and size, of the largest message: a cold sync's state. */
  readonly largestMs: number
  readonly largestBytes: number
  readonly messages: number
  /** Every message's bytes together: what the page downloaded from its peers. */
  readonly totalBytes: number
}

/** This page's receives so far, relative to its navigation start. */
export function receiveSummary(): ReceiveSummary {
  const log = (window as TraceWindow).benchTrace
  const receives = log?.receives ?? []
  const bytes = log?.receivedBytes ?? []
  let largest = -1
  for (let index = 0; index < bytes.length; index++) if (largest < 0 || bytes[index]! > bytes[largest]!) largest = index
  return {
    firstMs: (receives[0] ?? Number.NaN) - performance.timeOrigin,
    largestMs: (receives[largest] ?? Number.NaN) - performance.timeOrigin,
    largestBytes: bytes[largest] ?? 0,
    messages: receives.length,
    totalBytes: bytes.reduce((sum, size) => sum + size, 0),
  }
}
