/**
 * Rendezvous (highest-random-weight) hashing: for each occurrence, every
 * peer ranks the live capable peers the same way from the same presence, and
 * occurrences spread evenly over peers; when a peer leaves, only the
 * occurrences it ranked first move (SPEC CL1).
 */

/** FNV-1a over the UTF-16 code units, then murmur3's finaliser so that near-identical ids score far apart. */
function score(occurrenceId: string, peer: string): number {
  let hash = 0x811c9dc5
  const text = `${occurrenceId}\n${peer}`
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}

/** The peers best first for this occurrence; ties (vanishingly rare) go to the smaller peer id. */
export function rankPeers(occurrenceId: string, peers: Iterable<string>): string[] {
  const scored = [...new Set(peers)].map((peer) => ({ peer, score: score(occurrenceId, peer) }))
  scored.sort((a, b) => b.score - a.score || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0))
  return scored.map((entry) => entry.peer)
}
