import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_RELAY_LIMITS } from '../../../src/server/config.ts'
import { startPiiServer, type RunningPiiServer } from '../../../src/server/PiiServer.ts'
import { runAttack } from '../../helpers/hostileFrames.ts'
import { seededRandom } from '../../helpers/seededRandom.ts'
import { RelayClient } from '../../helpers/relayClient.ts'

setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void
const MAX_FRAME_BYTES = 64 * 1024

let server: RunningPiiServer

beforeAll(async () => {
  server = await startPiiServer({ host: '127.0.0.1', port: 0, relayLimits: { ...DEFAULT_RELAY_LIMITS, maxFrameBytes: MAX_FRAME_BYTES } })
})

afterAll(async () => {
  await server.close()
})

function heapAfterGc(): number {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed
}

describe('relay under hostile input', () => {
  it('[F1] survives malformed, truncated, binary, nested, oversized and flooding frames; innocent clients are unaffected; memory returns', async () => {
    const alice = await RelayClient.connect(server.relayUrl)
    const bob = await RelayClient.connect(server.relayUrl)
    await alice.subscribe('innocent')
    await bob.subscribe('innocent')
    const baseline = heapAfterGc()

    let exchanged = 0
    const attack = runAttack(server.relayUrl, 4_000, 16, seededRandom(42), MAX_FRAME_BYTES)
    // Innocent traffic on its own topic keeps flowing during the attack.
    let attacking = true
    void attack.finally(() => (attacking = false))
    while (attacking) {
      alice.send({ type: 'publish', topic: 'innocent', data: exchanged })
      await bob.waitFor(() => bob.published('innocent').length > exchanged)
      exchanged++
    }
    const result = await attack
    expect(result.framesSent).toBeGreaterThanOrEqual(4_000)
    expect(exchanged).toBeGreaterThan(0)

    alice.send({ type: 'publish', topic: 'innocent', data: 'after the attack' })
    await bob.waitFor(() => bob.published('innocent').some((message) => message.data === 'after the attack'))
    await expect.poll(() => server.relay.connectionCount).toBe(2)
    expect(server.relay.topicCount).toBe(1)
    const rejections = server.relay.metricsText()
    for (const reason of ['not_json', 'binary_frame', 'frame_too_big', 'rate_limited', 'bad_topics']) {
      expect(rejections).toMatch(new RegExp(`reason="${reason}"\\} [1-9]`))
    }
    expect(heapAfterGc() - baseline).toBeLessThan(16 * 1024 * 1024)
    alice.close()
    bob.close()
  })
})
