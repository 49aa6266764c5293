/**
 * The node says nothing its disk does not hold (DurableRooms.ts): its own
 * changes reach the room only once written, and the "seen" it signs covers
 * only envelopes written. A peer's change is taken at once.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { SignedLog } from '../../src/core/space/SignedLog.ts'
import type { RoomConnection, RoomConnector, RoomRequest } from '../../src/core/space/SpaceRoom.ts'
import { DurableRooms } from '../../src/node/DurableRooms.ts'

/** A disk whose writes complete when the test says so. */
function slowDisk() {
  const waiting: Array<() => void> = []
  return { saved: () => new Promise<void>((resolve) => waiting.push(resolve)), write: () => waiting.splice(0).forEach((resolve) => resolve()) }
}

/** The part of a signed log the room reads: each lane's next seq and head. */
function fakeLog() {
  const lanes = new Map<string, number>()
  const key = (author: Uint8Array, lane: Uint8Array): string => `${author[0]}/${lane[0]}`
  const log = {
    nextSeq: (author: Uint8Array, lane: Uint8Array) => lanes.get(key(author, lane)) ?? 0,
    head: (author: Uint8Array, lane: Uint8Array) => Uint8Array.of(lanes.get(key(author, lane)) ?? 0),
  }
  return { signed: { log, onChange: () => () => undefined, author: Uint8Array.of(9) } as unknown as SignedLog, set: (author: number, lane: number, next: number) => lanes.set(`${author}/${lane}`, next) }
}

function joined(storedOf: (doc: Y.Doc) => { saved(): Promise<void> } | undefined) {
  const transport = new Y.Doc()
  const log = fakeLog()
  let request: RoomRequest | undefined
  const inner: RoomConnector = {
    join: (given) => {
      request = given
      return { status: { state: { kind: 'up-to-date' }, peers: [] }, onStatus: () => () => undefined, close: () => undefined } satisfies RoomConnection
    },
  }
  const connection = new DurableRooms(inner, storedOf).join({ transport, log: log.signed } as unknown as RoomRequest)
  return { transport, log, room: request!, connection }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('DurableRooms', () => {
  it('lets the node’s own change out to the room only once its disk has written it', async () => {
    const disk = slowDisk()
    const { transport, room } = joined(() => disk)
    transport.getArray<string>('envelopes').push(['claim of occurrence #3'])
    await turn()
    expect(room.transport.getArray('envelopes').toArray()).toEqual([])
    disk.write()
    await turn()
    expect(room.transport.getArray('envelopes').toArray()).toEqual(['claim of occurrence #3'])
  })

  it('takes a peer’s change at once, and does not send it back', async () => {
    const disk = slowDisk()
    const { transport, room } = joined(() => disk)
    await turn()
    disk.write()
    await turn()
    const sent: Uint8Array[] = []
    room.transport.on('update', (update: Uint8Array) => sent.push(update))
    const peer = new Y.Doc()
    peer.getArray<string>('envelopes').push(['a peer’s run record'])
    Y.applyUpdate(room.transport, Y.encodeStateAsUpdate(peer), 'y-webrtc')
    expect(transport.getArray('envelopes').toArray()).toEqual(['a peer’s run record'])
    disk.write()
    await turn()
    // Only the peer's own update went through the room's doc: nothing came back out of the transport.
    expect(sent).toHaveLength(1)
  })

  it('acknowledges a lane only as far as the disk held it when a write completed', async () => {
    const disk = slowDisk()
    const { room, log } = joined(() => disk)
    const changes: number[] = []
    room.log.onChange(() => changes.push(changes.length))
    const [author, lane] = [Uint8Array.of(1), Uint8Array.of(2)]
    log.set(1, 2, 5)
    // Asked for the first time: nothing is acknowledged until a write has completed since.
    expect(room.log.log.nextSeq(author, lane)).toBe(0)
    await turn()
    disk.write()
    await turn()
    expect(room.log.log.nextSeq(author, lane)).toBe(5)
    expect(room.log.log.head(author, lane)).toEqual(Uint8Array.of(5))
    expect(changes).toEqual([0])
    // More arrives: still 5 until the disk has it.
    log.set(1, 2, 7)
    room.transport.getArray<string>('envelopes').push(['two more envelopes'])
    await turn()
    expect(room.log.log.nextSeq(author, lane)).toBe(5)
    disk.write()
    await turn()
    await turn()
    disk.write()
    await turn()
    expect(room.log.log.nextSeq(author, lane)).toBe(7)
  })

  it('passes a doc no store keeps (a beacon room’s) straight through', async () => {
    const { transport, room } = joined(() => undefined)
    transport.getArray<string>('membership').push(['rekey statement'])
    await turn()
    expect(room.transport.getArray('membership').toArray()).toEqual(['rekey statement'])
  })
})
