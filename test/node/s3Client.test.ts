import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { decodeXmlText, encodedKey, parseListPage, signS3Request, type SignableRequest } from '../../src/node/s3Client.ts'

// The example account, bucket and time of AWS's "Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk" (S3 API reference), whose four requests and signatures these are.
const EXAMPLE = { region: 'us-east-1', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
const EXAMPLE_TIME = new Date('2013-05-24T00:00:00Z')
const HOST = 'examplebucket.s3.amazonaws.com'
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

const get = (path: string, query: Record<string, string>, headers: Record<string, string> = {}): SignableRequest => ({
  method: 'GET',
  host: HOST,
  path,
  query,
  headers,
  payloadSha256: EMPTY_SHA256,
})

describe('signS3Request (AWS Signature Version 4)', () => {
  it('signs AWS’s four S3 examples exactly as AWS does', () => {
    expect(signS3Request(get('/test.txt', {}, { Range: 'bytes=0-9' }), EXAMPLE, EXAMPLE_TIME)).toEqual({
      range: 'bytes=0-9',
      'x-amz-date': '20130524T000000Z',
      'x-amz-content-sha256': EMPTY_SHA256,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    })
    const welcome = createHash('sha256').update('Welcome to Amazon S3.').digest('hex')
    const put: SignableRequest = {
      method: 'PUT',
      host: HOST,
      path: `/${encodedKey('test$file.text')}`,
      query: {},
      headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      payloadSha256: welcome,
    }
    expect(signS3Request(put, EXAMPLE, EXAMPLE_TIME).authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    )
    expect(signS3Request(get('/', { lifecycle: '' }), EXAMPLE, EXAMPLE_TIME).authorization).toMatch(/Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543$/)
    // Parameters given out of order: the canonical query sorts them.
    expect(signS3Request(get('/', { prefix: 'J', 'max-keys': '2' }), EXAMPLE, EXAMPLE_TIME).authorization).toMatch(
      /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
    )
  })

  it('signs the secret, region, time and every query value in: change one and the signature changes', () => {
    const signature = (request: SignableRequest, credentials = EXAMPLE, time = EXAMPLE_TIME) => signS3Request(request, credentials, time).authorization?.split('Signature=')[1]
    const list = get('/examplebucket', { 'list-type': '2', 'continuation-token': 'a+b/c=' })
    const base = signature(list)
    expect(signature(get('/examplebucket', { 'list-type': '2', 'continuation-token': 'a b/c=' }))).not.toBe(base)
    expect(signature(list, { ...EXAMPLE, secretAccessKey: 'other' })).not.toBe(base)
    expect(signature(list, { ...EXAMPLE, region: 'eu-central-1' })).not.toBe(base)
    expect(signature(list, EXAMPLE, new Date('2013-05-24T00:00:01Z'))).not.toBe(base)
  })
})

describe('encodedKey', () => {
  it('percent-encodes each part of a key once, all but A–Z a–z 0–9 - . _ ~, keeping the slashes between parts', () => {
    expect(encodedKey("pii/été 2025/a+b (1)!*'~x_y-z.pii-backup")).toBe('pii/%C3%A9t%C3%A9%202025/a%2Bb%20%281%29%21%2A%27~x_y-z.pii-backup')
  })

  it('refuses keys a URL would change on the way ("." and ".." parts) and empty ones', () => {
    for (const key of ['', 'pii/../x', './x', 'pii/.', 'x'.repeat(1025)]) expect(() => encodedKey(key), key).toThrow(/cannot be an S3 key here/)
  })
})

describe('reading ListObjectsV2 answers', () => {
  const unexpected = () => new Error('unexpected')

  it('reads keys, sizes and times, with XML entities decoded, and the continuation token when the listing goes on', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>pii/</Prefix><KeyCount>2</KeyCount>
<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
<Contents><Key>pii/a&amp;b&lt;c&gt;&#x27;&quot;&#233;&apos;.txt</Key><LastModified>2025-03-01T12:00:00.000Z</LastModified><ETag>&quot;x&quot;</ETag><Size>12</Size></Contents>
<Contents><Key>pii/b</Key><LastModified>2025-03-02T12:00:00.000Z</LastModified><Size>0</Size><Owner><ID>x</ID></Owner></Contents>
</ListBucketResult>`
    expect(parseListPage(xml, unexpected)).toEqual({
      objects: [
        { key: `pii/a&b<c>'"é'.txt`, size: 12, lastModified: new Date('2025-03-01T12:00:00.000Z') },
        { key: 'pii/b', size: 0, lastModified: new Date('2025-03-02T12:00:00.000Z') },
      ],
      nextToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    })
  })

  it('refuses an answer that is not a listing, an object it cannot read, or a truncated listing with no token to go on', () => {
    expect(() => parseListPage('<html><body>Welcome</body></html>', unexpected)).toThrow('unexpected')
    expect(() => parseListPage('<ListBucketResult><Contents><Key>k</Key><Size>-1</Size><LastModified>2025-03-01T12:00:00Z</LastModified></Contents></ListBucketResult>', unexpected)).toThrow('unexpected')
    expect(() => parseListPage('<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>', unexpected)).toThrow('unexpected')
    expect(parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>', unexpected)).toEqual({ objects: [], nextToken: undefined })
  })

  it('decodes each XML entity once: an escaped entity stays literal text', () => {
    expect(decodeXmlText('&amp;lt; &#60; &#x3C; &unknown; &#x110000;')).toBe('&lt; < < &unknown; &#x110000;')
  })
})
