/** Messages pages send to the service worker; they cross a context boundary, so they are checked. */
export const SwMessageType = {
  /** Activate the waiting update (the user chose "Reload"). */
  skipWaiting: 'SKIP_WAITING',
  /** A page is open: host the device's scheduler, and stay alive (each message extends the worker's life). */
  keepHosting: 'KEEP_HOSTING',
} as const
export type SwMessageType = (typeof SwMessageType)[keyof typeof SwMessageType]

export type SwMessage = { readonly type: SwMessageType }

export function isSwMessage(data: unknown): data is SwMessage {
  if (typeof data !== 'object' || data === null) return false
  const { type } = data as { type?: unknown }
  return Object.values(SwMessageType).includes(type as SwMessageType)
}

/** The Web Lock whose holder hosts the device's scheduler; the worker and every tab ask for it (SPEC H1). */
export const HOST_LOCK = 'pii-scheduler-host'
