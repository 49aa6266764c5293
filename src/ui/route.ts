/** Hash routes, so the static server and the offline app shell serve every page from one index.html. */
import { PairingLinkError, parsePairingLink, type PairingSecret } from '../core/devices/pairing.ts'
import { isSpaceId, type SpaceId } from '../core/space/ids.ts'
import { parseShareFragment, ShareLinkError, type InviteSecret, type ShareSecret } from '../core/space/shareLink.ts'

export type Route =
  | { readonly page: 'home' }
  | { readonly page: 'agenda' }
  | { readonly page: 'inbox' }
  | { readonly page: 'space'; readonly id: SpaceId }
  | { readonly page: 'join'; readonly id: SpaceId; readonly secret: ShareSecret; readonly invite?: InviteSecret }
  | { readonly page: 'pair'; readonly secret: PairingSecret }
  | { readonly page: 'bad-link'; readonly message: string }
  | { readonly page: 'not-found'; readonly hash: string }

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '')
  if (path === '' || path === '/') return { page: 'home' }
  if (path === '/agenda') return { page: 'agenda' }
  if (path === '/inbox') return { page: 'inbox' }
  const match = /^\/space\/([^/]+)$/.exec(path)
  if (match?.[1] && isSpaceId(match[1])) return { page: 'space', id: match[1] }
  if (path.startsWith('/s/')) {
    try {
      const { space, secret, invite } = parseShareFragment(path)
      return { page: 'join', id: space, secret, ...(invite ? { invite } : {}) }
    } catch (error) {
      if (error instanceof ShareLinkError) return { page: 'bad-link', message: error.message }
      throw error
    }
  }
  if (path.startsWith('/pair/')) {
    try {
      return { page: 'pair', secret: parsePairingLink(path) }
    } catch (error) {
      if (error instanceof PairingLinkError) return { page: 'bad-link', message: error.message }
      throw error
    }
  }
  // A personal node's link, opened in a browser: it admits a node, not a person.
  if (path.startsWith('/r/')) return { page: 'bad-link', message: 'This link is for a personal node: on the node, run npm run node -- replicate with it. To open the space here, ask for a link for a person.' }
  return { page: 'not-found', hash }
}

/** The address of a page one can link to; a route that is only ever arrived at (a share link, an error) links home. */
export function hrefFor(route: Route): string {
  switch (route.page) {
    case 'space':
      return `#/space/${route.id}`
    case 'agenda':
      return '#/agenda'
    case 'inbox':
      return '#/inbox'
    default:
      return '#/'
  }
}
