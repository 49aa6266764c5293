import type { DeviceKey } from './deviceKey.ts'

/** Where this device keeps one of its own keys (its signing key, by default). */
export interface KeyStore<Key = DeviceKey> {
  /** The stored key, or undefined on first run. */
  load(): Promise<Key | undefined>
  /** Stores `key` unless one is stored already; returns whichever key is stored afterwards. */
  saveIfAbsent(key: Key): Promise<Key>
}
