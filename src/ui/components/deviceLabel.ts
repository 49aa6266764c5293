/** Enough of a did:key to tell two devices apart at a glance; the whole key goes in a tooltip. */
export function shortDevice(did: string): string {
  return did.length > 20 ? `device …${did.slice(-6)}` : did
}
