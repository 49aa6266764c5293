/**
 * A space's room connection that can move to another room: after a rekey
 * (core/members/epochs.ts) the space lives in the room of the new epoch's
 * secret. The room it leaves is kept as a beacon, on a transport doc that
 * holds only the membership log, so a member who was offline during the
 * rekey finds the rekey statement where they left, and follows; nothing
 * else of the space is served there any more. The last few rooms are kept.
 */
import type * as Y from 'yjs'
import type { RoomAccess } from './shareLink.ts'
import type { RoomConnection, RoomConnector, RoomRequest, RoomStatus } from './SpaceRoom.ts'

/** Rooms kept as beacons: a member offline across more rekeys than this finds nobody there and needs a new link. */
export const MAX_BEACON_ROOMS = 3

export class MovableRoom implements RoomConnection {
  private current: RoomConnection
  private stopCurrent: () => void
  private readonly beacons: RoomConnection[] = []
  private readonly listeners = new Set<() => void>()
  private closed = false

  constructor(
    private readonly connector: RoomConnector,
    private request: RoomRequest,
  ) {
    this.current = connector.join(request)
    this.stopCurrent = this.current.onStatus(() => this.emit())
  }

  get status(): RoomStatus {
    return this.current.status
  }

  onStatus(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Leaves for the room `access` opens; the room left answers from then on with `beacon` (the membership log only). */
  move(access: RoomAccess, beacon: Y.Doc): void {
    if (this.closed || access.name === this.request.access.name) return
    this.stopCurrent()
    this.current.close()
    this.beacons.unshift(this.connector.join({ ...this.request, transport: beacon }))
    for (const old of this.beacons.splice(MAX_BEACON_ROOMS)) old.close()
    this.request = { ...this.request, access }
    this.current = this.connector.join(this.request)
    this.stopCurrent = this.current.onStatus(() => this.emit())
    this.emit()
  }

  close(): void {
    this.closed = true
    this.stopCurrent()
    this.current.close()
    for (const beacon of this.beacons) beacon.close()
    this.listeners.clear()
  }

  private emit(): void {
    for (const listener of this.listeners) listener()
  }
}
