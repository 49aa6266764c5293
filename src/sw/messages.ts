/** Messages pages send to the service worker; they cross a context boundary, so they are checked. */
export type SwMessage = { readonly type: 'SKIP_WAITING' }

export function isSwMessage(data: unknown): data is SwMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING'
}
