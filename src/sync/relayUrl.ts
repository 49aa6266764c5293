/** The relay serves signaling at the root of the app's own origin: a page's, a service worker's, or a link's. */
export function relayUrl(origin: { readonly protocol: string; readonly host: string }): string {
  return `${origin.protocol === 'https:' ? 'wss' : 'ws'}://${origin.host}/`
}
