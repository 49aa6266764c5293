import { afterEach, describe, expect, it } from 'vitest'
import { fromBase64, toBase64 } from '../../src/core/base64.ts'

const saved = globalThis.Buffer

describe('base64', () => {
  afterEach(() => {
    globalThis.Buffer = saved
  })

  it('[B64] encodes and decodes where there is no Buffer (a service worker), as Node does, large inputs included', () => {
    const samples = [new Uint8Array(0), Uint8Array.of(0, 255, 128), Uint8Array.from({ length: 200_000 }, (_, index) => (index * 7919) % 256)]
    const expected = samples.map((bytes) => saved.from(bytes).toString('base64'))
    // @ts-expect-error: a service worker has no Buffer; lib0's helpers reached for it there and threw.
    delete globalThis.Buffer
    for (const [index, bytes] of samples.entries()) {
      expect(toBase64(bytes)).toBe(expected[index])
      expect(fromBase64(expected[index]!)).toEqual(bytes)
    }
    expect(() => fromBase64('not base64!')).toThrow()
  })
})
