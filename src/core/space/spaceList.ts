/**
 * The list of spaces on this device, kept in the device doc. A space's name
 * is owned by its own doc (`meta.name`); the list keeps a copy so the home
 * screen can show every name without opening every space.
 */
import type * as Y from 'yjs'
import { isSpaceId, type SpaceId } from './ids.ts'
import { isShareSecret, type ShareSecret } from './shareLink.ts'

/** Storage name of the device doc (the list of spaces, the profile): stable, as renaming it would orphan stored data. */
export const DEVICE_DOC_NAME = 'pii-device'

export interface SpaceEntry {
  readonly id: SpaceId
  readonly name: string
  readonly createdAt: number
  /** The room secret of its share link; kept on this device only (the device doc is never shared). */
  readonly secret?: ShareSecret
  /**
   * How many times this device rebuilt the space's content from its log
   * (SignedLog.onRebuildNeeded): every tab and the worker reopen the space
   * when it changes, and only copies of one generation talk to each other.
   */
  readonly contentGeneration?: number
  /**
   * For a space this device created: the salt its id was made from
   * (spaceIdOf), kept until the membership log's genesis is written.
   */
  readonly founding?: string
  /** For a space joined through an invite link: the invite's secret key, kept until this device's accept counts. */
  readonly invite?: string
  /**
   * Created or joined with a membership log: nobody's changes show until
   * its genesis arrives. Absent for spaces from before membership, which
   * stay open to everyone until their owner founds their log.
   */
  readonly rolesEnforced?: boolean
  /**
   * The epoch `secret` belongs to (core/members/epochs.ts): 0 for a space this device created, absent for one
   * joined by a link until it follows a rekey (the link's epoch is found from the log: epochKeyring.ts).
   */
  readonly epoch?: number
  /** The person's home space (homeSpace.ts): the list of their spaces, devices and profile, shared by their devices only; no view lists it. */
  readonly home?: true
}

function spacesMap(deviceDoc: Y.Doc): Y.Map<unknown> {
  return deviceDoc.getMap('spaces')
}

export function listSpaces(deviceDoc: Y.Doc): SpaceEntry[] {
  const entries: SpaceEntry[] = []
  spacesMap(deviceDoc).forEach((value, id) => {
    const entry = readEntry(id, value)
    if (entry) entries.push(entry)
  })
  // Newest first: the space someone just made is the one they want.
  return entries.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
}

/** One entry, read directly: a syncing space asks on every change it sees. */
export function findSpace(deviceDoc: Y.Doc, id: SpaceId): SpaceEntry | undefined {
  return readEntry(id, spacesMap(deviceDoc).get(id))
}

/** An entry as stored; undefined for a malformed one (the device doc is local, but older builds wrote it too). */
/** A space's content generation (SpaceEntry.contentGeneration), 0 when it has none. */
export function contentGeneration(deviceDoc: Y.Doc, id: SpaceId): number {
  return findSpace(deviceDoc, id)?.contentGeneration ?? 0
}

/** An entry as the list stores it (or held it: a change's oldValue), checked; undefined for anything else. */
export function readEntry(id: string, value: unknown): SpaceEntry | undefined {
  const entry = value as Partial<Record<keyof SpaceEntry, unknown>> | null | undefined
  if (!isSpaceId(id) || typeof entry !== 'object' || entry === null) return undefined
  return {
    id,
    name: typeof entry.name === 'string' ? entry.name : '',
    createdAt: typeof entry.createdAt === 'number' ? entry.createdAt : 0,
    ...(isShareSecret(entry.secret) ? { secret: entry.secret } : {}),
    ...(Number.isSafeInteger(entry.contentGeneration) ? { contentGeneration: entry.contentGeneration as number } : {}),
    ...(typeof entry.founding === 'string' ? { founding: entry.founding } : {}),
    ...(typeof entry.invite === 'string' ? { invite: entry.invite } : {}),
    ...(entry.rolesEnforced === true ? { rolesEnforced: true } : {}),
    ...(Number.isSafeInteger(entry.epoch) && (entry.epoch as number) >= 0 ? { epoch: entry.epoch as number } : {}),
    ...(entry.home === true ? { home: true as const } : {}),
  }
}

export function putSpaceEntry(deviceDoc: Y.Doc, entry: SpaceEntry): void {
  const { id, ...stored } = entry
  spacesMap(deviceDoc).set(id, stored)
}

export function removeSpaceEntry(deviceDoc: Y.Doc, id: SpaceId): void {
  spacesMap(deviceDoc).delete(id)
}

export function observeSpaceList(deviceDoc: Y.Doc, onChange: (event: Y.YMapEvent<unknown>) => void): () => void {
  const map = spacesMap(deviceDoc)
  map.observe(onChange)
  return () => map.unobserve(onChange)
}

/** The person's home space on this device, once it has one (it is made when they first add a device). */
export function findHome(deviceDoc: Y.Doc): SpaceEntry | undefined {
  return listSpaces(deviceDoc).find((entry) => entry.home)
}

/** The spaces a person sees and opens: every one but their home, which only carries the others. */
export function listVisibleSpaces(deviceDoc: Y.Doc): SpaceEntry[] {
  return listSpaces(deviceDoc).filter((entry) => !entry.home)
}
