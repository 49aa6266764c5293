/**
 * The personal node's device key, in a file of its data folder
 * (`device-key.json`, readable by its owner only). The file holds the
 * Ed25519 seed, since a Node process has no keychain to keep a
 * non-extractable key across restarts; once loaded, the key lives in
 * WebCrypto (non-extractable, and ~8x faster to use than noble), or in noble
 * where WebCrypto lacks Ed25519.
 *
 * Creating is exclusive: of two processes starting at once on one folder,
 * both end up with the key the first one wrote. Writing goes through a
 * temporary file and a hard link, so a crash never leaves half a key.
 */
import { join } from 'node:path'
import { decodeBase58, encodeBase58 } from '../core/identity/base58.ts'
import { createNobleKey, type DeviceKey } from '../core/identity/deviceKey.ts'
import { parseKeyFile, readIfPresent, writeFileOnce } from './exclusiveFile.ts'

export const DEVICE_KEY_FILE = 'device-key.json'
const FORMAT = 'pii device key v1'
const SEED_BYTES = 32
/** PKCS #8 of an Ed25519 private key: this fixed prefix, then the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

interface KeyFile {
  readonly format: typeof FORMAT
  /** The Ed25519 seed, base58. */
  readonly seed: string
  /** The public key, base58: checked against the seed on load. */
  readonly publicKey: string
}

export class FileKeyStore {
  private readonly path: string

  constructor(
    folder: string,
    /** Where the loaded key lives; with null (or without Ed25519 in it), in noble. */
    private readonly subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null,
  ) {
    this.path = join(folder, DEVICE_KEY_FILE)
  }

  async load(): Promise<DeviceKey | undefined> {
    const text = await readIfPresent(this.path, "this node's device key")
    return text === undefined ? undefined : this.fromFile(text)
  }

  /** The stored device key; made and stored first if there is none. */
  async loadOrCreate(): Promise<DeviceKey> {
    const existing = await this.load()
    if (existing) return existing
    const made = await createNobleKey()
    if (made.kind !== 'noble') throw new Error('A new device key must be made from a seed.')
    const file: KeyFile = { format: FORMAT, seed: encodeBase58(made.secretKey), publicKey: encodeBase58(made.publicKey) }
    // If a key file is there already, that one is the device's.
    await writeFileOnce(this.path, JSON.stringify(file) + '\n')
    const stored = await this.load()
    if (!stored) throw new Error(`The device key written to ${this.path} is gone.`)
    return stored
  }

  private async fromFile(text: string): Promise<DeviceKey> {
    const problem = (what: string): Error =>
      new Error(`${this.path} is not a Pii device key (${what}). Restore it from a backup, or move it away to start this node as a new device (it will have to be linked again).`)
    const file = parseKeyFile<KeyFile>(text, FORMAT, problem)
    const seed = typeof file.seed === 'string' ? decodeBase58(file.seed) : undefined
    if (seed?.length !== SEED_BYTES) throw problem('its seed is not 32 bytes of base58')
    const noble = await createNobleKey(seed)
    if (typeof file.publicKey !== 'string' || file.publicKey !== encodeBase58(noble.publicKey)) throw problem('its public key does not match its seed')
    return (await this.inWebCrypto(seed, noble.publicKey)) ?? noble
  }

  private async inWebCrypto(seed: Uint8Array, publicKey: Uint8Array): Promise<DeviceKey | undefined> {
    if (!this.subtle) return undefined
    const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + SEED_BYTES)
    pkcs8.set(PKCS8_ED25519_PREFIX)
    pkcs8.set(seed, PKCS8_ED25519_PREFIX.length)
    try {
      const privateKey = await this.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign'])
      return { kind: 'webcrypto', publicKey, privateKey }
    } catch {
      // NotSupportedError where WebCrypto lacks Ed25519.
      return undefined
    }
  }
}
