/**
 * Who the members of a space are, computed from its membership statements
 * alone: every peer that holds the same statements computes the same
 * members, roles and invites, whatever order they arrived in. The rules
 * (ids M1–M9) are in MEMBERSHIP.md; each check below names its rule.
 *
 * The statements form a graph by their parents. They are applied one at a
 * time in a deterministic order that follows the graph (M3); a statement
 * counts only if its author may make it in the state the statements before
 * it produced (M2). Statements that are concurrent with a removal of their
 * author, or accepts concurrent with the revocation of their invite, are
 * void (M4, M6): the order is walked again without them until nothing more
 * is voided.
 */
import { toHexString } from 'lib0/buffer'
import type { SpaceId } from '../space/ids.ts'
import { managesMembers, mayActOn, mayGrant, Role, roleRank } from './roles.ts'
import { spaceIdOf, StatementKind, type LaneCut, type Statement } from './statement.ts'

export const StatementOutcome = {
  applied: 'applied',
  notTheGenesis: 'not-the-genesis',
  notFromGenesis: 'not-from-genesis',
  authorNotMember: 'author-not-member',
  notAllowed: 'not-allowed',
  alreadyMember: 'already-member',
  notMember: 'not-member',
  removedConcurrently: 'removed-concurrently',
  voidAuthorRemoved: 'void-author-removed',
  unknownInvite: 'unknown-invite',
  inviteRevoked: 'invite-revoked',
  inviteExpired: 'invite-expired',
  inviteUsedUp: 'invite-used-up',
  voidInviteRevoked: 'void-invite-revoked',
  staleEpoch: 'stale-epoch',
  unknownPartner: 'unknown-partner',
  deviceNotLinkable: 'device-not-linkable',
  lastDevice: 'last-device',
} as const
export type StatementOutcome = (typeof StatementOutcome)[keyof typeof StatementOutcome]

export interface Member {
  /** Hex of the person's key: the key of the device they joined with, which names them while any of their devices stays linked (M13). */
  readonly person: string
  readonly key: Uint8Array
  readonly role: Role
  readonly name: string
  /** The sealing key of the device they joined with (each device's own is in MembershipState.devices). */
  readonly x25519: Uint8Array
  /** The person who added them (undefined for the owner). */
  readonly addedBy: string | undefined
  readonly addedAt: number
  /** Their place in the order of joining: the owner 0. Orders concurrent statements of equal rank (M3). */
  readonly seniority: number
}

export interface InviteState {
  readonly key: string
  readonly role: Role
  readonly expiresAt: number
  /** 0: any number. */
  readonly uses: number
  readonly used: number
  readonly by: string
  readonly at: number
  readonly revoked: boolean
}

/** A role a person held up to a cut: `after` undefined when the change removed them. */
export interface RoleChange {
  readonly before: Role
  readonly after: Role | undefined
  /** By lane (hex): the last seq written under `before`. */
  readonly cut: ReadonlyMap<string, number>
  readonly statement: string
}

/** A device of a current member: the one they joined with, or one linked to them (M13). */
export interface MemberDevice {
  /** Hex of the device's key. */
  readonly device: string
  readonly key: Uint8Array
  /** Hex of the person it acts for. */
  readonly person: string
  /** The device's own name (a linked one's; the person's for the one they joined with). */
  readonly name: string
  readonly x25519: Uint8Array
  readonly linkedAt: number
  /** Its place in the order devices joined or were linked here: of one person's, the earlier one's statements go first (M3, M14). */
  readonly rank: number
}

/** A device its person unlinked (M14): nothing past its cut counts. */
export interface UnlinkedDevice {
  readonly person: string
  readonly name: string
  /** The device of the person that unlinked it. */
  readonly by: string
  /** By lane (hex): the last seq kept. */
  readonly cut: ReadonlyMap<string, number>
  /** The epoch it was unlinked in: until a rekey starts a later one, the device holds the space's current secret (M15). */
  readonly epoch: number
}

/** An applied rekey (M10): the epoch it started and its secret, sealed to each device it kept. */
export interface Rekey {
  readonly epoch: number
  readonly statement: string
  readonly by: string
  /** By device (hex): the box only that device opens. */
  readonly sealed: ReadonlyMap<string, Uint8Array>
  /** The epoch before's secret, under the new one. */
  readonly previous: Uint8Array
}

export interface MembershipState {
  /** Id of the genesis that counts (M1); undefined while none is known. */
  readonly genesis: string | undefined
  readonly members: ReadonlyMap<string, Member>
  /** By device (hex): every device of a current member, the ones they joined with and the ones linked since (M13). */
  readonly devices: ReadonlyMap<string, MemberDevice>
  /** By device (hex): the person every device that ever joined or was linked acts or acted for, removed ones included. */
  readonly deviceOwners: ReadonlyMap<string, string>
  /** By device (hex): devices their person unlinked (M14). */
  readonly unlinked: ReadonlyMap<string, UnlinkedDevice>
  /** People removed and not added again, with their name. */
  readonly removed: ReadonlyMap<string, { readonly name: string; readonly by: string }>
  readonly invites: ReadonlyMap<string, InviteState>
  /** Per person, in order: the roles they held up to each cut. */
  readonly changes: ReadonlyMap<string, readonly RoleChange[]>
  /** Per statement id: applied, or why not. */
  readonly outcomes: ReadonlyMap<string, StatementOutcome>
  /** Applied statements no applied statement names as a parent: what the next statement names. */
  readonly heads: readonly Uint8Array[]
  /** Statements that wait for a parent this peer does not hold yet. */
  readonly waiting: number
  /** The current epoch: 0 until the first rekey (its secret is the one the space's first links carried). */
  readonly epoch: number
  /** Applied rekeys, in order: the last starts the current epoch. */
  readonly rekeys: readonly Rekey[]
}

export interface ResolveContext {
  readonly space: SpaceId
  /** For a space made before membership existed: the device recorded as its owner, whose genesis counts (M1). */
  readonly legacyOwner?: Uint8Array
}

const MAX_HEADS = 32
/** A person's devices at once: phones, computers, a node, with room to spare; more would let one member fill the log with links (SECURITY DEV7). */
export const MAX_DEVICES_PER_PERSON = 16

const keyHex = (key: Uint8Array): string => toHexString(key)

export const EMPTY_MEMBERSHIP: MembershipState = {
  genesis: undefined,
  members: new Map(),
  devices: new Map(),
  deviceOwners: new Map(),
  unlinked: new Map(),
  removed: new Map(),
  invites: new Map(),
  changes: new Map(),
  outcomes: new Map(),
  heads: [],
  waiting: 0,
  epoch: 0,
  rekeys: [],
}

/** The statements reachable from the genesis, in a fixed topological order, with who-precedes-whom. */
class StatementGraph {
  readonly nodes: Statement[] = []
  /** Each node's author key, as hex: compared on every step, so made once. */
  readonly authors: string[] = []
  readonly children: number[][] = []
  readonly parentIndexes: number[][] = []
  private readonly ancestors: Uint32Array[] = []
  waiting = 0

  constructor(statements: readonly Statement[], genesis: Statement) {
    const byId = new Map(statements.map((statement) => [statement.id, statement]))
    const index = new Map<string, number>()
    const add = (statement: Statement, parents: number[]): void => {
      index.set(statement.id, this.nodes.length)
      this.nodes.push(statement)
      this.authors.push(keyHex(statement.body.author))
      this.parentIndexes.push(parents)
      this.children.push([])
      for (const parent of parents) this.children[parent]!.push(this.nodes.length - 1)
    }
    add(genesis, [])
    // Repeated sweeps in id order: each takes every statement whose parents are all placed. A statement naming
    // an unknown parent waits; one naming a statement outside the graph (another genesis' line) never enters.
    const rest = [...byId.values()].filter((statement) => statement !== genesis && statement.body.parents.length > 0).sort((a, b) => (a.id < b.id ? -1 : 1))
    for (let placed = true; placed; ) {
      placed = false
      for (const statement of rest) {
        if (index.has(statement.id)) continue
        const parents = statement.body.parents.map((parent) => index.get(keyHex(parent)))
        if (parents.some((parent) => parent === undefined)) continue
        add(statement, parents as number[])
        placed = true
      }
    }
    this.waiting = rest.filter((statement) => !index.has(statement.id) && statement.body.parents.some((parent) => !byId.has(keyHex(parent)))).length
    const words = Math.ceil(this.nodes.length / 32)
    for (let node = 0; node < this.nodes.length; node++) {
      const bits = new Uint32Array(words)
      for (const parent of this.parentIndexes[node]!) {
        bits[parent >>> 5]! |= 1 << (parent & 31)
        const inherited = this.ancestors[parent]!
        for (let word = 0; word < words; word++) bits[word]! |= inherited[word]!
      }
      this.ancestors.push(bits)
    }
  }

  isAncestor(ancestor: number, of: number): boolean {
    return ((this.ancestors[of]![ancestor >>> 5]! >>> (ancestor & 31)) & 1) === 1
  }

  concurrent(a: number, b: number): boolean {
    return a !== b && !this.isAncestor(a, b) && !this.isAncestor(b, a)
  }
}

interface PassResult {
  readonly state: MembershipState
  /** Removals applied: [statement index, removed person]. */
  readonly removals: ReadonlyArray<readonly [number, string]>
  /** Unlinks applied: [statement index, unlinked device]. */
  readonly unlinks: ReadonlyArray<readonly [number, string]>
  /** Revocations applied: [statement index, invite key]. */
  readonly revocations: ReadonlyArray<readonly [number, string]>
}

function cutMap(cut: readonly LaneCut[]): Map<string, number> {
  const map = new Map<string, number>()
  for (const { lane, seq } of cut) map.set(keyHex(lane), Math.max(seq, map.get(keyHex(lane)) ?? 0))
  return map
}

/** One walk of the order, skipping `voided` (statement indexes). */
function walk(graph: StatementGraph, voided: ReadonlySet<number>): PassResult {
  const members = new Map<string, Member>()
  const devices = new Map<string, MemberDevice>()
  const deviceOwners = new Map<string, string>()
  const unlinked = new Map<string, UnlinkedDevice>()
  const unlinks: Array<readonly [number, string]> = []
  const removed = new Map<string, { name: string; by: string }>()
  const invites = new Map<string, InviteState & { statement: number }>()
  const changes = new Map<string, RoleChange[]>()
  const outcomes = new Map<string, StatementOutcome>()
  const removalsOf = new Map<string, number[]>()
  const removals: Array<readonly [number, string]> = []
  const revocations: Array<readonly [number, string]> = []
  const rekeys: Rekey[] = []
  let seniority = 0
  let deviceRank = 0
  const applied = new Set<number>()

  const join = (node: number, person: Uint8Array, role: Role, name: string, x25519: Uint8Array, addedBy: string | undefined): StatementOutcome => {
    const id = keyHex(person)
    // M13: a device acts for one person; one its person unlinked stays out.
    if (members.has(id) || devices.has(id)) return StatementOutcome.alreadyMember
    if (unlinked.has(id)) return StatementOutcome.deviceNotLinkable
    // M5: a removal wins over an add it did not see.
    if ((removalsOf.get(id) ?? []).some((removal) => graph.concurrent(removal, node))) return StatementOutcome.removedConcurrently
    const at = graph.nodes[node]!.body.at
    members.set(id, { person: id, key: person, role, name, x25519, addedBy, addedAt: at, seniority: seniority++ })
    devices.set(id, { device: id, key: person, person: id, name, x25519, linkedAt: at, rank: deviceRank++ })
    deviceOwners.set(id, id)
    removed.delete(id)
    return StatementOutcome.applied
  }

  /** M13: the author becomes a device of the person its pairing partner acts for. */
  const link = (body: Extract<Statement['body'], { kind: typeof StatementKind.link }>, author: string): StatementOutcome => {
    const partner = devices.get(keyHex(body.partner))
    if (!partner) return StatementOutcome.unknownPartner
    if (members.has(author) || devices.has(author)) return StatementOutcome.alreadyMember
    // A device that left (unlinked, or its person removed) does not come back through someone else's pairing.
    if (unlinked.has(author) || removed.has(author) || deviceOwners.has(author)) return StatementOutcome.deviceNotLinkable
    if ([...devices.values()].filter((device) => device.person === partner.person).length >= MAX_DEVICES_PER_PERSON) return StatementOutcome.notAllowed
    devices.set(author, { device: author, key: body.author, person: partner.person, name: body.name, x25519: body.x25519, linkedAt: body.at, rank: deviceRank++ })
    deviceOwners.set(author, partner.person)
    return StatementOutcome.applied
  }

  const apply = (node: number): StatementOutcome => {
    const { body } = graph.nodes[node]!
    const author = graph.authors[node]!
    if (node === 0) return join(node, body.author, Role.owner, body.kind === StatementKind.genesis ? body.name : '', body.kind === StatementKind.genesis ? body.x25519 : new Uint8Array(0), undefined)
    if (body.kind === StatementKind.genesis) return StatementOutcome.notTheGenesis
    if (body.kind === StatementKind.accept) {
      const invite = invites.get(keyHex(body.invite))
      // M6: an invite counts for accepts that saw it, until it is revoked, expires or is used up.
      if (!invite || !graph.isAncestor(invite.statement, node)) return StatementOutcome.unknownInvite
      if (invite.revoked) return StatementOutcome.inviteRevoked
      if (body.at > invite.expiresAt) return StatementOutcome.inviteExpired
      if (invite.uses !== 0 && invite.used >= invite.uses) return StatementOutcome.inviteUsedUp
      const outcome = join(node, body.author, invite.role, body.name, body.x25519, invite.by)
      if (outcome === StatementOutcome.applied) invites.set(invite.key, { ...invite, used: invite.used + 1 })
      return outcome
    }
    if (body.kind === StatementKind.link) return link(body, author)
    const authorDevice = devices.get(author)
    const actor = authorDevice && members.get(authorDevice.person)
    if (!authorDevice || !actor) return StatementOutcome.authorNotMember
    const actorPerson = actor.person
    switch (body.kind) {
      case StatementKind.add:
        if (!managesMembers(actor.role) || !mayGrant(actor.role, body.role)) return StatementOutcome.notAllowed
        return join(node, body.person, body.role, body.name, body.x25519, actorPerson)
      case StatementKind.remove:
      case StatementKind.role: {
        const person = keyHex(body.person)
        const target = members.get(person)
        if (!target) return StatementOutcome.notMember
        const leaving = body.kind === StatementKind.remove && person === actorPerson && target.role !== Role.owner
        const allowed = leaving || (mayActOn(actor.role, target.role) && (body.kind === StatementKind.remove || mayGrant(actor.role, body.role)))
        if (!allowed) return StatementOutcome.notAllowed
        const after = body.kind === StatementKind.role ? body.role : undefined
        changes.set(person, [...(changes.get(person) ?? []), { before: target.role, after, cut: cutMap(body.cut), statement: graph.nodes[node]!.id }])
        if (after) {
          members.set(person, { ...target, role: after })
        } else {
          members.delete(person)
          for (const [device, entry] of devices) if (entry.person === person) devices.delete(device)
          removed.set(person, { name: target.name, by: actorPerson })
          removalsOf.set(person, [...(removalsOf.get(person) ?? []), node])
          removals.push([node, person])
        }
        return StatementOutcome.applied
      }
      case StatementKind.invite:
        if (!mayGrant(actor.role, body.role)) return StatementOutcome.notAllowed
        invites.set(keyHex(body.invite), { key: keyHex(body.invite), role: body.role, expiresAt: body.expiresAt, uses: body.uses, used: 0, by: actorPerson, at: body.at, revoked: false, statement: node })
        return StatementOutcome.applied
      case StatementKind.revokeInvite: {
        const invite = invites.get(keyHex(body.invite))
        if (!managesMembers(actor.role)) return StatementOutcome.notAllowed
        if (!invite) return StatementOutcome.unknownInvite
        invites.set(invite.key, { ...invite, revoked: true })
        revocations.push([node, invite.key])
        return StatementOutcome.applied
      }
      case StatementKind.device:
        devices.set(author, { ...authorDevice, x25519: body.x25519 })
        if (author === actorPerson) members.set(author, { ...actor, x25519: body.x25519 })
        return StatementOutcome.applied
      case StatementKind.unlink: {
        // M14: a person unlinks their own devices, never their last one. A device not linked here (yet) may be unlinked
        // too, so that it never can be: a lost device that never opened this space cannot link itself in later.
        const device = keyHex(body.device)
        const target = devices.get(device)
        if (target ? target.person !== actorPerson : deviceOwners.has(device) || members.has(device) || unlinked.has(device)) return StatementOutcome.notAllowed
        if (target && [...devices.values()].filter((entry) => entry.person === actorPerson).length === 1) return StatementOutcome.lastDevice
        devices.delete(device)
        unlinked.set(device, { person: actorPerson, name: target?.name ?? '', by: author, cut: cutMap(body.cut), epoch: rekeys.length })
        unlinks.push([node, device])
        return StatementOutcome.applied
      }
      case StatementKind.rekey: {
        if (!managesMembers(actor.role)) return StatementOutcome.notAllowed
        // M10: each epoch is started once; of concurrent rekeys, the first in the order counts.
        if (body.epoch !== rekeys.length + 1) return StatementOutcome.staleEpoch
        rekeys.push({ epoch: body.epoch, statement: graph.nodes[node]!.id, by: actorPerson, sealed: new Map(body.sealed.map(({ device, box }) => [keyHex(device), box])), previous: body.previous })
        return StatementOutcome.applied
      }
    }
  }

  // M3: of the statements whose parents are all done, the one by the highest-ranked, most senior author, then by id.
  // Then, of one person's devices, the one that joined or was linked first (M14): two devices unlinking each other at once
  // is settled by a rule the signer cannot steer, as a statement's hash could be ground to sort first.
  const priority = (node: number): readonly [number, number, number, string] => {
    const device = devices.get(graph.authors[node]!)
    const author = device && members.get(device.person)
    return [roleRank(author?.role), author?.seniority ?? Number.MAX_SAFE_INTEGER, device?.rank ?? Number.MAX_SAFE_INTEGER, graph.nodes[node]!.id]
  }
  const before = (a: readonly [number, number, number, string], b: readonly [number, number, number, string]): boolean =>
    a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] !== b[2] ? a[2] < b[2] : a[3] < b[3]
  const remainingParents = graph.parentIndexes.map((parents) => parents.length)
  const ready = [0]
  while (ready.length > 0) {
    let best = 0
    let bestKey = priority(ready[0]!)
    for (let at = 1; at < ready.length; at++) {
      const key = priority(ready[at]!)
      if (before(key, bestKey)) {
        best = at
        bestKey = key
      }
    }
    const node = ready.splice(best, 1)[0]!
    const outcome = voided.has(node) ? StatementOutcome.voidAuthorRemoved : apply(node)
    outcomes.set(graph.nodes[node]!.id, outcome)
    if (outcome === StatementOutcome.applied) applied.add(node)
    for (const child of graph.children[node]!) if (--remainingParents[child]! === 0) ready.push(child)
  }

  const heads = [...applied].filter((node) => !graph.children[node]!.some((child) => applied.has(child))).slice(-MAX_HEADS)
  return {
    state: {
      genesis: graph.nodes[0]!.id,
      members,
      devices,
      deviceOwners,
      unlinked,
      removed,
      invites: new Map([...invites].map(([key, { statement: _statement, ...invite }]) => [key, invite])),
      changes,
      outcomes,
      heads: heads.map((node) => graph.nodes[node]!.hash),
      waiting: graph.waiting,
      epoch: rekeys.length,
      rekeys,
    },
    removals,
    unlinks,
    revocations,
  }
}

/** M1: the genesis a space counts: the one whose author and salt make the space's id, else (a space made before membership) its recorded owner's. */
export function chooseGenesis(statements: readonly Statement[], context: ResolveContext): Statement | undefined {
  const candidates = statements.filter(({ body }) => {
    if (body.kind !== StatementKind.genesis || body.parents.length > 0 || body.space !== context.space) return false
    if (body.salt.length > 0) return spaceIdOf(body.author, body.salt) === context.space
    return context.legacyOwner !== undefined && keyHex(context.legacyOwner) === keyHex(body.author)
  })
  return candidates.sort((a, b) => (a.id < b.id ? -1 : 1))[0]
}

/** The membership that verified statements make (signatures are checked before: verifyStatement). */
export function resolveMembership(statements: readonly Statement[], context: ResolveContext): MembershipState {
  const genesis = chooseGenesis(statements, context)
  if (!genesis) return { ...EMPTY_MEMBERSHIP, waiting: statements.length }
  const graph = new StatementGraph(statements, genesis)
  const voided = new Set<number>()
  for (;;) {
    const result = walk(graph, voided)
    const before = voided.size
    const owners = result.state.deviceOwners
    for (const [removal, person] of result.removals) {
      // M4: whatever the removed person signed that the removal did not see is void, on any of their devices.
      for (let node = 1; node < graph.nodes.length; node++) if ((owners.get(graph.authors[node]!) ?? graph.authors[node]) === person && graph.concurrent(node, removal)) voided.add(node)
    }
    for (const [unlink, device] of result.unlinks) {
      // M14: and whatever an unlinked device signed that its unlink did not see, or any link it vouched for unseen.
      for (let node = 1; node < graph.nodes.length; node++) {
        const { body } = graph.nodes[node]!
        const vouched = body.kind === StatementKind.link && keyHex(body.partner) === device
        if ((graph.authors[node] === device || vouched) && graph.concurrent(node, unlink)) voided.add(node)
      }
    }
    for (const [revocation, invite] of result.revocations) {
      // M6: an accept the revocation did not see is void.
      for (let node = 1; node < graph.nodes.length; node++) {
        const { body } = graph.nodes[node]!
        if (body.kind === StatementKind.accept && keyHex(body.invite) === invite && graph.concurrent(node, revocation)) voided.add(node)
      }
    }
    if (voided.size === before) return withVoidReasons(result.state, graph, voided)
  }
}

function withVoidReasons(state: MembershipState, graph: StatementGraph, voided: ReadonlySet<number>): MembershipState {
  const outcomes = new Map(state.outcomes)
  for (const node of voided) outcomes.set(graph.nodes[node]!.id, graph.nodes[node]!.body.kind === StatementKind.accept && !state.removed.has(keyHex(graph.nodes[node]!.body.author)) ? StatementOutcome.voidInviteRevoked : StatementOutcome.voidAuthorRemoved)
  return { ...state, outcomes }
}

/** The member a device acts for now (M13): the person it joined as, or the one it is linked to. */
export function memberOfDevice(state: MembershipState, device: Uint8Array | string): Member | undefined {
  const entry = state.devices.get(typeof device === 'string' ? device : keyHex(device))
  return entry && state.members.get(entry.person)
}

/** A person's current devices, the one they joined with first. */
export function devicesOf(state: MembershipState, person: string): MemberDevice[] {
  return [...state.devices.values()].filter((device) => device.person === person).sort((a, b) => (a.device === person ? -1 : b.device === person ? 1 : a.linkedAt - b.linkedAt))
}
