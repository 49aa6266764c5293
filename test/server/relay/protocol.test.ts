import { describe, expect, it } from 'vitest'
import { DEFAULT_RELAY_LIMITS } from '../../../src/server/config.ts'
import { deliveryFrame, MAX_JSON_DEPTH, nestsDeeperThan, parseClientFrame } from '../../../src/server/relay/protocol.ts'

describe('relay frame checks', () => {
  it('[RLY7] takes a subscribe of as many topics as a connection may hold, as stock y-webrtc sends for a tab hosting every space', () => {
    const topics = (count: number): string[] => Array.from({ length: count }, (_, index) => `pii-room-${index}`)
    expect(parseClientFrame(JSON.stringify({ type: 'subscribe', topics: topics(DEFAULT_RELAY_LIMITS.maxTopicsPerConnection) }))).toMatchObject({ ok: true })
    expect(parseClientFrame(JSON.stringify({ type: 'subscribe', topics: topics(DEFAULT_RELAY_LIMITS.maxTopicsPerConnection + 1) }))).toMatchObject({ ok: false })
  })

  it('accepts the four y-webrtc message types and keeps the publish text for forwarding', () => {
    expect(parseClientFrame(' {"type":"subscribe","topics":["a","b"]} ')).toMatchObject({ ok: true, message: { type: 'subscribe', topics: ['a', 'b'] } })
    expect(parseClientFrame('{"type":"unsubscribe","topics":[]}')).toMatchObject({ ok: true })
    expect(parseClientFrame('{"type":"ping"}')).toMatchObject({ ok: true, message: { type: 'ping' } })
    const publish = parseClientFrame('{"type":"publish","topic":"a","data":{"deep":[1,2]}}')
    expect(publish).toMatchObject({ ok: true, text: '{"type":"publish","topic":"a","data":{"deep":[1,2]}}' })
  })

  it('refuses nesting deeper than the limit without parsing, but not brackets inside strings', () => {
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)
    expect(parseClientFrame(deep)).toMatchObject({ ok: false, rejection: 'too_deep', closeCode: 1007 })
    expect(nestsDeeperThan(`{"type":"publish","topic":"a","data":"${'['.repeat(1000)}\\"["}`, MAX_JSON_DEPTH)).toBe(false)
  })

  it('appends the subscriber count last, so a sender cannot set it', () => {
    const text = '{"type":"publish","topic":"a","clients":999}'
    expect(JSON.parse(deliveryFrame(text, 3))).toEqual({ type: 'publish', topic: 'a', clients: 3 })
  })
})
