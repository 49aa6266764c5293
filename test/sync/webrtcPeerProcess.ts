/**
 * A stock y-webrtc peer in a process of its own, for tests that need a
 * second peer beside a process full of rooms: y-webrtc allows one provider
 * per room name in a process, and two in one process would find each other
 * over BroadcastChannel instead of the relay. It joins one room through the
 * relay, with the node's WebRTC binding, and reports on stdout, one JSON
 * line each: `ready` (signaling connected and the room joined: its subscribe
 * is on the wire), `peer` (a WebRTC connection to another peer is up), and
 * `probe` (the room's doc got `probe.from`, which only a WebRTC peer can
 * have brought: this process has no relay fallback).
 *
 * Usage: node --import tsx test/sync/webrtcPeerProcess.ts <relay url> <room name> <room password>
 */
import { WebSocket } from 'ws'
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'
import { framedNodeWebRtc } from '../../src/node/nodeWebRtc.ts'

/** How often readiness and connections are looked at: y-webrtc has no event for either. */
const POLL_MS = 50

;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket
const [url, name, password] = process.argv.slice(2)
if (url === undefined || name === undefined || password === undefined) throw new Error('usage: webrtcPeerProcess.ts <relay url> <room name> <room password>')

const report = (event: string, detail: object = {}): void => void process.stdout.write(JSON.stringify({ event, ...detail }) + '\n')
const doc = new Y.Doc()
const provider = new WebrtcProvider(name, doc, { signaling: [url], password, peerOpts: { wrtc: framedNodeWebRtc() } })
const probe = doc.getMap<string>('probe')
probe.observe(() => report('probe', { from: probe.get('from') }))

let ready = false
let peers = 0
setInterval(() => {
  const signaling = provider.signalingConns as Array<{ connected: boolean }>
  if (!ready && provider.room !== null && signaling.every((connection) => connection.connected)) {
    ready = true
    report('ready')
  }
  const connected = [...(provider.room?.webrtcConns.values() ?? [])].filter((connection) => connection.connected).length
  if (connected !== peers) report('peer', { connected: (peers = connected) })
}, POLL_MS)
// The test ends this process; it must not outlive a test that dies.
process.stdin.on('end', () => process.exit(0)).resume()
