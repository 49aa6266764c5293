/**
 * A browser peer made of nothing but unmodified y-webrtc: the relay must work
 * with the stock client. Reads its relay and room from the query string and
 * exposes the shared map on `window.peer` for the test.
 */
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'

interface PeerControl {
  set(key: string, value: string): void
  get(key: string): string | undefined
  webrtcPeers(): number
}

declare global {
  interface Window {
    peer?: PeerControl
  }
}

const params = new URLSearchParams(location.search)
const doc = new Y.Doc()
const map = doc.getMap<string>('shared')
const password = params.get('password')
const provider = new WebrtcProvider(params.get('room') ?? 'room', doc, {
  signaling: [params.get('relay') ?? ''],
  ...(password ? { password } : {}),
})
window.peer = {
  set: (key, value) => map.set(key, value),
  get: (key) => map.get(key),
  webrtcPeers: () => provider.room?.webrtcConns.size ?? 0,
}
document.getElementById('status')!.textContent = 'ready'
