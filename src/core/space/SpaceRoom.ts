/**
 * The port a space's network sync plugs into: join the space's room with its
 * transport doc, then report who else is there and how far behind they are.
 * The browser implements it with y-webrtc plus the relay fallback; tests and
 * the personal node can bring their own.
 */
import type * as Y from 'yjs'
import type { SpaceId } from './ids.ts'
import type { RoomAccess } from './shareLink.ts'
import type { AckLedger } from './acknowledgements.ts'
import type { SignedLog } from './SignedLog.ts'

/** How this tab reaches a peer: WebRTC, the relay's encrypted topic, or another tab of this browser. */
export type PeerConnection = 'direct' | 'relay' | 'same-browser'

export interface RoomPeer {
  /** Stable for the peer's session; a React key. */
  readonly id: string
  readonly name: string
  /** The peer device's did:key. */
  readonly device: string
  readonly connection: PeerConnection
  /** The scheduler kinds the peer's device can run (SPEC CL1). */
  readonly kinds: readonly string[]
}

/** The one sync indicator a person sees. */
export type SyncState =
  | { readonly kind: 'offline'; readonly unseen: number }
  | { readonly kind: 'connecting'; readonly unseen: number }
  | { readonly kind: 'up-to-date' }
  | { readonly kind: 'unseen'; readonly unseen: number }

export interface RoomStatus {
  readonly state: SyncState
  readonly peers: readonly RoomPeer[]
}

export interface RoomConnection {
  readonly status: RoomStatus
  /** Called whenever `status` changes. */
  onStatus(listener: () => void): () => void
  close(): void
}

export interface RoomRequest {
  readonly space: SpaceId
  /** The room of the space's current epoch (never its secret: see RoomAccess). */
  readonly access: RoomAccess
  readonly transport: Y.Doc
  readonly log: SignedLog
  /** This device's lanes still awaiting acknowledgement in this space, kept across sessions (acknowledgements.ts). */
  readonly acknowledgements: AckLedger
}

export interface RoomConnector {
  join(request: RoomRequest): RoomConnection
}

export function syncState(input: { readonly online: boolean; readonly relayConnected: boolean; readonly peers: number; readonly unseen: number }): SyncState {
  if (!input.online) return { kind: 'offline', unseen: input.unseen }
  // With a peer connected directly, a relay outage does not stop sync.
  if (!input.relayConnected && input.peers === 0) return { kind: 'connecting', unseen: input.unseen }
  return input.unseen > 0 ? { kind: 'unseen', unseen: input.unseen } : { kind: 'up-to-date' }
}
