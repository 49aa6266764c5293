import { describe, expect, it } from 'vitest'
import { readRelayConfig } from '../../../src/server/config.ts'
import { clientAddress } from '../../../src/server/relay/clientAddress.ts'

const { trustedProxies } = readRelayConfig({ RELAY_TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32' }).access

describe('client address', () => {
  it.each([
    ['an untrusted peer is its own client, whatever it forwards', '192.0.2.1', ['203.0.113.1'], '192.0.2.1'],
    ['a trusted peer that forwards nothing is the client', '10.0.0.1', undefined, '10.0.0.1'],
    ['a dual-stack socket reports an IPv4 proxy as IPv4-mapped IPv6; it still matches', '::ffff:10.0.0.1', ['203.0.113.1'], '203.0.113.1'],
    ['trusted hops are skipped from the right', '10.0.0.1', ['198.51.100.1, 203.0.113.1, 10.0.0.2, 10.0.0.3'], '203.0.113.1'],
    ['IPv6 proxies and clients', '2001:db8::1', ['2001:db8::2, 2001:db9::7'], '2001:db9::7'],
    ['a chain of trusted proxies only ends at its left-most', '10.0.0.1', ['10.0.0.2, 10.0.0.3'], '10.0.0.2'],
    ['a malformed entry ends the walk at the last good address', '10.0.0.1', ['203.0.113.1, garbage, 10.0.0.2'], '10.0.0.2'],
    ['an address with a port is malformed', '10.0.0.1', ['203.0.113.1:4711'], '10.0.0.1'],
    ['an empty header is malformed', '10.0.0.1', [''], '10.0.0.1'],
    ['several headers read as one list', '10.0.0.1', ['198.51.100.1', '203.0.113.1, 10.0.0.2'], '203.0.113.1'],
    ['a very long entry is malformed', '10.0.0.1', [`203.0.113.1, ${'1'.repeat(10_000)}`], '10.0.0.1'],
  ] as const)('[RLY1d] %s', (_rule, socketAddress, forwardedFor, expected) => {
    expect(clientAddress(socketAddress, forwardedFor, trustedProxies)).toBe(expected)
  })
})
