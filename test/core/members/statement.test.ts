import { describe, expect, it } from 'vitest'
import { verifySignature } from '../../../src/core/identity/deviceKey.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { MAX_STATEMENT_BYTES, openStatement, StatementKind, verifyStatement } from '../../../src/core/members/statement.ts'
import { foundSpace, inviteKey } from '../../helpers/membershipPeople.ts'

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)

describe('membership statements', () => {
  it('read back as they were signed, and verify', async () => {
    const { owner, genesis, newPerson } = await foundSpace()
    const editor = await newPerson()
    const removal = await owner.say({ kind: StatementKind.remove, person: editor.publicKey, cut: [{ lane: new Uint8Array(32).fill(9), seq: 41 }] }, [genesis], 1234)
    const read = openStatement(removal.wire)
    expect(read?.id).toBe(removal.id)
    expect(read?.body).toMatchObject({ kind: StatementKind.remove, at: 1234, cut: [{ seq: 41 }] })
    expect(await verifyStatement(read!, verify)).toBe(true)
  })

  it('a statement with one byte changed does not verify, and bytes that are none are no statement', async () => {
    const { owner, genesis } = await foundSpace()
    const invite = await owner.say({ kind: StatementKind.invite, invite: new Uint8Array(32).fill(1), role: Role.viewer, expiresAt: 99, uses: 1 }, [genesis])
    const tampered = Uint8Array.from(invite.wire)
    tampered[tampered.length - 70]! ^= 1
    const opened = openStatement(tampered)
    expect(opened === undefined || !(await verifyStatement(opened, verify))).toBe(true)
    expect(openStatement(new Uint8Array(10))).toBeUndefined()
    expect(openStatement('text')).toBeUndefined()
    expect(openStatement(new Uint8Array(MAX_STATEMENT_BYTES + 1))).toBeUndefined()
  })

  it('[M6] an accept proves the link: a proof made for one device does not admit another', async () => {
    const { space, newPerson } = await foundSpace()
    const key = await inviteKey()
    const joiner = await newPerson()
    const thief = await newPerson()
    const accept = await key.accept(joiner, space, [])
    expect(await verifyStatement(accept, verify)).toBe(true)
    if (accept.body.kind !== StatementKind.accept) throw new Error('not an accept')
    const stolen = await thief.say({ kind: StatementKind.accept, invite: key.publicKey, proof: accept.body.proof, name: 'Thief', x25519: new Uint8Array(0) }, [])
    expect(await verifyStatement(stolen, verify)).toBe(false)
  })
})
