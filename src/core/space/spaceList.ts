/**
 * The list of spaces on this device, kept in the device doc. A space's name
 * is owned by its own doc (`meta.name`); the list keeps a copy so the home
 * screen can show every name without opening every space.
 */
import type * as Y from 'yjs'
import { isSpaceId, type SpaceId } from './ids.ts'

export interface SpaceEntry {
  readonly id: SpaceId
  readonly name: string
  readonly createdAt: number
}

function spacesMap(deviceDoc: Y.Doc): Y.Map<unknown> {
  return deviceDoc.getMap('spaces')
}

export function listSpaces(deviceDoc: Y.Doc): SpaceEntry[] {
  const entries: SpaceEntry[] = []
  spacesMap(deviceDoc).forEach((value, id) => {
    const entry = value as Partial<SpaceEntry> | null
    if (!isSpaceId(id) || typeof entry !== 'object' || entry === null) return
    entries.push({
      id,
      name: typeof entry.name === 'string' ? entry.name : '',
      createdAt: typeof entry.createdAt === 'number' ? entry.createdAt : 0,
    })
  })
  // Newest first: the space someone just made is the one they want.
  return entries.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
}

export function findSpace(deviceDoc: Y.Doc, id: SpaceId): SpaceEntry | undefined {
  return listSpaces(deviceDoc).find((entry) => entry.id === id)
}

export function putSpaceEntry(deviceDoc: Y.Doc, entry: SpaceEntry): void {
  spacesMap(deviceDoc).set(entry.id, { name: entry.name, createdAt: entry.createdAt })
}

export function removeSpaceEntry(deviceDoc: Y.Doc, id: SpaceId): void {
  spacesMap(deviceDoc).delete(id)
}

export function observeSpaceList(deviceDoc: Y.Doc, onChange: (event: Y.YMapEvent<unknown>) => void): () => void {
  const map = spacesMap(deviceDoc)
  map.observe(onChange)
  return () => map.unobserve(onChange)
}
