/**
 * Docs connected under one name share every update at once: a device's
 * tabs (as DocTransport), or a space's room by its name (as
 * RoomConnector). Joining exchanges what each side lacks, as y-webrtc's
 * sync steps 1 and 2 do; nothing is ever lost or late.
 */
import * as Y from 'yjs'
import type { DocConnection, DocTransport } from '../../src/core/space/DocTransport.ts'
import type { RoomConnection, RoomConnector, RoomRequest } from '../../src/core/space/SpaceRoom.ts'

export class InstantNetwork implements DocTransport, RoomConnector {
  private readonly docs = new Map<string, Set<Y.Doc>>()

  /** Puts a doc under a name (a room's name, for a rogue member a test plants in a room). */
  connect(name: string, doc: Y.Doc): DocConnection {
    const peers = this.docs.get(name) ?? new Set<Y.Doc>()
    this.docs.set(name, peers)
    for (const peer of peers) {
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(doc)), this)
      Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(peer)), this)
    }
    const forward = (update: Uint8Array, origin: unknown): void => {
      if (origin === this) return
      for (const peer of peers) if (peer !== doc) Y.applyUpdate(peer, update, this)
    }
    peers.add(doc)
    doc.on('update', forward)
    return { close: () => (peers.delete(doc), doc.off('update', forward)) }
  }

  join(request: RoomRequest): RoomConnection {
    const connection = this.connect(request.access.name, request.transport)
    return { status: { state: { kind: 'up-to-date' }, peers: [] }, onStatus: () => () => {}, close: () => connection.close() }
  }
}
