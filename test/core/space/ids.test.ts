import { describe, expect, it } from 'vitest'
import { isSpaceId, newSpaceId } from '../../../src/core/space/ids.ts'

describe('space ids', () => {
  it('are 128-bit base58 strings that validate, and junk does not', () => {
    const id = newSpaceId()
    expect(isSpaceId(id)).toBe(true)
    expect(newSpaceId()).not.toBe(id)
    for (const bad of ['', 'short', '0OIl0OIl0OIl0OIl0OIl', 'x'.repeat(40), 42]) expect(isSpaceId(bad)).toBe(false)
  })
})
