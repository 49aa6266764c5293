import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RelayClient } from '../helpers/relayClient.ts'

const REPO = join(import.meta.dirname, '..', '..')

const started: ReturnType<typeof spawn>[] = []

// A test that fails midway must not leave its relay running (and vitest waiting on it).
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function startRelayProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/server/relayMain.ts')], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, exited, output: () => output }
}

describe('npm run relay', () => {
  it('[P1] prints where it listens, and on SIGTERM closes clients with 1001 and exits cleanly', async () => {
    const relay = startRelayProcess({ PORT: '0' })
    const listening = (): string | undefined => /relay: (ws:\/\/\S+)\)/.exec(relay.output())?.[1]
    await expect.poll(listening, { timeout: 15_000 }).toBeTruthy()
    const relayUrl = listening() ?? ''
    const client = await RelayClient.connect(relayUrl)
    relay.child.kill('SIGTERM')
    expect((await client.closed).code).toBe(1001)
    expect(await relay.exited).toBe(0)
  })

  it('[P2] refuses a bad setting with one sentence and exit code 1', async () => {
    const relay = startRelayProcess({ PORT: '0', RELAY_MAX_FRAME_BYTES: 'lots' })
    expect(await relay.exited).toBe(1)
    expect(relay.output()).toContain('Pii relay could not start: RELAY_MAX_FRAME_BYTES must be a whole number of at least 1; it is "lots".')
  })
})
