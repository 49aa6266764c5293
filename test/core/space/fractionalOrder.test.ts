import { describe, expect, it } from 'vitest'
import { isOrderKey, MAX_ORDER_KEY_LENGTH, orderKeyBetween } from '../../../src/core/space/fractionalOrder.ts'
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

describe('fractional order keys from a hostile peer', () => {
  it('[ORD1] a key longer than the cap is invalid, whatever its characters', () => {
    expect(isOrderKey('a0' + 'V'.repeat(MAX_ORDER_KEY_LENGTH - 2))).toBe(true)
    expect(isOrderKey('a0' + 'V'.repeat(MAX_ORDER_KEY_LENGTH - 1))).toBe(false)
    expect(isOrderKey('z'.repeat(200_000))).toBe(false)
  })

  it('[ORD1] the cap leaves room for thousands of honest inserts at one spot', () => {
    // Always inserting just before the same item is the fastest honest way to grow a key (~1 character per 5 inserts).
    const fixed = orderKeyBetween(orderKeyBetween(undefined, undefined), undefined)
    let latest = orderKeyBetween(undefined, fixed)
    for (let n = 0; n < 4_000; n++) {
      latest = orderKeyBetween(latest, fixed)
      expect(isOrderKey(latest)).toBe(true)
    }
  })

  it('[ORD2] finds a key next to keys of any length without overflowing the stack', () => {
    const long = 'z'.repeat(200_000)
    const after = orderKeyBetween(long, undefined)
    expect(after > long).toBe(true)
    const sharedPrefix = 'a0' + 'z'.repeat(200_000)
    const between = orderKeyBetween(sharedPrefix + '1', sharedPrefix + '2')
    expect(between > sharedPrefix + '1' && between < sharedPrefix + '2').toBe(true)
    const before = orderKeyBetween(undefined, 'A' + '0'.repeat(200_000) + '1')
    expect(before < 'A' + '0'.repeat(200_000) + '1').toBe(true)
  })

  it('[ORD2] never throws between two valid keys, even keys at the cap', () => {
    const random = seeded(7)
    const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    const randomKey = (): string => {
      const integer = random() < 0.5 ? 'a0' : 'z'.repeat(27)
      const length = random() < 0.5 ? MAX_ORDER_KEY_LENGTH : 1 + Math.floor(random() * 40)
      let key = integer
      // Half the digits 'z', so keys share long prefixes and leave little room at the cap.
      while (key.length < length - 1) key += digits[random() < 0.5 ? 61 : Math.floor(random() * 62)]
      return key + 'z'
    }
    for (let n = 0; n < 300; n++) {
      const [low, high] = [randomKey(), randomKey()].sort()
      expect(isOrderKey(low) && isOrderKey(high)).toBe(true)
      for (const [before, after] of [[low, high], [low, undefined], [undefined, high]] as const) {
        if (before !== undefined && before === after) continue
        const key = orderKeyBetween(before, after)
        if (before !== undefined) expect(key > before).toBe(true)
        if (after !== undefined) expect(key < after).toBe(true)
      }
    }
  })
})
