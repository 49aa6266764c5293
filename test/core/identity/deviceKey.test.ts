import { describe, expect, it } from 'vitest'
import { createDeviceKey, createNobleKey, deviceDid, loadOrCreateDeviceKey, signWith, verifySignature, type DeviceKey } from '../../../src/core/identity/deviceKey.ts'
import type { KeyStore } from '../../../src/core/identity/KeyStore.ts'
import { publicKeyFromDid } from '../../../src/core/identity/didKey.ts'

const message = new TextEncoder().encode('pii envelope')

class MemoryKeyStore implements KeyStore {
  key: DeviceKey | undefined
  load = () => Promise.resolve(this.key)
  saveIfAbsent = (key: DeviceKey) => Promise.resolve((this.key ??= key))
}

describe('device keys', () => {
  it('uses WebCrypto with a non-extractable private key when the platform has Ed25519', async () => {
    const key = await createDeviceKey(crypto.subtle)
    expect(key.kind).toBe('webcrypto')
    if (key.kind === 'webcrypto') expect(key.privateKey.extractable).toBe(false)
    expect(publicKeyFromDid(deviceDid(key))).toEqual(key.publicKey)
  })

  it('falls back to noble when there is no SubtleCrypto', async () => {
    const key = await createDeviceKey(undefined)
    expect(key.kind).toBe('noble')
    expect(deviceDid(key)).toMatch(/^did:key:z6Mk/)
  })

  it('signatures from either backend verify with either backend, and tampering fails', async () => {
    for (const key of [await createDeviceKey(crypto.subtle), await createNobleKey()]) {
      const signature = await signWith(key, crypto.subtle, message)
      expect(await verifySignature(crypto.subtle, key.publicKey, signature, message)).toBe(true)
      expect(await verifySignature(undefined, key.publicKey, signature, message)).toBe(true)
      const tampered = Uint8Array.from(message)
      tampered[0] = (tampered[0] ?? 0) ^ 1
      expect(await verifySignature(crypto.subtle, key.publicKey, signature, tampered)).toBe(false)
      expect(await verifySignature(undefined, key.publicKey, signature, tampered)).toBe(false)
    }
  })

  it('asks WebCrypto in the caller\'s own task once the public key is imported', async () => {
    const key = await createDeviceKey(crypto.subtle)
    const signature = await signWith(key, crypto.subtle, message)
    let verifications = 0
    const subtle = Object.create(crypto.subtle, {
      verify: { value: (...args: Parameters<SubtleCrypto['verify']>) => (verifications++, crypto.subtle.verify(...args)) },
      importKey: { value: (...args: Parameters<SubtleCrypto['importKey']>) => crypto.subtle.importKey(...args) },
    }) as SubtleCrypto
    expect(await verifySignature(subtle, key.publicKey, signature, message)).toBe(true)
    const second = verifySignature(subtle, key.publicKey, signature, message)
    expect(verifications).toBe(2)
    expect(await second).toBe(true)
  })

  it('creates the key once and then always loads the same one', async () => {
    const store = new MemoryKeyStore()
    const first = await loadOrCreateDeviceKey(store, crypto.subtle)
    const second = await loadOrCreateDeviceKey(store, crypto.subtle)
    expect(deviceDid(second)).toBe(deviceDid(first))
  })
})
