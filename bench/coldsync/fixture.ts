/**
 * The space a newcomer cold-syncs: 100,000 updates from 3 authors, made the
 * way the app makes them. Each author has its own device key, content doc,
 * transport doc and SignedLog (its own lane), which signs that author's
 * transactions, checkpoints and compacts by the app's own rules. Every edit
 * is one transaction and the next waits until its envelope is sealed, so
 * each update gets its own envelope (SignedLog merges edits made while a
 * signature is in flight). At the end the three transport docs are merged,
 * as peers' replicas merge, and a fresh SignedLog admits the result exactly
 * as a joining browser will, as a check.
 *
 * The authors' content docs are kept in sync directly, so each builds on
 * the others' items; their logs are not wired to each other live because
 * admitting envelopes one transaction at a time makes SignedLog read
 * `YArrayEvent.changes`, which walks every tombstone of the envelope array:
 * quadratic over 100,000 envelopes (over 11 CPU minutes, against ~50 s).
 *
 * The same raw updates (each author's local transactions, as Yjs emitted
 * them) go into a plain doc for the baseline, which serves them without
 * envelopes. Building takes a while, so the result is cached (see
 * fixtureCache.ts), keyed by a hash of the code that shapes it.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { createDeviceKey, deviceDid, signWith, verifySignature, type DeviceKey } from '../../src/core/identity/deviceKey.ts'
import { Role } from '../../src/core/members/roles.ts'
import { SpaceMembership } from '../../src/core/members/SpaceMembership.ts'
import { SALT_BYTES, spaceIdOf, StatementKind } from '../../src/core/members/statement.ts'
import type { Did } from '../../src/core/identity/didKey.ts'
import { decodeBase58 } from '../../src/core/identity/base58.ts'
import { deriveContentKey, fixedKeyring, type ContentKeyring } from '../../src/core/space/contentCipher.ts'
import type { Verifier } from '../../src/core/space/envelope.ts'
import type { ItemId, SpaceId } from '../../src/core/space/ids.ts'
import { addItem, itemsMap, itemText, readItems, setItemDone } from '../../src/core/space/items.ts'
import { initialiseSpace } from '../../src/core/space/schema.ts'
import { newShareSecret, type ShareSecret } from '../../src/core/space/shareLink.ts'
import { newLaneKey } from '../../src/core/space/laneKey.ts'
import { SignedLog, transportEnvelopes, type LaneIdentity, type LogAuthor } from '../../src/core/space/SignedLog.ts'
import { seededRandom } from '../../test/helpers/seededRandom.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
/** Everything whose change would change the fixture's bytes or meaning; their text keys the cache. */
const SHAPING_SOURCES = [
  'bench/coldsync/fixture.ts',
  'src/core/space/envelope.ts',
  'src/core/space/EnvelopeLog.ts',
  'src/core/space/SignedLog.ts',
  'src/core/space/laneKey.ts',
  'src/core/space/clientIds.ts',
  'src/core/space/joinUpdates.ts',
  'src/core/space/items.ts',
  'src/core/space/schema.ts',
  'src/core/space/fractionalOrder.ts',
]

export const AUTHORS = 3
/** The edit mix, as shares of all edits: mostly typing in titles, some ticking, a few new items (~3,000). */
const ADD_SHARE = 0.03
const TOGGLE_SHARE = 0.12
const ERASE_SHARE = 0.25 // the rest types a character
/** Typing lands on recently added items, as it does in a list in use; ticking anywhere. */
const RECENT_ITEMS = 50
const WORDS = ['milk', 'bread', 'call', 'plan', 'fix', 'book', 'write', 'pay', 'check', 'order', 'clean', 'send']
const LETTERS = 'abcdefghijklmnopqrstuvwxyz '

export interface Fixture {
  readonly space: SpaceId
  readonly secret: ShareSecret
  readonly updates: number
  /** Y.encodeStateAsUpdate of the transport doc: the envelope log a joining peer syncs. */
  readonly transportState: Uint8Array
  /** Envelopes left in the log after compaction (checkpoints plus each lane's tail). */
  readonly envelopesInLog: number
  /** Y.encodeStateAsUpdate of a plain doc holding every raw update: what the baseline peer serves. */
  readonly contentState: Uint8Array
  /** Sum of the raw updates' sizes, as Yjs emitted them. */
  readonly rawUpdateBytes: number
  readonly items: number
  readonly undone: number
  /** The first title in display order (the app shows the top of the list) and the last (the baseline shows the end). */
  readonly firstTitle: string
  readonly lastTitle: string
  /** How long building took, when it was built (not read from the cache). */
  readonly buildMs: number
}

interface Author {
  readonly content: Y.Doc
  readonly transport: Y.Doc
  readonly log: SignedLog
}

function titleFor(index: number): string {
  const word = (offset: number): string => WORDS[(index * 7 + offset * 5) % WORDS.length] ?? ''
  return `${word(0)} ${word(1)} #${index + 1}`
}

/** One user action on `doc`, as one transaction. */
function makeEdit(doc: Y.Doc, ids: ItemId[], random: () => number): void {
  const roll = random()
  const pick = (from: number): ItemId => ids[from + Math.floor(random() * (ids.length - from))]!
  doc.transact(() => {
    if (ids.length === 0 || roll < ADD_SHARE) {
      ids.push(addItem(doc, titleFor(ids.length)))
      return
    }
    if (roll < ADD_SHARE + TOGGLE_SHARE) {
      const id = pick(0)
      setItemDone(doc, id, itemsMap(doc).get(id)?.get('done') !== true)
      return
    }
    const title = itemText(doc, pick(Math.max(0, ids.length - RECENT_ITEMS)), 'title')
    if (!title) throw new Error('An item without a title: the fixture is out of step with items.ts.')
    if (roll < ADD_SHARE + TOGGLE_SHARE + ERASE_SHARE && title.length > 3) title.delete(title.length - 1, 1)
    else title.insert(title.length, LETTERS[Math.floor(random() * LETTERS.length)]!)
  })
}

/** The content key of the fixture's only epoch, as a link's secret gives it to every member. */
export function fixtureKeyring(space: SpaceId, secret: ShareSecret): ContentKeyring {
  return fixedKeyring(deriveContentKey(space, 0, decodeBase58(secret)!))
}

/** A fresh session lane, as a space's session makes one. */
function newLane(): LaneIdentity {
  const key = newLaneKey()
  return { publicKey: key.publicKey, key: () => Promise.resolve(key) }
}

function newAuthor(key: DeviceKey, space: SpaceId, keys: ContentKeyring, verify: Verifier): Author & { readonly did: Did; readonly signer: LogAuthor } {
  const content = new Y.Doc()
  const transport = new Y.Doc()
  const author = { publicKey: key.publicKey, sign: (message: Uint8Array) => signWith(key, crypto.subtle, message) }
  return { content, transport, log: new SignedLog({ space, content, transport, author, verify, keys, lane: newLane() }), did: deviceDid(key), signer: author }
}

/** The origin of content one author receives from another: not local, so not signed again, and not forwarded. */
const RELAYED = Symbol('relayed')

export async function buildFixture(updates: number, progress: (line: string) => void): Promise<Fixture> {
  const started = performance.now()
  const secret = newShareSecret()
  const verify: Verifier = (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message)
  // A space as Pii makes one: its id from its owner's key, its membership log founded by the owner, the other authors
  // added as editors, so a newcomer checks every envelope against its author's role (MEMBERSHIP.md M7).
  const keys = await Promise.all(Array.from({ length: AUTHORS }, () => createDeviceKey(crypto.subtle)))
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const space = spaceIdOf(keys[0]!.publicKey, salt)
  const contentKeys = fixtureKeyring(space, secret)
  const authors = keys.map((key) => newAuthor(key, space, contentKeys, verify))
  const membershipDoc = new Y.Doc()
  const membership = new SpaceMembership({ space, transport: membershipDoc, verify, now: Date.now, requiresGenesis: true })
  const owner = authors[0]!.signer
  await membership.say(owner, { kind: StatementKind.genesis, salt, name: 'Owner', x25519: new Uint8Array(0) })
  for (const editor of authors.slice(1)) await membership.say(owner, { kind: StatementKind.add, person: editor.signer.publicKey, role: Role.editor, name: 'Editor', x25519: new Uint8Array(0) })
  membership.stop()
  const raw: Uint8Array[] = []
  for (const from of authors) {
    from.content.on('update', (update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
      if (!transaction.local) return
      raw.push(update)
      for (const to of authors) if (to !== from) Y.applyUpdate(to.content, update, RELAYED)
    })
  }
  // Seeded, so every build makes the same kind of history (ids and keys still differ).
  const random = seededRandom(0x5eed)
  const ids: ItemId[] = []
  for (let edit = 0; edit < updates; edit++) {
    const editor = authors[edit % AUTHORS]!
    if (edit === 0) initialiseSpace(editor.content, { name: 'Cold sync bench', createdAt: Date.now() })
    else makeEdit(editor.content, ids, random)
    await editor.log.settled()
    if ((edit + 1) % 10_000 === 0) progress(`  ${edit + 1} updates, ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  for (const author of authors) if (author.log.problem) throw new Error(`An author could not sign: ${author.log.problem}`)
  // The three replicas of the log merged, as peers' transport docs merge when they meet.
  const merged = Y.mergeUpdates([...authors.map((author) => Y.encodeStateAsUpdate(author.transport)), Y.encodeStateAsUpdate(membershipDoc)])
  for (const author of authors) author.log.destroy()
  if (raw.length !== updates) throw new Error(`${raw.length} raw updates were made, not ${updates}.`)
  const fixture = { space, secret, updates, ...(await checkAndDescribe(authors, raw, space, contentKeys, merged, verify)) }
  return { ...fixture, buildMs: performance.now() - started }
}

const stateVector = (doc: Y.Doc): string => Buffer.from(Y.encodeStateVector(doc)).toString('hex')

/**
 * Checks the fixture the way a newcomer will read it: a fresh SignedLog must
 * admit the merged log, refuse nothing, and rebuild exactly the authors'
 * content, as must the raw updates in a plain doc. Then describes it.
 */
async function checkAndDescribe(
  authors: readonly Author[],
  raw: readonly Uint8Array[],
  space: SpaceId,
  contentKeys: ContentKeyring,
  merged: Uint8Array,
  verify: Verifier,
): Promise<Omit<Fixture, 'space' | 'secret' | 'updates' | 'buildMs'>> {
  const expected = stateVector(authors[0]!.content)
  if (authors.some((author) => stateVector(author.content) !== expected)) throw new Error('The authors ended with different content.')
  const newcomer = { content: new Y.Doc(), transport: new Y.Doc() }
  Y.applyUpdate(newcomer.transport, merged)
  // A reader never edits: asked to certify its lane, it declines, which only matters to edits it never makes.
  const reader = { publicKey: new Uint8Array(32), sign: () => Promise.reject(new Error('A reader does not sign.')) }
  const log = new SignedLog({ space, content: newcomer.content, transport: newcomer.transport, author: reader, verify, keys: contentKeys, lane: newLane() })
  await log.settled()
  const refused = [...log.log.rejections.values()].reduce((sum, count) => sum + count, 0)
  log.destroy()
  if (refused > 0 || stateVector(newcomer.content) !== expected) throw new Error(`A newcomer admitting the log refused ${refused} envelopes or rebuilt different content.`)
  // One by one, in the order they were made (Y.mergeUpdates of 100,000 updates takes minutes).
  const plain = new Y.Doc()
  for (const update of raw) Y.applyUpdate(plain, update)
  if (stateVector(plain) !== expected) throw new Error('The raw updates do not rebuild the authors’ content.')
  const items = readItems(plain)
  return {
    // The log as the newcomer holds it, re-encoded: what a peer serves and what "envelope bytes" counts.
    transportState: Y.encodeStateAsUpdate(newcomer.transport),
    envelopesInLog: transportEnvelopes(newcomer.transport).length,
    contentState: Y.encodeStateAsUpdate(plain),
    rawUpdateBytes: raw.reduce((sum, update) => sum + update.length, 0),
    items: items.length,
    undone: items.filter((item) => !item.done).length,
    firstTitle: items[0]?.title ?? '',
    lastTitle: items.at(-1)?.title ?? '',
  }
}

/** The cache key: a hash of the code that shapes the fixture, and its size. */
export async function fixtureKey(updates: number): Promise<string> {
  const hash = createHash('sha256').update(`updates=${updates} authors=${AUTHORS}\n`)
  for (const path of SHAPING_SOURCES) hash.update(await readFile(join(REPO, path)))
  return hash.digest('hex')
}
