/**
 * The personal node's data folder for bench:node, made by the app's own code
 * path, in this process: for each space an owner device (a SpaceLibrary with
 * its own keys, memory storage, rooms on an in-process network) creates the
 * space, adds its items in bursts of ITEMS_PER_EDIT (one edit, one signed
 * envelope, as a person adding a few things at once), and makes two invites:
 * a replica invite for the node and an editor invite (any number of uses,
 * good for years) for the bench's newcomers. A PersonalNode on the fixture
 * folder, on the same in-process network, keeps the space from its replica
 * link, is admitted, and holds the whole log; then the owner leaves. The
 * node is stopped once every space is kept, so the folder is what
 * `npm run node` finds on its disk.
 *
 * The node records each space's relay from its link's origin. The bench's
 * server must be that relay when the node is spawned for real, so the
 * fixture picks a free port once and records it; the bench serves the app
 * and the relay on that port (and says so if it is taken).
 *
 * Beside it, an empty node folder (its keys, no spaces): the start-up
 * baseline. Building 1,000 spaces takes minutes, so the result is kept in
 * bench/scratch/node-<spaces>x<items>/ (not committed), keyed by a hash of
 * the code that shapes it.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { inviteFor } from '../../src/core/members/invites.ts'
import { Role } from '../../src/core/members/roles.ts'
import type { SpaceId } from '../../src/core/space/ids.ts'
import { addItem, itemCountText } from '../../src/core/space/items.ts'
import { replicaLink, roomAccessOf, type InviteSecret, type ShareSecret } from '../../src/core/space/shareLink.ts'
import { transportEnvelopes } from '../../src/core/space/SignedLog.ts'
import { PersonalNode, type NodeLog } from '../../src/node/PersonalNode.ts'
import { freePort } from '../../test/helpers/freePort.ts'
import { InstantNetwork } from '../../test/helpers/instantNetwork.ts'
import { keyedDevice } from '../../test/helpers/keyedDevice.ts'
import { withTimeout } from '../harness.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SCRATCH = join(REPO, 'bench/scratch')
const FORMAT = 'pii bench:node fixture v1'
/** Everything whose change would change what the fixture's folder holds or how the node reads it; their text keys the cache. */
const SHAPING_SOURCES = [
  'bench/node/fixture.ts',
  'src/node/PersonalNode.ts',
  'src/node/replicaRecords.ts',
  'src/storage/LevelDbDocStore.ts',
  'src/core/space/BlindReplica.ts',
  'src/core/space/SignedLog.ts',
  'src/core/space/envelope.ts',
  'src/core/members/statement.ts',
  'src/core/space/items.ts',
  'src/core/space/schema.ts',
]

/** Items per edit: a person adds a few things at once; each edit is one signed envelope. */
export const ITEMS_PER_EDIT = 10
/** The newcomers' invite outlives any cached fixture (the app's default of 7 days would not). */
const EDITOR_INVITE_DAYS = 3650
/** One space's admission by the node takes milliseconds here; far longer means it never comes. */
const ADMISSION_TIMEOUT_MS = 60_000
const WORDS = ['milk', 'bread', 'call the plumber', 'book flights', 'pay rent', 'fix the bike', 'write to Anna', 'order paint', 'clean the oven', 'send the forms']

export interface NodeFixture {
  readonly spaces: number
  readonly items: number
  /** The port the bench must serve the relay on: every record in the folder names ws://127.0.0.1:<port>/. */
  readonly port: number
  /** The node's folder with every space, and one with its keys and no space. */
  readonly dataFolder: string
  readonly emptyFolder: string
  /** Space 0, for the newcomer: its id, its secret, and an editor invite (from its owner's share link). */
  readonly space: SpaceId
  readonly secret: ShareSecret
  readonly invite: InviteSecret
  /** The count line once every item is in, and the first item's title (the top of the list). */
  readonly countText: string
  readonly firstTitle: string
  /** Envelopes the node holds of space 0 after building (checkpoints plus the lanes' tails). */
  readonly envelopes: number
  readonly buildMs: number
}

/** fixture.json: the fixture without its folders (they are found beside it), and what it was built by. */
interface StoredFixture {
  readonly format: string
  readonly key: string
  readonly fixture: Omit<NodeFixture, 'dataFolder' | 'emptyFolder'>
}

const folderOf = (spaces: number, items: number): string => join(SCRATCH, `node-${spaces}x${items}`)

export const titleOf = (space: number, item: number): string => `${WORDS[item % WORDS.length]} (${item + 1} of list ${space + 1})`

async function cacheKey(spaces: number, items: number): Promise<string> {
  const hash = createHash('sha256').update(`${FORMAT} spaces=${spaces} items=${items} burst=${ITEMS_PER_EDIT}\n`)
  for (const path of SHAPING_SOURCES) hash.update(await readFile(join(REPO, path)))
  return hash.digest('hex')
}

/** The cached fixture for this size, if it was built by this code; undefined otherwise. */
export async function readFixture(spaces: number, items: number): Promise<NodeFixture | undefined> {
  const folder = folderOf(spaces, items)
  const text = await readFile(join(folder, 'fixture.json'), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const stored = JSON.parse(text) as StoredFixture
  if (stored.format !== FORMAT || stored.key !== (await cacheKey(spaces, items))) return undefined
  return { ...stored.fixture, dataFolder: join(folder, 'data'), emptyFolder: join(folder, 'empty') }
}

const quiet: NodeLog = { info: () => undefined, warn: () => undefined }

async function until(condition: () => boolean, what: string): Promise<void> {
  await withTimeout(
    (async () => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2))
    })(),
    ADMISSION_TIMEOUT_MS,
    what,
  )
}

interface BuiltSpace {
  readonly space: SpaceId
  readonly secret: ShareSecret
  readonly invite: InviteSecret
  readonly envelopes: number
}

/** One space, made by its owner's device and handed to the node, which is admitted and holds its whole log. */
async function buildSpace(index: number, items: number, network: InstantNetwork, node: PersonalNode, admitted: Set<string>, origin: string): Promise<BuiltSpace> {
  const owner = keyedDevice(network)
  const session = await owner.library.create(`List ${index + 1}`)
  try {
    const sync = await session.sync
    await until(() => sync.membership.founded, `founding space ${index}`)
    for (let first = 0; first < items; first += ITEMS_PER_EDIT) {
      session.edit((doc) => {
        for (let item = first; item < Math.min(items, first + ITEMS_PER_EDIT); item++) addItem(doc, titleOf(index, item))
      })
      // Each burst its own envelope: SignedLog merges edits made while a signature is in flight.
      await sync.log.settled()
    }
    if (sync.log.problem) throw new Error(`Space ${index}: the owner could not sign: ${sync.log.problem}`)
    const secret = sync.secret
    if (!secret) throw new Error(`Space ${index} has no share secret.`)
    const now = Date.now()
    const replicaInvite = await inviteFor(owner.deviceDoc, session.id, sync.membership, sync.author, Role.replica, 1, now)
    const invite = await inviteFor(owner.deviceDoc, session.id, sync.membership, sync.author, Role.editor, 0, now, EDITOR_INVITE_DAYS)
    await node.replicate(replicaLink(origin, session.id, secret, replicaInvite))
    await until(() => admitted.has(session.id), `the node's admission to space ${index}`)
    await Promise.all([sync.log.settled(), sync.membership.settled(), node.settled()])
    // What anyone in the room holds now: the node must hold as many envelopes.
    const everything = new Y.Doc()
    network.connect(roomAccessOf(secret).name, everything).close()
    const expected = transportEnvelopes(everything).length
    everything.destroy()
    const held = node.spaces().find((kept) => kept.space === session.id)
    if (!held?.admitted || held.envelopes !== expected) throw new Error(`Space ${index}: the node holds ${held?.envelopes ?? 0} envelopes of ${expected}.`)
    return { space: session.id, secret, invite, envelopes: held.envelopes }
  } finally {
    session.release()
  }
}

/** Builds the fixture for this size (replacing any older one) and caches it. */
export async function buildFixture(spaces: number, items: number, progress: (line: string) => void): Promise<NodeFixture> {
  const started = performance.now()
  const folder = folderOf(spaces, items)
  await rm(folder, { recursive: true, force: true })
  await mkdir(folder, { recursive: true })
  const dataFolder = join(folder, 'data')
  const emptyFolder = join(folder, 'empty')
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const empty = await PersonalNode.open({ folder: emptyFolder, name: 'Bench node', log: quiet, network: false })
  await empty.stop()
  const network = new InstantNetwork()
  const admitted = new Set<string>()
  const log: NodeLog = {
    info: (message, fields) => {
      if (message === 'admitted to a space' && typeof fields?.space === 'string') admitted.add(fields.space)
    },
    warn: (message, fields) => progress(`  the node warned: ${message} ${JSON.stringify(fields ?? {})}`),
  }
  const node = await PersonalNode.open({ folder: dataFolder, name: 'Bench node', log, rooms: () => network })
  let first: BuiltSpace | undefined
  try {
    for (let index = 0; index < spaces; index++) {
      const built = await buildSpace(index, items, network, node, admitted, origin)
      first ??= built
      const done = index + 1
      if (done % 50 === 0 || done === spaces) progress(`  ${done} of ${spaces} spaces kept by the node, ${((performance.now() - started) / 1000).toFixed(1)} s`)
    }
  } finally {
    await node.stop()
  }
  if (!first) throw new Error('No space was built.')
  const described = {
    spaces,
    items,
    port,
    space: first.space,
    secret: first.secret,
    invite: first.invite,
    countText: itemCountText(items, items),
    firstTitle: titleOf(0, 0),
    envelopes: first.envelopes,
    buildMs: performance.now() - started,
  }
  const stored: StoredFixture = { format: FORMAT, key: await cacheKey(spaces, items), fixture: described }
  await writeFile(join(folder, 'fixture.json'), JSON.stringify(stored, null, 2) + '\n')
  return { ...described, dataFolder, emptyFolder }
}
