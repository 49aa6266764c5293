import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { joinUpdates } from '../../../src/core/space/joinUpdates.ts'
import { seededRandom, type Random } from '../../helpers/seededRandom.ts'

const TEXT = ['a', 'é', '€', '😀', 'word ', '\n', '中文']
const VALUES: unknown[] = [null, true, false, 0, -7, 2 ** 40, 1.5, 'text', new Uint8Array([1, 2, 3]), { nested: [1, { deep: 'x' }] }, ['a', 2]]

/** One random edit touching every kind of struct content Yjs writes. */
function edit(doc: Y.Doc, random: Random): void {
  const pick = <T,>(from: readonly T[]): T => from[Math.floor(random() * from.length)]!
  const text = doc.getText('text')
  const map = doc.getMap('map')
  const list = doc.getArray('list')
  const roll = random()
  if (roll < 0.3) text.insert(Math.floor(random() * (text.length + 1)), pick(TEXT), random() < 0.2 ? { bold: true } : undefined)
  else if (roll < 0.4 && text.length > 0) text.delete(Math.floor(random() * text.length), 1)
  else if (roll < 0.45) text.insertEmbed(Math.floor(random() * (text.length + 1)), { image: 'x.png' })
  else if (roll < 0.6) map.set(pick(['a', 'b', 'c']), pick(VALUES))
  else if (roll < 0.7) list.insert(Math.floor(random() * (list.length + 1)), [pick(VALUES), pick(VALUES)])
  else if (roll < 0.75 && list.length > 0) list.delete(Math.floor(random() * list.length), 1)
  else if (roll < 0.8) list.push([new Y.Map(), new Y.Text('inner'), new Y.XmlElement('p'), new Y.XmlHook('hook')])
  else if (roll < 0.85) list.push([new Y.Doc()])
  else if (roll < 0.9) doc.getXmlFragment('xml').push([new Y.XmlText('xml text')])
  else map.set('json', new Y.Array())
}

interface Lane {
  readonly doc: Y.Doc
  readonly updates: Uint8Array[]
}

/** Lanes editing concurrently and syncing now and then, as a space's sessions do; each records its own updates. */
function history(seed: number, lanes = 3, edits = 150): Lane[] {
  const random = seededRandom(seed)
  const all = Array.from({ length: lanes }, (_, index): Lane => {
    const doc = new Y.Doc({ gc: index % 2 === 0 })
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array, origin: unknown) => origin !== 'sync' && updates.push(update))
    return { doc, updates }
  })
  for (let step = 0; step < edits; step++) {
    const lane = all[Math.floor(random() * lanes)]!
    lane.doc.transact(() => edit(lane.doc, random))
    if (random() < 0.2) {
      const to = all[Math.floor(random() * lanes)]!
      if (to !== lane) Y.applyUpdate(to.doc, Y.encodeStateAsUpdate(lane.doc, Y.encodeStateVector(to.doc)), 'sync')
    }
  }
  return all
}

/** What a newcomer receives: per lane a checkpoint (its first updates merged) and the rest one by one. */
function checkpointsAndTails(lanes: readonly Lane[], random: Random): Uint8Array[] {
  return lanes.flatMap(({ updates }) => {
    const cut = Math.floor(random() * updates.length)
    return cut > 1 ? [Y.mergeUpdates(updates.slice(0, cut)), ...updates.slice(cut)] : updates
  })
}

const applied = (update: Uint8Array): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

function expectSameDoc(actual: Y.Doc, expected: Y.Doc): void {
  expect(actual.getText('text').toDelta()).toEqual(expected.getText('text').toDelta())
  expect(actual.getMap('map').toJSON()).toEqual(expected.getMap('map').toJSON())
  expect(actual.getArray('list').length).toBe(expected.getArray('list').length)
  expect(actual.getXmlFragment('xml').toJSON()).toBe(expected.getXmlFragment('xml').toJSON())
  expect(Y.encodeStateVector(actual)).toEqual(Y.encodeStateVector(expected))
  expect(Y.encodeStateAsUpdate(actual)).toEqual(Y.encodeStateAsUpdate(expected))
}

describe('joinUpdates', () => {
  it('[JU1] joins lanes of checkpoints and tails into an update that applies exactly like Y.mergeUpdates', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const lanes = history(seed)
      const received = checkpointsAndTails(lanes, seededRandom(seed * 31))
      const joined = joinUpdates(received)
      expect(joined, `seed ${seed}`).toBeDefined()
      expectSameDoc(applied(joined!), applied(Y.mergeUpdates(received)))
      // Which is everything the lanes wrote.
      expectSameDoc(applied(joined!), applied(Y.mergeUpdates(lanes.map((lane) => Y.encodeStateAsUpdate(lane.doc)))))
    }
  })

  it('[JU2] joins what Yjs writes besides edits: deletes of a client not in the batch (held until it comes), GC and deleted content', () => {
    // "abcdef" by one client; another deletes "e", then "ab": two delete-only updates, sent before the text itself.
    const writer = new Y.Doc()
    writer.getText('t').insert(0, 'abcdef')
    const editor = new Y.Doc()
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(writer))
    const deletes: Uint8Array[] = []
    editor.on('update', (update: Uint8Array) => deletes.push(update))
    editor.getText('t').delete(4, 1)
    editor.getText('t').delete(0, 2)
    // A collected doc's snapshot: a deleted nested map becomes GC structs, deleted text becomes deleted content.
    const collected = new Y.Doc({ gc: true })
    const nested = new Y.Map<number>()
    collected.getArray('a').push([nested, 'kept'])
    nested.set('x', 1)
    nested.set('y', 2)
    collected.getArray('a').delete(0, 1)
    collected.getText('t2').insert(0, 'gone')
    collected.getText('t2').delete(1, 2)
    const batch = [...deletes, Y.encodeStateAsUpdate(collected)]
    const joined = joinUpdates(batch)
    expect(joined).toBeDefined()
    const [viaJoin, viaMerge] = [joined!, Y.mergeUpdates(batch)].map((update) => {
      const doc = applied(update)
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer))
      return doc
    })
    expect(viaJoin!.getText('t').toString()).toBe('cdf')
    expect(viaJoin!.getText('t2').toString()).toBe('ge')
    expect(viaJoin!.getArray('a').toJSON()).toEqual(['kept'])
    expect(Y.encodeStateAsUpdate(viaJoin!)).toEqual(Y.encodeStateAsUpdate(viaMerge!))
  })

  it('[JU3] leaves to Yjs what it cannot join by copying: overlapping or gapped clocks, empty structs, unknown kinds, malformed text, truncation', () => {
    const [lane] = history(7, 1, 40)
    const updates = lane!.updates
    const joined = joinUpdates(updates)
    expectSameDoc(applied(joined!), applied(Y.mergeUpdates(updates)))
    // The same client's clocks twice, or with a gap: only a real merge can say what that means.
    expect(joinUpdates([...updates, updates[3]!])).toBeUndefined()
    expect(joinUpdates(updates.filter((_, index) => index !== 3))).toBeUndefined()
    expect(joinUpdates([updates[0]!, updates[1]!.subarray(0, updates[1]!.length - 1)])).toBeUndefined()

    // One struct of client 5 at clock 0 in root type "t", then an empty delete set; `content` as given.
    const struct = (info: number, ...content: number[]): Uint8Array => Uint8Array.from([1, 1, 5, 0, info, 1, 1, 0x74, ...content, 0])
    expect(applied(joinUpdates([struct(4, 1, 0x61), updates[0]!])!).getText('t').toString()).toBe('a') // the string "a"
    expect(joinUpdates([struct(31, 1, 0x61), updates[0]!])).toBeUndefined() // no such kind
    expect(joinUpdates([struct(7, 0), updates[0]!])).toBeDefined() // a nested Y.Array
    expect(joinUpdates([struct(7, 7), updates[0]!])).toBeUndefined() // no such type
    expect(joinUpdates([struct(4, 0), updates[0]!])).toBeUndefined() // an empty string spans no clock

    // A string of malformed UTF-8 (an overlong "/"): lib0 refuses to decode it, so it is not counted here.
    expect(joinUpdates([struct(4, 3, 0xc3, 0xa9, 0x2f), updates[0]!])).toBeDefined() // "é/", well formed
    expect(joinUpdates([struct(4, 3, 0xc0, 0xaf, 0x2f), updates[0]!])).toBeUndefined()
  })
})
