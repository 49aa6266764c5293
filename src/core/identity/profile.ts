/** The person-facing name of this device, kept in the device doc so every tab shows the same one. */
import type * as Y from 'yjs'

export const MAX_DISPLAY_NAME_LENGTH = 60

function profileMap(deviceDoc: Y.Doc): Y.Map<unknown> {
  return deviceDoc.getMap('profile')
}

/** What a device without a display name is called, in rooms and on screen. */
const UNNAMED_DEVICE = 'Unnamed device'

/** The name others see for this device: its display name, or UNNAMED_DEVICE. */
export function shownName(displayName: string): string {
  return displayName || UNNAMED_DEVICE
}

export function readDisplayName(deviceDoc: Y.Doc): string {
  const name = profileMap(deviceDoc).get('displayName')
  return typeof name === 'string' ? name : ''
}

export function setDisplayName(deviceDoc: Y.Doc, name: string): void {
  profileMap(deviceDoc).set('displayName', name.trim().slice(0, MAX_DISPLAY_NAME_LENGTH))
}

export function observeProfile(deviceDoc: Y.Doc, onChange: () => void): () => void {
  const map = profileMap(deviceDoc)
  map.observe(onChange)
  return () => map.unobserve(onChange)
}
