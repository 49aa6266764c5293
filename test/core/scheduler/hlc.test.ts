import { describe, expect, it } from 'vitest'
import { compareHlc, HlcClock, isHlc, MAX_CLOCK_AHEAD_MS, type Hlc } from '../../../src/core/scheduler/hlc.ts'
import { seededRandom } from '../../helpers/seededRandom.ts'

describe('hybrid logical clock', () => {
  it('[CL3] never goes backwards on a peer, even when its wall clock does', () => {
    const random = seededRandom(11)
    let wall = 1_000_000
    const clock = new HlcClock('a', () => wall)
    let previous = clock.now()
    for (let step = 0; step < 2000; step++) {
      wall += Math.floor(random() * 20) - 12 // jitters, and often steps back
      const next = clock.now()
      expect(compareHlc(next, previous)).toBeGreaterThan(0)
      previous = next
    }
  })

  it('[CL3] stamps after anything it has seen from another peer, and orders equal times by peer', () => {
    const slow = new HlcClock('slow', () => 1_000)
    const seen: Hlc = { wallMs: 5_000, counter: 3, peer: 'fast' }
    slow.receive(seen)
    expect(compareHlc(slow.now(), seen)).toBeGreaterThan(0)
    expect(compareHlc({ wallMs: 1, counter: 0, peer: 'a' }, { wallMs: 1, counter: 0, peer: 'b' })).toBeLessThan(0)
  })

  it('[CL3] does not let a timestamp far in the future drag its clock along, and checks what it is given', () => {
    const clock = new HlcClock('me', () => 1_000)
    clock.receive({ wallMs: 1_000 + MAX_CLOCK_AHEAD_MS + 1, counter: 0, peer: 'liar' })
    expect(clock.now().wallMs).toBe(1_000)
    expect(isHlc({ wallMs: 1, counter: 0, peer: 'p' })).toBe(true)
    for (const bad of [null, {}, { wallMs: 1.5, counter: 0, peer: 'p' }, { wallMs: 1, counter: -1, peer: 'p' }, { wallMs: 1, counter: 0, peer: '' }]) expect(isHlc(bad)).toBe(false)
  })
})
