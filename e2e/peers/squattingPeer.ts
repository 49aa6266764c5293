/**
 * A member who squats another member's Yjs clientID: it has the share link,
 * joins the room over real WebRTC with its own device key, and watches the
 * log for the victim's envelopes. Usage:
 *   node --import tsx e2e/peers/squattingPeer.ts <relayUrl> <spaceId> <secret> <victim did>
 * It prints {"ready":true} once it holds an envelope of the victim's; then,
 * on a line "squat" on stdin, it signs, in a lane of its own (certified by
 * its own device key, so the signature is valid), 50 clocks of garbage
 * under the clientID of the victim's latest envelope, from the clock every
 * peer last saw of it, prints {"squatted":<clientID>} and stays in the room
 * until stdin closes. On code before SECURITY CID1, every peer accepted it,
 * and dropped the victim's offline edits to that clientID when they came.
 */
import wrtc from '@roamhq/wrtc'
import * as encoding from 'lib0/encoding'
import { createInterface } from 'node:readline'
import { WebSocket } from 'ws'
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'
import { createDeviceKey, signWith } from '../../src/core/identity/deviceKey.ts'
import { publicKeyFromDid } from '../../src/core/identity/didKey.ts'
import { contentKeyOf, updateOf } from './spaceContent.ts'
import { EnvelopeKind, GENESIS_PREV, laneCertificateMessage, openEnvelope, sameBytes, sealEnvelope } from '../../src/core/space/envelope.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'
import { readUpdateShape } from '../../src/core/space/joinUpdates.ts'
import { newLaneKey } from '../../src/core/space/laneKey.ts'
import { roomName, roomPassword, type ShareSecret } from '../../src/core/space/shareLink.ts'
import { transportEnvelopes } from '../../src/core/space/SignedLog.ts'

;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const [relayUrl, space, secret, victimDid] = process.argv.slice(2) as [string, SpaceId, ShareSecret, string]
if (!relayUrl || !space || !secret || !victimDid) throw new Error('Usage: squattingPeer.ts <relayUrl> <spaceId> <secret> <victim did>')
const victim = publicKeyFromDid(victimDid)
const contentKey = contentKeyOf(space, secret)
const transport = new Y.Doc()
const envelopes = transportEnvelopes(transport)
const provider = new WebrtcProvider(roomName(secret), transport, { signaling: [relayUrl], password: roomPassword(secret), peerOpts: { wrtc } })
const say = (message: object): void => void process.stdout.write(JSON.stringify(message) + '\n')

/** The clientID the victim wrote under last, and the clock after the last struct it wrote there (its session has one lane here). */
function victimClient(): { client: number; clock: number } | undefined {
  const ends = new Map<number, number>()
  let latest: { seq: number; client: number } | undefined
  for (const wire of envelopes.toArray()) {
    const envelope = openEnvelope(wire)
    if (!envelope || !sameBytes(envelope.author, victim)) continue
    const update = updateOf(envelope, contentKey)
    for (const section of (update && readUpdateShape(update)?.sections) ?? []) {
      ends.set(section.client, Math.max(ends.get(section.client) ?? 0, section.end))
      if (!latest || envelope.seq >= latest.seq) latest = { seq: envelope.seq, client: section.client }
    }
  }
  return latest && { client: latest.client, clock: ends.get(latest.client) ?? 0 }
}

function garbage(client: number, clock: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, clock)
  encoding.writeUint8(encoder, 0) // a GC struct: clocks with no content, as good as any to take them
  encoding.writeVarUint(encoder, 50)
  encoding.writeVarUint(encoder, 0)
  return encoding.toUint8Array(encoder)
}

async function squat(): Promise<void> {
  const target = victimClient()
  if (!target) throw new Error('No envelope of the victim to squat.')
  const mallory = await createDeviceKey(crypto.subtle)
  const lane = newLaneKey()
  const certificate = await signWith(mallory, crypto.subtle, laneCertificateMessage(space, mallory.publicKey, lane.publicKey))
  const envelope = sealEnvelope({ kind: EnvelopeKind.change, space, author: mallory.publicKey, lane: lane.publicKey, certificate, seq: 0, prev: GENESIS_PREV, update: garbage(target.client, target.clock) }, lane.sign, contentKey)
  envelopes.push([envelope.wire])
  say({ squatted: target.client })
}

let ready = false
envelopes.observe(() => {
  if (ready || !victimClient()) return
  ready = true
  say({ ready: true })
})
createInterface({ input: process.stdin }).on('line', (line) => {
  // A failure is said on stdout too, so the test stops with its reason rather than wait for "squatted" until it times out.
  if (line.trim() === 'squat') squat().catch((error: unknown) => say({ failed: error instanceof Error ? error.message : String(error) }))
})
process.stdin.on('end', () => {
  provider.destroy()
  process.exit(0)
})
