/**
 * Epochs (MEMBERSHIP.md M10): each rekey starts one with a fresh 32-byte
 * secret, from which the room name, room password and relay topic of the
 * space derive (shareLink.ts), as the first links' secret did for epoch 0.
 * The rekey statement carries the new secret sealed to every device that
 * stays (sealingKey.ts), and the previous secret encrypted under the new
 * one, so whoever holds the newest secret can reach every older room.
 * A replica's device is sealed the new room's access instead (M12): it
 * follows the space into the new room, and never holds a secret, from which
 * the content key derives.
 */
import { toHexString } from 'lib0/buffer'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'
import { openSealed, sealTo, type SealingKey } from '../identity/sealingKey.ts'
import type { SpaceId } from '../space/ids.ts'
import { newShareSecret, roomAccessBytesOf, roomAccessFromBytes, SHARE_SECRET_BYTES, type RoomAccess, type ShareSecret } from '../space/shareLink.ts'
import type { LogAuthor } from '../space/SignedLog.ts'
import type { MembershipState, Rekey } from './resolveMembership.ts'
import { Role } from './roles.ts'
import type { SpaceMembership } from './SpaceMembership.ts'
import { StatementKind, type SealedSecret } from './statement.ts'

const IV_BYTES = 12

/** Binds a box to its space and epoch: a box from one rekey opens nothing in another. */
const sealContext = (space: SpaceId, epoch: number): string => `pii epoch secret v1 ${space} ${epoch}`
/** A replica's box: the room access, under its own context, so neither box can pass for the other. */
const roomAccessContext = (space: SpaceId, epoch: number): string => `pii epoch room access v1 ${space} ${epoch}`

async function previousKey(subtle: SubtleCrypto, secret: ShareSecret, usage: KeyUsage): Promise<CryptoKey> {
  const bytes = decodeBase58(secret)
  if (bytes?.length !== SHARE_SECRET_BYTES) throw new Error('An epoch secret is 32 bytes.')
  const hkdf = await subtle.importKey('raw', Uint8Array.from(bytes), 'HKDF', false, ['deriveKey'])
  return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: new TextEncoder().encode('pii previous epoch v1') }, hkdf, { name: 'AES-GCM', length: 256 }, false, [usage])
}

/** The devices a rekey seals to: every device of every member (M13) that published a sealing key. */
export function sealingRecipients(state: MembershipState): Array<{ readonly device: Uint8Array; readonly x25519: Uint8Array; readonly role: Role }> {
  const recipients: Array<{ readonly device: Uint8Array; readonly x25519: Uint8Array; readonly role: Role }> = []
  for (const device of state.devices.values()) {
    const member = state.members.get(device.person)
    if (member && device.x25519.length > 0) recipients.push({ device: device.key, x25519: device.x25519, role: member.role })
  }
  return recipients
}

/** Signs a rekey into the log: a new epoch whose secret only the members' devices can open. Returns the new secret. */
export async function rekey(subtle: SubtleCrypto, space: SpaceId, membership: SpaceMembership, author: LogAuthor, current: ShareSecret): Promise<ShareSecret> {
  const secret = newShareSecret()
  const epoch = membership.state.epoch + 1
  const secretBytes = decodeBase58(secret)!
  const access = roomAccessBytesOf(secret)
  const sealed: SealedSecret[] = await Promise.all(
    sealingRecipients(membership.state).map(async ({ device, x25519, role }) => ({
      device,
      box: role === Role.replica ? await sealTo(subtle, x25519, access, roomAccessContext(space, epoch)) : await sealTo(subtle, x25519, secretBytes, sealContext(space, epoch)),
    })),
  )
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const wrapped = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, await previousKey(subtle, secret, 'encrypt'), Uint8Array.from(decodeBase58(current)!)))
  await membership.say(author, { kind: StatementKind.rekey, epoch, sealed, previous: new Uint8Array([...iv, ...wrapped]) })
  return secret
}

/** This device's secret of the rekey's epoch, if the rekey sealed it one. */
export async function openRekey(subtle: SubtleCrypto, space: SpaceId, rekey: Rekey, device: Uint8Array, key: SealingKey): Promise<ShareSecret | undefined> {
  const box = rekey.sealed.get(toHexString(device))
  const opened = box && (await openSealed(subtle, key, box, sealContext(space, rekey.epoch)))
  return opened?.length === SHARE_SECRET_BYTES ? (encodeBase58(opened) as ShareSecret) : undefined
}

/** A replica device's access to the room of the rekey's epoch, if the rekey sealed it one. */
export async function openRekeyRoomAccess(subtle: SubtleCrypto, space: SpaceId, rekey: Rekey, device: Uint8Array, key: SealingKey): Promise<RoomAccess | undefined> {
  const box = rekey.sealed.get(toHexString(device))
  const opened = box && (await openSealed(subtle, key, box, roomAccessContext(space, rekey.epoch)))
  return opened ? roomAccessFromBytes(opened) : undefined
}

/** The secret of the epoch before `rekey`'s, from `rekey`'s own secret. */
export async function previousSecret(subtle: SubtleCrypto, rekey: Rekey, secret: ShareSecret): Promise<ShareSecret | undefined> {
  try {
    const key = await previousKey(subtle, secret, 'decrypt')
    const plain = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: rekey.previous.slice(0, IV_BYTES) }, key, rekey.previous.slice(IV_BYTES)))
    return plain.length === SHARE_SECRET_BYTES ? (encodeBase58(plain) as ShareSecret) : undefined
  } catch {
    return undefined
  }
}
