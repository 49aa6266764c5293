import { describe, expect, it } from 'vitest'
import { isOrderKey, orderKeyBetween } from '../../../src/core/space/fractionalOrder.ts'
import { seededRandom as seeded } from '../../helpers/seededRandom.ts'

describe('fractional order keys', () => {
  it('always sort strictly between their neighbours, over thousands of random inserts', () => {
    for (const seed of [1, 2, 3]) {
      const random = seeded(seed)
      const keys: string[] = []
      for (let n = 0; n < 2_000; n++) {
        const at = Math.floor(random() * (keys.length + 1))
        const key = orderKeyBetween(keys[at - 1], keys[at])
        expect(isOrderKey(key)).toBe(true)
        if (at > 0) expect(key > (keys[at - 1] ?? '')).toBe(true)
        if (at < keys.length) expect(key < (keys[at] ?? '')).toBe(true)
        keys.splice(at, 0, key)
      }
    }
  })

  it('stay short when items are appended or prepended one after another', () => {
    let last: string | undefined
    let first: string | undefined
    for (let n = 0; n < 10_000; n++) {
      last = orderKeyBetween(last, undefined)
      first = orderKeyBetween(undefined, first)
    }
    expect(last?.length).toBeLessThanOrEqual(4)
    expect(first?.length).toBeLessThanOrEqual(4)
  })

  it('rejects neighbours given in the wrong order', () => {
    expect(() => orderKeyBetween('a1', 'a0')).toThrow(/must sort before/)
    expect(() => orderKeyBetween('a1', 'a1')).toThrow(/must sort before/)
  })

  it('recognises malformed keys that a peer might send', () => {
    for (const bad of ['', 'a', 'a00', '!', 'b1', 42, null]) expect(isOrderKey(bad)).toBe(false)
    for (const good of ['a0', 'a1', 'aV', 'b10', 'Zz', 'a0V']) expect(isOrderKey(good)).toBe(true)
  })
})
