/**
 * A Node peer made of unmodified y-webrtc with @roamhq/wrtc, run as its own
 * process. Usage: node --import tsx e2e/peers/nodePeer.ts <relayUrl> <room> [password]
 * Reads commands on stdin, one JSON object a line: {"set":[key,value]}.
 * Writes every change of the shared map on stdout as {"key":…,"value":…},
 * and {"peers":n} when its WebRTC peer count changes.
 */
import wrtc from '@roamhq/wrtc'
import { createInterface } from 'node:readline'
import { WebSocket } from 'ws'
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'

// y-webrtc (through lib0) opens signaling connections with the global WebSocket, which Node 20 lacks.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const [relayUrl, room, password] = process.argv.slice(2)
if (!relayUrl || !room) {
  console.error('usage: nodePeer.ts <relayUrl> <room> [password]')
  process.exit(2)
}

const doc = new Y.Doc()
const map = doc.getMap<string>('shared')
const provider = new WebrtcProvider(room, doc, { signaling: [relayUrl], ...(password ? { password } : {}), peerOpts: { wrtc } })
const say = (message: object): void => void process.stdout.write(JSON.stringify(message) + '\n')

map.observe((event) => {
  for (const key of event.keysChanged as Set<string>) say({ key, value: map.get(key) })
})
provider.on('peers', () => say({ peers: provider.room?.webrtcConns.size ?? 0 }))

createInterface({ input: process.stdin }).on('line', (line) => {
  try {
    const command = JSON.parse(line) as { set?: [string, string] }
    if (command.set) map.set(command.set[0], command.set[1])
  } catch {
    console.error(`ignored a line that is not a command: ${line}`)
  }
})
process.stdin.on('end', () => {
  provider.destroy()
  process.exit(0)
})
