import { describe, expect, it } from 'vitest'
import { encodePairingMessage, readPairingMessage } from '../../../src/core/devices/pairing.ts'

describe('pairing messages', () => {
  it('[DEV3] a device name with control characters arrives without them: it cannot redraw the code a terminal prints', () => {
    const device = new Uint8Array(32).fill(7)
    const text = encodePairingMessage({ kind: 'offer', device, name: 'Laptop\x1b[2J\x1b[HCode 123 456\x07' })
    expect(readPairingMessage(text)).toEqual({ kind: 'offer', device, name: 'Laptop?[2J?[HCode 123 456?' })
  })
})
