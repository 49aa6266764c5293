/**
 * A session's lane key (see envelope.ts): an Ed25519 key pair made fresh for
 * one session, held only in memory, that signs envelopes synchronously. The
 * device key certifies it once. Loaded when a space starts syncing, not at
 * boot: noble and its SHA-512 stay off the first render's path.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import type { LaneSigner } from './envelope.ts'

// noble signs synchronously only with a synchronous SHA-512.
ed.hashes.sha512 = sha512

export interface LaneKey {
  readonly publicKey: Uint8Array
  readonly sign: LaneSigner
}

/** A fresh lane key; `secret` only for known-answer tests. */
export function newLaneKey(secret: Uint8Array = ed.utils.randomSecretKey()): LaneKey {
  return { publicKey: ed.getPublicKey(secret), sign: (message) => ed.sign(message, secret) }
}
