/**
 * The device key in IndexedDB. A WebCrypto private key is stored as the
 * CryptoKey object itself (structured clone keeps it non-extractable), so its
 * bytes never pass through script.
 */
import type { DeviceKey } from '../core/identity/deviceKey.ts'
import type { KeyStore } from '../core/identity/KeyStore.ts'
import type { SealingKey } from '../core/identity/sealingKey.ts'

const DB_NAME = 'pii-keys'
const STORE = 'keys'
const DEVICE_KEY = 'device'
const SEALING_KEY = 'sealing'

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed.'))
  })
}

function isDeviceKey(value: unknown): value is DeviceKey {
  if (typeof value !== 'object' || value === null) return false
  const key = value as Record<string, unknown>
  if (!(key.publicKey instanceof Uint8Array) || key.publicKey.length !== 32) return false
  if (key.kind === 'webcrypto') return typeof CryptoKey !== 'undefined' && key.privateKey instanceof CryptoKey
  return key.kind === 'noble' && key.secretKey instanceof Uint8Array && key.secretKey.length === 32
}

function isSealingKey(value: unknown): value is SealingKey {
  if (typeof value !== 'object' || value === null) return false
  const key = value as Record<string, unknown>
  return key.publicKey instanceof Uint8Array && key.publicKey.length === 32 && typeof CryptoKey !== 'undefined' && key.privateKey instanceof CryptoKey
}

/** The device's X25519 sealing key, stored beside its signing key the same way. */
export function indexedDbSealingKeyStore(): KeyStore<SealingKey> {
  return new IndexedDbKeyStore(SEALING_KEY, isSealingKey)
}

export class IndexedDbKeyStore<Key = DeviceKey> implements KeyStore<Key> {
  private readonly db: Promise<IDBDatabase>

  constructor(
    private readonly record = DEVICE_KEY,
    private readonly isKey: (value: unknown) => value is Key = isDeviceKey as (value: unknown) => value is Key,
  ) {
    const open = indexedDB.open(DB_NAME, 1)
    open.onupgradeneeded = () => open.result.createObjectStore(STORE)
    this.db = request(open)
  }

  async load(): Promise<Key | undefined> {
    const db = await this.db
    const value: unknown = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(this.record))
    return this.isKey(value) ? value : undefined
  }

  async saveIfAbsent(key: Key): Promise<Key> {
    const db = await this.db
    try {
      // `add` fails when a key exists, which makes create-if-absent atomic across tabs.
      await request(db.transaction(STORE, 'readwrite').objectStore(STORE).add(key, this.record))
      return key
    } catch (error) {
      const stored = await this.load()
      if (stored) return stored
      throw error
    }
  }
}

/** For browsers without IndexedDB: the key lives as long as the tab. */
export class MemoryKeyStore<Key = DeviceKey> implements KeyStore<Key> {
  private key: Key | undefined
  load(): Promise<Key | undefined> {
    return Promise.resolve(this.key)
  }
  saveIfAbsent(key: Key): Promise<Key> {
    this.key ??= key
    return Promise.resolve(this.key)
  }
}
