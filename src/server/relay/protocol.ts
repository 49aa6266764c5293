/**
 * The y-webrtc signaling protocol as the relay accepts it. Every frame a
 * client sends is checked here before the relay acts on it; anything else
 * closes the connection with a code and a reason that say what was wrong.
 *
 * Client → relay (JSON text frames):
 *   {type:'subscribe', topics:[string…]}   {type:'unsubscribe', topics:[string…]}
 *   {type:'publish', topic:string, …}      {type:'ping'}
 * Relay → client: a publish is delivered to every subscriber of its topic
 * (the sender too) with `clients` (subscribers on this relay) added; a ping
 * is answered with {type:'pong'}. The relay never reads a publish's other
 * fields: they are the peers' business, and encrypted.
 */

/** WebSocket close codes (RFC 6455 §7.4.1) the relay uses. */
export const CloseCode = {
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  tryAgainLater: 1013,
} as const

/** Why a frame or connection was refused; also the `reason` label of the rejection metric. */
export const Rejection = {
  binaryFrame: 'binary_frame',
  notJson: 'not_json',
  notObject: 'not_object',
  unknownType: 'unknown_type',
  badTopics: 'bad_topics',
  badTopic: 'bad_topic',
  tooDeep: 'too_deep',
  frameTooBig: 'frame_too_big',
  tooManyTopics: 'too_many_topics',
  rateLimited: 'rate_limited',
  tooManyConnections: 'too_many_connections',
  originNotAllowed: 'origin_not_allowed',
  slowConsumer: 'slow_consumer',
  heartbeatTimeout: 'heartbeat_timeout',
} as const
export type Rejection = (typeof Rejection)[keyof typeof Rejection]

export type ClientMessage =
  | { readonly type: 'subscribe'; readonly topics: readonly string[] }
  | { readonly type: 'unsubscribe'; readonly topics: readonly string[] }
  | { readonly type: 'publish'; readonly topic: string }
  | { readonly type: 'ping' }

export type ParsedFrame =
  | { readonly ok: true; readonly message: ClientMessage; readonly text: string }
  | { readonly ok: false; readonly rejection: Rejection; readonly closeCode: number; readonly reason: string }

/** y-webrtc room names are short; a long topic is someone probing. */
export const MAX_TOPIC_LENGTH = 512
/**
 * Topics one subscribe or unsubscribe may list: as many as a connection may
 * hold (the default maxTopicsPerConnection). Stock y-webrtc subscribes every
 * room of a page in one frame when it connects, and a tab hosting a
 * person's schedule has a room per space: a lower bound here would close
 * that tab's signaling connection on every reconnect, for good.
 */
export const MAX_TOPICS_PER_MESSAGE = 256
/**
 * Nesting a frame may have. Real signaling and relayed sync frames are two or
 * three levels deep; a frame of 100,000 nested brackets costs JSON.parse
 * milliseconds of the event loop every other client is waiting on.
 */
export const MAX_JSON_DEPTH = 32

/** True when brackets outside strings nest deeper than `limit`: a scan, far cheaper than parsing. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 0x5c /* \ */) i++
      else if (code === 0x22 /* " */) inString = false
    } else if (code === 0x22) {
      inString = true
    } else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      if (++depth > limit) return true
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) {
      depth--
    }
  }
  return false
}

const refuse = (rejection: Rejection, closeCode: number, reason: string): ParsedFrame => ({ ok: false, rejection, closeCode, reason })

export function isTopic(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOPIC_LENGTH
}

function parseTopics(value: unknown): readonly string[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_TOPICS_PER_MESSAGE) return undefined
  return value.every(isTopic) ? (value) : undefined
}

/** Checks one text frame. `text` of a valid frame is its trimmed JSON, kept so a publish is forwarded without re-serialising it. */
export function parseClientFrame(raw: string): ParsedFrame {
  const text = raw.trim()
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return refuse(Rejection.tooDeep, CloseCode.invalidPayload, `Frames may nest at most ${MAX_JSON_DEPTH} levels.`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return refuse(Rejection.notJson, CloseCode.invalidPayload, 'Frames must be JSON text.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(Rejection.notObject, CloseCode.invalidPayload, 'Frames must be JSON objects with a "type".')
  }
  const message = value as Record<string, unknown>
  switch (message.type) {
    case 'subscribe':
    case 'unsubscribe': {
      const topics = parseTopics(message.topics)
      if (!topics) {
        return refuse(
          Rejection.badTopics,
          CloseCode.invalidPayload,
          `"topics" must be an array of at most ${MAX_TOPICS_PER_MESSAGE} strings of 1 to ${MAX_TOPIC_LENGTH} characters.`,
        )
      }
      return { ok: true, message: { type: message.type, topics }, text }
    }
    case 'publish':
      if (!isTopic(message.topic)) {
        return refuse(Rejection.badTopic, CloseCode.invalidPayload, `"topic" must be a string of 1 to ${MAX_TOPIC_LENGTH} characters.`)
      }
      return { ok: true, message: { type: 'publish', topic: message.topic }, text }
    case 'ping':
      return { ok: true, message: { type: 'ping' }, text }
    default:
      return refuse(Rejection.unknownType, CloseCode.invalidPayload, '"type" must be subscribe, unsubscribe, publish or ping.')
  }
}

/**
 * The frame subscribers receive for a valid publish: its own JSON with
 * `clients` appended. Appending last means a `clients` the sender put in
 * cannot win (JSON.parse keeps the last duplicate key), and the payload is
 * never parsed into objects and serialised again.
 */
export function deliveryFrame(publishText: string, clients: number): string {
  return `${publishText.slice(0, -1)},"clients":${clients}}`
}
