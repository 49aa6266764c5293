import { describe, expect, it } from 'vitest'
import { parsePeerState } from '../../src/sync/roomPresence.ts'

const ME = 'my-author-key'
const state = (fields: Record<string, unknown> = {}) => ({ name: 'Phone', device: 'did:key:z6MkPhone', peer: 'peer-1', kinds: ['doc', 'notify'], seen: { [ME]: 4 }, ...fields })

describe('room presence', () => {
  it('[CL1] reads the kinds a peer advertises, and what it has seen of this device', () => {
    expect(parsePeerState(state(), ME)).toEqual({ name: 'Phone', device: 'did:key:z6MkPhone', peer: 'peer-1', kinds: ['doc', 'notify'], seenOfMine: 4 })
  })

  it('[CL1] treats a kinds list that is not a short list of short names as none, so a peer cannot claim kinds by junk', () => {
    for (const kinds of ['doc', [1, 2], ['doc', ''], ['x'.repeat(65)], Array.from({ length: 33 }, (_, index) => `kind${index}`), { doc: true }]) {
      expect(parsePeerState(state({ kinds }), ME)?.kinds).toEqual([])
    }
  })

  it('ignores states without the fields every Pii peer publishes, or with oversized ones', () => {
    expect(parsePeerState(null, ME)).toBeUndefined()
    expect(parsePeerState(state({ device: 7 }), ME)).toBeUndefined()
    expect(parsePeerState(state({ name: 'n'.repeat(201) }), ME)).toBeUndefined()
    expect(parsePeerState(state({ seen: { [ME]: -1 } }), ME)?.seenOfMine).toBe(0)
  })
})
