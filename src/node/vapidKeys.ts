/**
 * The personal node's VAPID key pair (RFC 8292), in `vapid-keys.json` of its
 * data folder, readable by its owner only. Browsers subscribe to push with
 * its public key, and their push services accept only pushes signed by its
 * private key: a new pair would silence every subscription made before, so
 * it is made once and kept (written once, whole: exclusiveFile.ts). Whoever
 * copies the file can push to the person's subscribed devices (PUSH3).
 *
 * The subject (who runs the node, for a push service to contact) is a
 * setting, not part of the file: it may change without re-subscribing.
 */
import { createECDH } from 'node:crypto'
import { join } from 'node:path'
import { decodeBase64Url, encodeBase64Url, isP256Point, P256_POINT_BYTES } from '../core/identity/pushSubscription.ts'
import { parseKeyFile, readIfPresent, writeFileOnce } from './exclusiveFile.ts'

export const VAPID_KEYS_FILE = 'vapid-keys.json'
const FORMAT = 'pii vapid keys v1'
/** A P-256 private scalar. */
const PRIVATE_KEY_BYTES = 32

/**
 * A placeholder every push service takes, for a node whose runner set none:
 * Apple's refuses a subject at `localhost` (403 BadJwtToken, web-push issue
 * 947), and web-push refuses anything but mailto: and https:. Setting a real
 * address lets a push service reach whoever runs the node.
 */
export const DEFAULT_VAPID_SUBJECT = 'mailto:pii-node@example.com'
/** RFC 8292 sets no limit; this bounds what goes into every request's token. */
const MAX_SUBJECT_CHARS = 256

export interface VapidKeys {
  /** Uncompressed P-256 point, base64url: what browsers subscribe with (applicationServerKey). */
  readonly publicKey: string
  /** The private scalar, base64url (32 bytes): never leaves the node. */
  readonly privateKey: string
  /** `mailto:` or `https:`: who runs the node. */
  readonly subject: string
}

interface KeyFile {
  readonly format: typeof FORMAT
  readonly publicKey: string
  readonly privateKey: string
}

export class VapidSubjectError extends Error {
  override readonly name = 'VapidSubjectError'
}

/**
 * The subject from the setting, or the default when it is empty; a
 * sentence for one a push service would refuse (every push would fail with
 * it, far from the setting that caused it).
 */
export function readVapidSubject(setting: string | undefined): string {
  const subject = setting?.trim() || DEFAULT_VAPID_SUBJECT
  const refuse = (why: string): VapidSubjectError =>
    new VapidSubjectError(`The push contact must be a mailto: address or an https: URL of a public host (${why}); it is "${subject.slice(0, 80)}".`)
  if (subject.length > MAX_SUBJECT_CHARS || !/^[\x21-\x7e]+$/.test(subject)) throw refuse(`at most ${MAX_SUBJECT_CHARS} characters, no spaces`)
  let url: URL
  try {
    url = new URL(subject)
  } catch {
    throw refuse('not a URL')
  }
  let host: string
  if (url.protocol === 'mailto:') {
    const address = /^mailto:[^@/?#]+@([^@/?#]+)$/.exec(subject)
    if (!address?.[1]) throw refuse('not one address')
    host = address[1].toLowerCase()
  } else if (url.protocol === 'https:') {
    host = url.hostname
  } else {
    throw refuse(`${url.protocol} is neither`)
  }
  if (!host.includes('.') || host === 'localhost' || host.endsWith('.localhost') || host.startsWith('[') || /^[\d.]+$/.test(host)) {
    throw refuse('Apple’s push service refuses a local host')
  }
  return subject
}

/** The node's VAPID keys, made and stored first if there are none; `subjectSetting` is checked by readVapidSubject. */
export async function loadOrCreateVapidKeys(folder: string, subjectSetting?: string): Promise<VapidKeys> {
  const subject = readVapidSubject(subjectSetting)
  const path = join(folder, VAPID_KEYS_FILE)
  const what = "this node's push (VAPID) keys"
  const existing = await readIfPresent(path, what)
  if (existing !== undefined) return fromFile(path, existing, subject)
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])
  // JWK's d, x and y are always 32 bytes each: no leading zero is lost, as ECDH.getPrivateKey() can lose one.
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
  if (!jwk.d || !jwk.x || !jwk.y) throw new Error('WebCrypto exported a P-256 key without its coordinates.')
  const publicKey = encodeBase64Url(Uint8Array.from([0x04, ...Buffer.from(jwk.x, 'base64url'), ...Buffer.from(jwk.y, 'base64url')]))
  const file: KeyFile = { format: FORMAT, publicKey, privateKey: jwk.d }
  await writeFileOnce(path, JSON.stringify(file) + '\n')
  // Of two starts at once, the first file stays: both use the one on disk.
  const stored = await readIfPresent(path, what)
  if (stored === undefined) throw new Error(`The push keys written to ${path} are gone.`)
  return fromFile(path, stored, subject)
}

function fromFile(path: string, text: string, subject: string): VapidKeys {
  const problem = (what: string): Error =>
    new Error(
      `${path} is not a Pii push (VAPID) key file (${what}). Restore it from a backup, or move it away: the node then makes new keys, and every device must turn reminders on again to be reached.`,
    )
  const file = parseKeyFile<KeyFile>(text, FORMAT, problem)
  const publicKey = typeof file.publicKey === 'string' ? decodeBase64Url(file.publicKey) : undefined
  const privateKey = typeof file.privateKey === 'string' ? decodeBase64Url(file.privateKey) : undefined
  if (publicKey?.length !== P256_POINT_BYTES || privateKey?.length !== PRIVATE_KEY_BYTES || !isP256Point(publicKey)) {
    throw problem('its keys are not base64url P-256 keys')
  }
  // The public key is derived again from the private one rather than trusted from the file.
  let derived: Buffer
  try {
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(privateKey)
    derived = ecdh.getPublicKey()
  } catch {
    throw problem('its private key is not a P-256 key')
  }
  if (!derived.equals(publicKey)) throw problem('its public key does not match its private key')
  return { publicKey: file.publicKey as string, privateKey: file.privateKey as string, subject }
}
