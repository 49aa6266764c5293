import { createPrivateKey, sign as nodeSign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { newLaneKey } from '../../../src/core/space/laneKey.ts'

/** A raw Ed25519 seed as a Node private key (PKCS#8 prefix for Ed25519, then the 32 seed bytes). */
const nodeKey = (seed: Uint8Array) =>
  createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' })

describe('lane key', () => {
  it('[LK1] signs exactly as RFC 8032 does: the same bytes as node:crypto for random keys and messages', () => {
    for (let round = 0; round < 40; round++) {
      const seed = crypto.getRandomValues(new Uint8Array(32))
      const message = crypto.getRandomValues(new Uint8Array(round * 7))
      const lane = newLaneKey(seed)
      // Ed25519 is deterministic: any difference in the expanded-key signing shows as different bytes.
      expect(Buffer.from(lane.sign(message)).toString('hex')).toBe(nodeSign(null, message, nodeKey(seed)).toString('hex'))
    }
  })
})
