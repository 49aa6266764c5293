/** Hash routes, so the static server and the offline app shell serve every page from one index.html. */
import { isSpaceId, type SpaceId } from '../core/space/ids.ts'

export type Route = { readonly page: 'home' } | { readonly page: 'space'; readonly id: SpaceId } | { readonly page: 'not-found'; readonly hash: string }

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '')
  if (path === '' || path === '/') return { page: 'home' }
  const match = /^\/space\/([^/]+)$/.exec(path)
  if (match?.[1] && isSpaceId(match[1])) return { page: 'space', id: match[1] }
  return { page: 'not-found', hash }
}

export function hrefFor(route: Route): string {
  return route.page === 'space' ? `#/space/${route.id}` : '#/'
}
