/**
 * What every browser context that opens this device's spaces (the page and
 * the service worker) builds alike from the device's key and doc: how the
 * spaces' logs sign and check envelopes, how the device shows itself in a
 * room, and where the relay is.
 */
import type * as Y from 'yjs'
import { signWith, verifySignature, type DeviceKey } from '../core/identity/deviceKey.ts'
import type { KeyStore } from '../core/identity/KeyStore.ts'
import { observeProfile, readDisplayName, shownName } from '../core/identity/profile.ts'
import { loadOrCreateSealingKey, type SealingKey } from '../core/identity/sealingKey.ts'
import type { SpaceLibraryDeps } from '../core/space/SpaceLibrary.ts'
import type { Presence } from '../sync/roomPresence.ts'

/** Signing with the device key and checking with WebCrypto; a promise of the key, so opening a space need not wait for it. */
export function deviceSigning(key: Promise<DeviceKey>): Pick<SpaceLibraryDeps, 'author' | 'verify' | 'digest'> {
  return {
    author: key.then((resolved) => ({ publicKey: resolved.publicKey, sign: (message: Uint8Array) => signWith(resolved, crypto.subtle, message) })),
    verify: (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message),
    digest: async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)),
  }
}

/** The device's sealing key (made on first run, kept beside its signing key) and WebCrypto to open what is sealed to it. */
export function deviceSealing(store: KeyStore<SealingKey>): Pick<SpaceLibraryDeps, 'sealing' | 'subtle'> {
  return { sealing: loadOrCreateSealingKey(store, crypto.subtle), subtle: crypto.subtle }
}

/** The device as a room shows it: its did:key, its display name (kept up to date) and the kinds its host runs. */
export function devicePresence(deviceDoc: Y.Doc, kinds: readonly string[]): Presence {
  return { kinds, name: () => shownName(readDisplayName(deviceDoc)), onNameChange: (listener) => observeProfile(deviceDoc, listener) }
}
