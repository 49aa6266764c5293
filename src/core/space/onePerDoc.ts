import type * as Y from 'yjs'

/**
 * `make`, called once per doc and remembered for as long as the doc lives:
 * for an index over a doc that many readers share, so it observes the doc
 * once, however many views ask.
 */
export function onePerDoc<T extends object>(make: (doc: Y.Doc) => T): (doc: Y.Doc) => T {
  const made = new WeakMap<Y.Doc, T>()
  return (doc) => {
    let value = made.get(doc)
    if (!value) {
      value = make(doc)
      made.set(doc, value)
    }
    return value
  }
}
