/**
 * One space kept by a blind replica (MEMBERSHIP.md M12, SECURITY MEM10):
 * the personal node admitted with a replica link. It holds the space's
 * signed log in storage, checks what needs no reading, serves it to anyone
 * in the room, and follows the space into each new epoch's room. It never
 * holds the space's secret, so it can read no content: its log is made
 * without keys, and a rekey seals it only the new room's access.
 */
import { toHexString } from 'lib0/buffer'
import * as Y from 'yjs'
import type { SealingKey } from '../identity/sealingKey.ts'
import { openRekeyRoomAccess } from '../members/epochs.ts'
import { followRekeys } from '../members/followEpochs.ts'
import { acceptInvite } from '../members/settleMembership.ts'
import { SpaceMembership } from '../members/SpaceMembership.ts'
import type { AckLedger } from './acknowledgements.ts'
import type { DocStore, StoredDoc } from './DocStore.ts'
import type { Verifier } from './envelope.ts'
import type { SpaceId } from './ids.ts'
import { newLaneKey } from './laneKey.ts'
import { MovableRoom } from './MovableRoom.ts'
import type { InviteSecret, RoomAccess } from './shareLink.ts'
import { SignedLog, transportEnvelopes, type LogAuthor } from './SignedLog.ts'
import { spaceLogName } from './SpaceLibrary.ts'
import type { RoomConnector, RoomStatus } from './SpaceRoom.ts'

/** What the node keeps about one replicated space. */
export interface ReplicaRecord {
  readonly space: SpaceId
  /** The room of the epoch the replica is in. */
  readonly access: RoomAccess
  readonly epoch: number
  /** The replica link's invite, until the replica is a member. */
  readonly invite?: InviteSecret
}

export interface BlindReplicaDeps {
  readonly store: DocStore
  readonly rooms: RoomConnector
  readonly author: LogAuthor
  readonly verify: Verifier
  /** The node's X25519 key: rekeys seal it the new room's access. */
  readonly sealing: SealingKey
  readonly subtle: SubtleCrypto
  readonly now: () => number
  /** The name the replica is admitted under (the members list shows it). */
  readonly name: string
  readonly acknowledgements: AckLedger
  /** Called with the record whenever it changes (admitted, moved to a newer epoch): the caller stores it. */
  readonly keep: (record: ReplicaRecord) => void
}

export class BlindReplica {
  readonly transport = new Y.Doc()
  readonly membership: SpaceMembership
  readonly log: SignedLog
  /** Resolves once what storage held is in the log and the room is joined. */
  readonly started: Promise<void>
  private readonly stored: StoredDoc
  private room: MovableRoom | undefined
  private stopFollowing: (() => void) | undefined
  private closed = false

  constructor(
    private record: ReplicaRecord,
    private readonly deps: BlindReplicaDeps,
  ) {
    const { space } = record
    this.membership = new SpaceMembership({ space, transport: this.transport, verify: deps.verify, now: deps.now, requiresGenesis: true })
    // No keys: the log verifies, keeps and serves envelopes, and opens none. Its lane never signs (it writes no content).
    const lane = newLaneKey()
    this.log = new SignedLog({
      space,
      content: new Y.Doc(),
      transport: this.transport,
      author: deps.author,
      verify: deps.verify,
      keys: null,
      lane: { publicKey: lane.publicKey, key: () => Promise.resolve(lane) },
      gate: this.membership,
    })
    this.stored = deps.store.attach(spaceLogName(space), this.transport)
    this.started = this.start()
  }

  get space(): SpaceId {
    return this.record.space
  }

  get epoch(): number {
    return this.record.epoch
  }

  /** True once the membership log lists this node (as a replica). */
  get admitted(): boolean {
    return this.membership.state.devices.has(toHexString(this.deps.author.publicKey))
  }

  /** Envelopes held (and served). */
  get envelopes(): number {
    return transportEnvelopes(this.transport).length
  }

  get status(): RoomStatus | undefined {
    return this.room?.status
  }

  /** Resolves once what the log has received is checked. */
  settled(): Promise<void> {
    return Promise.all([this.log.settled(), this.membership.settled()]).then(() => undefined)
  }

  private async start(): Promise<void> {
    await this.stored.loaded
    if (this.closed) return
    const { space } = this.record
    // Its lane signs nothing in the log, but its presence in the room (what it has seen, which members' devices
    // count as acknowledged: without it, their "not yet seen by any other device" would never clear).
    void this.log.prepareToSign()
    this.room = new MovableRoom(this.deps.rooms, { space, access: this.record.access, transport: this.transport, log: this.log, acknowledgements: this.deps.acknowledgements })
    this.stopFollowing = followRekeys({
      transport: this.transport,
      membership: this.membership,
      room: this.room,
      epoch: () => (this.closed ? undefined : this.record.epoch),
      open: async (rekey) => {
        const access = await openRekeyRoomAccess(this.deps.subtle, space, rekey, this.deps.author.publicKey, this.deps.sealing)
        if (access && !this.closed && rekey.epoch > this.record.epoch) this.update({ ...this.record, access, epoch: rekey.epoch })
        return access
      },
    })
    const invite = this.record.invite
    if (invite === undefined) return
    // Resolves once a member's device brings the invite statement and the accept is signed: not awaited, as that may take days.
    void acceptInvite({
      space,
      membership: this.membership,
      author: this.deps.author,
      inviteSecret: invite,
      displayName: this.deps.name,
      x25519: this.deps.sealing.publicKey,
      closed: () => this.closed,
    }).then(
      (member) => {
        if (member && !this.closed) this.update(withoutInvite(this.record))
      },
      // Signing failed (the key is unusable): the node stays unadmitted, and says so in `spaces`; it must not crash.
      () => undefined,
    )
  }

  private update(record: ReplicaRecord): void {
    this.record = record
    this.deps.keep(record)
  }

  /** Leaves the room; storage is flushed (or, with `discard`, deleted). */
  async close(discard = false): Promise<void> {
    this.closed = true
    await this.started.catch(() => undefined)
    this.stopFollowing?.()
    this.room?.close()
    this.log.destroy()
    this.membership.stop()
    await (discard ? this.stored.discard() : this.stored.close())
    this.transport.destroy()
  }
}

function withoutInvite(record: ReplicaRecord): ReplicaRecord {
  const rest = { ...record }
  delete rest.invite
  return rest
}


