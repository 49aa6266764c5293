/**
 * A whole device for tests of sharing: a SpaceLibrary with its own device
 * and sealing keys, memory storage, and rooms on an in-process network
 * (InstantNetwork) that other devices and personal nodes share.
 */
import * as Y from 'yjs'
import { createDeviceKey, signWith, verifySignature } from '../../src/core/identity/deviceKey.ts'
import { createSealingKey, type SealingKey } from '../../src/core/identity/sealingKey.ts'
import type { LogAuthor } from '../../src/core/space/SignedLog.ts'
import { SpaceLibrary } from '../../src/core/space/SpaceLibrary.ts'
import { MemoryDocStore } from '../../src/storage/MemoryDocStore.ts'
import { InstantNetwork } from './instantNetwork.ts'

export const verifyWithWebCrypto = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> => verifySignature(crypto.subtle, publicKey, signature, message)

export interface KeyedDevice {
  readonly library: SpaceLibrary
  readonly deviceDoc: Y.Doc
  /** Its device key, as its spaces' logs sign with it. */
  readonly author: Promise<LogAuthor>
  readonly sealing: Promise<SealingKey>
}

export function keyedDevice(rooms: InstantNetwork): KeyedDevice {
  const deviceDoc = new Y.Doc()
  const author = createDeviceKey(crypto.subtle).then((key) => ({ publicKey: key.publicKey, sign: (message: Uint8Array) => signWith(key, crypto.subtle, message) }))
  const sealing = createSealingKey(crypto.subtle)
  const library = new SpaceLibrary({
    deviceDoc,
    store: new MemoryDocStore(),
    tabs: new InstantNetwork(),
    now: Date.now,
    author,
    verify: verifyWithWebCrypto,
    rooms: () => Promise.resolve(rooms),
    sealing,
    subtle: crypto.subtle,
  })
  return { library, deviceDoc, author, sealing }
}
