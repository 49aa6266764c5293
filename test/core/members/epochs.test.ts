import { toHexString } from 'lib0/buffer'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { verifySignature } from '../../../src/core/identity/deviceKey.ts'
import { createSealingKey, type SealingKey } from '../../../src/core/identity/sealingKey.ts'
import { openRekey, openRekeyRoomAccess, previousSecret, rekey } from '../../../src/core/members/epochs.ts'
import { inviteFor, isOpen, resetLinks } from '../../../src/core/members/invites.ts'
import { resolveMembership, StatementOutcome } from '../../../src/core/members/resolveMembership.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { SpaceMembership } from '../../../src/core/members/SpaceMembership.ts'
import { StatementKind } from '../../../src/core/members/statement.ts'
import { newShareSecret, roomAccessOf, type RoomAccess } from '../../../src/core/space/shareLink.ts'
import { foundSpace, type Person } from '../../helpers/membershipPeople.ts'

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)
const subtle = crypto.subtle

const authorOf = (person: Person) => ({ publicKey: person.publicKey, sign: (message: Uint8Array) => person.signBytes(message) })

describe('epochs', () => {
  it('[M12] a rekey seals a replica’s device the new room’s access, never the secret: it follows into the room and cannot derive the content key', async () => {
    const { space, owner, newPerson } = await foundSpace()
    const [editor, replica] = [await newPerson(), await newPerson()]
    const keys = new Map<Person, SealingKey>()
    for (const who of [owner, editor, replica]) keys.set(who, await createSealingKey(subtle))
    const membership = new SpaceMembership({ space, transport: new Y.Doc(), verify, now: () => 1_000, requiresGenesis: true })
    const ownerAuthor = authorOf(owner)
    await membership.say(ownerAuthor, { kind: StatementKind.genesis, salt: new Uint8Array(16).fill(7), name: 'Owner', x25519: keys.get(owner)!.publicKey })
    await membership.say(ownerAuthor, { kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'Editor', x25519: keys.get(editor)!.publicKey })
    await membership.say(ownerAuthor, { kind: StatementKind.add, person: replica.publicKey, role: Role.replica, name: 'Node', x25519: keys.get(replica)!.publicKey })
    const secret = await rekey(subtle, space, membership, ownerAuthor, newShareSecret())
    const [applied] = membership.state.rekeys
    const plain = (access: RoomAccess | undefined) => access && { ...access, relayKey: [...access.relayKey] }
    expect(await openRekey(subtle, space, applied!, editor.publicKey, keys.get(editor)!)).toBe(secret)
    expect(await openRekey(subtle, space, applied!, replica.publicKey, keys.get(replica)!)).toBeUndefined()
    expect(plain(await openRekeyRoomAccess(subtle, space, applied!, replica.publicKey, keys.get(replica)!))).toEqual(plain(roomAccessOf(secret)))
    // An editor's box is a secret's, under another context: it opens as no room access.
    expect(await openRekeyRoomAccess(subtle, space, applied!, editor.publicKey, keys.get(editor)!)).toBeUndefined()
  })

  it('[M10] a rekey seals the new secret to each remaining device: a removed device cannot open it, and the new secret opens the old one', async () => {
    const { space, owner, newPerson } = await foundSpace()
    const keys = new Map<Person, SealingKey>()
    for (const who of [owner, await newPerson(), await newPerson()]) keys.set(who, await createSealingKey(subtle))
    const [, stays, removed] = [...keys.keys()] as [Person, Person, Person]
    const transport = new Y.Doc()
    const membership = new SpaceMembership({ space, transport, verify, now: () => 1_000, requiresGenesis: true })
    const ownerAuthor = authorOf(owner)
    await membership.say(ownerAuthor, { kind: StatementKind.genesis, salt: new Uint8Array(16).fill(7), name: 'Owner', x25519: keys.get(owner)!.publicKey })
    for (const who of [stays, removed]) await membership.say(ownerAuthor, { kind: StatementKind.add, person: who.publicKey, role: Role.editor, name: 'x', x25519: keys.get(who)!.publicKey })
    await membership.say(ownerAuthor, { kind: StatementKind.remove, person: removed.publicKey, cut: [] })
    const first = newShareSecret()
    const second = await rekey(subtle, space, membership, ownerAuthor, first)
    const state = membership.state
    expect(state.epoch).toBe(1)
    const [applied] = state.rekeys
    expect(await openRekey(subtle, space, applied!, stays.publicKey, keys.get(stays)!)).toBe(second)
    expect(await openRekey(subtle, space, applied!, owner.publicKey, keys.get(owner)!)).toBe(second)
    expect(await openRekey(subtle, space, applied!, removed.publicKey, keys.get(removed)!)).toBeUndefined()
    // Even with the box of a device that stays, the removed device's key opens nothing.
    expect(await openRekey(subtle, space, { ...applied!, sealed: new Map([[toHexString(removed.publicKey), applied!.sealed.get(toHexString(stays.publicKey))!]]) }, removed.publicKey, keys.get(removed)!)).toBeUndefined()
    expect(await previousSecret(subtle, applied!, second)).toBe(first)
    expect(await previousSecret(subtle, applied!, newShareSecret())).toBeUndefined()
    membership.stop()
  })

  it('[M10] of two concurrent rekeys, one starts the epoch, everywhere; an editor cannot rekey', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace()
    const [admin, editor] = [await newPerson(), await newPerson()]
    const addAdmin = await owner.say({ kind: StatementKind.add, person: admin.publicKey, role: Role.admin, name: 'A', x25519: new Uint8Array(0) }, [genesis])
    const addEditor = await owner.say({ kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'E', x25519: new Uint8Array(0) }, [addAdmin])
    const rekeyBy = (who: Person) => who.say({ kind: StatementKind.rekey, epoch: 1, sealed: [], previous: new Uint8Array(28) }, [addEditor])
    const [byOwner, byAdmin, byEditor] = [await rekeyBy(owner), await rekeyBy(admin), await rekeyBy(editor)]
    const state = resolveMembership([genesis, addAdmin, addEditor, byAdmin, byEditor, byOwner], { space })
    expect(state.epoch).toBe(1)
    expect(state.rekeys[0]?.statement).toBe(byOwner.id)
    expect(state.outcomes.get(byAdmin.id)).toBe(StatementOutcome.staleEpoch)
    expect(state.outcomes.get(byEditor.id)).toBe(StatementOutcome.notAllowed)
  })

  it('[M6][M10] "Reset link" revokes every open invite and re-keys: members stay, no link made before works', async () => {
    const { space, owner, newPerson } = await foundSpace()
    const sealing = await createSealingKey(subtle)
    const transport = new Y.Doc()
    const membership = new SpaceMembership({ space, transport, verify, now: () => 1_000, requiresGenesis: true })
    const ownerAuthor = authorOf(owner)
    await membership.say(ownerAuthor, { kind: StatementKind.genesis, salt: new Uint8Array(16).fill(7), name: 'Owner', x25519: sealing.publicKey })
    const editor = await newPerson()
    await membership.say(ownerAuthor, { kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'Ed', x25519: new Uint8Array(0) })
    const deviceDoc = new Y.Doc()
    await inviteFor(deviceDoc, space, membership, ownerAuthor, Role.editor, 0, 1_000)
    await inviteFor(deviceDoc, space, membership, ownerAuthor, Role.viewer, 1, 1_000)
    const before = newShareSecret()
    await resetLinks(membership, ownerAuthor, { subtle, space, secret: before }, 1_000)
    const state = membership.state
    expect([...state.invites.values()].filter((invite) => isOpen(invite, 1_000))).toEqual([])
    expect(state.epoch).toBe(1)
    expect(state.members.size).toBe(2)
    const secret = await openRekey(subtle, space, state.rekeys[0]!, owner.publicKey, sealing)
    expect(secret).toBeDefined()
    expect(secret).not.toBe(before)
    membership.stop()
  })
})
