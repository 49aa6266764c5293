import { describe, expect, it } from 'vitest'
import { rankPeers } from '../../../src/core/scheduler/rendezvous.ts'

const PEERS = ['laptop', 'phone', 'node', 'tablet', 'desktop']

describe('rendezvous ranking', () => {
  it('[CL1] ranks the same way on every peer, whatever order each sees the peers in', () => {
    for (let index = 0; index < 100; index++) {
      const id = `op#${index}`
      expect(rankPeers(id, [...PEERS].reverse())).toEqual(rankPeers(id, PEERS))
      expect(rankPeers(id, PEERS).sort()).toEqual([...PEERS].sort())
    }
  })

  it('[CL1] spreads occurrences evenly, and moves only the departed peer’s when one leaves', () => {
    const first = new Map<string, number>()
    const ids = Array.from({ length: 10_000 }, (_, index) => `op${index % 37}#${index}`)
    for (const id of ids) {
      const top = rankPeers(id, PEERS)[0]!
      first.set(top, (first.get(top) ?? 0) + 1)
    }
    // 2,000 each on average; a fair spread stays within ±10%.
    for (const peer of PEERS) expect(Math.abs((first.get(peer) ?? 0) - 2000)).toBeLessThan(200)
    const without = PEERS.filter((peer) => peer !== 'phone')
    for (const id of ids) {
      const before = rankPeers(id, PEERS)
      const after = rankPeers(id, without)
      expect(after).toEqual(before.filter((peer) => peer !== 'phone'))
    }
  })
})
