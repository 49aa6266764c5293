import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MessageSenders, sendUpdatesOverWebrtcOnly } from '../../src/sync/WebrtcRooms.ts'

type RoomParts = Parameters<typeof sendUpdatesOverWebrtcOnly>[0]

/** The parts of a y-webrtc Room the replacement touches, with its own handler as y-webrtc registers it on connect. */
function connectedRoom(doc: Y.Doc) {
  const sentToTabs: Uint8Array[] = []
  const sentToPeer: Uint8Array[] = []
  const room = {
    doc,
    bcconnected: true,
    webrtcConns: new Map([['peer', { peer: { send: (message: Uint8Array) => sentToPeer.push(message) } }]]),
    // y-webrtc's own sends to WebRTC peers and, encrypted, to other tabs; the tabs part is what must go.
    _docUpdateHandler: (update: Uint8Array) => sentToTabs.push(update),
  }
  doc.on('update', room._docUpdateHandler)
  return { room, sentToTabs, sentToPeer }
}

/** The update carried by a y-webrtc sync message: message type 0, then y-protocols' update (type 2). */
function updateOf(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message)
  expect(decoding.readVarUint(decoder)).toBe(0)
  expect(decoding.readVarUint(decoder)).toBe(2)
  return decoding.readVarUint8Array(decoder)
}

describe('sendUpdatesOverWebrtcOnly', () => {
  it('sends each update to the WebRTC peers as y-webrtc does, and no longer to other tabs, also after a reconnect', () => {
    const doc = new Y.Doc()
    const { room, sentToTabs, sentToPeer } = connectedRoom(doc)
    sendUpdatesOverWebrtcOnly(room as unknown as RoomParts)
    doc.getArray('envelopes').push([Uint8Array.of(1)])
    expect(sentToTabs).toHaveLength(0)
    expect(sentToPeer).toHaveLength(1)
    const copy = new Y.Doc()
    Y.applyUpdate(copy, updateOf(sentToPeer[0]!))
    expect(copy.getArray('envelopes').toJSON()).toEqual([Uint8Array.of(1)])

    // y-webrtc's disconnect and connect register whatever the room holds.
    doc.off('update', room._docUpdateHandler)
    doc.on('update', room._docUpdateHandler)
    doc.getArray('envelopes').push([Uint8Array.of(2)])
    expect(sentToTabs).toHaveLength(0)
    expect(sentToPeer).toHaveLength(2)
  })

  it('leaves a disconnected room disconnected', () => {
    const doc = new Y.Doc()
    const { room, sentToPeer } = connectedRoom(doc)
    doc.off('update', room._docUpdateHandler)
    room.bcconnected = false
    sendUpdatesOverWebrtcOnly(room as unknown as RoomParts)
    doc.getArray('envelopes').push([Uint8Array.of(1)])
    expect(sentToPeer).toHaveLength(0)
  })

  it('sends an update a peer brought to the other peers, not back to that peer', async () => {
    const doc = new Y.Doc()
    const sent = new Map<string, Uint8Array[]>([['alice', []], ['bob', []]])
    const room = { doc, bcconnected: true, webrtcConns: new Map<string, { peer: EventEmitter & { send(message: Uint8Array): void } }>(), _docUpdateHandler: (_update: Uint8Array) => {} }
    for (const name of ['alice', 'bob']) {
      // A simple-peer stand-in (a Node-style stream): y-webrtc reads each message in its 'data' listener, applying updates with the room as origin.
      const peer = Object.assign(new EventEmitter(), { send: (message: Uint8Array) => sent.get(name)!.push(message) })
      peer.on('data', (update: Uint8Array) => Y.applyUpdate(doc, update, room))
      room.webrtcConns.set(name, { peer })
    }
    doc.on('update', room._docUpdateHandler)
    const senders = new MessageSenders()
    for (const connection of room.webrtcConns.values()) senders.watch(connection)
    sendUpdatesOverWebrtcOnly(room as unknown as RoomParts, senders)

    const elsewhere = new Y.Doc()
    elsewhere.getArray('envelopes').push([Uint8Array.of(7)])
    room.webrtcConns.get('alice')!.peer.emit('data', Y.encodeStateAsUpdate(elsewhere))
    expect(doc.getArray('envelopes').toJSON()).toEqual([Uint8Array.of(7)])
    expect(sent.get('alice')).toHaveLength(0)
    expect(sent.get('bob')!.map(updateOf)).toHaveLength(1)

    // Once that read is over, this peer's own edits go to everyone, the peer that just sent included.
    await Promise.resolve()
    doc.getArray('envelopes').push([Uint8Array.of(8)])
    expect(sent.get('alice')).toHaveLength(1)
    expect(sent.get('bob')).toHaveLength(2)
  })
})
