/**
 * Which relay each of the node's keyed spaces is reached through. A browser
 * reaches every space through the relay of its own origin; the node may
 * hold spaces joined from links of several origins, so it keeps, in its
 * device doc (local to the node), the relay of the link each space came
 * from. A space listed without one (one that arrives from the person's home
 * space) uses the node's default relay, PII_RELAY_URL.
 */
import type * as Y from 'yjs'
import type { SpaceId } from '../core/space/ids.ts'
import type { RoomConnection, RoomConnector, RoomRequest } from '../core/space/SpaceRoom.ts'

/** The device doc's map of space id → relay WebSocket URL: part of the node's stored format. */
const RELAYS = 'nodeRelays'

/** The key, beside the spaces' ids, of the relay of the link the node was paired through: its person's spaces are reached there. */
const PERSON_RELAY = 'person'

export function relayOf(deviceDoc: Y.Doc, space: SpaceId): string | undefined {
  const relays = deviceDoc.getMap<unknown>(RELAYS)
  const relay = relays.get(space) ?? relays.get(PERSON_RELAY)
  return typeof relay === 'string' && /^wss?:\/\//.test(relay) ? relay : undefined
}

/** The relay of the pairing link the node was linked through: every space of its person's that comes through the home is reached there. */
export function putPersonRelay(deviceDoc: Y.Doc, relay: string): void {
  deviceDoc.getMap<unknown>(RELAYS).set(PERSON_RELAY, relay)
}

export function putRelay(deviceDoc: Y.Doc, space: SpaceId, relay: string): void {
  deviceDoc.getMap<unknown>(RELAYS).set(space, relay)
}

export function forgetRelay(deviceDoc: Y.Doc, space: SpaceId): void {
  deviceDoc.getMap<unknown>(RELAYS).delete(space)
}

/** A room that never connects: for a space with no relay to reach it through (it still runs its schedule on what it holds). */
const NOWHERE: RoomConnection = { status: { state: { kind: 'connecting', unseen: 0 }, peers: [] }, onStatus: () => () => undefined, close: () => undefined }

/** Joins each space's room through its relay's connector. */
export class SpaceRelays implements RoomConnector {
  constructor(
    private readonly deviceDoc: Y.Doc,
    private readonly connectorFor: (relay: string) => RoomConnector,
    private readonly defaultRelay: string | undefined,
    private readonly onNoRelay: (space: SpaceId) => void,
  ) {}

  join(request: RoomRequest): RoomConnection {
    const relay = relayOf(this.deviceDoc, request.space) ?? this.defaultRelay
    if (relay === undefined) {
      this.onNoRelay(request.space)
      return NOWHERE
    }
    return this.connectorFor(relay).join(request)
  }
}
