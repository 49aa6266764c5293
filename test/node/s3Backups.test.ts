import { mkdtemp, rm } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newSpaceId } from '../../src/core/space/ids.ts'
import { S3Backups } from '../../src/node/s3Backups.ts'
import { S3Client, S3Error, S3ErrorReason } from '../../src/node/s3Client.ts'
import { readS3Config } from '../../src/node/s3Config.ts'
import { runBackupStoreContract } from '../helpers/backupStoreContract.ts'
import { freePort } from '../helpers/freePort.ts'
import { startLocalS3, type LocalS3 } from '../helpers/localS3.ts'

const bytesOf = (label: string) => new TextEncoder().encode(label)

// One server for the file; each store and test works under a prefix of its own.
let s3: LocalS3
let folder: string
let prefixes = 0
const freshPrefix = () => `run-${++prefixes}/`

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'pii-s3rver-'))
  s3 = await startLocalS3(folder)
})
afterAll(async () => {
  await s3?.stop()
  await rm(folder, { recursive: true, force: true })
})

async function failure(promise: Promise<unknown>): Promise<S3Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  if (error instanceof S3Error) return error
  throw new Error(`expected an S3Error, got ${String(error)}`)
}

runBackupStoreContract('S3Backups', (keep) => Promise.resolve(new S3Backups(new S3Client(s3.connection), { prefix: freshPrefix(), keep })))

describe('S3Backups against a local S3 server', () => {
  it('stores each snapshot under <prefix><space>/<name>.pii-backup, and lists past one page of keys', async () => {
    const client = new S3Client(s3.connection, { pageSize: 2 })
    const prefix = freshPrefix()
    const backups = new S3Backups(client, { prefix, keep: 10 })
    const space = newSpaceId()
    for (let hour = 0; hour < 5; hour++) await backups.put(space, new Date(Date.UTC(2025, 2, 1, hour)), bytesOf(`hour ${hour}`))
    const keys = (await client.listObjects(prefix)).map((object) => object.key)
    expect(keys).toEqual([0, 1, 2, 3, 4].map((hour) => `${prefix}${space}/2025-03-01T0${hour}-00-00.000Z.pii-backup`))
    expect((await backups.list(space)).map((entry) => entry.takenAt.getUTCHours())).toEqual([4, 3, 2, 1, 0])
  })

  it('lists and prunes only its own snapshots: other objects under the prefix stay', async () => {
    const client = new S3Client(s3.connection)
    const prefix = freshPrefix()
    const backups = new S3Backups(client, { prefix, keep: 1 })
    const space = newSpaceId()
    await client.putObject(`${prefix}${space}/README.txt`, bytesOf('a note'))
    await client.putObject(`${prefix}${space}/deeper/2025-03-01T00-00-00.000Z.pii-backup`, bytesOf('not at the top'))
    await backups.put(space, new Date(Date.UTC(2025, 2, 1, 1)), bytesOf('one'))
    await backups.put(space, new Date(Date.UTC(2025, 2, 1, 2)), bytesOf('two'))
    expect((await backups.list(space)).map((entry) => entry.name)).toEqual(['2025-03-01T02-00-00.000Z.pii-backup'])
    expect((await client.listObjects(prefix)).map((object) => object.key.slice(prefix.length + space.length + 1))).toEqual([
      '2025-03-01T02-00-00.000Z.pii-backup',
      'README.txt',
      'deeper/2025-03-01T00-00-00.000Z.pii-backup',
    ])
  })
})

describe('S3Client against a local S3 server', () => {
  it('puts, gets, lists and deletes objects whose keys need escaping in URLs and in XML', async () => {
    const client = new S3Client(s3.connection)
    const prefix = freshPrefix()
    const key = `${prefix}a&b<c>'d"e é+f (1).txt`
    await client.putObject(key, bytesOf('escaped'))
    expect(new TextDecoder().decode(await client.getObject(key))).toBe('escaped')
    const [listed] = await client.listObjects(prefix)
    expect(listed?.key).toBe(key)
    expect(listed?.size).toBe(7)
    expect(listed?.lastModified).toBeInstanceOf(Date)
    await client.deleteObject(key)
    expect(await client.getObject(key)).toBeUndefined()
    expect(await client.listObjects(prefix)).toEqual([])
    // Deleting what is not there is not an error, as in S3.
    await client.deleteObject(key)
  })

  it('gives undefined for a missing object, but an S3Error for a missing bucket: no bucket is not "no backup"', async () => {
    expect(await new S3Client(s3.connection).getObject(`${freshPrefix()}absent`)).toBeUndefined()
    const error = await failure(new S3Client({ ...s3.connection, bucket: 'no-such-bucket' }).getObject('pii/x'))
    expect(error.status).toBe(404)
    expect(error.code).toBe('NoSuchBucket')
    expect(error.message).toMatch(/^S3 refused to read pii\/x in bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404 NoSuchBucket: ".+"\)\. Check PII_S3_BUCKET: there is no bucket no-such-bucket there; create it first\.$/)
  })

  it('turns wrong credentials into an S3Error that names the settings to check, and stores nothing', async () => {
    const prefix = freshPrefix()
    const stranger = new S3Client({ ...s3.connection, accessKeyId: 'NOT-THE-OWNER', secretAccessKey: 'guess' })
    const error = await failure(stranger.putObject(`${prefix}x`, bytesOf('x')))
    expect(error.reason).toBe(S3ErrorReason.refused)
    expect(error.status).toBe(403)
    expect(error.code).toBe('InvalidAccessKeyId')
    expect(error.message).toMatch(
      /^S3 refused to store run-\d+\/x in bucket pii-test at http:\/\/127\.0\.0\.1:\d+ \(HTTP 403 InvalidAccessKeyId: "The AWS Access Key Id you provided does not exist in our records\."\)\. Check PII_S3_ACCESS_KEY_ID and PII_S3_SECRET_ACCESS_KEY: the service does not accept them\.$/,
    )
    expect(error.message).not.toContain('guess')
    expect(await new S3Client(s3.connection).listObjects(prefix)).toEqual([])
  })

  it('turns no server at the endpoint into an S3Error saying to check the endpoint', async () => {
    const port = await freePort()
    const error = await failure(new S3Client({ ...s3.connection, endpoint: `http://127.0.0.1:${port}` }).listObjects('pii/'))
    expect(error.reason).toBe(S3ErrorReason.unreachable)
    expect(error.status).toBeUndefined()
    expect(error.message).toMatch(/^Could not list the keys starting with pii\/ in S3 bucket pii-test at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\. Check PII_S3_ENDPOINT and that this machine can reach it\.$/)
  })

  it('gives up on a server that never answers once the timeout has passed', async () => {
    const sockets = new Set<Socket>()
    const silent: Server = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = silent.address() as AddressInfo
      const error = await failure(new S3Client({ ...s3.connection, endpoint: `http://127.0.0.1:${port}` }, { timeoutMs: 200 }).getObject('pii/x'))
      expect(error.reason).toBe(S3ErrorReason.unreachable)
      expect(error.message).toMatch(/^Could not read pii\/x in S3 bucket pii-test at http:\/\/127\.0\.0\.1:\d+: no answer within 0\.2 s\. Check PII_S3_ENDPOINT/)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('refuses a 2xx answer that is not S3’s, saying the endpoint may be wrong', async () => {
    const website = createHttpServer((_request, response) => response.end('<html><body>Welcome</body></html>'))
    await new Promise<void>((resolve) => website.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = website.address() as AddressInfo
      const error = await failure(new S3Client({ ...s3.connection, endpoint: `http://127.0.0.1:${port}` }).listObjects('pii/'))
      expect(error.reason).toBe(S3ErrorReason.unexpectedAnswer)
      expect(error.message).toMatch(/the answer from http:\/\/127\.0\.0\.1:\d+ is not S3's \(it is not a ListObjectsV2 result\)\. Check that PII_S3_ENDPOINT is the S3 service's URL, without the bucket in it\.$/)
    } finally {
      await new Promise((resolve) => website.close(resolve))
    }
  })
})

describe('readS3Config', () => {
  const complete = {
    PII_S3_ENDPOINT: 'https://s3.example.com/',
    PII_S3_BUCKET: 'my-backups',
    PII_S3_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    PII_S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  }

  it('is undefined when no PII_S3_ setting is set, and fills in the region and prefix', () => {
    expect(readS3Config({})).toBeUndefined()
    expect(readS3Config({ PII_S3_BUCKET: '  ', HOME: '/root' })).toBeUndefined()
    expect(readS3Config(complete)).toEqual({
      endpoint: 'https://s3.example.com',
      bucket: 'my-backups',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      prefix: 'pii/',
    })
    expect(readS3Config({ ...complete, PII_S3_REGION: 'eu-central-1', PII_S3_PREFIX: 'home/node' })).toMatchObject({ region: 'eu-central-1', prefix: 'home/node/' })
    expect(readS3Config({ ...complete, PII_S3_PREFIX: '' })?.prefix).toBe('')
  })

  it('names the settings missing when only some are set', () => {
    expect(() => readS3Config({ PII_S3_BUCKET: 'my-backups', PII_S3_ENDPOINT: 'https://s3.example.com' })).toThrow(
      'Backups to S3 storage need PII_S3_ENDPOINT, PII_S3_BUCKET, PII_S3_ACCESS_KEY_ID, PII_S3_SECRET_ACCESS_KEY; PII_S3_ENDPOINT, PII_S3_BUCKET are set but PII_S3_ACCESS_KEY_ID, PII_S3_SECRET_ACCESS_KEY are not. Set them, or unset the others to keep backups on this machine only.',
    )
    expect(() => readS3Config({ PII_S3_PREFIX: 'pii/' })).toThrow(/PII_S3_PREFIX is set but PII_S3_ENDPOINT, PII_S3_BUCKET, PII_S3_ACCESS_KEY_ID, PII_S3_SECRET_ACCESS_KEY are not/)
  })

  it('names the setting that is wrong, and never repeats the secret', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PII_S3_ENDPOINT: 's3.example.com' }, /^PII_S3_ENDPOINT must be the http:\/\/ or https:\/\/ URL of the storage service, .+; it is "s3\.example\.com" \(not a URL\)\.$/],
      [{ PII_S3_ENDPOINT: 'ftp://s3.example.com' }, /^PII_S3_ENDPOINT must be .+ \(ftp: is neither http: nor https:\)\.$/],
      [{ PII_S3_ENDPOINT: 'https://key:wJalrXUtnFEMI@s3.example.com' }, /^PII_S3_ENDPOINT must not hold keys: put them in PII_S3_ACCESS_KEY_ID and PII_S3_SECRET_ACCESS_KEY/],
      [{ PII_S3_BUCKET: 'My_Backups' }, /^PII_S3_BUCKET must be an S3 bucket name: 3 to 63 lowercase letters, digits, '\.' and '-', .+; it is "My_Backups"\.$/],
      [{ PII_S3_BUCKET: 'ab' }, /^PII_S3_BUCKET must be an S3 bucket name/],
      [{ PII_S3_BUCKET: 'a/../b' }, /^PII_S3_BUCKET must be an S3 bucket name/],
      [{ PII_S3_REGION: 'eu central' }, /^PII_S3_REGION must be a region name such as us-east-1 or eu-central-1; it is "eu central"\.$/],
      [{ PII_S3_ACCESS_KEY_ID: 'AKIA/EXAMPLE' }, /^PII_S3_ACCESS_KEY_ID must be an access key id/],
      [{ PII_S3_PREFIX: '../other/' }, /^PII_S3_PREFIX must be a key prefix such as "pii\/" .+; it is "\.\.\/other\/"\.$/],
      [{ PII_S3_PREFIX: '/pii/' }, /^PII_S3_PREFIX must be a key prefix/],
    ]
    for (const [change, sentence] of cases) {
      let thrown: unknown
      try {
        readS3Config({ ...complete, ...change })
      } catch (error) {
        thrown = error
      }
      expect(thrown, JSON.stringify(change)).toBeInstanceOf(Error)
      expect((thrown as Error).message).toMatch(sentence)
      expect((thrown as Error).message).not.toContain('wJalrXUtnFEMI')
    }
  })
})
