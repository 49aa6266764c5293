import type { PeerConnection, RoomPeer } from '../../../core/space/SpaceRoom.ts'
import { shortDevice } from '../../components/deviceLabel.ts'

const CONNECTION_LABEL: Record<PeerConnection, string> = {
  direct: 'direct',
  relay: 'through the relay',
  'same-browser': 'this browser',
}

/** Who else has this space open right now, and how this tab reaches them. */
export function PresenceList({ peers }: { readonly peers: readonly RoomPeer[] }) {
  if (peers.length === 0) return <p className="muted presence-empty">Nobody else has this space open.</p>
  return (
    <ul className="presence" aria-label="Online now">
      {peers.map((peer) => (
        <li key={peer.id} title={peer.device}>
          <strong>{peer.name}</strong> <span className="muted">· {shortDevice(peer.device)} · {CONNECTION_LABEL[peer.connection]}</span>
        </li>
      ))}
    </ul>
  )
}
