/**
 * A member gone rogue: it has the share link, joins the room over real
 * WebRTC, and attacks the space's envelope log. Usage:
 *   node --import tsx e2e/peers/roguePeer.ts <relayUrl> <spaceId> <secret> <items>
 * Once its log holds the space's <items> items it
 *   - forges: signs, with its own key, an envelope claiming a genuine author,
 *   - tampers: changes the update inside a copy of a genuine envelope,
 *   - deletes every genuine envelope from the transport doc,
 *   - replays a genuine envelope (harmless, and must stay harmless),
 * then prints {"attacked":n} and stays in the room until stdin closes.
 */
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'
import { createDeviceKey, signWith } from '../../src/core/identity/deviceKey.ts'
import { contentKeyOf, updateOf } from './spaceContent.ts'
import { EnvelopeKind, laneCertificateMessage, openEnvelope, sealEnvelope } from '../../src/core/space/envelope.ts'
import { newLaneKey } from '../../src/core/space/laneKey.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'
import { addItem, readItems } from '../../src/core/space/items.ts'
import { roomName, roomPassword, type ShareSecret } from '../../src/core/space/shareLink.ts'
import { transportEnvelopes } from '../../src/core/space/SignedLog.ts'

;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const [relayUrl, space, secret, items] = process.argv.slice(2) as [string, SpaceId, ShareSecret, string]
const expectedItems = Number(items)
if (!Number.isSafeInteger(expectedItems) || expectedItems < 1) throw new Error(`Usage: roguePeer.ts <relayUrl> <spaceId> <secret> <items>; got items "${items}".`)
const contentKey = contentKeyOf(space, secret)
const transport = new Y.Doc()
const envelopes = transportEnvelopes(transport)
const provider = new WebrtcProvider(roomName(secret), transport, { signaling: [relayUrl], password: roomPassword(secret), peerOpts: { wrtc } })

async function attack(): Promise<void> {
  const genuine = envelopes.toArray().map((wire) => openEnvelope(wire)!)
  const victim = genuine[0]!
  const rogue = await createDeviceKey(crypto.subtle)
  const junk = new Y.Doc()
  addItem(junk, 'FORGED BY ROGUE')
  // A lane of the victim's that the rogue certified with its own device key.
  const lane = newLaneKey()
  const certificate = await signWith(rogue, crypto.subtle, laneCertificateMessage(space, victim.author, lane.publicKey))
  const forged = sealEnvelope(
    { kind: EnvelopeKind.change, space, author: victim.author, lane: lane.publicKey, certificate, seq: 0, prev: new Uint8Array(32), update: Y.encodeStateAsUpdate(junk) },
    lane.sign,
    contentKey,
  )
  const tampered = Uint8Array.from(genuine.at(-1)!.wire)
  const inUpdate = tampered.length - 64 - 3
  tampered[inUpdate] = (tampered[inUpdate] ?? 0) ^ 0xff
  transport.transact(() => {
    envelopes.delete(0, envelopes.length)
    envelopes.push([forged.wire, tampered, victim.wire])
  })
  process.stdout.write(JSON.stringify({ attacked: genuine.length }) + '\n')
}

/** Whether the log it holds carries every item the space has: the initial sync is done. */
function holdsEverything(): boolean {
  const doc = new Y.Doc()
  for (const wire of envelopes.toArray()) {
    const envelope = openEnvelope(wire)
    const update = envelope && updateOf(envelope, contentKey)
    if (update) Y.applyUpdate(doc, update)
  }
  return readItems(doc).length >= expectedItems
}

let attacked = false
envelopes.observe(() => {
  if (attacked || !holdsEverything()) return
  attacked = true
  void attack()
})
process.stdin.resume()
process.stdin.on('end', () => {
  provider.destroy()
  process.exit(0)
})
