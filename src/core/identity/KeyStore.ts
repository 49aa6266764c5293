import type { DeviceKey } from './deviceKey.ts'

/** Where this device keeps its own key pair. */
export interface KeyStore {
  /** The stored key, or undefined on first run. */
  load(): Promise<DeviceKey | undefined>
  /** Stores `key` unless one is stored already; returns whichever key is stored afterwards. */
  saveIfAbsent(key: DeviceKey): Promise<DeviceKey>
}
