/**
 * What the browser will let Pii keep: whether IndexedDB works at all, whether
 * storage is persistent (not evicted under pressure), and how much is used.
 */

export type IndexedDbProbe = { readonly available: true } | { readonly available: false; readonly reason: string }

const PROBE_DB = 'pii-probe'

/** Opens a throwaway database: the only reliable test (some private modes expose `indexedDB` and then fail every open). */
export function probeIndexedDb(): Promise<IndexedDbProbe> {
  if (typeof indexedDB === 'undefined') {
    return Promise.resolve({ available: false, reason: 'this browser has no IndexedDB' })
  }
  return new Promise((resolve) => {
    let request: IDBOpenDBRequest
    try {
      request = indexedDB.open(PROBE_DB)
    } catch (error) {
      resolve({ available: false, reason: error instanceof Error ? error.message : String(error) })
      return
    }
    request.onsuccess = () => {
      request.result.close()
      resolve({ available: true })
    }
    request.onerror = () => resolve({ available: false, reason: request.error?.message ?? 'opening a database failed' })
    request.onblocked = () => resolve({ available: true })
  })
}

export interface StorageEstimate {
  readonly usageBytes: number
  readonly quotaBytes: number
  readonly persisted: boolean
}

/** Asks once for persistent storage; browsers grant it silently to installed or engaged sites. */
export async function requestPersistentStorage(): Promise<boolean> {
  if (!navigator.storage?.persist) return false
  if (await navigator.storage.persisted()) return true
  return navigator.storage.persist()
}

export async function estimateStorage(): Promise<StorageEstimate | undefined> {
  if (!navigator.storage?.estimate) return undefined
  const [estimate, persisted] = await Promise.all([navigator.storage.estimate(), navigator.storage.persisted()])
  return { usageBytes: estimate.usage ?? 0, quotaBytes: estimate.quota ?? 0, persisted }
}
