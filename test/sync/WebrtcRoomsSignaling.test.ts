/**
 * A process with hundreds of rooms against the real relay (in process, its
 * default limits) and the node's real WebRTC: y-webrtc's signaling must stay
 * connected and within the relay's limits, and a peer of the 300th room,
 * in a process of its own, must reach this one over WebRTC.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import type { AckLedger } from '../../src/core/space/acknowledgements.ts'
import { newShareSecret, roomAccessOf, type RoomAccess } from '../../src/core/space/shareLink.ts'
import type { RoomConnection } from '../../src/core/space/SpaceRoom.ts'
import { framedNodeWebRtc } from '../../src/node/nodeWebRtc.ts'
import { startPiiServer, type RunningPiiServer } from '../../src/server/PiiServer.ts'
import { WebrtcRooms } from '../../src/sync/WebrtcRooms.ts'
import { Mesh, SPACE } from '../helpers/signedMesh.ts'

const ROOMS = 300
/** Long enough for a refused connection to be refused again: lib0 reconnects within 0–2.5 s. */
const QUIET_WINDOW_MS = 4_000
/** 300 rooms derive their keys (PBKDF2, 100,000 rounds each) on a shared 2-core machine: ample, and a condition met sooner ends the wait. */
const WAIT = { timeout: 90_000, interval: 50 }
const PEER_SCRIPT = fileURLToPath(new URL('./webrtcPeerProcess.ts', import.meta.url))

// lib0's WebSocket client (y-webrtc's signaling) and the relay fallback take the global WebSocket, which Node 20 lacks; the node sets it the same way.
const hadWebSocket = 'WebSocket' in globalThis
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket
afterAll(() => {
  if (!hadWebSocket) delete (globalThis as { WebSocket?: unknown }).WebSocket
})

const servers: RunningPiiServer[] = []
const rooms: RoomConnection[] = []
const peers: ChildProcessWithoutNullStreams[] = []
afterEach(async () => {
  for (const room of rooms.splice(0)) room.close()
  for (const peer of peers.splice(0)) peer.kill()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

function memoryLedger(): AckLedger {
  const lanes = new Map<string, number>()
  return { read: () => lanes, write: (lane, count) => (count === undefined ? lanes.delete(lane) : lanes.set(lane, count)) }
}

interface PeerProcess {
  readonly events: Array<{ readonly event: string; readonly [detail: string]: unknown }>
  readonly output: () => string
}

/** A stock y-webrtc peer of `access`'s room in its own process (webrtcPeerProcess.ts). */
function peerProcess(relayUrl: string, access: RoomAccess): PeerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER_SCRIPT, relayUrl, access.name, access.password], { stdio: 'pipe' })
  peers.push(child)
  const events: PeerProcess['events'] = []
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as PeerProcess['events'][number])
    } catch {
      stderr += line + '\n'
    }
  })
  return { events, output: () => `events: ${JSON.stringify(events)}\nstderr: ${stderr.slice(-2_000)}` }
}

/** Every refusal the relay counted, by reason, the zeros left out. */
function refusals(server: RunningPiiServer): Record<string, number> {
  return Object.fromEntries([...server.relay.metrics.rejections].filter(([, count]) => count > 0))
}

describe('WebrtcRooms against the relay', () => {
  it(`[SIG1] a process with ${ROOMS} rooms keeps its signaling connected with no refusal from the relay, and a peer of its last room reaches it over WebRTC`, { timeout: 180_000 }, async () => {
    const server = await startPiiServer({ host: '127.0.0.1', port: 0 })
    servers.push(server)
    const accesses = Array.from({ length: ROOMS }, () => roomAccessOf(newShareSecret()))
    const last = accesses[ROOMS - 1]!

    // The other peer is in the room first: it hears this process's announce of the room, whichever way that goes out.
    const other = peerProcess(server.relayUrl, last)
    await vi.waitFor(() => expect(other.events.some(({ event }) => event === 'ready'), other.output()).toBe(true), WAIT)

    const { signed } = await new Mesh().join()
    const webrtcRooms = new WebrtcRooms({
      signalingUrl: server.relayUrl,
      presence: { kinds: [], name: () => 'many rooms', onNameChange: () => () => undefined },
      connectivity: { online: () => true, onChange: () => () => undefined },
      webRtc: () => framedNodeWebRtc(),
    })
    const transports = accesses.map(() => new Y.Doc())
    transports[ROOMS - 1]!.getMap<string>('probe').set('from', 'the process with many rooms')
    for (const [index, access] of accesses.entries()) {
      rooms.push(webrtcRooms.join({ space: SPACE, access, transport: transports[index]!, log: signed, acknowledgements: memoryLedger() }))
    }

    // Over WebRTC: the other process has no relay fallback.
    const state = (): string => `${other.output()}\nrelay: refusals ${JSON.stringify(refusals(server))}, ${server.relay.metrics.connectionsOpened} connections opened, ${server.relay.connectionCount} open`
    await vi.waitFor(() => expect(other.events.some(({ event, from }) => event === 'probe' && from === 'the process with many rooms'), state()).toBe(true), WAIT)
    // Every room's signaling and fallback topic is on the relay by now, or soon.
    await vi.waitFor(() => expect(server.relay.topicCount).toBeGreaterThanOrEqual(2 * ROOMS), WAIT)

    const opened = server.relay.metrics.connectionsOpened
    const connections = server.relay.connectionCount
    // Signaling: 256 rooms and 44 (two); the relay fallback, likewise (two); the other process's signaling (one).
    expect(connections).toBe(5)
    await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS))
    expect(refusals(server)).toEqual({})
    // No reconnect loop: nothing opened, nothing closed, in the window.
    expect(server.relay.metrics.connectionsOpened - opened).toBe(0)
    expect(server.relay.connectionCount).toBe(connections)
    expect(server.relay.topicCount).toBeGreaterThanOrEqual(2 * ROOMS)
  })
})
