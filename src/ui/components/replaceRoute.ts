import { hrefFor, type Route } from '../route.ts'
import { uiStore } from '../store.ts'

/**
 * Shows `route` in place of the current address, so Back does not return to
 * it: a share link's secret must not stay in the address bar or the history
 * for someone to copy later. The store is told directly, as replacing an
 * address fires no `hashchange`.
 */
export function replaceRoute(route: Route): void {
  history.replaceState(null, '', hrefFor(route))
  uiStore.setState({ route })
}
