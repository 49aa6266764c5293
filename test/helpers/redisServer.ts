/**
 * A throwaway Redis for tests: Debian's redis-server on a free 127.0.0.1
 * port, no persistence, stopped with the test. REDIS_URL uses an existing one.
 */
import { spawn } from 'node:child_process'
import { freePort } from './freePort.ts'

export interface TestRedis {
  readonly url: string
  stop(): Promise<void>
}

export async function startRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => Promise.resolve() }
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`Could not start redis-server (${error.message}). Install it (sudo apt-get install -y redis-server) or set REDIS_URL.`)),
    )
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code} before it was ready.`)))
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve()
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
