/**
 * Keeps this device's own list of spaces (its device doc) and its person's
 * home space in step, both ways, so every space of the person appears on
 * every device of theirs and follows each rekey:
 *   - a space listed on one side only is added to the other (a space removed
 *     from the home, by any device, is removed here);
 *   - of two secrets of a space, the one of the later epoch wins;
 *   - a space deleted or left here is marked removed in the home;
 *   - pairings are the union of both sides;
 *   - the display name follows whichever side changed last.
 * Spaces joined by a link and not admitted yet wait here until they are.
 */
import { fromHexString } from 'lib0/buffer'
import type * as Y from 'yjs'
import { observeProfile, readDisplayName, setDisplayName } from '../identity/profile.ts'
import type { SpaceId } from '../space/ids.ts'
import type { SpaceLibrary, SpaceSession } from '../space/SpaceLibrary.ts'
import { findHome, findSpace, listSpaces, observeSpaceList, putSpaceEntry, readEntry, removeSpaceEntry, type SpaceEntry } from '../space/spaceList.ts'
import { homeProfileMap, homeRemovedMap, homeSpacesMap, listHomeSpaces, putHomeEntry, type HomeSpaceEntry } from './homeSpace.ts'
import { PAIRINGS, putPairing, readPairings } from './pairingRecords.ts'

export interface HomeSyncDeps {
  readonly library: SpaceLibrary
  readonly deviceDoc: Y.Doc
  readonly now: () => number
  /**
   * Whether this device shows its person's name and gives the home a new one typed here (true: a browser). A personal
   * node keeps its own (PII_NODE_NAME): it is the name its rooms show, and it must not rename its person.
   */
  readonly followName?: boolean
}

/** Origin of this module's writes: they are no person's edit, and nothing here reacts to them. */
const HOME_SYNC = Symbol('home sync')

/** Follows the device's home space (once it has one); the returned function stops. */
export function syncHome(deps: HomeSyncDeps): () => void {
  let current: { readonly id: SpaceId; stop(): void } | undefined
  const follow = (): void => {
    const home = findHome(deps.deviceDoc)
    if (current && current.id === home?.id) return
    current?.stop()
    current = home ? mirror(deps, home.id) : undefined
  }
  const stopList = observeSpaceList(deps.deviceDoc, follow)
  follow()
  return () => {
    stopList()
    current?.stop()
  }
}

function mirror(deps: HomeSyncDeps, homeId: SpaceId): { readonly id: SpaceId; stop(): void } {
  const session = deps.library.openSpace(homeId)
  let stopped = false
  const stops: Array<() => void> = []
  void session.loaded.then(() => {
    if (stopped || session.removed) return
    const home = session.doc
    const run = (work: () => void): void => {
      if (stopped || session.removed || session.replaced) return
      home.transact(work, HOME_SYNC)
    }
    // The name: the device that made the home wrote its own there (ensureHome); a device that joins takes it, and never
    // writes its own over it before the home's content has reached it. A name changed later, on any device, goes to all.
    const followName = deps.followName !== false
    const homeName = homeProfileMap(home).get('displayName')
    if (followName && typeof homeName === 'string' && homeName !== '' && homeName !== readDisplayName(deps.deviceDoc)) setDisplayName(deps.deviceDoc, homeName)
    const both = (): void => run(() => mergeLists(deps, homeId, session))
    both()
    const onHome = (event: Y.YMapEvent<unknown>): void => {
      if (event.transaction.origin !== HOME_SYNC) both()
    }
    for (const map of [homeSpacesMap(home), homeRemovedMap(home), home.getMap(PAIRINGS)]) {
      map.observe(onHome)
      stops.push(() => map.unobserve(onHome))
    }
    stops.push(observeSpaceList(deps.deviceDoc, (event) => {
      const removed: SpaceId[] = []
      for (const [id, change] of event.changes.keys) if (change.action === 'delete' && id !== homeId) removed.push(id as SpaceId)
      run(() => {
        // Deleted or left here: gone from every device of the person.
        for (const id of removed) if (homeSpacesMap(home).has(id)) markRemoved(home, id, deps.now())
        mergeLists(deps, homeId, session)
      })
    }))
    // The devices the person unlinked, as the home's membership says: every space this device opens unlinks them too.
    void session.sync.then(({ membership }) => {
      if (stopped) return
      const copy = (): void => {
        const unlinked = deps.deviceDoc.getMap<unknown>(UNLINKED_DEVICES)
        const missing = [...membership.state.unlinked.keys()].filter((device) => !unlinked.has(device))
        if (missing.length > 0) deps.deviceDoc.transact(() => missing.forEach((device) => unlinked.set(device, true)))
      }
      copy()
      stops.push(membership.onChange(copy))
    })
    const pairings = deps.deviceDoc.getMap(PAIRINGS)
    const onPairings = (): void => both()
    pairings.observe(onPairings)
    stops.push(() => pairings.unobserve(onPairings))
    if (!followName) return
    stops.push(observeProfile(deps.deviceDoc, () => {
      const name = readDisplayName(deps.deviceDoc)
      if (homeProfileMap(home).get('displayName') !== name) run(() => homeProfileMap(home).set('displayName', name))
    }))
    const profile = homeProfileMap(home)
    const onProfile = (event: Y.YMapEvent<unknown>): void => {
      const name = profile.get('displayName')
      if (event.transaction.origin !== HOME_SYNC && typeof name === 'string' && name !== '' && name !== readDisplayName(deps.deviceDoc)) setDisplayName(deps.deviceDoc, name)
    }
    profile.observe(onProfile)
    stops.push(() => profile.unobserve(onProfile))
  })
  return {
    id: homeId,
    stop: () => {
      stopped = true
      for (const stop of stops) stop()
      session.release()
    },
  }
}

/**
 * A space another device removed leaves this device's list, but not its
 * disk: its stored copy and its list entry (with the secret) are kept aside
 * (SET_ASIDE), so a removal by a device gone bad, before its person unlinks
 * it, destroys nothing that cannot be brought back (SECURITY DEV5).
 */
function setAside(deviceDoc: Y.Doc, entry: SpaceEntry, at: number): void {
  deviceDoc.transact(() => {
    deviceDoc.getMap<unknown>(SET_ASIDE).set(entry.id, { ...entry, setAsideAt: at })
    removeSpaceEntry(deviceDoc, entry.id)
  })
}

/** The device doc's set (hex keys) of the person's unlinked devices, from the home's membership: part of the format. */
export const UNLINKED_DEVICES = 'unlinkedDevices'

/** The person's devices unlinked in their home, as this device last heard: each space it opens unlinks them (M14). */
export function unlinkedDevices(deviceDoc: Y.Doc): Uint8Array[] {
  return [...deviceDoc.getMap<unknown>(UNLINKED_DEVICES).keys()].filter((hex) => /^[0-9a-f]{64}$/.test(hex)).slice(0, 256).map((hex) => fromHexString(hex))
}

/** The device doc's map of spaces this device put back after a removal came through the home (id → when): part of the format. */
export const PUT_BACK = 'putBackSpaces'

/** Lists a set-aside space again, whole, from this device's disk; the home then takes its removal back on every device. */
export function putBack(deviceDoc: Y.Doc, id: SpaceId, at: number): boolean {
  const entry = setAsideSpaces(deviceDoc).find((each) => each.id === id)
  if (!entry) return false
  const listed: SpaceEntry & { setAsideAt?: number } = { ...entry }
  delete listed.setAsideAt
  deviceDoc.transact(() => {
    deviceDoc.getMap<unknown>(PUT_BACK).set(id, at)
    deviceDoc.getMap<unknown>(SET_ASIDE).delete(id)
    putSpaceEntry(deviceDoc, listed)
  })
  return true
}

/** The device doc's map of spaces removed from the list by another device of the person: part of the format. */
export const SET_ASIDE = 'setAsideSpaces'

/** The spaces set aside on this device (a removal that came through the home), newest first: each can be listed again. */
export function setAsideSpaces(deviceDoc: Y.Doc): Array<SpaceEntry & { readonly setAsideAt: number }> {
  const entries: Array<SpaceEntry & { readonly setAsideAt: number }> = []
  for (const [id, value] of deviceDoc.getMap<unknown>(SET_ASIDE)) {
    const entry = readEntry(id, value)
    const at = (value as { setAsideAt?: unknown } | null)?.setAsideAt
    // One listed again (put back on another device, and back through the home) is no longer aside.
    if (entry && typeof at === 'number' && !findSpace(deviceDoc, entry.id)) entries.push({ ...entry, setAsideAt: at })
  }
  return entries.sort((a, b) => b.setAsideAt - a.setAsideAt)
}

function markRemoved(home: Y.Doc, id: SpaceId, at: number): void {
  homeSpacesMap(home).delete(id)
  homeRemovedMap(home).set(id, at)
}

/** One pass both ways; writes only what differs, so it settles after one round. */
function mergeLists(deps: HomeSyncDeps, homeId: SpaceId, session: SpaceSession): void {
  const home = session.doc
  const removed = homeRemovedMap(home)
  const listed = new Map(listHomeSpaces(home).map((entry) => [entry.id, entry]))
  for (const entry of listed.values()) {
    if (entry.id === homeId || removed.has(entry.id)) continue
    const local = findSpace(deps.deviceDoc, entry.id)
    // Only what this device does not have: a secret it holds is never replaced from the home, and an epoch is never taken
    // from it (the keyring finds a secret's epoch in the log): a device gone bad could claim any (SECURITY DEV6). A rekey
    // reaches each device sealed to it (followEpochs), not through the home.
    if (!local) putSpaceEntry(deps.deviceDoc, { id: entry.id, name: entry.name, createdAt: entry.createdAt, secret: entry.secret, rolesEnforced: true })
  }
  for (const local of listSpaces(deps.deviceDoc)) {
    if (local.home || !local.secret || local.invite !== undefined || local.rolesEnforced !== true) continue
    if (removed.has(local.id)) {
      // Put back here after it was removed (putBack): the removal is taken back in the home too, and it returns everywhere.
      const removedAt = removed.get(local.id)
      const putBackAt = deps.deviceDoc.getMap<unknown>(PUT_BACK).get(local.id)
      if (typeof putBackAt === 'number' && (typeof removedAt !== 'number' || putBackAt > removedAt)) removed.delete(local.id)
      else {
        setAside(deps.deviceDoc, local, deps.now())
        continue
      }
    }
    // A space's name is its own doc's (meta.name): the lists keep a copy, written once, so renames do not ping-pong here.
    const listedEntry = listed.get(local.id)
    if (!listedEntry || later(local, listedEntry)) putHomeEntry(home, { id: local.id, name: listedEntry?.name || local.name, createdAt: local.createdAt, secret: local.secret, ...epochOf(local) })
  }
  // A device's own pairings go to the home, for the record; none comes back from it: a device links itself only with a
  // pairing it signed itself (a planted one could make it someone else's device, SECURITY DEV4).
  const homePairings = home.getMap(PAIRINGS)
  for (const record of readPairings(deps.deviceDoc.getMap(PAIRINGS))) putPairing(homePairings, record)
}

function epochOf(entry: Pick<HomeSpaceEntry, 'epoch'>): { epoch?: number } {
  return entry.epoch === undefined ? {} : { epoch: entry.epoch }
}

/** Whether `a` holds a secret of a later epoch than `b` (an unknown epoch is earlier than any known one). */
function later(a: Pick<SpaceEntry, 'epoch' | 'secret'>, b: Pick<SpaceEntry, 'epoch' | 'secret'> | undefined): boolean {
  if (!b) return true
  return (a.epoch ?? -1) > (b.epoch ?? -1)
}
