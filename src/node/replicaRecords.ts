/**
 * The spaces the personal node keeps as a blind replica, in its own doc
 * (stored like any other): one entry per space, with the room of its
 * current epoch, the replica invite until the node is admitted, and the
 * relay the link came from. Read back with every field checked: a damaged
 * entry is reported and skipped, never trusted.
 */
import type * as Y from 'yjs'
import { decodeBase58, encodeBase58 } from '../core/identity/base58.ts'
import type { ReplicaRecord } from '../core/space/BlindReplica.ts'
import { isSpaceId, type SpaceId } from '../core/space/ids.ts'
import { isInviteSecret } from '../core/space/shareLink.ts'

/** A replica record, with what only the node needs: where its relay is and when it was added. */
export interface NodeReplica extends ReplicaRecord {
  /** The relay's WebSocket URL (from the link's origin). */
  readonly relay: string
  readonly addedAt: number
}

interface StoredAccess {
  readonly name: string
  readonly password: string
  readonly relayTopic: string
  readonly relayKey: string
}

type StoredReplica = Omit<NodeReplica, 'access'> & { readonly access: StoredAccess }

export const NODE_DOC_NAME = 'pii-node'

function replicaMap(nodeDoc: Y.Doc): Y.Map<unknown> {
  return nodeDoc.getMap('replicas')
}

export function putReplica(nodeDoc: Y.Doc, replica: NodeReplica): void {
  const stored: StoredReplica = { ...replica, ...storedRoom(replica) }
  replicaMap(nodeDoc).set(replica.space, stored)
}

/** Where a kept space lives (its room, epoch and relay), as JSON can hold it: in the node's doc, and in its backups. */
export type KeptRoom = Pick<NodeReplica, 'access' | 'epoch' | 'relay'>

export function storedRoom(room: KeptRoom): Omit<KeptRoom, 'access'> & { readonly access: StoredAccess } {
  const { access } = room
  return { epoch: room.epoch, relay: room.relay, access: { name: access.name, password: access.password, relayTopic: access.relayTopic, relayKey: encodeBase58(access.relayKey) } }
}

/** The room `storedRoom` wrote, every field checked; undefined if any is not what it must be. */
export function readStoredRoom(value: unknown): KeptRoom | undefined {
  const stored = value as Partial<ReturnType<typeof storedRoom>> | null
  if (typeof stored !== 'object' || stored === null) return undefined
  const access = stored.access as Partial<StoredAccess> | undefined
  if (!access || !isText(access.name) || !isText(access.password) || !isText(access.relayTopic) || !isText(access.relayKey)) return undefined
  const relayKey = decodeBase58(access.relayKey)
  if (relayKey?.length !== 32) return undefined
  if (typeof stored.epoch !== 'number' || !Number.isSafeInteger(stored.epoch) || stored.epoch < 0) return undefined
  if (!isText(stored.relay) || !/^wss?:\/\//.test(stored.relay)) return undefined
  return { epoch: stored.epoch, relay: stored.relay, access: { name: access.name, password: access.password, relayTopic: access.relayTopic, relayKey } }
}

export function removeReplica(nodeDoc: Y.Doc, space: SpaceId): boolean {
  const map = replicaMap(nodeDoc)
  if (!map.has(space)) return false
  map.delete(space)
  return true
}

export function findReplica(nodeDoc: Y.Doc, space: SpaceId): NodeReplica | undefined {
  return readReplica(space, replicaMap(nodeDoc).get(space))
}

/** Every readable record, and the keys of those that are not. */
export function listReplicas(nodeDoc: Y.Doc): { readonly replicas: NodeReplica[]; readonly damaged: string[] } {
  const replicas: NodeReplica[] = []
  const damaged: string[] = []
  for (const [key, value] of replicaMap(nodeDoc)) {
    const replica = readReplica(key, value)
    if (replica) replicas.push(replica)
    else damaged.push(key)
  }
  return { replicas, damaged }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 200

function readReplica(key: string, value: unknown): NodeReplica | undefined {
  const stored = value as Partial<StoredReplica> | null
  if (typeof stored !== 'object' || stored === null || stored.space !== key || !isSpaceId(key)) return undefined
  const room = readStoredRoom(stored)
  if (!room || typeof stored.addedAt !== 'number') return undefined
  if (stored.invite !== undefined && !isInviteSecret(stored.invite)) return undefined
  return { space: key, ...room, addedAt: stored.addedAt, ...(stored.invite === undefined ? {} : { invite: stored.invite }) }
}
