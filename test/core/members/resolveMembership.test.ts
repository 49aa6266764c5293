import { toHexString } from 'lib0/buffer'
import { describe, expect, it } from 'vitest'
import { envelopeVerdict } from '../../../src/core/members/envelopeVerdict.ts'
import { resolveMembership, StatementOutcome, type MembershipState } from '../../../src/core/members/resolveMembership.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { StatementKind, type Statement } from '../../../src/core/members/statement.ts'
import { newSpaceId } from '../../../src/core/space/ids.ts'
import { foundSpace, inviteKey, person, type Person } from '../../helpers/membershipPeople.ts'

const hex = (person: Person): string => toHexString(person.publicKey)
const roleOf = (state: MembershipState, who: Person): string | undefined => state.members.get(hex(who))?.role
const NO_KEY = new Uint8Array(0)

/** A founded space with an admin and an editor, each added by the owner. */
async function teamSpace() {
  const founded = await foundSpace()
  const { owner, genesis, newPerson } = founded
  const [admin, editor, viewer] = [await newPerson(), await newPerson(), await newPerson()]
  const addAdmin = await owner.say({ kind: StatementKind.add, person: admin.publicKey, role: Role.admin, name: 'Ada', x25519: NO_KEY }, [genesis])
  const addEditor = await owner.say({ kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'Ed', x25519: NO_KEY }, [addAdmin])
  const addViewer = await owner.say({ kind: StatementKind.add, person: viewer.publicKey, role: Role.viewer, name: 'Vi', x25519: NO_KEY }, [addEditor])
  return { ...founded, admin, editor, viewer, statements: [genesis, addAdmin, addEditor, addViewer], head: addViewer }
}

describe('resolveMembership', () => {
  it('[M1] the genesis whose author and salt make the space id founds it; a genesis signed by anyone else is ignored, with all that descends from it', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace()
    const usurper = await newPerson()
    const forged = await usurper.say({ kind: StatementKind.genesis, salt: new Uint8Array(16).fill(7), name: 'Me', x25519: NO_KEY }, [])
    const forgedAdd = await usurper.say({ kind: StatementKind.add, person: owner.publicKey, role: Role.viewer, name: 'demoted', x25519: NO_KEY }, [forged])
    const state = resolveMembership([forged, forgedAdd, genesis], { space })
    expect(state.genesis).toBe(genesis.id)
    expect(roleOf(state, owner)).toBe(Role.owner)
    expect(roleOf(state, usurper)).toBeUndefined()
    expect([...state.members.keys()]).toEqual([hex(owner)])
  })

  it('[M1] in a space made before membership, only the recorded owner can found it', async () => {
    const legacySpace = newSpaceId()
    const owner = await person(() => legacySpace)
    const other = await person(() => legacySpace)
    const ownerGenesis = await owner.say({ kind: StatementKind.genesis, salt: NO_KEY, name: 'Owner', x25519: NO_KEY }, [])
    const otherGenesis = await other.say({ kind: StatementKind.genesis, salt: NO_KEY, name: 'Other', x25519: NO_KEY }, [])
    expect(resolveMembership([otherGenesis, ownerGenesis], { space: legacySpace, legacyOwner: owner.publicKey }).genesis).toBe(ownerGenesis.id)
    expect(resolveMembership([otherGenesis, ownerGenesis], { space: legacySpace }).genesis).toBeUndefined()
  })

  it('[M2] editors and viewers change nothing; an admin cannot make admins or act on the owner; the owner can', async () => {
    const { space, owner, admin, editor, viewer, statements, head, newPerson } = await teamSpace()
    const stranger = await newPerson()
    const editorAdds = await editor.say({ kind: StatementKind.add, person: stranger.publicKey, role: Role.editor, name: 'S', x25519: NO_KEY }, [head])
    const viewerPromotes = await viewer.say({ kind: StatementKind.role, person: viewer.publicKey, role: Role.editor, cut: [] }, [head])
    const adminMakesAdmin = await admin.say({ kind: StatementKind.role, person: editor.publicKey, role: Role.admin, cut: [] }, [head])
    const adminRemovesOwner = await admin.say({ kind: StatementKind.remove, person: owner.publicKey, cut: [] }, [head])
    const adminDemotesViewer = await admin.say({ kind: StatementKind.role, person: viewer.publicKey, role: Role.replica, cut: [] }, [head])
    const state = resolveMembership([...statements, editorAdds, viewerPromotes, adminMakesAdmin, adminRemovesOwner, adminDemotesViewer], { space })
    expect(state.outcomes.get(editorAdds.id)).toBe(StatementOutcome.notAllowed)
    expect(state.outcomes.get(viewerPromotes.id)).toBe(StatementOutcome.notAllowed)
    expect(state.outcomes.get(adminMakesAdmin.id)).toBe(StatementOutcome.notAllowed)
    expect(state.outcomes.get(adminRemovesOwner.id)).toBe(StatementOutcome.notAllowed)
    expect(state.outcomes.get(adminDemotesViewer.id)).toBe(StatementOutcome.applied)
    expect([roleOf(state, owner), roleOf(state, editor), roleOf(state, viewer), roleOf(state, stranger)]).toEqual([Role.owner, Role.editor, Role.replica, undefined])
    const ownerPromotes = await owner.say({ kind: StatementKind.role, person: editor.publicKey, role: Role.admin, cut: [] }, [head])
    expect(roleOf(resolveMembership([...statements, ownerPromotes], { space }), editor)).toBe(Role.admin)
  })

  it('[M2] any member but the owner may leave', async () => {
    const { space, owner, viewer, statements, head } = await teamSpace()
    const leaves = await viewer.say({ kind: StatementKind.remove, person: viewer.publicKey, cut: [] }, [head])
    const ownerLeaves = await owner.say({ kind: StatementKind.remove, person: owner.publicKey, cut: [] }, [head])
    const state = resolveMembership([...statements, leaves, ownerLeaves], { space })
    expect(roleOf(state, viewer)).toBeUndefined()
    expect(state.removed.get(hex(viewer))?.name).toBe('Vi')
    expect(roleOf(state, owner)).toBe(Role.owner)
  })

  it('[M3][M4] two admins who remove each other at once: the senior one stays, everywhere, and what the other signed meanwhile is void', async () => {
    const { space, owner, admin, editor, statements, head, newPerson } = await teamSpace()
    const promote = await owner.say({ kind: StatementKind.role, person: editor.publicKey, role: Role.admin, cut: [] }, [head])
    const newcomer = await newPerson()
    // Both saw the promotion, neither saw the other's removal.
    const adaRemovesEd = await admin.say({ kind: StatementKind.remove, person: editor.publicKey, cut: [] }, [promote])
    const edRemovesAda = await editor.say({ kind: StatementKind.remove, person: admin.publicKey, cut: [] }, [promote])
    const edAdds = await editor.say({ kind: StatementKind.add, person: newcomer.publicKey, role: Role.editor, name: 'N', x25519: NO_KEY }, [promote])
    const all = [...statements, promote, adaRemovesEd, edRemovesAda, edAdds]
    const state = resolveMembership(all, { space })
    expect(roleOf(state, admin)).toBe(Role.admin)
    expect(roleOf(state, editor)).toBeUndefined()
    expect(roleOf(state, newcomer)).toBeUndefined()
    expect(state.outcomes.get(edAdds.id)).toBe(StatementOutcome.voidAuthorRemoved)
    expect(snapshot(resolveMembership([...all].reverse(), { space }))).toEqual(snapshot(state))
  })

  it('[M4] what a removed admin signed before the removal (its ancestors) still counts', async () => {
    const { space, owner, admin, statements, head, newPerson } = await teamSpace()
    const newcomer = await newPerson()
    const adminAdds = await admin.say({ kind: StatementKind.add, person: newcomer.publicKey, role: Role.viewer, name: 'N', x25519: NO_KEY }, [head])
    const removal = await owner.say({ kind: StatementKind.remove, person: admin.publicKey, cut: [] }, [adminAdds])
    const state = resolveMembership([...statements, adminAdds, removal], { space })
    expect(roleOf(state, newcomer)).toBe(Role.viewer)
    expect(roleOf(state, admin)).toBeUndefined()
  })

  it('[M5] a removal wins over an add it did not see; adding again after it counts', async () => {
    const { space, owner, admin, viewer, statements, head } = await teamSpace()
    const removal = await owner.say({ kind: StatementKind.remove, person: viewer.publicKey, cut: [] }, [head])
    const promote = await admin.say({ kind: StatementKind.role, person: viewer.publicKey, role: Role.editor, cut: [] }, [head])
    expect(roleOf(resolveMembership([...statements, removal, promote], { space }), viewer)).toBeUndefined()
    const readd = await admin.say({ kind: StatementKind.add, person: viewer.publicKey, role: Role.editor, name: 'Vi', x25519: NO_KEY }, [removal, promote])
    const state = resolveMembership([...statements, removal, promote, readd], { space })
    expect(roleOf(state, viewer)).toBe(Role.editor)
    expect(state.removed.has(hex(viewer))).toBe(false)
  })

  it('[M6] an invite admits with its role; expired, revoked, used-up and unseen invites admit nobody', async () => {
    const { space, owner, statements, head, newPerson } = await teamSpace()
    const key = await inviteKey()
    const invite = await owner.say({ kind: StatementKind.invite, invite: key.publicKey, role: Role.viewer, expiresAt: 5_000, uses: 1 }, [head])
    const [first, second, late, early] = [await newPerson(), await newPerson(), await newPerson(), await newPerson()]
    const firstAccept = await key.accept(first, space, [invite], 2_000, 'First')
    const secondAccept = await key.accept(second, space, [invite], 2_000)
    const lateAccept = await key.accept(late, space, [invite], 6_000)
    const unseen = await key.accept(early, space, [head], 2_000)
    const state = resolveMembership([...statements, invite, firstAccept, secondAccept, lateAccept, unseen], { space })
    const admitted = [first, second].filter((who) => roleOf(state, who) === Role.viewer)
    expect(admitted).toHaveLength(1)
    expect(state.outcomes.get(lateAccept.id)).toBe(StatementOutcome.inviteExpired)
    expect(state.outcomes.get(unseen.id)).toBe(StatementOutcome.unknownInvite)
    expect(state.invites.get(toHexString(key.publicKey))?.used).toBe(1)
    expect(state.members.get(hex(first))?.name ?? state.members.get(hex(second))?.name).toBeTruthy()
  })

  it('[M6] a revocation voids the accepts it did not see, and refuses those after it', async () => {
    const { space, owner, admin, statements, head, newPerson } = await teamSpace()
    const key = await inviteKey()
    const invite = await owner.say({ kind: StatementKind.invite, invite: key.publicKey, role: Role.editor, expiresAt: 1e12, uses: 0 }, [head])
    const [racer, after] = [await newPerson(), await newPerson()]
    const revoke = await admin.say({ kind: StatementKind.revokeInvite, invite: key.publicKey }, [invite])
    const racing = await key.accept(racer, space, [invite])
    const afterRevoke = await key.accept(after, space, [revoke])
    const state = resolveMembership([...statements, invite, revoke, racing, afterRevoke], { space })
    expect(roleOf(state, racer)).toBeUndefined()
    expect(roleOf(state, after)).toBeUndefined()
    expect(state.outcomes.get(racing.id)).toBe(StatementOutcome.voidInviteRevoked)
    expect(state.outcomes.get(afterRevoke.id)).toBe(StatementOutcome.inviteRevoked)
    expect(state.invites.get(toHexString(key.publicKey))?.revoked).toBe(true)
  })

  it('[M7][M8] envelopes are judged by the role at their cut: a demoted editor keeps what came before, a removed one nothing after', async () => {
    const { space, owner, editor, viewer, statements, head } = await teamSpace()
    const lane = new Uint8Array(32).fill(1)
    const otherLane = new Uint8Array(32).fill(2)
    const demote = await owner.say({ kind: StatementKind.role, person: editor.publicKey, role: Role.viewer, cut: [{ lane, seq: 4 }] }, [head])
    const demoted = resolveMembership([...statements, demote], { space })
    expect(envelopeVerdict(demoted, editor.publicKey, lane, 4)).toBe('apply')
    expect(envelopeVerdict(demoted, editor.publicKey, lane, 5)).toBe('withhold')
    expect(envelopeVerdict(demoted, viewer.publicKey, lane, 0)).toBe('withhold')
    const removal = await owner.say({ kind: StatementKind.remove, person: editor.publicKey, cut: [{ lane, seq: 9 }] }, [demote])
    const removed = resolveMembership([...statements, demote, removal], { space })
    expect(envelopeVerdict(removed, editor.publicKey, lane, 3)).toBe('apply')
    // Written as a viewer (up to the removal's cut): settled, never applied.
    expect(envelopeVerdict(removed, editor.publicKey, lane, 7)).toBe('refuse')
    expect(envelopeVerdict(removed, editor.publicKey, lane, 10)).toBe('refuse')
    expect(envelopeVerdict(removed, editor.publicKey, otherLane, 0)).toBe('refuse')
    const readd = await owner.say({ kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'Ed', x25519: NO_KEY }, [removal])
    const back = resolveMembership([...statements, demote, removal, readd], { space })
    expect(envelopeVerdict(back, editor.publicKey, lane, 10)).toBe('refuse')
    expect(envelopeVerdict(back, editor.publicKey, otherLane, 0)).toBe('apply')
  })

  it('[M9] an envelope of someone not known as a member is parked, not refused', async () => {
    const { space, statements, newPerson } = await teamSpace()
    const stranger = await newPerson()
    expect(envelopeVerdict(resolveMembership(statements, { space }), stranger.publicKey, new Uint8Array(32), 0)).toBe('park')
  })

  it('[M3] five peers making conflicting statements while partitioned converge on one membership, whatever order each received them in', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const random = seeded(seed)
      const { space, owner, admin, editor, viewer, statements, newPerson } = await teamSpace()
      const promote = await owner.say({ kind: StatementKind.role, person: editor.publicKey, role: Role.admin, cut: [] }, [statements.at(-1)!])
      const everyone: Person[] = [owner, admin, editor, viewer, await newPerson(), await newPerson()]
      // Five peers: each holds what it has heard of, and signs with its own heads as parents.
      const heard: Statement[][] = [0, 1, 2, 3, 4].map(() => [...statements, promote])
      const all = [...statements, promote]
      for (let step = 0; step < 30; step++) {
        const peer = Math.floor(random() * 5)
        const author = everyone[peer]!
        const local = heard[peer]!
        const target = everyone[Math.floor(random() * everyone.length)]!
        const state = resolveMembership(local, { space })
        const parents = state.heads.map((hash) => local.find((statement) => toHexString(statement.hash) === toHexString(hash))!)
        const choice = random()
        const statement =
          choice < 0.35
            ? await author.say({ kind: StatementKind.remove, person: target.publicKey, cut: [] }, parents)
            : choice < 0.7
              ? await author.say({ kind: StatementKind.add, person: target.publicKey, role: random() < 0.5 ? Role.editor : Role.admin, name: 'x', x25519: NO_KEY }, parents)
              : await author.say({ kind: StatementKind.role, person: target.publicKey, role: [Role.admin, Role.editor, Role.viewer][Math.floor(random() * 3)]!, cut: [] }, parents)
        local.push(statement)
        all.push(statement)
        // Partial sync: sometimes a peer hears everything so far.
        if (random() < 0.3) heard[Math.floor(random() * 5)] = [...all]
      }
      const results = [0, 1, 2, 3, 4].map(() => snapshot(resolveMembership(shuffle([...all], random), { space })))
      for (const result of results) expect(result).toEqual(results[0])
    }
  })
})

function snapshot(state: MembershipState): unknown {
  return {
    members: [...state.members.values()].map((member) => [member.person, member.role]).sort(),
    removed: [...state.removed.keys()].sort(),
    outcomes: [...state.outcomes].sort(),
  }
}

function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1))
    ;[items[index], items[other]] = [items[other]!, items[index]!]
  }
  return items
}
