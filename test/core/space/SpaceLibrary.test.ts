import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { DocTransport } from '../../../src/core/space/DocTransport.ts'
import { addItem, itemText, readItems, setItemDone } from '../../../src/core/space/items.ts'
import { FIELD_EDIT } from '../../../src/core/space/editOrigins.ts'
import { newSpaceId, type ItemId, type SpaceId } from '../../../src/core/space/ids.ts'
import { didFromPublicKey } from '../../../src/core/identity/didKey.ts'
import { readSpaceMeta } from '../../../src/core/space/schema.ts'
import { newShareSecret, roomName, type InviteSecret, type ShareSecret } from '../../../src/core/space/shareLink.ts'
import { inviteFor } from '../../../src/core/members/invites.ts'
import { Role } from '../../../src/core/members/roles.ts'
import { StatementKind } from '../../../src/core/members/statement.ts'
import { toHexString } from 'lib0/buffer'
import { createDeviceKey, signWith, verifySignature } from '../../../src/core/identity/deviceKey.ts'
import type { LogAuthor } from '../../../src/core/space/SignedLog.ts'
import { SpaceLibrary, spaceDocName, type SpaceSession } from '../../../src/core/space/SpaceLibrary.ts'
import { laneClientId } from '../../../src/core/space/clientIds.ts'
import { EnvelopeKind, GENESIS_PREV, laneCertificateMessage, sealEnvelope } from '../../../src/core/space/envelope.ts'
import { newLaneKey } from '../../../src/core/space/laneKey.ts'
import { deriveContentKey } from '../../../src/core/space/contentCipher.ts'
import { decodeBase58 } from '../../../src/core/identity/base58.ts'
import { transportEnvelopes } from '../../../src/core/space/SignedLog.ts'
import type { RoomConnector } from '../../../src/core/space/SpaceRoom.ts'
import { listSpaces } from '../../../src/core/space/spaceList.ts'
import { MemoryDocStore } from '../../../src/storage/MemoryDocStore.ts'
import { InstantNetwork } from '../../helpers/instantNetwork.ts'

/** Tabs of one device, over BroadcastChannel. */
const InstantTransport = InstantNetwork
/** A network where every room's transport docs share every update at once; `connect(secret, doc)` puts a rogue member in a room. */
const InstantRooms = InstantNetwork

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)

async function deviceAuthor(): Promise<LogAuthor> {
  const key = await createDeviceKey(crypto.subtle)
  return { publicKey: key.publicKey, sign: (message) => signWith(key, crypto.subtle, message) }
}

function library(store = new MemoryDocStore(), tabs: DocTransport = new InstantTransport(), deviceDoc = new Y.Doc(), rooms?: RoomConnector) {
  return new SpaceLibrary({ deviceDoc, store, tabs, now: () => 1_700_000_000_000, author: deviceAuthor(), verify, ...(rooms ? { rooms: () => Promise.resolve(rooms) } : {}) })
}

/** What the join screen's "Join" does: list the space with its secret (and the link's invite), then open it. */
function joinShared(spaces: SpaceLibrary, id: SpaceId, secret: ShareSecret, invite?: InviteSecret) {
  spaces.addShared(id, secret, invite)
  return spaces.openSpace(id)
}

/** What Share makes on the inviting device: a "can edit" invite in the space's membership log. */
async function editInvite(deviceDoc: Y.Doc, session: SpaceSession): Promise<InviteSecret> {
  const { membership, author } = await session.sync
  await vi.waitFor(() => expect(membership.founded).toBe(true), UNTIL_SYNCED)
  return inviteFor(deviceDoc, session.id, membership, author, Role.editor, 0, Date.now())
}

/** Sync runs through signing and verification, which are asynchronous: ample for a busy machine (a wait ends once its condition holds). */
const UNTIL_SYNCED = { timeout: 15_000, interval: 5 }

describe('SpaceLibrary', () => {
  it('creates a space listed on the device, owned by the creator, with nothing to undo', async () => {
    const spaces = library()
    const session = await spaces.create('  Groceries  ')
    expect(readSpaceMeta(session.doc)).toMatchObject({ name: 'Groceries', formatVersion: 1 })
    const { membership, author } = await session.sync
    await vi.waitFor(() => expect(membership.state.members.get(toHexString(author.publicKey))?.role).toBe(Role.owner), UNTIL_SYNCED)
    // Who is a member is the membership log's to say: no map in the content claims it.
    expect(session.doc.getMap('members').size).toBe(0)
    expect(session.undo.canUndo()).toBe(false)
    expect(spaces.has(session.id)).toBe(true)
    session.release()
  })

  it('shares one doc between everyone who opens the same space, and keeps content after the last release', async () => {
    const store = new MemoryDocStore()
    const spaces = library(store)
    const created = await spaces.create('List')
    const again = spaces.openSpace(created.id)
    expect(again.doc).toBe(created.doc)
    again.edit((doc) => addItem(doc, 'Milk'))
    created.release()
    again.release()

    const reopened = spaces.openSpace(created.id)
    await reopened.loaded
    expect(reopened.doc).not.toBe(created.doc)
    expect(readItems(reopened.doc).map((item) => item.title)).toEqual(['Milk'])
  })

  it('renaming updates the space and its entry in the list', async () => {
    const deviceDoc = new Y.Doc()
    const spaces = library(new MemoryDocStore(), new InstantTransport(), deviceDoc)
    const session = await spaces.create('Old')
    await spaces.rename(session.id, 'New')
    expect(readSpaceMeta(session.doc).name).toBe('New')
    expect(listSpaces(deviceDoc).map((space) => space.name)).toEqual(['New'])
  })

  it('each edit is its own undo step', async () => {
    const session = await library().create('Undo')
    session.edit((doc) => addItem(doc, 'one'))
    session.edit((doc) => addItem(doc, 'two'))
    session.undo.undo()
    expect(readItems(session.doc).map((item) => item.title)).toEqual(['one'])
  })

  it('typing in a title and ticking a box (tagged FIELD_EDIT, for when they are signed) are undone like any edit', async () => {
    const session = await library().create('Undo typing')
    let id: ItemId | undefined
    session.edit((doc) => (id = addItem(doc, 'Milk')))
    session.undo.stopCapturing()
    const title = itemText(session.doc, id!, 'title')
    session.doc.transact(() => title?.insert(4, ' and eggs'), FIELD_EDIT)
    expect(title?.toString()).toBe('Milk and eggs')
    session.edit((doc) => setItemDone(doc, id!, true), FIELD_EDIT)
    expect(readItems(session.doc)[0]?.done).toBe(true)
    session.undo.undo()
    expect(readItems(session.doc)[0]?.done).toBe(false)
    session.undo.undo()
    expect(title?.toString()).toBe('Milk')
  })

  it('deleting removes the entry and the stored data, and closes the space in other tabs', async () => {
    const store = new MemoryDocStore()
    const tabs = new InstantTransport()
    const deviceInTabOne = new Y.Doc()
    const deviceInTabTwo = new Y.Doc()
    tabs.connect('pii-device', deviceInTabOne)
    tabs.connect('pii-device', deviceInTabTwo)
    const tabOne = library(store, tabs, deviceInTabOne)
    const tabTwo = library(store, tabs, deviceInTabTwo)

    const session = await tabOne.create('Doomed')
    session.edit((doc) => addItem(doc, 'gone soon'))
    const inTabTwo = tabTwo.openSpace(session.id)
    await inTabTwo.loaded

    await tabOne.remove(session.id)
    expect(tabOne.has(session.id)).toBe(false)
    expect(tabTwo.has(session.id)).toBe(false)
    await expect.poll(() => inTabTwo.removed).toBe(true)

    const fresh = library(store).openSpace(session.id)
    await fresh.loaded
    expect(readItems(fresh.doc)).toEqual([])
  })

  it('seeks peers at once for a space with nothing stored (just joined), and only after painting for one with stored content', async () => {
    const store = new MemoryDocStore()
    const first = library(store)
    const stored = await first.create('On disk')
    stored.edit((doc) => addItem(doc, 'Bread'))
    stored.release()

    const rooms = new InstantRooms()
    const joins: string[] = []
    const connector: RoomConnector = { join: (request) => (joins.push(request.space), rooms.join(request)) }
    let paint: () => void = () => {}
    const painted = new Promise<void>((resolve) => (paint = resolve))
    const spaces = new SpaceLibrary({ deviceDoc: new Y.Doc(), store, tabs: new InstantTransport(), now: () => 0, author: deviceAuthor(), verify, rooms: () => Promise.resolve(connector), afterRender: () => painted })

    const joined = joinShared(spaces, newSpaceId(), newShareSecret())
    await joined.sync
    expect(joins).toEqual([joined.id])

    spaces.addShared(stored.id, newShareSecret())
    const reopened = spaces.openSpace(stored.id)
    await reopened.loaded
    const beforePaint = await Promise.race([reopened.sync.then(() => 'synced'), new Promise((resolve) => setTimeout(resolve, 50, 'waiting'))])
    expect(beforePaint).toBe('waiting')
    expect(joins).toEqual([joined.id])
    paint()
    await reopened.sync
    expect(joins).toEqual([joined.id, stored.id])
    joined.release()
    reopened.release()
  })

  it('makes the lane key ahead of the first edit: at once for a stored space, after a joined space’s first content is painted', async () => {
    let certifications = 0
    const countingAuthor = async (): Promise<LogAuthor> => {
      const author = await deviceAuthor()
      return { publicKey: author.publicKey, sign: (message) => (certifications++, author.sign(message)) }
    }
    let paint: () => void = () => {}
    const painted = new Promise<void>((resolve) => (paint = resolve))
    const rooms = new InstantRooms()
    const alice = library(new MemoryDocStore(), new InstantTransport(), new Y.Doc(), rooms)
    const shared = await alice.create('Shared')
    const { secret } = await shared.sync
    const bob = new SpaceLibrary({ deviceDoc: new Y.Doc(), store: new MemoryDocStore(), tabs: new InstantTransport(), now: () => 0, author: countingAuthor(), verify, rooms: () => Promise.resolve(rooms), afterRender: () => painted })

    const joined = joinShared(bob, newSpaceId(), newShareSecret())
    await joined.sync
    await new Promise((resolve) => setTimeout(resolve, 50))
    // Nobody has sent it content: no key yet, so none competes with the content when it comes.
    expect(certifications).toBe(0)

    const arriving = joinShared(bob, shared.id, secret!)
    await arriving.sync
    shared.edit((doc) => addItem(doc, 'Tickets'))
    await vi.waitFor(() => expect(readItems(arriving.doc)).toHaveLength(1), UNTIL_SYNCED)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(certifications).toBe(0)
    paint()
    await vi.waitFor(() => expect(certifications).toBe(1), UNTIL_SYNCED)

    // A space with stored content is painted before its sync starts: the key is made right away.
    const stored = new MemoryDocStore()
    const before = library(stored)
    const kept = await before.create('Kept')
    kept.release()
    const reopened = new SpaceLibrary({ deviceDoc: new Y.Doc(), store: stored, tabs: new InstantTransport(), now: () => 0, author: countingAuthor(), verify, rooms: () => Promise.resolve(rooms), afterRender: () => painted })
    reopened.addShared(kept.id, newShareSecret())
    const session = reopened.openSpace(kept.id)
    await session.sync
    await vi.waitFor(() => expect(certifications).toBe(2), UNTIL_SYNCED)
    for (const open of [joined, arriving, shared, session]) open.release()
  })

  it('joins a shared space on another device: its content arrives through the signed log, and edits flow both ways', async () => {
    const rooms = new InstantRooms()
    const aliceDevice = new Y.Doc()
    const alice = library(new MemoryDocStore(), new InstantTransport(), aliceDevice, rooms)
    const bobDevice = new Y.Doc()
    const bob = library(new MemoryDocStore(), new InstantTransport(), bobDevice, rooms)
    const created = await alice.create('Trip')
    created.edit((doc) => addItem(doc, 'Tickets'))
    const { secret } = await created.sync
    const joined = joinShared(bob, created.id, secret!, await editInvite(aliceDevice, created))
    await vi.waitFor(() => expect(readItems(joined.doc).map((item) => item.title)).toEqual(['Tickets']), UNTIL_SYNCED)
    await vi.waitFor(() => expect(listSpaces(bobDevice)).toMatchObject([{ id: created.id, name: 'Trip', secret }]), UNTIL_SYNCED)
    joined.edit((doc) => addItem(doc, 'Passport'))
    await vi.waitFor(() => expect(readItems(created.doc).map((item) => item.title)).toEqual(['Tickets', 'Passport']), UNTIL_SYNCED)
    created.release()
    joined.release()
  })

  it('a space released the moment it is created (the list hands it to the space view) still shares its name and what was added before its log started', async () => {
    const rooms = new InstantRooms()
    const aliceDevice = new Y.Doc()
    const alice = library(new MemoryDocStore(), new InstantTransport(), aliceDevice, rooms)
    const created = await alice.create('Trip')
    created.edit((doc) => addItem(doc, 'Tickets'))
    const { id } = created
    const { secret } = listSpaces(aliceDevice)[0]!
    // Released before its sync started: that session's lane is the only one that may sign the name and the item.
    created.release()
    const reopened = alice.openSpace(id)
    await reopened.sync
    const bob = library(new MemoryDocStore(), new InstantTransport(), new Y.Doc(), rooms)
    const joined = joinShared(bob, id, secret!)
    await vi.waitFor(() => expect(readItems(joined.doc).map((item) => item.title)).toEqual(['Tickets']), UNTIL_SYNCED)
    expect(readSpaceMeta(joined.doc).name).toBe('Trip')
    reopened.release()
    joined.release()
  })

  it('[EQV4] rebuilds a space whose log voids content it already showed: its copy is replaced, the new one and storage lack that content', async () => {
    const rooms = new InstantRooms()
    const store = new MemoryDocStore()
    const deviceDoc = new Y.Doc()
    const alice = library(store, new InstantTransport(), deviceDoc, rooms)
    const created = await alice.create('Trip')
    created.edit((doc) => addItem(doc, 'Tickets'))
    const { secret, membership, author } = await created.sync
    // Mallory, an editor of the space, signs "pay Mallory" as her seq 0, then a second, different seq 0.
    const mallory = await createDeviceKey(crypto.subtle)
    await vi.waitFor(() => expect(membership.founded).toBe(true), UNTIL_SYNCED)
    await membership.say(author, { kind: StatementKind.add, person: mallory.publicKey, role: Role.editor, name: 'Mallory', x25519: new Uint8Array(0) })
    const lane = newLaneKey()
    const certificate = await signWith(mallory, crypto.subtle, laneCertificateMessage(created.id, mallory.publicKey, lane.publicKey))
    const signed = (title: string): Uint8Array => {
      const doc = new Y.Doc()
      doc.clientID = laneClientId(created.id, lane.publicKey, 0)
      addItem(doc, title)
      return sealEnvelope({ kind: EnvelopeKind.change, space: created.id, author: mallory.publicKey, lane: lane.publicKey, certificate, seq: 0, prev: GENESIS_PREV, update: Y.encodeStateAsUpdate(doc) }, lane.sign, deriveContentKey(created.id, 0, decodeBase58(secret!)!)).wire
    }
    const rogue = new Y.Doc()
    rooms.connect(roomName(secret!), rogue)
    transportEnvelopes(rogue).push([signed('pay Mallory')])
    await vi.waitFor(() => expect(readItems(created.doc).map((item) => item.title)).toContain('pay Mallory'), UNTIL_SYNCED)
    const replaced = vi.fn()
    alice.onReplaced(replaced)
    transportEnvelopes(rogue).push([signed('pay Mallory twice')])
    await vi.waitFor(() => expect(replaced).toHaveBeenCalledWith(created.id), UNTIL_SYNCED)
    expect(created.replaced).toBe(true)
    const again = alice.openSpace(created.id)
    await again.loaded
    expect(readItems(again.doc).map((item) => item.title)).toEqual(['Tickets'])
    const { log } = await again.sync
    await vi.waitFor(() => expect(log.equivocations).toHaveLength(1), UNTIL_SYNCED)
    // What the device keeps is the rebuilt content: a later session loads no trace of it.
    again.release()
    created.release()
    const later = new Y.Doc()
    const stored = store.attach(spaceDocName(created.id), later)
    await stored.loaded
    expect(readItems(later).map((item) => item.title)).toEqual(['Tickets'])
    await stored.discard()
  })

  it('[M1] a space made before membership is founded by its recorded owner’s device: who wrote it become editors, and its old link still admits editors', async () => {
    const rooms = new InstantRooms()
    const ownerAuthor = await deviceAuthor()
    const ownerLibrary = new SpaceLibrary({ deviceDoc: new Y.Doc(), store: new MemoryDocStore(), tabs: new InstantTransport(), now: () => Date.now(), author: Promise.resolve(ownerAuthor), verify, rooms: () => Promise.resolve(rooms) })
    // As such a space was: a random id, a link without an invite, the owner recorded in the content by the owner's own device.
    const id = newSpaceId()
    const secret = newShareSecret()
    ownerLibrary.addShared(id, secret)
    let session = ownerLibrary.openSpace(id)
    await session.sync
    session.edit((doc) => {
      doc.getMap('members').set(didFromPublicKey(ownerAuthor.publicKey), { role: 'owner' })
      addItem(doc, 'Old list')
    })
    const bob = library(new MemoryDocStore(), new InstantTransport(), new Y.Doc(), rooms)
    const bobs = joinShared(bob, id, secret)
    await vi.waitFor(() => expect(readItems(bobs.doc).map((item) => item.title)).toEqual(['Old list']), UNTIL_SYNCED)
    bobs.edit((doc) => addItem(doc, 'From Bob'))
    await vi.waitFor(() => expect(readItems(session.doc)).toHaveLength(2), UNTIL_SYNCED)
    // The owner's device opens it again: it founds the log.
    session.release()
    session = ownerLibrary.openSpace(id)
    const { membership } = await session.sync
    await vi.waitFor(() => expect(membership.founded).toBe(true), UNTIL_SYNCED)
    const bobKey = toHexString((await bobs.sync).author.publicKey)
    expect(membership.state.members.get(toHexString(ownerAuthor.publicKey))?.role).toBe(Role.owner)
    expect(membership.state.members.get(bobKey)?.role).toBe(Role.editor)
    // Someone opening the old link now is admitted as an editor through the invite the old secret makes.
    const carol = library(new MemoryDocStore(), new InstantTransport(), new Y.Doc(), rooms)
    const carols = joinShared(carol, id, secret)
    const carolKey = toHexString((await carols.sync).author.publicKey)
    await vi.waitFor(() => expect(membership.state.members.get(carolKey)?.role).toBe(Role.editor), UNTIL_SYNCED)
    carols.edit((doc) => addItem(doc, 'From Carol'))
    await vi.waitFor(() => expect(readItems(session.doc).map((item) => item.title).sort()).toEqual(['From Bob', 'From Carol', 'Old list']), UNTIL_SYNCED)
    for (const open of [session, bobs, carols]) open.release()
  })
})
