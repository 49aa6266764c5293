/**
 * Room presence over real awareness and real signed logs: who is listed,
 * what they can run, and the sync indicator, from signed statements only.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { didFromPublicKey } from '../../src/core/identity/didKey.ts'
import type { AckLedger } from '../../src/core/space/acknowledgements.ts'
import { newShareSecret, roomAccessOf } from '../../src/core/space/shareLink.ts'
import { RoomPresence } from '../../src/sync/roomPresence.ts'
import { add, Mesh, SPACE, type Peer } from '../helpers/signedMesh.ts'

const presences: RoomPresence[] = []
afterEach(() => presences.splice(0).forEach((presence) => presence.close()))

function memoryLedger(): AckLedger {
  const lanes = new Map<string, number>()
  return { read: () => lanes, write: (lane, count) => (count === undefined ? lanes.delete(lane) : lanes.set(lane, count)) }
}

interface Session {
  readonly peer: Peer
  readonly awareness: Awareness
  readonly presence: RoomPresence
}

/** A session's room presence, every other peer reachable directly. */
function join(peer: Peer, name: string, kinds: readonly string[]): Session {
  // As a space's session does once its content is painted: presence is signed from then on.
  void peer.signed.prepareToSign()
  const awareness = new Awareness(peer.transport)
  const presence = new RoomPresence({
    request: { space: SPACE, access: roomAccessOf(newShareSecret()), transport: peer.transport, log: peer.signed, acknowledgements: memoryLedger() },
    presence: { kinds, name: () => name, onNameChange: () => () => {} },
    awareness,
    peerId: () => `peer-${awareness.clientID}`,
    connectionOf: () => 'direct',
    online: () => true,
    relayConnected: () => true,
    seenPublishMs: 5,
  })
  presences.push(presence)
  return { peer, awareness, presence }
}

/** Every session's awareness state reaches every other, as the room's transport carries it. */
function exchange(sessions: readonly Session[]): void {
  for (const from of sessions) {
    const update = encodeAwarenessUpdate(from.awareness, [...from.awareness.getStates().keys()])
    for (const to of sessions) if (to !== from) applyAwarenessUpdate(to.awareness, update, 'room')
  }
}

/** Signing and verifying are asynchronous (WebCrypto): ample on a busy machine; a condition met sooner ends the wait sooner. */
const WAIT = { timeout: 20_000, interval: 20 }

/** Lets signing, verifying and publishing happen, exchanging awareness meanwhile. */
async function settle(mesh: Mesh, sessions: readonly Session[]): Promise<void> {
  for (let round = 0; round < 6; round++) {
    await mesh.settled()
    await new Promise((resolve) => setTimeout(resolve, 20))
    exchange(sessions)
  }
}

describe('room presence from signed statements', () => {
  it('[CL1] [ACK2] lists a peer with the name, device and kinds its signed statement gives', async () => {
    const mesh = new Mesh()
    const alice = join(await mesh.join(), 'Alice', ['doc'])
    const bob = join(await mesh.join(), 'Bob', ['doc', 'notify'])
    await vi.waitFor(async () => {
      await settle(mesh, [alice, bob])
      expect(alice.presence.status.peers).toEqual([{ id: `peer-${bob.awareness.clientID}`, name: 'Bob', device: didFromPublicKey(bob.peer.key.publicKey), kinds: ['doc', 'notify'], connection: 'direct' }])
    }, WAIT)
  })

  it('[ACK1] [ACK2] a forged awareness state lists nobody and acknowledges nothing, however much "seen" it claims', async () => {
    const mesh = new Mesh()
    const alice = join(await mesh.join(), 'Alice', ['doc'])
    await settle(mesh, [alice])
    add(alice.peer.content, 'not seen by anyone')
    await vi.waitFor(async () => {
      await settle(mesh, [alice])
      expect(alice.presence.status.state).toEqual({ kind: 'unseen', unseen: 1 })
    }, WAIT)
    // The old, unsigned shape: a name, someone else's device, and "seen" for Alice's device at 2^53.
    const rogue = new Awareness(new Y.Doc())
    rogue.setLocalState({ name: 'Bob', device: 'did:key:z6MkBob', peer: 'peer-rogue', kinds: ['doc'], seen: { anything: 2 ** 53 }, signed: 'AAAA' })
    applyAwarenessUpdate(alice.awareness, encodeAwarenessUpdate(rogue, [rogue.clientID]), 'room')
    await settle(mesh, [alice])
    expect(alice.presence.status.peers).toEqual([])
    expect(alice.presence.status.state).toEqual({ kind: 'unseen', unseen: 1 })
  })

  it('[ACK1] the indicator says "Up to date" once another device acknowledges, by hash, every change made here', async () => {
    const mesh = new Mesh()
    const alice = join(await mesh.join(), 'Alice', ['doc'])
    const bob = join(await mesh.join(), 'Bob', ['doc'])
    add(alice.peer.content, 'seen by Bob')
    await settle(mesh, [alice, bob])
    await vi.waitFor(async () => {
      await settle(mesh, [alice, bob])
      expect(alice.presence.status.state).toEqual({ kind: 'up-to-date' })
    }, WAIT)
  })

  it('[ACK2] [ACK6] a copy of a session’s older statement, replayed under another awareness client, neither adds a peer nor stands for the session once it has gone', async () => {
    const mesh = new Mesh()
    const alice = join(await mesh.join(), 'Alice', ['doc'])
    const bob = join(await mesh.join(), 'Bob', ['doc'])
    await vi.waitFor(async () => {
      await settle(mesh, [alice, bob])
      expect(alice.presence.status.peers.map((peer) => peer.name)).toEqual(['Bob'])
    }, WAIT)
    const older = (bob.awareness.getLocalState() as { signed: string }).signed
    add(bob.peer.content, 'later')
    await new Promise((resolve) => setTimeout(resolve, 5))
    bob.presence.publish()
    await vi.waitFor(async () => {
      await settle(mesh, [alice, bob])
      expect((alice.awareness.getStates().get(bob.awareness.clientID) as { signed?: string } | undefined)?.signed).not.toBe(older)
    }, WAIT)
    await settle(mesh, [alice, bob])
    const replay = new Awareness(new Y.Doc())
    replay.setLocalState({ signed: older })
    applyAwarenessUpdate(alice.awareness, encodeAwarenessUpdate(replay, [replay.clientID]), 'room')
    await settle(mesh, [alice])
    expect(alice.presence.status.peers.map((peer) => peer.name)).toEqual(['Bob'])
    // Bob leaves; the replayed statement, still in the awareness, must not keep him listed.
    removeAwarenessStates(alice.awareness, [bob.awareness.clientID], 'room')
    await settle(mesh, [alice])
    expect(alice.presence.status.peers).toEqual([])
  })
})
