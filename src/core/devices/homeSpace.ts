/**
 * A person's home space: a space like any other (signed, encrypted, synced),
 * whose members are only the person's own devices, and whose content is what
 * those devices share: the list of the person's spaces with each one's
 * current secret, the pairings that link each device, and their display name.
 *
 * Every device of the person writes here, so every value is checked when
 * read: a stolen device stays a writer until it is unlinked.
 */
import type * as Y from 'yjs'
import { readDisplayName } from '../identity/profile.ts'
import { isSpaceId, type SpaceId } from '../space/ids.ts'
import { normaliseSpaceName } from '../space/schema.ts'
import { isShareSecret, type ShareSecret } from '../space/shareLink.ts'
import type { SpaceLibrary } from '../space/SpaceLibrary.ts'
import { findHome, findSpace, putSpaceEntry } from '../space/spaceList.ts'

/** Top-level names in the home space's content: part of the format. */
export const HOME_SPACES = 'homeSpaces'
export const HOME_REMOVED = 'homeRemoved'
export const HOME_PROFILE = 'homeProfile'

/** A space as the home lists it. */
export interface HomeSpaceEntry {
  readonly id: SpaceId
  readonly name: string
  readonly createdAt: number
  readonly secret: ShareSecret
  /** The epoch `secret` belongs to, when the device that listed it knew (spaceList.ts SpaceEntry.epoch). */
  readonly epoch?: number
}

/** Far more spaces than a person keeps; past it, the list is junk from a device gone bad. */
export const MAX_HOME_SPACES = 10_000

export function homeSpacesMap(home: Y.Doc): Y.Map<unknown> {
  return home.getMap(HOME_SPACES)
}

export function homeRemovedMap(home: Y.Doc): Y.Map<unknown> {
  return home.getMap(HOME_REMOVED)
}

export function homeProfileMap(home: Y.Doc): Y.Map<unknown> {
  return home.getMap(HOME_PROFILE)
}

export function readHomeEntry(id: string, value: unknown): HomeSpaceEntry | undefined {
  if (!isSpaceId(id) || typeof value !== 'object' || value === null) return undefined
  const fields = value as Record<string, unknown>
  const { name, createdAt, secret, epoch } = fields
  if (typeof name !== 'string' || typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || !isShareSecret(secret)) return undefined
  if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0)) return undefined
  return { id, name: normaliseSpaceName(name), createdAt, secret, ...(epoch === undefined ? {} : { epoch }) }
}

export function listHomeSpaces(home: Y.Doc): HomeSpaceEntry[] {
  const entries: HomeSpaceEntry[] = []
  for (const [id, value] of homeSpacesMap(home)) {
    if (entries.length >= MAX_HOME_SPACES) break
    const entry = readHomeEntry(id, value)
    if (entry) entries.push(entry)
  }
  return entries
}

export function putHomeEntry(home: Y.Doc, entry: HomeSpaceEntry): void {
  const { id, ...stored } = entry
  homeSpacesMap(home).set(id, stored)
}

const making = new WeakMap<Y.Doc, Promise<SpaceId>>()

/** The person's home space on this device, made (owned by this device, like any space it creates) if it has none yet. */
export function ensureHome(library: SpaceLibrary, deviceDoc: Y.Doc): Promise<SpaceId> {
  const existing = findHome(deviceDoc)
  if (existing) return Promise.resolve(existing.id)
  // Two clicks on "Add a device" make one home, not two.
  const pending = making.get(deviceDoc) ?? makeHome(library, deviceDoc).finally(() => making.delete(deviceDoc))
  making.set(deviceDoc, pending)
  return pending
}

async function makeHome(library: SpaceLibrary, deviceDoc: Y.Doc): Promise<SpaceId> {
  const session = await library.create('Home')
  try {
    // The person's name, which every device they link takes (HomeSync).
    session.doc.transact(() => homeProfileMap(session.doc).set('displayName', readDisplayName(deviceDoc)))
    const entry = findSpace(deviceDoc, session.id)
    if (entry) putSpaceEntry(deviceDoc, { ...entry, home: true })
    return session.id
  } finally {
    session.release()
  }
}
