/**
 * Peers of one space, each a real SignedLog over real Y.Docs, whose
 * transport docs exchange updates at once (a perfect network), except while
 * a peer is offline: then its updates wait, and both sides catch up when it
 * reconnects. What a rogue member sends is injected straight into a peer's
 * transport doc, as another peer of the room would send it.
 */
import { testKeyring } from './contentKeys.ts'
import * as Y from 'yjs'
import { encodeBase58 } from '../../src/core/identity/base58.ts'
import { createDeviceKey, signWith, verifySignature, type DeviceKey } from '../../src/core/identity/deviceKey.ts'
import { laneClientId } from '../../src/core/space/clientIds.ts'
import { laneCertificateMessage } from '../../src/core/space/envelope.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'
import { newLaneKey, type LaneKey } from '../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes, type LaneIdentity, type LogAuthor, type SignedLogOptions } from '../../src/core/space/SignedLog.ts'
import { SpaceMembership } from '../../src/core/members/SpaceMembership.ts'
import type { Role } from '../../src/core/members/roles.ts'
import { StatementKind } from '../../src/core/members/statement.ts'
import type { ContentKeyring } from '../../src/core/space/contentCipher.ts'

export const SPACE = encodeBase58(new Uint8Array(16).fill(3)) as SpaceId
export const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)

export interface Peer {
  readonly content: Y.Doc
  readonly transport: Y.Doc
  readonly signed: SignedLog
  readonly key: DeviceKey
  readonly lane: LaneKey
  /** The space's membership as this peer sees it, when the mesh enforces roles (JoinOptions.owner). */
  readonly membership: SpaceMembership | undefined
  /** The device key as a statement or envelope author. */
  readonly author: LogAuthor
  /** Envelopes signed with the session's lane key. */
  signatures: number
  /** Signatures by the device key: the lane's certificate. */
  certifications: number
  online: boolean
}

/** A lane for a SignedLog: `made` counts the times the log asked for its signer. */
export function laneOf(key: LaneKey = newLaneKey(), counters: { made?: number } = {}): LaneIdentity {
  return {
    publicKey: key.publicKey,
    key: () => {
      counters.made = (counters.made ?? 0) + 1
      return Promise.resolve(key)
    },
  }
}

export type JoinOptions = Partial<Pick<SignedLogOptions, 'checkpointEvery' | 'quietMoment' | 'afterPaint'>> & {
  key?: DeviceKey
  content?: Y.Doc
  lane?: LaneKey
  /** Enforce roles: the space's membership log, founded by this device (as a space made before membership, M1, since SPACE is fixed). */
  owner?: Uint8Array
  /** The content keys the peer holds: the space's epoch 0 by default; null for a blind replica. */
  keys?: ContentKeyring | null
}

export class Mesh {
  readonly peers: Peer[] = []

  async join(options: JoinOptions = {}): Promise<Peer> {
    const key = options.key ?? (await createDeviceKey(crypto.subtle))
    const content = options.content ?? new Y.Doc()
    const transport = new Y.Doc()
    const lane = options.lane ?? newLaneKey()
    const author: LogAuthor = {
      publicKey: key.publicKey,
      sign: (message) => {
        peer.certifications++
        return signWith(key, crypto.subtle, message)
      },
    }
    const peer: Peer = { content, transport, key, lane, author, membership: undefined, signatures: 0, certifications: 0, online: true, signed: undefined as unknown as SignedLog }
    for (const other of this.online(peer)) Y.applyUpdate(transport, Y.encodeStateAsUpdate(other.transport), 'net')
    const { owner } = options
    const membership = owner && new SpaceMembership({ space: SPACE, transport, verify, now: () => 1_000, requiresGenesis: true, legacyOwner: () => owner })
    const signed = new SignedLog({
      space: SPACE,
      keys: options.keys === undefined ? testKeyring(SPACE) : options.keys,
      content,
      transport,
      verify,
      author,
      ...(membership ? { gate: membership } : {}),
      lane: laneOf({
        publicKey: lane.publicKey,
        sign: (message: Uint8Array) => {
          peer.signatures++
          return lane.sign(message)
        },
      }),
      ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
      ...(options.quietMoment ? { quietMoment: options.quietMoment } : {}),
      ...(options.afterPaint ? { afterPaint: options.afterPaint } : {}),
    })
    Object.assign(peer, { signed, membership })
    transport.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'net' || !peer.online) return
      for (const other of this.online(peer)) Y.applyUpdate(other.transport, update, 'net')
    })
    for (const other of this.online(peer)) Y.applyUpdate(other.transport, Y.encodeStateAsUpdate(transport), 'net')
    this.peers.push(peer)
    return peer
  }

  /** Cuts a peer off: nothing it writes leaves, nothing reaches it. */
  disconnect(peer: Peer): void {
    peer.online = false
  }

  /** Brings a peer back: it and every online peer exchange what the other lacks, as a sync step 1/2 would. */
  reconnect(peer: Peer): void {
    peer.online = true
    for (const other of this.online(peer)) {
      Y.applyUpdate(other.transport, Y.encodeStateAsUpdate(peer.transport, Y.encodeStateVector(other.transport)), 'net')
      Y.applyUpdate(peer.transport, Y.encodeStateAsUpdate(other.transport, Y.encodeStateVector(peer.transport)), 'net')
    }
  }

  async settled(): Promise<void> {
    // Settling one peer can make another act (restoring, applying): repeat until nobody has work left.
    for (let round = 0; round < 5; round++) await Promise.all(this.peers.flatMap((peer) => [peer.signed.settled(), peer.membership?.settled() ?? Promise.resolve()]))
  }

  private online(except: Peer): Peer[] {
    return this.peers.filter((other) => other !== except && other.online)
  }
}

const NO_KEY = new Uint8Array(0)

/** A mesh whose first peer founds the membership log and adds a peer for each role given, with its options. */
export async function team(members: ReadonlyArray<Role | { readonly role: Role; readonly options: JoinOptions }>): Promise<{ mesh: Mesh; owner: Peer; others: Peer[] }> {
  const mesh = new Mesh()
  const ownerKey = await createDeviceKey(crypto.subtle)
  const owner = await mesh.join({ key: ownerKey, owner: ownerKey.publicKey })
  await owner.membership!.say(owner.author, { kind: StatementKind.genesis, salt: NO_KEY, name: 'Owner', x25519: NO_KEY })
  const others: Peer[] = []
  for (const member of members) {
    const { role, options } = typeof member === 'object' ? member : { role: member, options: {} }
    const peer = await mesh.join({ ...options, owner: ownerKey.publicKey })
    await owner.membership!.say(owner.author, { kind: StatementKind.add, person: peer.key.publicKey, role, name: role, x25519: NO_KEY })
    others.push(peer)
  }
  await mesh.settled()
  return { mesh, owner, others }
}

export const titles = (doc: Y.Doc): string[] => doc.getArray<string>('list').toArray()
export const add = (doc: Y.Doc, title: string): void => doc.getArray<string>('list').push([title])

/** An update adding `title`, written under the lane's clientID `index` (as a session of that lane would). */
export function edit(lane: LaneKey, title: string, index = 0): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = laneClientId(SPACE, lane.publicKey, index)
  add(doc, title)
  return Y.encodeStateAsUpdate(doc)
}

/** A fresh lane of `author`, certified by its key: what a member's own client (buggy or hostile) can make. */
export async function certifiedLane(author: DeviceKey): Promise<{ key: LaneKey; certificate: Uint8Array }> {
  const key = newLaneKey()
  return { key, certificate: await signWith(author, crypto.subtle, laneCertificateMessage(SPACE, author.publicKey, key.publicKey)) }
}

/** Puts wires into a peer's transport as another peer of the room would (a rogue one, here). */
export function inject(peer: Peer, wires: readonly Uint8Array[]): void {
  tamper(peer, (envelopes) => envelopes.push([...wires]))
}

/** Changes a peer's envelope array as another peer of the room would (a vandal, here): on a copy, sent as its diff. */
export function tamper(peer: Pick<Peer, 'transport'>, change: (envelopes: ReturnType<typeof transportEnvelopes>) => void): void {
  const vandal = new Y.Doc()
  Y.applyUpdate(vandal, Y.encodeStateAsUpdate(peer.transport))
  const before = Y.encodeStateVector(vandal)
  change(transportEnvelopes(vandal))
  Y.applyUpdate(peer.transport, Y.diffUpdate(Y.encodeStateAsUpdate(vandal), before), 'net')
}
