import { toHexString } from 'lib0/buffer'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { verifySignature } from '../../../src/core/identity/deviceKey.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { membershipStatements, SpaceMembership } from '../../../src/core/members/SpaceMembership.ts'
import { openStatement, StatementKind } from '../../../src/core/members/statement.ts'
import { foundSpace } from '../../helpers/membershipPeople.ts'

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)
const NO_KEY = new Uint8Array(0)

/** What another peer of the room sends: a change made on a copy of the peer's transport doc, applied as its diff. */
function fromThePeer(transport: Y.Doc, change: (statements: Y.Array<Uint8Array>) => void): void {
  const other = new Y.Doc()
  Y.applyUpdate(other, Y.encodeStateAsUpdate(transport))
  const before = Y.encodeStateVector(other)
  change(membershipStatements(other))
  Y.applyUpdate(transport, Y.diffUpdate(Y.encodeStateAsUpdate(other), before), 'net')
}

const idsIn = (transport: Y.Doc): string[] => membershipStatements(transport).toArray().map((wire) => openStatement(wire)?.id ?? 'junk')

describe('SpaceMembership', () => {
  it('[MEM3] removes from the log what is no statement of the space or not validly signed, and puts back a statement someone deleted', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace()
    const transport = new Y.Doc()
    const membership = new SpaceMembership({ space, transport, verify, now: () => 2_000, requiresGenesis: true })
    const editor = await newPerson()
    const add = await owner.say({ kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'Ed', x25519: NO_KEY }, [genesis])
    const forged = Uint8Array.from(add.wire)
    forged[forged.length - 1]! ^= 1
    fromThePeer(transport, (statements) => statements.push([genesis.wire, add.wire, forged, new Uint8Array([1, 2, 3]), add.wire]))
    await vi.waitFor(() => expect(idsIn(transport)).toEqual([genesis.id, add.id]))
    expect(membership.state.members.get(toHexString(editor.publicKey))?.role).toBe(Role.editor)
    fromThePeer(transport, (statements) => statements.delete(0, 1))
    await vi.waitFor(() => expect(idsIn(transport).sort()).toEqual([genesis.id, add.id].sort()))
    membership.stop()
  })

  it('[MEM3] past its caps, the log keeps the owner’s and admins’ statements and drops everyone else’s', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace()
    const transport = new Y.Doc()
    const membership = new SpaceMembership({ space, transport, verify, now: () => 2_000, requiresGenesis: true, caps: { statements: 8, bytes: 1 << 20 } })
    const viewer = await newPerson()
    const addViewer = await owner.say({ kind: StatementKind.add, person: viewer.publicKey, role: Role.viewer, name: 'Vi', x25519: NO_KEY }, [genesis])
    fromThePeer(transport, (statements) => statements.push([genesis.wire, addViewer.wire]))
    await vi.waitFor(() => expect(membership.founded).toBe(true))
    const spam: Uint8Array[] = []
    for (let index = 0; index < 20; index++) spam.push((await viewer.say({ kind: StatementKind.revokeInvite, invite: new Uint8Array(32).fill(index) }, [addViewer])).wire)
    fromThePeer(transport, (statements) => statements.push(spam))
    await vi.waitFor(() => expect(idsIn(transport)).toHaveLength(8))
    const later = await newPerson()
    const ownerAdds = await owner.say({ kind: StatementKind.add, person: later.publicKey, role: Role.editor, name: 'L', x25519: NO_KEY }, [addViewer])
    fromThePeer(transport, (statements) => statements.push([ownerAdds.wire]))
    await vi.waitFor(() => expect(membership.state.members.get(toHexString(later.publicKey))?.role).toBe(Role.editor))
    expect(idsIn(transport)).toContain(ownerAdds.id)
    membership.stop()
  })
})
