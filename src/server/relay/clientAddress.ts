/**
 * The address a connection is counted and logged under. Behind a reverse
 * proxy every client arrives from the proxy's address, so they would all
 * share one connection limit; the proxy names the real client in
 * X-Forwarded-For. That header is believed only from the proxies the
 * operator listed (RELAY_TRUSTED_PROXIES): anyone else can write any address
 * there, and believing it would give one client a fresh limit per connection.
 */
import { BlockList, isIP } from 'node:net'

/** The longest textual IP address: IPv4-mapped IPv6 written out in full (INET6_ADDRSTRLEN less its NUL). */
const MAX_ADDRESS_CHARS = 45

export type ParsedProxyList = { readonly ok: true; readonly proxies: TrustedProxies } | { readonly ok: false; readonly badEntry: string }

/** The reverse proxies in front of the relay, as addresses and CIDR ranges. */
export class TrustedProxies {
  /** Trusts no one, so X-Forwarded-For is ignored. */
  static readonly none = new TrustedProxies(new BlockList())

  private constructor(private readonly ranges: BlockList) {}

  /** Reads comma-separated IPv4 and IPv6 addresses and CIDR ranges; blank entries are skipped. */
  static parse(list: string): ParsedProxyList {
    const ranges = new BlockList()
    for (const entry of list.split(',').map((part) => part.trim())) {
      if (entry !== '' && !addRange(ranges, entry)) return { ok: false, badEntry: entry }
    }
    return { ok: true, proxies: new TrustedProxies(ranges) }
  }

  /** False for anything that is not an IP address. ::ffff:10.0.0.1 (how a dual-stack socket reports an IPv4 peer) is in 10.0.0.0/8. */
  has(address: string): boolean {
    const family = ipFamily(address)
    return family !== undefined && this.ranges.check(address, family)
  }
}

/**
 * The socket's address, unless that is a trusted proxy: then the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy. Each proxy
 * appends the address it was reached from, so everything left of the first
 * untrusted entry was written by the client and proves nothing. A malformed
 * entry ends the walk at the last good address.
 */
export function clientAddress(socketAddress: string, forwardedFor: readonly string[] | undefined, trusted: TrustedProxies): string {
  if (forwardedFor === undefined || !trusted.has(socketAddress)) return socketAddress
  // Several headers are one list in order (RFC 9110 §5.3). Node refuses headers over 16 KiB, which bounds this walk.
  const hops = forwardedFor.join(',').split(',')
  let client = socketAddress
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]?.trim() ?? ''
    if (ipFamily(hop) === undefined) break
    client = hop
    if (!trusted.has(hop)) break
  }
  return client
}

function ipFamily(text: string): 'ipv4' | 'ipv6' | undefined {
  if (text.length > MAX_ADDRESS_CHARS) return undefined
  const version = isIP(text)
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined
}

/** Adds `address` or `address/prefix`; false when the entry is neither. */
function addRange(ranges: BlockList, entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = ipFamily(address)
  if (family === undefined || rest.length > 0) return false
  if (prefix === undefined) {
    ranges.addAddress(address, family)
    return true
  }
  const bits = Number(prefix)
  if (!/^\d{1,3}$/.test(prefix) || bits > (family === 'ipv4' ? 32 : 128)) return false
  ranges.addSubnet(address, bits, family)
  return true
}
