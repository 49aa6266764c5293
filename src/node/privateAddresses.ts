/**
 * Which IP addresses the personal node's `http` kind may connect to. In a
 * browser, CORS keeps a page's requests away from what lies behind the
 * person's router; a server has no such fence. Any member of a shared space
 * can plan an http operation, and every member's node would run it: aimed
 * at 192.168.1.1 (the home router), 127.0.0.1 (the node's own ports) or
 * 169.254.169.254 (a cloud's metadata service, which hands out credentials),
 * it would turn the node into the member's way in. So the node refuses every
 * address that is not public unicast: loopback, private, link-local, CGNAT,
 * multicast, unspecified, reserved and documentation ranges, in IPv4 and
 * IPv6, including IPv4 written inside IPv6 (mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`), where the embedded IPv4 address decides.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** Why an address is refused: what a run record's error names. */
export const AddressRange = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  sharedCgnat: 'shared (CGNAT)',
  multicast: 'multicast',
  reserved: 'reserved',
  notAnAddress: 'not an IP address',
} as const
export type AddressRange = (typeof AddressRange)[keyof typeof AddressRange]

type Ipv4Range = readonly [base: string, prefix: number, range: AddressRange]

const IPV4_REFUSED: readonly Ipv4Range[] = [
  ['0.0.0.0', 8, AddressRange.unspecified],
  ['10.0.0.0', 8, AddressRange.private],
  ['100.64.0.0', 10, AddressRange.sharedCgnat],
  ['127.0.0.0', 8, AddressRange.loopback],
  // Cloud metadata services (169.254.169.254) live here.
  ['169.254.0.0', 16, AddressRange.linkLocal],
  ['172.16.0.0', 12, AddressRange.private],
  ['192.0.0.0', 24, AddressRange.reserved],
  ['192.0.2.0', 24, AddressRange.reserved],
  ['192.88.99.0', 24, AddressRange.reserved],
  ['192.168.0.0', 16, AddressRange.private],
  ['198.18.0.0', 15, AddressRange.reserved],
  ['198.51.100.0', 24, AddressRange.reserved],
  ['203.0.113.0', 24, AddressRange.reserved],
  ['224.0.0.0', 4, AddressRange.multicast],
  // 240/4 and the broadcast address 255.255.255.255.
  ['240.0.0.0', 4, AddressRange.reserved],
]

/** An IPv4 address as a 32-bit number; undefined if it is not dotted decimal. */
function ipv4Number(address: string): number | undefined {
  if (!isIPv4(address)) return undefined
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0)
}

function ipv4Range(value: number): AddressRange | undefined {
  for (const [base, prefix, range] of IPV4_REFUSED) {
    const size = 2 ** (32 - prefix)
    const start = ipv4Number(base)!
    if (value >= start && value < start + size) return range
  }
  return undefined
}

/** An IPv6 address as its eight 16-bit groups (a zone `%eth0` dropped); undefined if it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  const bare = address.replace(/%.*$/, '')
  if (!isIPv6(bare)) return undefined
  const halves = bare.split('::')
  const groupsOf = (text: string | undefined): number[] => {
    if (!text) return []
    return text.split(':').flatMap((part) => {
      if (!part.includes('.')) return [Number.parseInt(part, 16)]
      const value = ipv4Number(part) ?? 0
      return [Math.floor(value / 65_536), value % 65_536]
    })
  }
  const head = groupsOf(halves[0])
  const tail = groupsOf(halves[1])
  const zeros = halves.length === 2 ? 8 - head.length - tail.length : 0
  return [...head, ...Array<number>(zeros).fill(0), ...tail]
}

const ipv4Of = (high: number, low: number): number => high * 65_536 + low

function ipv6Range(groups: readonly number[]): AddressRange | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups
  const zeroUpTo = (count: number): boolean => groups.slice(0, count).every((group) => group === 0)
  // IPv4 written in IPv6: the IPv4 address decides. Mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:aabb:ccdd::.
  if (zeroUpTo(5) && g5 === 0xffff) return ipv4Range(ipv4Of(g6, g7))
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4Range(ipv4Of(g6, g7))
  if (g0 === 0x2002) return ipv4Range(ipv4Of(g1, g2))
  if (zeroUpTo(8)) return AddressRange.unspecified
  if (zeroUpTo(7) && g7 === 1) return AddressRange.loopback
  if ((g0 & 0xfe00) === 0xfc00) return AddressRange.private
  if ((g0 & 0xffc0) === 0xfe80) return AddressRange.linkLocal
  // Site-local (deprecated, still private where used).
  if ((g0 & 0xffc0) === 0xfec0) return AddressRange.private
  if ((g0 & 0xff00) === 0xff00) return AddressRange.multicast
  // Outside global unicast (2000::/3) nothing is public: ::/8 (IPv4-compatible, translated), 64:ff9b:1::/48, 100::/64 and the rest.
  if ((g0 & 0xe000) !== 0x2000) return AddressRange.reserved
  // IETF assignments (Teredo among them) and documentation.
  if (g0 === 0x2001 && g1 < 0x200) return AddressRange.reserved
  if (g0 === 0x2001 && g1 === 0xdb8) return AddressRange.reserved
  if (g0 === 0x3fff && g1 < 0x1000) return AddressRange.reserved
  return undefined
}

/** The range that makes an address refused, or undefined for a public unicast address. */
export function refusedRangeOf(address: string): AddressRange | undefined {
  const v4 = ipv4Number(address)
  if (v4 !== undefined) return ipv4Range(v4)
  const groups = ipv6Groups(address)
  return groups ? ipv6Range(groups) : AddressRange.notAnAddress
}
