import { describe, expect, it } from 'vitest'
import { Role } from '../../../src/core/members/roles.ts'
import { StatementKind } from '../../../src/core/members/statement.ts'
import { EnvelopeRejection } from '../../../src/core/space/envelopeRejection.ts'
import { add, team, titles, type Peer } from '../../helpers/signedMesh.ts'

const NO_KEY = new Uint8Array(0)

const refusedAsNotPermitted = (peer: Peer): number => peer.signed.log.rejections.get(EnvelopeRejection.notPermitted) ?? 0

describe('roles, enforced per envelope', () => {
  it('[M7] a viewer’s forced edit never shows on another peer, and counts as refused; an editor’s shows everywhere', async () => {
    const { mesh, owner, others } = await team([Role.editor, Role.viewer])
    const [editor, viewer] = others as [Peer, Peer]
    add(viewer.content, 'forced by the viewer')
    add(editor.content, 'from the editor')
    await mesh.settled()
    for (const peer of [owner, editor]) expect(titles(peer.content)).toEqual(['from the editor'])
    expect(titles(viewer.content)).toContain('from the editor')
    expect(refusedAsNotPermitted(owner)).toBe(1)
    expect(refusedAsNotPermitted(editor)).toBe(1)
  })

  it('[M2][M7] a replica writes no content either', async () => {
    const { mesh, owner, others } = await team([Role.replica])
    add(others[0]!.content, 'from the replica')
    await mesh.settled()
    expect(titles(owner.content)).toEqual([])
  })

  it('[M9] a newcomer’s edits that arrive before their admission wait, and show once it arrives', async () => {
    const { mesh, owner } = await team([])
    const newcomer = await mesh.join({ owner: owner.key.publicKey })
    add(newcomer.content, 'written while joining')
    await mesh.settled()
    expect(titles(owner.content)).toEqual([])
    expect(refusedAsNotPermitted(owner)).toBe(0)
    await owner.membership!.say(owner.author, { kind: StatementKind.add, person: newcomer.key.publicKey, role: Role.editor, name: 'New', x25519: NO_KEY })
    await mesh.settled()
    expect(titles(owner.content)).toEqual(['written while joining'])
  })

  it('[M9] a viewer promoted to editor: what they write after the promotion shows', async () => {
    const { mesh, owner, others } = await team([Role.viewer])
    const viewer = others[0]!
    await owner.membership!.say(owner.author, { kind: StatementKind.role, person: viewer.key.publicKey, role: Role.editor, cut: owner.signed.lanesOf(viewer.key.publicKey) })
    await mesh.settled()
    add(viewer.content, 'now an editor')
    await mesh.settled()
    expect(titles(owner.content)).toEqual(['now an editor'])
  })

  it('[M8] a removed editor keeps typing, offline: nothing after the cut reaches anyone, and what came before stays', async () => {
    const { mesh, owner, others } = await team([Role.editor, Role.editor])
    const [removed, third] = others as [Peer, Peer]
    add(removed.content, 'before the removal')
    await mesh.settled()
    mesh.disconnect(removed)
    add(removed.content, 'typed after the removal')
    await owner.membership!.say(owner.author, { kind: StatementKind.remove, person: removed.key.publicKey, cut: owner.signed.lanesOf(removed.key.publicKey) })
    await mesh.settled()
    mesh.reconnect(removed)
    await mesh.settled()
    for (const peer of [owner, third]) expect(titles(peer.content)).toEqual(['before the removal'])
    expect(refusedAsNotPermitted(owner)).toBeGreaterThan(0)
  })

  it('[M8] a peer that applied a removed member’s edit before it heard of the removal is told to rebuild, and its log rebuilds without it', async () => {
    const { mesh, owner, others } = await team([Role.editor, Role.editor])
    const [removed, third] = others as [Peer, Peer]
    add(removed.content, 'before the removal')
    await mesh.settled()
    // The owner removes while cut off from the others: the third peer meanwhile applies the removed member's next edit.
    mesh.disconnect(owner)
    const cut = owner.signed.lanesOf(removed.key.publicKey)
    await owner.membership!.say(owner.author, { kind: StatementKind.remove, person: removed.key.publicKey, cut })
    add(removed.content, 'racing the removal')
    await mesh.settled()
    expect(titles(third.content)).toContain('racing the removal')
    let rebuildAsked = false
    third.signed.onRebuildNeeded(() => (rebuildAsked = true))
    mesh.reconnect(owner)
    await mesh.settled()
    expect(rebuildAsked).toBe(true)
    const rebuilt = new (await import('yjs')).Doc()
    ;(await import('yjs')).applyUpdate(rebuilt, await third.signed.rebuiltContent())
    expect(titles(rebuilt)).toEqual(['before the removal'])
    expect(titles(owner.content)).toEqual(['before the removal'])
  })
})
