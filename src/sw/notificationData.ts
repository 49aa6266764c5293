/**
 * What a system notification of an inbox entry carries, written by the host
 * that shows it and read back by the worker when it is clicked. A module of
 * its own and small: the page's entry script imports it.
 */

export interface NotificationRequest {
  /** Also the system notification's tag: a second show of one entry replaces, not adds. */
  readonly tag: string
  readonly title: string
  readonly body: string | undefined
  readonly space: string
}

/** The system notification's options: tagged by the entry, carrying its space for a click to open. */
export function notificationOptions(request: NotificationRequest): NotificationOptions {
  return { tag: request.tag, data: { space: request.space }, ...(request.body === undefined ? {} : { body: request.body }) }
}

/** The space a clicked notification was for (its data comes back from the browser, so it is checked). */
export function spaceOfNotification(data: unknown): string | undefined {
  const space = typeof data === 'object' && data !== null ? (data as { space?: unknown }).space : undefined
  return typeof space === 'string' ? space : undefined
}
