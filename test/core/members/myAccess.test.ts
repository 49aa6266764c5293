import { toHexString } from 'lib0/buffer'
import { describe, expect, it } from 'vitest'
import { accessOf, type Access } from '../../../src/core/members/myAccess.ts'
import { resolveMembership } from '../../../src/core/members/resolveMembership.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { StatementKind } from '../../../src/core/members/statement.ts'
import { foundSpace, inviteKey } from '../../helpers/membershipPeople.ts'

const NO_KEY = new Uint8Array(0)
const problemOf = (access: Access): string | undefined => (access.kind === 'joining' ? access.problem : undefined)

describe('what this device may do, and why not', () => {
  it('says why a link no longer lets anyone in: revoked, expired, used up, or older than the space’s key', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace()
    const [used, joiner] = [await newPerson(), await newPerson()]
    const key = await inviteKey()
    const invite = await owner.say({ kind: StatementKind.invite, invite: key.publicKey, role: Role.viewer, expiresAt: 10_000, uses: 1 }, [genesis])
    const accept = await key.accept(used, space, [invite])
    const inviteHex = toHexString(key.publicKey)
    const base = { founded: true, device: joiner.publicKey, invite: inviteHex, epoch: 0 }
    const usedUp = resolveMembership([genesis, invite, accept], { space })
    expect(problemOf(accessOf({ ...base, state: usedUp, now: 5_000 }))).toContain('already used')
    expect(problemOf(accessOf({ ...base, state: resolveMembership([genesis, invite], { space }), now: 20_000 }))).toContain('expired')
    const revoke = await owner.say({ kind: StatementKind.revokeInvite, invite: key.publicKey }, [invite])
    expect(problemOf(accessOf({ ...base, state: resolveMembership([genesis, invite, revoke], { space }), now: 5_000 }))).toContain('revoked')
    const rekey = await owner.say({ kind: StatementKind.rekey, epoch: 1, sealed: [], previous: new Uint8Array(28) }, [invite])
    expect(problemOf(accessOf({ ...base, state: resolveMembership([genesis, invite, rekey], { space }), now: 5_000 }))).toContain('older than')
    expect(accessOf({ ...base, state: resolveMembership([genesis, invite], { space }), now: 5_000 })).toEqual({ kind: 'joining' })
  })

  it('a member reads their role; a viewer neither edits nor manages; a removed member is told by whom', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace('Olga')
    const viewer = await newPerson()
    const add = await owner.say({ kind: StatementKind.add, person: viewer.publicKey, role: Role.viewer, name: 'Vi', x25519: NO_KEY }, [genesis])
    const state = resolveMembership([genesis, add], { space })
    expect(accessOf({ state, founded: true, device: viewer.publicKey, epoch: 0, now: 0 })).toEqual({ kind: 'member', role: Role.viewer, edits: false, manages: false })
    expect(accessOf({ state, founded: true, device: owner.publicKey, epoch: 0, now: 0 })).toEqual({ kind: 'member', role: Role.owner, edits: true, manages: true })
    const removal = await owner.say({ kind: StatementKind.remove, person: viewer.publicKey, cut: [] }, [add])
    expect(accessOf({ state: resolveMembership([genesis, add, removal], { space }), founded: true, device: viewer.publicKey, epoch: 0, now: 0 })).toEqual({ kind: 'removed', by: 'Olga' })
    // A space from before membership, not founded yet: everyone edits, as before.
    expect(accessOf({ state, founded: false, device: viewer.publicKey, epoch: 0, now: 0 })).toEqual({ kind: 'open' })
  })
})
