/**
 * A Node peer that holds a doc and serves it to whoever joins its room:
 * unmodified y-webrtc on @roamhq/wrtc, signaling through our relay, as in
 * e2e/peers/nodePeer.ts. It runs in the bench process and only answers sync
 * requests, which y-webrtc does the same way for both docs. Its data
 * channels split large messages only while chunking.ts says so.
 */
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'
import { installNodeChunking } from './chunking.ts'

// y-webrtc (through lib0) opens signaling connections with the global WebSocket, which Node 20 lacks.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

export interface ServingPeer {
  destroy(): void
}

export interface PeerOptions {
  readonly relayUrl: string
  readonly room: string
  readonly password: string
  /** The doc's state, served to everyone who joins. */
  readonly state: Uint8Array
}

/**
 * y-webrtc 10.3.0 runs signaling in promise chains with no error handling,
 * and two of them fail in ordinary use: an 'answer' from a peer whose
 * connection it already dropped sets `glareToken` on undefined
 * (src/y-webrtc.js:537-540; the stock joins end that way), and a room that
 * closes while its signaling socket reconnects sends on a socket still
 * connecting (line 469). Either would end this process as an unhandled
 * rejection although the peer carries on, so rejections raised inside
 * y-webrtc are reported and survived; any other still ends the run.
 */
function surviveYWebrtcRejections(): void {
  process.on('unhandledRejection', (reason) => {
    if (!(reason instanceof Error) || !reason.stack?.includes('node_modules/y-webrtc/')) throw reason
    process.stderr.write(`  (y-webrtc in the Node peer: ${reason.message})\n`)
  })
}

let installed = false

export async function servePeer(options: PeerOptions): Promise<ServingPeer> {
  if (!installed) {
    installed = true
    installNodeChunking()
    surviveYWebrtcRejections()
  }
  const doc = new Y.Doc()
  Y.applyUpdate(doc, options.state)
  const provider = new WebrtcProvider(options.room, doc, { signaling: [options.relayUrl], password: options.password, peerOpts: { wrtc } })
  // The room exists once its key is derived from the password; only then does the peer answer anyone.
  await provider.key
  return {
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}
