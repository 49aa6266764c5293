/**
 * The personal node as a keyed device (NodeDevice, through PersonalNode):
 * over a real LevelDB data folder, its rooms an in-process network shared
 * with a browser-like device (a real SpaceLibrary). It joins with a member's
 * share link, is admitted, and runs the space's schedule: a `doc` operation
 * every 100 ms counts once per occurrence, each run recorded once, by the
 * node; after a restart it goes on from what its disk held, and runs none
 * again.
 */
import { toHexString } from 'lib0/buffer'
import { describe, expect, it, vi } from 'vitest'
import { publicKeyFromDid } from '../../src/core/identity/didKey.ts'
import { inviteFor } from '../../src/core/members/invites.ts'
import { Role } from '../../src/core/members/roles.ts'
import { docKind } from '../../src/core/scheduler/docKind.ts'
import { readCounter } from '../../src/core/scheduler/docResults.ts'
import { KindRegistry } from '../../src/core/scheduler/kinds.ts'
import { DEFAULT_BUDGET, type SchedulerId } from '../../src/core/scheduler/schedulers.ts'
import { SpaceSchedule } from '../../src/core/scheduler/SpaceSchedule.ts'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { newShareSecret, replicaLink, shareLink, type InviteSecret } from '../../src/core/space/shareLink.ts'
import { NodeInputError, PersonalNode } from '../../src/node/PersonalNode.ts'
import { InstantNetwork } from '../helpers/instantNetwork.ts'
import { keyedDevice } from '../helpers/keyedDevice.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-keyed-')
const UNTIL = { timeout: 30_000, interval: 20 }
const quiet = { info: () => {}, warn: () => {} }
const FAST = 'every-100-ms' as SchedulerId
/** The 1 s scheduler every space starts with (SCH4). */
const SECOND = 'every-second' as SchedulerId
const TIMES = 20

/** One ok run record per occurrence `<operation>#0…times-1`, each by `by`, and no other. */
function ranOnce(schedule: SpaceSchedule, operation: string, times: number, by: string): boolean {
  const records = schedule.runs.recordsOf(operation)
  const occurrences = records.map((record) => record.occurrence).sort()
  expect(occurrences).toEqual(Array.from({ length: times }, (_, index) => `${operation}#${index}`).sort())
  expect(records.map((record) => [record.by, record.outcome])).toEqual(records.map(() => [by, 'ok']))
  return true
}

async function ownerWithLink(rooms: InstantNetwork) {
  const { library, deviceDoc } = keyedDevice(rooms)
  const session = await library.create('Game')
  const sync = await session.sync
  await vi.waitFor(() => expect(sync.membership.founded).toBe(true), UNTIL)
  const invite = await inviteFor(deviceDoc, session.id, sync.membership, sync.author, Role.editor, 1, Date.now())
  const schedule = new SpaceSchedule({ doc: session.doc, kinds: new KindRegistry([docKind]), now: Date.now, actor: 'did:key:z6MkOwner', newId: () => 'tick' })
  return { session, sync, schedule, link: shareLink('https://pii.example', session.id, sync.secret!, invite) }
}

describe('the node as a keyed device', () => {
  it('joins with a share link, is admitted as an editor, and runs a 100 ms doc operation once per occurrence; restarted, it runs none of them again', async () => {
    const folder = await newFolder()
    const rooms = new InstantNetwork()
    const owner = await ownerWithLink(rooms)
    const open = () => PersonalNode.open({ folder, name: 'Home node', log: quiet, rooms: () => rooms, joinGraceMs: 100 })
    const node = await open()
    const joined = await node.join(owner.link)
    expect(joined).toMatchObject({ space: owner.session.id, kept: 'keyed', relay: 'wss://pii.example/' })
    await vi.waitFor(() => expect(node.spaces()).toMatchObject([{ space: owner.session.id, kept: 'keyed', role: 'editor', admitted: true, scheduling: true }]), UNTIL)
    // The owner's device sees the node as a member, under its name.
    const nodeKey = toHexString(publicKeyFromDid(node.device))
    await vi.waitFor(() => expect(owner.sync.membership.state.members.get(nodeKey)).toMatchObject({ role: 'editor', name: 'Home node' }), UNTIL)

    // Planned on the owner's device, which runs no scheduler: only the node can run it.
    owner.session.edit(() => {
      owner.schedule.saveScheduler({ id: FAST, name: 'Every 100 ms', everyMs: 100, budget: DEFAULT_BUDGET, paused: false })
      owner.schedule.createOperation({ schedulerId: FAST, title: 'Tick', kind: 'doc', input: { action: 'increment', counter: 'ticks', by: 1 }, dueAt: Date.now() + 500, repeat: { kind: 'every', everyMs: 100 }, times: TIMES, catchUp: 'all' })
    })
    await vi.waitFor(() => expect(readCounter(owner.session.doc, 'ticks')).toBe(TIMES), UNTIL)
    // A run's record is written once its effect is (a later envelope): the effect may be seen first (G3 makes a rerun harmless).
    await vi.waitFor(() => expect(ranOnce(owner.schedule, 'tick', TIMES, node.device)).toBe(true), UNTIL)
    expect(node.schedulerFigures()).toMatchObject({ spaces: 1, runsPerformed: TIMES, runsFailed: 0 })
    await node.stop()

    // Restarted on the same folder: it rebuilds the space from its log on disk, and finds every occurrence recorded.
    const again = await open()
    await vi.waitFor(() => expect(again.spaces()).toMatchObject([{ scheduling: true }]), UNTIL)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(readCounter(owner.session.doc, 'ticks')).toBe(TIMES)
    expect(ranOnce(owner.schedule, 'tick', TIMES, node.device)).toBe(true)
    expect(again.schedulerFigures().runsPerformed).toBe(0)

    // remove: the space leaves the node (its listing and its log).
    expect(await again.remove(owner.session.id)).toBe(true)
    expect(again.spaces()).toEqual([])
    await again.stop()
    owner.session.release()
  })

  it('stopped between two occurrences of a 1 s operation and started again, goes on where it was: each occurrence once', async () => {
    const folder = await newFolder()
    const rooms = new InstantNetwork()
    const owner = await ownerWithLink(rooms)
    const open = () => PersonalNode.open({ folder, name: 'Home node', log: quiet, rooms: () => rooms, joinGraceMs: 100 })
    const node = await open()
    await node.join(owner.link)
    await vi.waitFor(() => expect(node.spaces()).toMatchObject([{ scheduling: true }]), UNTIL)
    owner.session.edit(() => {
      owner.schedule.ensureDefaultSchedulers()
      owner.schedule.createOperation({ schedulerId: SECOND, title: 'Tick', kind: 'doc', input: { action: 'increment', counter: 'ticks', by: 1 }, dueAt: Date.now() + 300, repeat: { kind: 'every', everyMs: 1_000 }, times: 4, catchUp: 'all' })
    })
    // Right after the second run: the third is not claimed before 250 ms ahead of its time.
    await vi.waitFor(() => expect(readCounter(owner.session.doc, 'ticks')).toBe(2), { timeout: 20_000, interval: 5 })
    await node.stop()
    const again = await open()
    await vi.waitFor(() => expect(readCounter(owner.session.doc, 'ticks')).toBe(4), UNTIL)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(readCounter(owner.session.doc, 'ticks')).toBe(4)
    await vi.waitFor(() => expect(ranOnce(owner.schedule, 'tick', 4, node.device)).toBe(true), UNTIL)
    expect(again.schedulerFigures().runsPerformed).toBe(2)
    await again.stop()
    owner.session.release()
  })

  it('refuses a replica link, a damaged link, and a space it keeps the other way, each with a sentence', async () => {
    const rooms = new InstantNetwork()
    const owner = await ownerWithLink(rooms)
    const node = await PersonalNode.open({ folder: await newFolder(), name: 'Home node', log: quiet, network: false })
    const cases: Array<[string, RegExp]> = [
      ['not a link', /is not a link/],
      ['https://host/#/r/a/b/c', /This is a replica link/],
      ['https://host/#/s/abc/def', /damaged/],
    ]
    for (const [link, message] of cases) {
      const refused = await node.join(link).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(NodeInputError)
      expect((refused as Error).message).toMatch(message)
    }
    await node.join(owner.link)
    expect(node.spaces()).toMatchObject([{ space: owner.session.id, kept: 'keyed', admitted: false }])
    // Joining again changes nothing.
    expect(await node.join(owner.link)).toMatchObject({ space: owner.session.id })
    expect(node.spaces()).toHaveLength(1)
    // One way or the other: a space held keyed is not kept blind as well, nor the other way round.
    const anyInvite = newShareSecret() as string as InviteSecret
    const sameSpaceBlind = await node.replicate(replicaLink('https://pii.example', owner.session.id, owner.sync.secret!, anyInvite)).catch((error: unknown) => error)
    expect((sameSpaceBlind as Error).message).toMatch(/holds space \w+ keyed already/)
    const other = newSpaceId()
    const otherSecret = newShareSecret()
    await node.replicate(replicaLink('https://pii.example', other, otherSecret, anyInvite))
    const otherKeyed = await node.join(shareLink('https://pii.example', other, otherSecret, anyInvite)).catch((error: unknown) => error)
    expect((otherKeyed as Error).message).toMatch(/keeps space \w+ as a blind replica/)
    expect(node.spaces().map((space) => space.kept)).toEqual(['blind', 'keyed'])
    await node.stop()
    owner.session.release()
  })
})
