/**
 * The shape of a space's Y.Doc. Top-level names are part of the stored and
 * synced format: renaming one orphans every existing space's data.
 */
import type * as Y from 'yjs'

export const SPACE_FORMAT_VERSION = 1

export const SpaceRoot = {
  meta: 'meta',
  items: 'items',
  schedulers: 'schedulers',
  ops: 'ops',
  runs: 'runs',
  inbox: 'inbox',
} as const

export interface SpaceMeta {
  readonly name: string
  readonly createdAt: number
  readonly formatVersion: number
}

export const MAX_SPACE_NAME_LENGTH = 120

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(SpaceRoot.meta)
}

/** Writes the meta of a brand-new space; run once, by its creator. (Its members are in its membership log: core/members.) */
export function initialiseSpace(doc: Y.Doc, init: { name: string; createdAt: number }): void {
  doc.transact(() => {
    const meta = metaMap(doc)
    meta.set('name', normaliseSpaceName(init.name))
    meta.set('createdAt', init.createdAt)
    meta.set('formatVersion', SPACE_FORMAT_VERSION)
  })
}

export function readSpaceMeta(doc: Y.Doc): SpaceMeta {
  const meta = metaMap(doc)
  const name = meta.get('name')
  const createdAt = meta.get('createdAt')
  const formatVersion = meta.get('formatVersion')
  return {
    name: typeof name === 'string' ? name : '',
    createdAt: typeof createdAt === 'number' ? createdAt : 0,
    formatVersion: typeof formatVersion === 'number' ? formatVersion : SPACE_FORMAT_VERSION,
  }
}

export function renameSpace(doc: Y.Doc, name: string): void {
  metaMap(doc).set('name', normaliseSpaceName(name))
}

export function normaliseSpaceName(name: string): string {
  const trimmed = name.trim().slice(0, MAX_SPACE_NAME_LENGTH)
  return trimmed || 'Untitled space'
}
