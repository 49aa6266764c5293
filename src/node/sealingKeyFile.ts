/**
 * The personal node's X25519 sealing key (core/identity/sealingKey.ts), in
 * `sealing-key.json` of its data folder, readable by its owner only: rekeys
 * seal the node its way into each new epoch's room, so the key must outlive
 * a restart. Written once, whole (exclusiveFile.ts); once loaded, the
 * private key lives in WebCrypto, non-extractable.
 */
import { join } from 'node:path'
import { decodeBase58, encodeBase58 } from '../core/identity/base58.ts'
import { X25519_PUBLIC_KEY_BYTES, type SealingKey } from '../core/identity/sealingKey.ts'
import { parseKeyFile, readIfPresent, writeFileOnce } from './exclusiveFile.ts'

export const SEALING_KEY_FILE = 'sealing-key.json'
const FORMAT = 'pii sealing key v1'

interface KeyFile {
  readonly format: typeof FORMAT
  /** The private key as PKCS #8, base58. */
  readonly pkcs8: string
  /** The public key, base58: checked against the private key on load. */
  readonly publicKey: string
}

/** The node's sealing key, made and stored first if there is none. */
export async function loadOrCreateSealingKeyFile(folder: string, subtle: SubtleCrypto = crypto.subtle): Promise<SealingKey> {
  const path = join(folder, SEALING_KEY_FILE)
  const existing = await readIfPresent(path, "this node's sealing key")
  if (existing !== undefined) return fromFile(path, existing, subtle)
  const pair = await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey))
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey))
  const file: KeyFile = { format: FORMAT, pkcs8: encodeBase58(pkcs8), publicKey: encodeBase58(publicKey) }
  await writeFileOnce(path, JSON.stringify(file) + '\n')
  const stored = await readIfPresent(path, "this node's sealing key")
  if (stored === undefined) throw new Error(`The sealing key written to ${path} is gone.`)
  return fromFile(path, stored, subtle)
}

async function fromFile(path: string, text: string, subtle: SubtleCrypto): Promise<SealingKey> {
  const problem = (what: string): Error =>
    new Error(`${path} is not a Pii sealing key (${what}). Restore it from a backup, or move it away: this node then needs a new replica link for each space it keeps.`)
  const file = parseKeyFile<KeyFile>(text, FORMAT, problem)
  const pkcs8 = typeof file.pkcs8 === 'string' ? decodeBase58(file.pkcs8) : undefined
  const publicKey = typeof file.publicKey === 'string' ? decodeBase58(file.publicKey) : undefined
  if (!pkcs8 || publicKey?.length !== X25519_PUBLIC_KEY_BYTES) throw problem('its keys are not base58 of the right length')
  let extractable: CryptoKey
  try {
    extractable = await subtle.importKey('pkcs8', Uint8Array.from(pkcs8), { name: 'X25519' }, true, ['deriveBits'])
  } catch {
    throw problem('its private key does not import')
  }
  // The public half is derived again (through JWK, which carries both halves) rather than trusted from the file.
  const jwk = await subtle.exportKey('jwk', extractable)
  if (jwk.x !== Buffer.from(publicKey).toString('base64url')) throw problem('its public key does not match its private key')
  const privateKey = await subtle.importKey('pkcs8', Uint8Array.from(pkcs8), { name: 'X25519' }, false, ['deriveBits'])
  return { publicKey, privateKey }
}
