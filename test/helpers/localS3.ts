/**
 * A throwaway S3-compatible server for tests: s3rver on a free 127.0.0.1
 * port, storing into a temporary folder, with one bucket, stopped with the
 * test. s3rver knows one account (access key id and secret both 'S3RVER'):
 * it refuses other access key ids, but (in 3.7.1) does not recompute SigV4
 * signatures, so the signing is checked against AWS's published examples in
 * test/node/s3Client.test.ts.
 *
 * It runs in a child process because its ListObjectsV2 continuation tokens
 * are DES-encrypted, a cipher OpenSSL 3 offers only with the legacy provider,
 * which Node enables only by a start-up flag: in the test process any listing
 * longer than a page fails with InternalError.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import type { S3Connection } from '../../src/node/s3Client.ts'

export interface LocalS3 {
  readonly connection: S3Connection
  stop(): Promise<void>
}

export const LOCAL_S3_BUCKET = 'pii-test'
export const LOCAL_S3_ACCOUNT = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const

// Argument 1: s3rver's path; 2: the folder to store in; 3: the bucket. It stops when its standard input closes,
// which also happens when the test process dies, so no server outlives a run.
const SERVER = `
const S3rver = require(process.argv[1])
const server = new S3rver({ address: '127.0.0.1', port: 0, directory: process.argv[2], silent: true, configureBuckets: [{ name: process.argv[3] }] })
server.run().then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'), (error) => { console.error(error); process.exit(1) })
process.stdin.on('end', () => server.close().finally(() => process.exit(0)))
process.stdin.resume()
`

export async function startLocalS3(directory: string): Promise<LocalS3> {
  const s3rver = createRequire(import.meta.url).resolve('s3rver')
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', SERVER, s3rver, directory, LOCAL_S3_BUCKET], { stdio: ['pipe', 'pipe', 'pipe'] })
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split('\n')[0]
      if (output.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port)
    })
    child.once('error', (error) => reject(new Error(`Could not start s3rver (${error.message}).`)))
    void exited.then(() => reject(new Error(`s3rver exited before it was ready: ${errors.trim() || 'no message'}`)))
  })
  return {
    connection: { endpoint: `http://127.0.0.1:${port}`, bucket: LOCAL_S3_BUCKET, region: 'us-east-1', ...LOCAL_S3_ACCOUNT },
    stop: async () => {
      child.stdin.end()
      await exited
    },
  }
}
