/**
 * A member gone rogue: it has the share link, joins the room over real
 * WebRTC, and attacks the space's envelope log. Usage:
 *   node --import tsx e2e/peers/roguePeer.ts <relayUrl> <spaceId> <secret>
 * Once it holds the log it
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
import { EnvelopeKind, laneCertificateMessage, openEnvelope, sealEnvelope } from '../../src/core/space/envelope.ts'
import { newLaneKey } from '../../src/core/space/laneKey.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'
import { addItem } from '../../src/core/space/items.ts'
import { roomName, roomPassword, type ShareSecret } from '../../src/core/space/shareLink.ts'
import { transportEnvelopes } from '../../src/core/space/SignedLog.ts'

;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const [relayUrl, space, secret] = process.argv.slice(2) as [string, SpaceId, ShareSecret]
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

let attacked = false
envelopes.observe(() => {
  if (attacked || envelopes.length < 2) return
  attacked = true
  // Let the initial sync finish arriving before attacking what it holds.
  setTimeout(() => void attack(), 500)
})
process.stdin.resume()
process.stdin.on('end', () => {
  provider.destroy()
  process.exit(0)
})
