import { toHexString } from 'lib0/buffer'
import { describe, expect, it } from 'vitest'
import { verifySignature } from '../../../src/core/identity/deviceKey.ts'
import { sealingRecipients } from '../../../src/core/members/epochs.ts'
import { envelopeVerdict } from '../../../src/core/members/envelopeVerdict.ts'
import { accessOf } from '../../../src/core/members/myAccess.ts'
import { rekeyOwed } from '../../../src/core/members/unlinkDevice.ts'
import { devicesOf, MAX_DEVICES_PER_PERSON, memberOfDevice, resolveMembership, StatementOutcome } from '../../../src/core/members/resolveMembership.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { pairingMessage, StatementKind, verifyStatement } from '../../../src/core/members/statement.ts'
import { foundSpace, linkStatement, type Person } from '../../helpers/membershipPeople.ts'

const hex = (who: Person): string => toHexString(who.publicKey)
const NO_KEY = new Uint8Array(0)
const verify = (key: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> => verifySignature(undefined, key, signature, message)
/** A lane key for envelopes of a test: any 32 bytes name a lane. */
const lane = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)

/** A space with its owner, an editor added by the owner, and the owner's second device (a phone) linked. */
async function ownerWithPhone() {
  const founded = await foundSpace()
  const { owner, genesis, newPerson } = founded
  const [editor, phone] = [await newPerson(), await newPerson()]
  const addEditor = await owner.say({ kind: StatementKind.add, person: editor.publicKey, role: Role.editor, name: 'Ed', x25519: NO_KEY }, [genesis])
  const link = await linkStatement(phone, owner, [addEditor], 3_000, 'Phone')
  return { ...founded, editor, phone, link, statements: [genesis, addEditor, link] }
}

describe('linked devices (M13, M14)', () => {
  it('[M13] a device paired with the owner acts as the owner: one person with two devices, both sealed to, both writing', async () => {
    const { space, owner, phone, statements } = await ownerWithPhone()
    const state = resolveMembership(statements, { space })
    expect(state.outcomes.get(statements[2]!.id)).toBe(StatementOutcome.applied)
    expect(state.members.size).toBe(2)
    expect(memberOfDevice(state, phone.publicKey)?.person).toBe(hex(owner))
    expect(memberOfDevice(state, phone.publicKey)?.role).toBe(Role.owner)
    expect(devicesOf(state, hex(owner)).map((device) => device.name)).toEqual(['Owner', 'Phone'])
    expect(envelopeVerdict(state, phone.publicKey, lane(1), 5)).toBe('apply')
    expect(sealingRecipients(state).map((recipient) => toHexString(recipient.device))).toEqual([hex(phone)])
    expect(accessOf({ state, founded: true, device: phone.publicKey, epoch: 0, now: 0 })).toMatchObject({ kind: 'member', role: Role.owner, manages: true })
    // And as the owner it manages: an invite it signs counts.
    const invite = await phone.say({ kind: StatementKind.invite, invite: lane(3), role: Role.editor, expiresAt: 10_000, uses: 1 }, [statements[2]!])
    expect(resolveMembership([...statements, invite], { space }).invites.has(toHexString(lane(3)))).toBe(true)
  })

  it('[M13] a link needs the partner’s signature of this very pairing: a forged or borrowed proof is no statement', async () => {
    const { owner, phone, editor, statements } = await ownerWithPhone()
    expect(await verifyStatement(statements[2]!, verify)).toBe(true)
    const selfSigned = await phone.say({ kind: StatementKind.link, partner: owner.publicKey, proof: await phone.signBytes(pairingMessage(phone.publicKey, owner.publicKey)), name: 'x', x25519: NO_KEY }, [statements[1]!])
    // The owner's signature of its pairing with the editor's device does not pair the phone.
    const borrowed = await phone.say({ kind: StatementKind.link, partner: owner.publicKey, proof: await owner.signBytes(pairingMessage(editor.publicKey, owner.publicKey)), name: 'x', x25519: NO_KEY }, [statements[1]!])
    const withItself = await phone.say({ kind: StatementKind.link, partner: phone.publicKey, proof: await phone.signBytes(pairingMessage(phone.publicKey, phone.publicKey)), name: 'x', x25519: NO_KEY }, [statements[1]!])
    expect(await Promise.all([selfSigned, borrowed, withItself].map((statement) => verifyStatement(statement, verify)))).toEqual([false, false, false])
  })

  it('[M13] a pairing is either way round: the owner’s first device links itself into a space its phone founded', async () => {
    const { owner: phone, genesis, space, newPerson } = await foundSpace('Phone')
    const laptop = await newPerson()
    const link = await linkStatement(laptop, phone, [genesis])
    expect(memberOfDevice(resolveMembership([genesis, link], { space }), laptop.publicKey)?.person).toBe(hex(phone))
  })

  it('[M13] a member cannot become someone else’s device, a device cannot join two people, and a partner must be here', async () => {
    const { space, owner, editor, phone, statements, newPerson } = await ownerWithPhone()
    const stranger = await newPerson()
    const outsider = await newPerson()
    const editorJoinsOwner = await linkStatement(editor, owner, [statements[2]!])
    const phoneJoinsEditor = await linkStatement(phone, editor, [statements[2]!])
    const partnerNotHere = await linkStatement(stranger, outsider, [statements[2]!])
    const state = resolveMembership([...statements, editorJoinsOwner, phoneJoinsEditor, partnerNotHere], { space })
    expect(state.outcomes.get(editorJoinsOwner.id)).toBe(StatementOutcome.alreadyMember)
    expect(state.outcomes.get(phoneJoinsEditor.id)).toBe(StatementOutcome.alreadyMember)
    expect(state.outcomes.get(partnerNotHere.id)).toBe(StatementOutcome.unknownPartner)
    expect(memberOfDevice(state, editor.publicKey)?.role).toBe(Role.editor)
    expect(memberOfDevice(state, phone.publicKey)?.person).toBe(hex(owner))
  })

  it('[M13] a linked device has its person’s role, no more: an editor’s phone cannot invite, a viewer’s phone writes nothing', async () => {
    const { space, owner, editor, statements, newPerson } = await ownerWithPhone()
    const editorsPhone = await newPerson()
    const link = await linkStatement(editorsPhone, editor, [statements[2]!])
    const invite = await editorsPhone.say({ kind: StatementKind.invite, invite: lane(4), role: Role.viewer, expiresAt: 10_000, uses: 1 }, [link])
    let state = resolveMembership([...statements, link, invite], { space })
    expect(state.outcomes.get(invite.id)).toBe(StatementOutcome.notAllowed)
    expect(envelopeVerdict(state, editorsPhone.publicKey, lane(5), 1)).toBe('apply')
    const demote = await owner.say({ kind: StatementKind.role, person: editor.publicKey, role: Role.viewer, cut: [{ lane: lane(5), seq: 1 }] }, [invite])
    state = resolveMembership([...statements, link, invite, demote], { space })
    expect(envelopeVerdict(state, editorsPhone.publicKey, lane(5), 1)).toBe('apply')
    expect(envelopeVerdict(state, editorsPhone.publicKey, lane(5), 2)).toBe('withhold')
  })

  it('[M13][M4][M8] removing a person removes every device of theirs: a link concurrent with the removal is void, and what a linked device writes past its cut is refused', async () => {
    const { space, owner, editor, phone, statements, newPerson } = await ownerWithPhone()
    const [editorsPhone, editorsTablet] = [await newPerson(), await newPerson()]
    const phoneLink = await linkStatement(editorsPhone, editor, [statements[2]!])
    const removal = await owner.say({ kind: StatementKind.remove, person: editor.publicKey, cut: [{ lane: lane(6), seq: 3 }] }, [phoneLink])
    // Signed by the editor's tablet without having seen the removal.
    const tabletLink = await linkStatement(editorsTablet, editor, [phoneLink])
    const state = resolveMembership([...statements, phoneLink, removal, tabletLink], { space })
    expect(state.members.has(hex(editor))).toBe(false)
    expect(state.devices.has(hex(editorsPhone))).toBe(false)
    expect(state.devices.has(hex(editorsTablet))).toBe(false)
    expect([StatementOutcome.voidAuthorRemoved, StatementOutcome.unknownPartner]).toContain(state.outcomes.get(tabletLink.id))
    expect(envelopeVerdict(state, editorsPhone.publicKey, lane(6), 3)).toBe('apply')
    expect(envelopeVerdict(state, editorsPhone.publicKey, lane(6), 4)).toBe('refuse')
    expect(envelopeVerdict(state, editorsPhone.publicKey, lane(7), 1)).toBe('refuse')
    expect(sealingRecipients(state).map((recipient) => toHexString(recipient.device))).toEqual([hex(phone)])
  })

  it('[M13] a removed person’s device does not come back by pairing with someone still in the space', async () => {
    const { space, owner, editor, statements } = await ownerWithPhone()
    const removal = await owner.say({ kind: StatementKind.remove, person: editor.publicKey, cut: [] }, [statements[2]!])
    const sneakBack = await linkStatement(editor, owner, [removal])
    const state = resolveMembership([...statements, removal, sneakBack], { space })
    expect(state.outcomes.get(sneakBack.id)).toBe(StatementOutcome.deviceNotLinkable)
    expect(memberOfDevice(state, editor.publicKey)).toBeUndefined()
  })

  it('[M14] another device of the person unlinks a lost one: past its cut it writes nothing, what it signed unseen is void, it cannot link again, and rekeys skip it', async () => {
    const { space, owner, phone, statements } = await ownerWithPhone()
    const unlink = await owner.say({ kind: StatementKind.unlink, device: phone.publicKey, cut: [{ lane: lane(8), seq: 10 }] }, [statements[2]!])
    // The thief, with the phone, signs an invite for themself without having seen the unlink.
    const thiefInvite = await phone.say({ kind: StatementKind.invite, invite: lane(9), role: Role.admin, expiresAt: 10_000, uses: 0 }, [statements[2]!])
    const relink = await linkStatement(phone, owner, [unlink])
    const state = resolveMembership([...statements, unlink, thiefInvite, relink], { space })
    expect(state.outcomes.get(unlink.id)).toBe(StatementOutcome.applied)
    expect(state.outcomes.get(thiefInvite.id)).toBe(StatementOutcome.voidAuthorRemoved)
    expect(state.invites.has(toHexString(lane(9)))).toBe(false)
    expect(state.outcomes.get(relink.id)).toBe(StatementOutcome.deviceNotLinkable)
    expect(memberOfDevice(state, phone.publicKey)).toBeUndefined()
    expect(envelopeVerdict(state, phone.publicKey, lane(8), 10)).toBe('apply')
    expect(envelopeVerdict(state, phone.publicKey, lane(8), 11)).toBe('refuse')
    expect(envelopeVerdict(state, phone.publicKey, lane(2), 1)).toBe('refuse')
    expect(sealingRecipients(state)).toEqual([])
    expect(accessOf({ state, founded: true, device: phone.publicKey, epoch: 0, now: 0 })).toMatchObject({ kind: 'removed', unlinked: true })
    // The owner is still the owner, on the device that stays.
    expect(memberOfDevice(state, owner.publicKey)?.role).toBe(Role.owner)
  })

  it('[M14] nobody unlinks another person’s device, and nobody unlinks their last one', async () => {
    const { space, owner, editor, phone, statements } = await ownerWithPhone()
    const editorUnlinksPhone = await editor.say({ kind: StatementKind.unlink, device: phone.publicKey, cut: [] }, [statements[2]!])
    const unlinkPhone = await owner.say({ kind: StatementKind.unlink, device: phone.publicKey, cut: [] }, [editorUnlinksPhone])
    const unlinkLast = await owner.say({ kind: StatementKind.unlink, device: owner.publicKey, cut: [] }, [unlinkPhone])
    const state = resolveMembership([...statements, editorUnlinksPhone, unlinkPhone, unlinkLast], { space })
    expect(state.outcomes.get(editorUnlinksPhone.id)).toBe(StatementOutcome.notAllowed)
    expect(state.outcomes.get(unlinkPhone.id)).toBe(StatementOutcome.applied)
    expect(state.outcomes.get(unlinkLast.id)).toBe(StatementOutcome.lastDevice)
  })

  it('[M14] the phone can unlink the person’s first device: the person, named by it, stays, and acts from the phone', async () => {
    const { space, owner, phone, statements } = await ownerWithPhone()
    const unlinkLaptop = await phone.say({ kind: StatementKind.unlink, device: owner.publicKey, cut: [] }, [statements[2]!])
    const state = resolveMembership([...statements, unlinkLaptop], { space })
    expect(memberOfDevice(state, phone.publicKey)?.role).toBe(Role.owner)
    expect(memberOfDevice(state, owner.publicKey)).toBeUndefined()
    expect(envelopeVerdict(state, owner.publicKey, lane(1), 1)).toBe('refuse')
  })

  it('[M15] an unlink owes a rekey until one starts a later epoch', async () => {
    const { space, owner, phone, statements } = await ownerWithPhone()
    const unlink = await owner.say({ kind: StatementKind.unlink, device: phone.publicKey, cut: [] }, [statements[2]!])
    expect(rekeyOwed(resolveMembership(statements, { space }))).toBe(false)
    expect(rekeyOwed(resolveMembership([...statements, unlink], { space }))).toBe(true)
    const rekey = await owner.say({ kind: StatementKind.rekey, epoch: 1, sealed: [], previous: new Uint8Array(28) }, [unlink])
    expect(rekeyOwed(resolveMembership([...statements, unlink, rekey], { space }))).toBe(false)
  })

  it('[M14] a lost device not linked in a space is unlinked there all the same, and its pairing never links it in later', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace()
    const thief = await newPerson()
    const unlink = await owner.say({ kind: StatementKind.unlink, device: thief.publicKey, cut: [] }, [genesis])
    const sneakIn = await linkStatement(thief, owner, [unlink])
    const state = resolveMembership([genesis, unlink, sneakIn], { space })
    expect(state.outcomes.get(unlink.id)).toBe(StatementOutcome.applied)
    expect(state.outcomes.get(sneakIn.id)).toBe(StatementOutcome.deviceNotLinkable)
    expect(memberOfDevice(state, thief.publicKey)).toBeUndefined()
  })

  it('[M14] of two devices of a person unlinking each other at once, the one linked first wins, whatever the hashes', async () => {
    const { space, owner, phone, statements } = await ownerWithPhone()
    const unlinkPhone = await owner.say({ kind: StatementKind.unlink, device: phone.publicKey, cut: [] }, [statements[2]!])
    // The thief, with the phone, signs its unlink of the laptop at once, trying times until its hash sorts first.
    let counter: Awaited<ReturnType<typeof phone.say>> | undefined
    for (let at = 5_000; !counter || counter.id > unlinkPhone.id; at++) counter = await phone.say({ kind: StatementKind.unlink, device: owner.publicKey, cut: [] }, [statements[2]!], at)
    const state = resolveMembership([...statements, unlinkPhone, counter], { space })
    expect(state.outcomes.get(unlinkPhone.id)).toBe(StatementOutcome.applied)
    expect(state.outcomes.get(counter.id)).toBe(StatementOutcome.voidAuthorRemoved)
    expect(memberOfDevice(state, owner.publicKey)?.role).toBe(Role.owner)
    expect(memberOfDevice(state, phone.publicKey)).toBeUndefined()
  })

  it('[M14] a device the lost one vouched for unseen by the unlink is void with it', async () => {
    const { space, owner, phone, statements, newPerson } = await ownerWithPhone()
    const accomplice = await newPerson()
    const unlink = await owner.say({ kind: StatementKind.unlink, device: phone.publicKey, cut: [] }, [statements[2]!])
    const vouched = await linkStatement(accomplice, phone, [statements[2]!])
    const state = resolveMembership([...statements, unlink, vouched], { space })
    expect(state.outcomes.get(vouched.id)).toBe(StatementOutcome.voidAuthorRemoved)
    expect(memberOfDevice(state, accomplice.publicKey)).toBeUndefined()
  })

  it('[DEV7] a person has at most MAX_DEVICES_PER_PERSON devices in a space: links past it do nothing', async () => {
    const { space, owner, genesis, newPerson } = await foundSpace()
    const links = []
    let parent = genesis
    for (let index = 0; index < MAX_DEVICES_PER_PERSON; index++) {
      parent = await linkStatement(await newPerson(), owner, [parent], 3_000 + index)
      links.push(parent)
    }
    const state = resolveMembership([genesis, ...links], { space })
    expect(devicesOf(state, hex(owner))).toHaveLength(MAX_DEVICES_PER_PERSON)
    expect(state.outcomes.get(links.at(-1)!.id)).toBe(StatementOutcome.notAllowed)
  })
})

