import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Service, type S3Service } from '../../src/s3/s3-service.js';
import { recordingLambda, startTestServer, TEST_CREDENTIALS, tempStateDir } from './test-server.js';

let state: ReturnType<typeof tempStateDir>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let s3: S3Client;
let service: S3Service;

async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function getBytes(Bucket: string, Key: string, Range?: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket, Key, Range }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** A raw request carrying an S3 SigV4 scope (signature not checked), for bodies the SDK would never send. */
function rawS3(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.endpoint}${path}`,
      {
        method,
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDCAPRICETEST/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeEach(async () => {
  state = tempStateDir();
  service = createS3Service({ stateDir: state.dir, lambda: recordingLambda() });
  server = await startTestServer({ s3: service.handle });
  s3 = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
});

afterEach(async () => {
  s3.destroy();
  await server.close();
  state.cleanup();
});

describe('S3 buckets', () => {
  it('creates, lists, heads and deletes buckets with S3 errors for misuse', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'inbound' }));
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'eu-bucket',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toEqual(['eu-bucket', 'inbound']);
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'eu-bucket' }));
    expect(head.BucketRegion).toBe('eu-west-1');

    expect((await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'inbound' })))).name).toBe(
      'BucketAlreadyOwnedByYou',
    );
    expect((await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).name).toBe(
      'InvalidBucketName',
    );
    await s3.send(new PutObjectCommand({ Bucket: 'inbound', Key: 'a', Body: 'x' }));
    const notEmpty = await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'inbound' })));
    expect(notEmpty.name).toBe('BucketNotEmpty');
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);
    await s3.send(new DeleteObjectCommand({ Bucket: 'inbound', Key: 'a' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'inbound' }));
    expect((await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'inbound' })))).name).toBe('NotFound');
    expect((await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'inbound' })))).name).toBe(
      'NoSuchBucket',
    );
  });

  it('answers GetBucketLocation and stores bucket policies (Put/Get/Delete) with S3 errors', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'home' }));
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'away',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    // us-east-1 answers an empty LocationConstraint, as S3 does.
    expect(
      (await s3.send(new GetBucketLocationCommand({ Bucket: 'home' }))).LocationConstraint,
    ).toBeUndefined();
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'away' }))).LocationConstraint).toBe(
      'eu-west-1',
    );
    expect((await errorOf(s3.send(new GetBucketLocationCommand({ Bucket: 'gone' })))).name).toBe(
      'NoSuchBucket',
    );

    const noPolicy = await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: 'home' })));
    expect(noPolicy.name).toBe('NoSuchBucketPolicy');
    expect(noPolicy.$metadata.httpStatusCode).toBe(404);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'ses.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: 'arn:aws:s3:::home/*',
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'home', Policy: policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'home' }))).Policy).toBe(policy);
    const malformed = await errorOf(
      s3.send(new PutBucketPolicyCommand({ Bucket: 'home', Policy: 'not json' })),
    );
    expect(malformed.name).toBe('MalformedPolicy');
    expect(malformed.$metadata.httpStatusCode).toBe(400);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'home' }))).Policy).toBe(policy);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'home' }));
    expect((await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: 'home' })))).name).toBe(
      'NoSuchBucketPolicy',
    );
    expect(
      (await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: 'gone', Policy: policy })))).name,
    ).toBe('NoSuchBucket');
  });

  it('answers operations it does not emulate with 501 NotImplemented, changing nothing', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    const versioning = await errorOf(s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' })));
    expect(versioning.name).toBe('NotImplemented');
    expect(versioning.$metadata.httpStatusCode).toBe(501);
    const multipart = await errorOf(
      s3.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: 'big' })),
    );
    expect(multipart.name).toBe('NotImplemented');
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'plain' }))).KeyCount).toBe(0);
  });

  it('answers unknown buckets and keys with NoSuchBucket / NoSuchKey', async () => {
    const noBucket = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'missing', Key: 'k' })));
    expect(noBucket.name).toBe('NoSuchBucket');
    expect(noBucket.$metadata.httpStatusCode).toBe(404);
    expect(
      (await errorOf(s3.send(new PutObjectCommand({ Bucket: 'missing', Key: 'k', Body: 'x' })))).name,
    ).toBe('NoSuchBucket');
    await s3.send(new CreateBucketCommand({ Bucket: 'b01' }));
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: 'b01', Key: 'nope' })))).name).toBe(
      'NoSuchKey',
    );
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'b01', Key: 'nope' })))).name).toBe(
      'NotFound',
    );
    const raw = await rawS3('GET', '/b01/nope', {});
    expect(raw.status).toBe(404);
    expect(raw.body).toContain('<Code>NoSuchKey</Code>');
    expect(raw.body).toContain('<Key>nope</Key>');
  });
});

describe('S3 objects', () => {
  beforeEach(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  });

  it('round-trips a streamed (aws-chunked, CRC32 trailer) upload byte for byte', async () => {
    const bytes = randomBytes(300_000);
    const body = Readable.from([
      bytes.subarray(0, 70_000),
      bytes.subarray(70_000, 200_001),
      bytes.subarray(200_001),
    ]);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'data', Key: 'stream.bin', Body: body, ContentLength: bytes.length }),
    );
    expect(put.ChecksumCRC32).toBeDefined();
    expect((await getBytes('data', 'stream.bin')).equals(bytes)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'stream.bin' }));
    expect(head.ContentLength).toBe(bytes.length);
    expect(head.ETag).toBe(put.ETag);
  });

  it('round-trips buffer and string bodies, metadata and content headers', async () => {
    const latin1 = Buffer.from('Subject: caf\xe9\r\n\r\nna\xefve\r\n', 'latin1');
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'mail.eml',
        Body: latin1,
        ContentType: 'message/rfc822',
        Metadata: { origin: 'test' },
        ContentDisposition: 'attachment',
      }),
    );
    expect(await getBytes('data', 'mail.eml')).toEqual(latin1);
    const out = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'mail.eml' }));
    await out.Body!.transformToByteArray();
    expect(out.ContentType).toBe('message/rfc822');
    expect(out.ContentDisposition).toBe('attachment');
    expect(out.Metadata).toEqual({ origin: 'test' });
    expect(out.ContentEncoding).toBeUndefined();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'empty', Body: '' }));
    expect(await getBytes('data', 'empty')).toEqual(Buffer.alloc(0));
  });

  it('answers non-ASCII user metadata RFC 2047-encoded and decodes encoded words it is sent, as S3 does', async () => {
    const decode = (v: string | undefined) =>
      Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(v ?? '')?.[1] ?? '', 'base64').toString('utf8');
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'meta',
        Body: 'x',
        Metadata: {
          plain: 'AMAZONS3',
          // UsingMetadata's own example: the SDK sends the UTF-8 bytes, S3 reads each byte as one (Latin-1)
          // character and answers the UTF-8 of those characters, RFC 2047-encoded.
          nonascii: '\u00c4M\u00c4Z\u00d5\u00d1 S3',
          // Encoded words are decoded before storing and encoded again on the way out: the way to round-trip.
          name: `=?UTF-8?B?${Buffer.from('\u65e5\u672c', 'utf8').toString('base64')}?=`,
          ascii: '=?UTF-8?Q?plain?=',
        },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'meta' }));
    expect(head.Metadata).toEqual({
      plain: 'AMAZONS3',
      nonascii: '=?UTF-8?B?w4PChE3Dg8KEWsODwpXDg8KRIFMz?=',
      name: '=?UTF-8?B?5pel5pys?=',
      ascii: 'plain',
    });
    expect(decode(head.Metadata?.nonascii)).toBe(
      Buffer.from('\u00c4M\u00c4Z\u00d5\u00d1 S3', 'utf8').toString('latin1'),
    );
    expect(decode(head.Metadata?.name)).toBe('\u65e5\u672c');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'meta' }));
    await got.Body!.transformToByteArray();
    expect(got.Metadata).toEqual(head.Metadata);
    // A copy keeps the stored (decoded) values and answers them the same way.
    await s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'meta-copy', CopySource: 'data/meta' }));
    const copy = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'meta-copy' }));
    expect(copy.Metadata).toEqual(head.Metadata);
  });

  it('verifies and returns every flexible checksum algorithm the SDK can send', async () => {
    const bytes = randomBytes(70_000);
    for (const ChecksumAlgorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const Key = `sum-${ChecksumAlgorithm}`;
      // Streamed (trailer) and buffered (header) forms.
      await s3.send(
        new PutObjectCommand({
          Bucket: 'data',
          Key,
          Body: Readable.from([bytes]),
          ContentLength: bytes.length,
          ChecksumAlgorithm,
        }),
      );
      await s3.send(
        new PutObjectCommand({ Bucket: 'data', Key: `${Key}-buf`, Body: bytes, ChecksumAlgorithm }),
      );
      // GetObject validates the returned checksum (checksum mode ENABLED by default).
      const out = await s3.send(new GetObjectCommand({ Bucket: 'data', Key, ChecksumMode: 'ENABLED' }));
      expect(Buffer.from(await out.Body!.transformToByteArray()).equals(bytes)).toBe(true);
      expect(out[`Checksum${ChecksumAlgorithm}`]).toBeDefined();
    }
  });

  it('lets exactly one of two concurrent create-only puts win', async () => {
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((v) =>
        s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'race', Body: v, IfNoneMatch: '*' })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures.map((f) => (f.reason as Error).name)).toEqual([
      'PreconditionFailed',
      'PreconditionFailed',
    ]);
  });

  it('serves byte ranges and refuses unsatisfiable ones', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'r', Body: '0123456789' }));
    expect((await getBytes('data', 'r', 'bytes=2-4')).toString()).toBe('234');
    expect((await getBytes('data', 'r', 'bytes=7-')).toString()).toBe('789');
    expect((await getBytes('data', 'r', 'bytes=-3')).toString()).toBe('789');
    const out = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'r', Range: 'bytes=0-0' }));
    expect(out.ContentRange).toBe('bytes 0-0/10');
    await out.Body!.transformToByteArray();
    const bad = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'r', Range: 'bytes=20-30' })),
    );
    expect(bad.name).toBe('InvalidRange');
    expect(bad.$metadata.httpStatusCode).toBe(416);
  });

  it('refuses If-None-Match: * when the key exists and keeps the stored object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    const err = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'once', Body: 'second', IfNoneMatch: '*' })),
    );
    expect(err.name).toBe('PreconditionFailed');
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect((await getBytes('data', 'once')).toString()).toBe('first');
  });

  it('honours conditional reads (If-Match, If-None-Match, If-(Un)Modified-Since) and If-Match on writes', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'c', Body: 'one' }));
    const etag = first.ETag!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const get = async (
      over: Partial<{ IfMatch: string; IfNoneMatch: string; IfModifiedSince: Date; IfUnmodifiedSince: Date }>,
    ) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'c', ...over }));
      return out.Body!.transformToString();
    };
    expect(await get({ IfMatch: etag })).toBe('one');
    const mismatch = await errorOf(get({ IfMatch: '"00000000000000000000000000000000"' }));
    expect(mismatch.name).toBe('PreconditionFailed');
    expect(mismatch.$metadata.httpStatusCode).toBe(412);
    const notModified = await errorOf(get({ IfNoneMatch: etag }));
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    expect(
      (await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'c', IfNoneMatch: etag }))))
        .$metadata.httpStatusCode,
    ).toBe(304);
    const hourAhead = new Date(Date.now() + 3600_000);
    const hourAgo = new Date(Date.now() - 3600_000);
    expect((await errorOf(get({ IfModifiedSince: hourAhead }))).$metadata.httpStatusCode).toBe(304);
    expect(await get({ IfModifiedSince: hourAgo })).toBe('one');
    expect((await errorOf(get({ IfUnmodifiedSince: hourAgo }))).name).toBe('PreconditionFailed');

    const second = await s3.send(
      new PutObjectCommand({ Bucket: 'data', Key: 'c', Body: 'two', IfMatch: etag }),
    );
    expect(second.ETag).not.toBe(etag);
    const stale = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'c', Body: 'three', IfMatch: etag })),
    );
    expect(stale.name).toBe('PreconditionFailed');
    expect(stale.$metadata.httpStatusCode).toBe(412);
    expect(await get({})).toBe('two');
    const missing = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'never', Body: 'x', IfMatch: etag })),
    );
    expect(missing.name).toBe('NoSuchKey');
  });

  it('maps any key (unicode, ../, very long) to safe storage inside the state folder', async () => {
    const keys = [
      '../../escape.txt',
      '..',
      'a/../b',
      '/leading',
      'ünïcödé/日本語 😀.txt',
      'k'.repeat(1024),
      'sp ace+plus',
    ];
    for (const [i, Key] of keys.entries()) {
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: `v${i}` }));
    }
    for (const [i, Key] of keys.entries()) expect((await getBytes('data', Key)).toString()).toBe(`v${i}`);
    expect(existsSync(join(state.dir, 'escape.txt'))).toBe(false);
    expect(readdirSync(state.dir)).toEqual(['s3']);
    const tooLong = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k'.repeat(1025), Body: 'x' })),
    );
    expect(tooLong.name).toBe('KeyTooLongError');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'data' }));
    expect(listed.Contents?.map((c) => c.Key).sort()).toEqual([...keys].sort());
  });

  it('round-trips arbitrary unicode keys and binary bodies (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'binary', minLength: 1, maxLength: 120 })
          .filter((k) => Buffer.from(k, 'utf8').toString('utf8') === k && Buffer.byteLength(k) <= 1024),
        fc.uint8Array({ maxLength: 2048 }),
        async (Key, bytes) => {
          await s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: bytes }));
          expect((await getBytes('data', Key)).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
    expect(readdirSync(state.dir)).toEqual(['s3']);
  }, 30_000);

  it('lists with prefix, delimiter and continuation', async () => {
    const keys = ['in/a', 'in/b', 'in/sub/c', 'in/sub/d', 'in/sub2/e', 'out/x', 'top'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: Key }));
    const delim = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'in/', Delimiter: '/' }));
    expect(delim.Contents?.map((c) => c.Key)).toEqual(['in/a', 'in/b']);
    expect(delim.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['in/sub/', 'in/sub2/']);
    expect(delim.KeyCount).toBe(4);
    expect(delim.Contents?.[0]?.Size).toBe(4);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: 'data',
          Delimiter: '/',
          Prefix: 'in/',
          MaxKeys: 1,
          ContinuationToken: token,
        }),
      );
      pages++;
      seen.push(
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((c) => c.Prefix!),
      );
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token !== undefined);
    expect(seen).toEqual(['in/a', 'in/b', 'in/sub/', 'in/sub2/']);
    expect(pages).toBe(4);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'data', StartAfter: 'out/x' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['top']);
    const bad = await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'data', ContinuationToken: '!!' })));
    expect(bad.name).toBe('InvalidArgument');
  });

  it('lists with ListObjects v1 markers, delimiters included', async () => {
    for (const Key of ['in/a', 'in/sub/c', 'in/sub/d', 'in/z', 'top']) {
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: 'x' }));
    }
    const seen: string[] = [];
    let Marker: string | undefined;
    for (;;) {
      const page = await s3.send(
        new ListObjectsCommand({ Bucket: 'data', Prefix: 'in/', Delimiter: '/', MaxKeys: 1, Marker }),
      );
      seen.push(
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((c) => c.Prefix!),
      );
      if (!page.IsTruncated) break;
      Marker = page.NextMarker;
    }
    expect(seen).toEqual(['in/a', 'in/sub/', 'in/z']);
    const all = await s3.send(new ListObjectsCommand({ Bucket: 'data', Marker: 'in/z' }));
    expect(all.Contents?.map((c) => c.Key)).toEqual(['top']);
  });

  it('deletes several objects at once, reporting each key', async () => {
    for (const Key of ['a', ' spaced ', 'c&d'])
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: 'x' }));
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'data',
        Delete: { Objects: [{ Key: 'a' }, { Key: ' spaced ' }, { Key: 'c&d' }, { Key: 'missing' }] },
      }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['a', ' spaced ', 'c&d', 'missing']);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'data' }))).KeyCount).toBe(0);
  });

  it('copies objects, refuses a copy onto itself without changes, and deletes', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'data', Key: 'src key+1', Body: 'payload', ContentType: 'text/plain' }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'other' }));
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: 'other',
        Key: 'dst/ü',
        CopySource: `data/${encodeURIComponent('src key+1')}`,
      }),
    );
    expect(copy.CopyObjectResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await getBytes('other', 'dst/ü')).toString()).toBe('payload');
    const self = await errorOf(
      s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'src key+1', CopySource: 'data/src%20key%2B1' })),
    );
    expect(self.name).toBe('InvalidRequest');
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'data',
        Key: 'src key+1',
        CopySource: 'data/src%20key%2B1',
        StorageClass: 'STANDARD',
        ACL: 'private',
      }),
    );
    const missing = await errorOf(
      s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'x', CopySource: 'data/none' })),
    );
    expect(missing.name).toBe('NoSuchKey');
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'src key+1' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'src key+1' }));
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'src key+1' })))).name).toBe(
      'NoSuchKey',
    );
  });

  it('rejects an aws-chunked body whose checksum trailer does not match, keeping the old object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'original' }));
    const framed = '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n';
    const res = await rawS3(
      'PUT',
      '/data/k',
      {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      framed,
    );
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>BadDigest</Code>');
    const broken = await rawS3(
      'PUT',
      '/data/k',
      { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5' },
      'zz\r\nhello\r\n0\r\n\r\n',
    );
    expect(broken.status).toBe(400);
    expect(broken.body).toContain('<Code>InvalidRequest</Code>');
    expect((await getBytes('data', 'k')).toString()).toBe('original');
  });

  it('answers a malformed CreateBucket body with MalformedXML and creates nothing', async () => {
    const res = await rawS3('PUT', '/new-bucket', {}, '<CreateBucketConfiguration><LocationConstraint>');
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>MalformedXML</Code>');
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toEqual(['data']);
  });

  it('keeps objects across a restart on the same state folder', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'persist/ü', Body: 'kept' }));
    const again = createS3Service({ stateDir: state.dir, lambda: recordingLambda() });
    const second = await startTestServer({ s3: again.handle });
    const client = new S3Client({
      endpoint: second.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: TEST_CREDENTIALS,
    });
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: 'data', Key: 'persist/ü' }));
      expect(await out.Body!.transformToString()).toBe('kept');
    } finally {
      client.destroy();
      await second.close();
    }
  });
});
