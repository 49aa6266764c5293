/** Which addresses the node's http kind refuses (privateAddresses.ts): every range that is not public unicast, in IPv4 and IPv6. */
import { describe, expect, it } from 'vitest'
import { AddressRange, refusedRangeOf } from '../../src/node/privateAddresses.ts'

describe('refusedRangeOf', () => {
  it.each([
    ['127.0.0.1', AddressRange.loopback],
    ['127.255.255.254', AddressRange.loopback],
    ['10.0.0.1', AddressRange.private],
    ['172.16.0.1', AddressRange.private],
    ['172.31.255.255', AddressRange.private],
    ['192.168.1.1', AddressRange.private],
    ['169.254.169.254', AddressRange.linkLocal],
    ['100.64.0.1', AddressRange.sharedCgnat],
    ['100.127.255.255', AddressRange.sharedCgnat],
    ['0.0.0.0', AddressRange.unspecified],
    ['224.0.0.1', AddressRange.multicast],
    ['239.255.255.250', AddressRange.multicast],
    ['255.255.255.255', AddressRange.reserved],
    ['198.18.0.1', AddressRange.reserved],
    ['192.0.2.1', AddressRange.reserved],
    ['::', AddressRange.unspecified],
    ['::1', AddressRange.loopback],
    ['0:0:0:0:0:0:0:1', AddressRange.loopback],
    ['fe80::1', AddressRange.linkLocal],
    ['fe80::1%eth0', AddressRange.linkLocal],
    ['fc00::1', AddressRange.private],
    ['fd12:3456:789a::1', AddressRange.private],
    ['ff02::1', AddressRange.multicast],
    ['::ffff:127.0.0.1', AddressRange.loopback],
    ['::ffff:7f00:1', AddressRange.loopback],
    ['::ffff:169.254.169.254', AddressRange.linkLocal],
    ['::ffff:10.1.2.3', AddressRange.private],
    ['64:ff9b::a9fe:a9fe', AddressRange.linkLocal],
    ['2002:c0a8:101::1', AddressRange.private],
    ['::7f00:1', AddressRange.reserved],
    ['2001:db8::1', AddressRange.reserved],
    ['2001::1', AddressRange.reserved],
    ['not an address', AddressRange.notAnAddress],
  ])('refuses %s (%s)', (address, range) => {
    expect(refusedRangeOf(address)).toBe(range)
  })

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    'lets %s through (public unicast)',
    (address) => {
      expect(refusedRangeOf(address)).toBeUndefined()
    },
  )
})
