/**
 * Which web pages may open a relay connection, judged by the Origin header a
 * browser puts on every WebSocket upgrade. Without it any page a user visits
 * could open sockets to the relay from the user's address and use up the
 * connections everyone behind that address shares. Clients that are not
 * browsers (the personal node, Node peers, tests) send no Origin and are let
 * in: they could send whatever Origin they liked, so it would prove nothing,
 * and the per-address limit still holds them.
 */
import type { IncomingMessage } from 'node:http'

export type OriginPolicy =
  /** The app's own origin: an Origin whose host[:port] is the request's Host, over http or https. */
  | { readonly allow: 'ownOrigin' }
  | { readonly allow: 'any' }
  /** Exactly these origins, normalised (see normaliseOrigin). */
  | { readonly allow: 'listed'; readonly origins: ReadonlySet<string> }

export const OWN_ORIGIN_ONLY: OriginPolicy = { allow: 'ownOrigin' }

export type ParsedOriginList = { readonly ok: true; readonly policy: OriginPolicy } | { readonly ok: false; readonly badEntry: string }

/** Reads `*` or comma-separated origins; blank entries are skipped, and nothing at all means the app's own origin. */
export function parseOriginList(list: string): ParsedOriginList {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (entries.length === 0) return { ok: true, policy: OWN_ORIGIN_ONLY }
  if (entries.length === 1 && entries[0] === '*') return { ok: true, policy: { allow: 'any' } }
  const origins = new Set<string>()
  for (const entry of entries) {
    const origin = normaliseOrigin(entry)
    if (origin === undefined) return { ok: false, badEntry: entry }
    origins.add(origin)
  }
  return { ok: true, policy: { allow: 'listed', origins } }
}

/**
 * The Origin header as sent when the policy refuses it; undefined when the
 * upgrade may go ahead. Never throws, whatever the headers hold.
 */
export function refusedOrigin(request: IncomingMessage, policy: OriginPolicy): string | undefined {
  const sent = request.headersDistinct.origin
  if (sent === undefined || policy.allow === 'any') return undefined
  // A browser sends exactly one Origin; several cannot be one page we allowed.
  const origin = sent.length === 1 ? normaliseOrigin(sent[0] ?? '') : undefined
  if (origin !== undefined && allows(policy, origin, request.headers.host)) return undefined
  return sent.join(', ')
}

function allows(policy: Exclude<OriginPolicy, { allow: 'any' }>, origin: string, host: string | undefined): boolean {
  if (policy.allow === 'listed') return policy.origins.has(origin)
  return host !== undefined && (origin === normaliseOrigin(`http://${host}`) || origin === normaliseOrigin(`https://${host}`))
}

/**
 * scheme://host[:port] as browsers serialise an origin (lower case, default
 * port dropped, IDN as punycode), for http and https only; undefined for
 * anything with more in it (a path, a query, credentials) or less.
 */
function normaliseOrigin(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return undefined
  return url.origin
}
