/**
 * People who sign membership statements for tests: each has a device key
 * (noble, so a test signs hundreds quickly) and says statements with the
 * parents it is given, as a peer would with the heads it had seen.
 */
import { createNobleKey, signWith, type DeviceKey } from '../../src/core/identity/deviceKey.ts'
import { acceptMessage, pairingMessage, SALT_BYTES, sealStatement, spaceIdOf, StatementKind, type Statement, type StatementPayload } from '../../src/core/members/statement.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'

export interface Person {
  readonly key: DeviceKey
  readonly publicKey: Uint8Array
  say(payload: StatementPayload, parents: readonly Statement[], at?: number): Promise<Statement>
  /** Signs with the device key, as a LogAuthor does. */
  signBytes(message: Uint8Array): Promise<Uint8Array>
}

export async function person(space: () => SpaceId): Promise<Person> {
  const key = await createNobleKey()
  return {
    key,
    publicKey: key.publicKey,
    signBytes: (message) => signWith(key, undefined, message),
    say: (payload, parents, at = 1_000) => sealStatement({ space: space(), author: key.publicKey, at, parents: parents.map((parent) => parent.hash), ...payload }, (message) => signWith(key, undefined, message)),
  }
}

/** A space founded by a new owner: its id comes from the owner's genesis (M1). */
export async function foundSpace(name = 'Owner'): Promise<{ space: SpaceId; owner: Person; genesis: Statement; newPerson: () => Promise<Person> }> {
  const salt = new Uint8Array(SALT_BYTES).fill(7)
  let space = '' as SpaceId
  const owner = await person(() => space)
  space = spaceIdOf(owner.publicKey, salt)
  const genesis = await owner.say({ kind: StatementKind.genesis, salt, name, x25519: new Uint8Array(0) }, [])
  return { space, owner, genesis, newPerson: () => person(() => space) }
}

/** An invite key: the secret a link carries, and the accept it lets a device sign. */
export async function inviteKey(): Promise<{ publicKey: Uint8Array; accept: (joiner: Person, space: SpaceId, parents: readonly Statement[], at?: number, name?: string) => Promise<Statement> }> {
  const key = await createNobleKey()
  return {
    publicKey: key.publicKey,
    accept: async (joiner, space, parents, at = 2_000, name = 'Joiner') => {
      const proof = await signWith(key, undefined, acceptMessage(space, joiner.publicKey, key.publicKey))
      return joiner.say({ kind: StatementKind.accept, invite: key.publicKey, proof, name, x25519: new Uint8Array(0) }, parents, at)
    },
  }
}

/** The statement by which `device`, paired with `partner`, links itself to the person `partner` acts for (M13). */
export async function linkStatement(device: Person, partner: Person, parents: readonly Statement[], at = 3_000, name = 'Second device'): Promise<Statement> {
  const proof = await partner.signBytes(pairingMessage(device.publicKey, partner.publicKey))
  return device.say({ kind: StatementKind.link, partner: partner.publicKey, proof, name, x25519: new Uint8Array(32).fill(9) }, parents, at)
}
