import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsServiceError } from '../http/aws-error.js';
import type { LambdaDataPlane } from '../lambda/types.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { type ChecksumAlgorithm, createChecksum, isChecksumAlgorithm } from './checksum.js';
import { httpDate, isAwsChunked, parseTarget, readSmallBody } from './http-util.js';
import { decodeMetadataValue, encodeMetadataValue } from './metadata-encoding.js';
import {
  destinationError,
  encodeEventKey,
  eventMatches,
  keyMatches,
  notificationConfigurationBody,
  parseNotificationConfiguration,
} from './notifications.js';
import { type BucketMeta, type ObjectMeta, ObjectStore } from './object-store.js';
import { malformedXml, noSuchBucket, noSuchKey, S3Error } from './s3-error.js';
import { parseXml, S3_XMLNS, toXml, XmlSyntaxError } from './xml.js';

/** Largest single PUT S3 accepts (5 GiB). */
export const MAX_PUT_SIZE = 5 * 1024 ** 3;
const MAX_KEY_BYTES = 1024;
const OWNER_ID = '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a';
const PRINCIPAL_ID = 'AWS:AIDACAPRICEEMULATOR';

/** Checks a function's resource policy, as S3 and SES do before accepting a Lambda destination. */
export interface InvokePermissionCheck {
  /** Whether `principal` (e.g. `s3.amazonaws.com`) may invoke `functionArn` for `sourceArn`/`sourceAccount`. */
  canInvoke(request: {
    readonly functionArn: string;
    readonly principal: string;
    readonly sourceArn: string;
    readonly sourceAccount: string;
  }): boolean | Promise<boolean>;
}

export interface S3ServiceOptions {
  /** State folder; objects live under `<stateDir>/s3`. */
  readonly stateDir: string;
  /** Receives notification events (asynchronous invoke, like S3). */
  readonly lambda: Pick<LambdaDataPlane, 'invokeAsync'>;
  /** Function-policy check for notification destinations; without it every destination is accepted. */
  readonly permissions?: InvokePermissionCheck;
  readonly region?: string;
  readonly accountId?: string;
  /** Called when queueing a notification fails (unknown function…); S3 itself never reports it to the writer. */
  readonly onNotificationError?: (error: unknown, functionArn: string) => void;
}

/** What another emulated service (SES's S3 action) uses to write an object as a principal. */
export interface InternalPut {
  readonly bucket: string;
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly sourceIp?: string;
  readonly principalId?: string;
}

/** The local S3: an HTTP handler plus the in-process entry points other services use. */
export interface S3Service {
  /** Answers one path-style S3 request completely. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Writes an object like PutObject (notifications included); throws `S3Error` NoSuchBucket. */
  putObject(input: InternalPut): Promise<{ etag: string }>;
  bucketExists(bucket: string): boolean;
  /** An object's bytes and its bucket's region, for Lambda's S3 code locations (no notification, no auth). */
  readObject(
    bucket: string,
    key: string,
  ): Promise<{ body: Buffer; region: string } | { error: 'NoSuchBucket' | 'NoSuchKey' }>;
  health(): { readonly buckets: number };
}

interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
}

// Object subresources S3 has but the emulator does not: answered with NotImplemented, not silently ignored.
const OBJECT_SUBRESOURCES = [
  'acl',
  'tagging',
  'uploads',
  'uploadId',
  'partNumber',
  'attributes',
  'retention',
  'legal-hold',
  'restore',
  'select',
  'torrent',
];
const BUCKET_SUBRESOURCES = [
  'acl',
  'cors',
  'lifecycle',
  'versioning',
  'versions',
  'tagging',
  'uploads',
  'website',
  'encryption',
  'ownershipControls',
  'publicAccessBlock',
  'replication',
  'logging',
  'object-lock',
  'requestPayment',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'intelligent-tiering',
];
const STORED_HEADERS = [
  'content-encoding',
  'content-disposition',
  'cache-control',
  'content-language',
  'expires',
];

/**
 * Creates the local S3 (path-style requests only). State is loaded synchronously from `stateDir`.
 * @example
 * const s3 = createS3Service({ stateDir: '.caprice/state', lambda: dataPlane });
 * http.createServer((req, res) => void s3.handle(req, res));
 */
export function createS3Service(options: S3ServiceOptions): S3Service {
  const store = new ObjectStore(options.stateDir);
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  let sequence = 0;

  function nextSequencer(): string {
    // Monotonic per service, hex, like S3's (comparable only for the same key).
    sequence = (sequence + 1) % 0x100000;
    return (BigInt(Date.now()) * 0x100000n + BigInt(sequence)).toString(16).toUpperCase().padStart(18, '0');
  }

  function notify(
    bucket: BucketMeta,
    eventName: string,
    key: string,
    object: ObjectMeta | undefined,
    meta: { requestId: string; sourceIp: string; principalId: string },
  ): void {
    for (const config of bucket.notifications) {
      if (!config.events.some((e) => eventMatches(e, eventName)) || !keyMatches(config.filterRules, key))
        continue;
      const record = {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: bucket.region,
        eventTime: new Date().toISOString(),
        eventName,
        userIdentity: { principalId: meta.principalId },
        requestParameters: { sourceIPAddress: meta.sourceIp },
        responseElements: { 'x-amz-request-id': meta.requestId, 'x-amz-id-2': hostId() },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: config.id,
          bucket: {
            name: bucket.name,
            ownerIdentity: { principalId: OWNER_ID },
            arn: `arn:aws:s3:::${bucket.name}`,
          },
          object:
            object === undefined
              ? { key: encodeEventKey(key), sequencer: nextSequencer() }
              : {
                  key: encodeEventKey(key),
                  size: object.size,
                  eTag: object.etag.replace(/"/g, ''),
                  sequencer: nextSequencer(),
                },
        },
      };
      const payload = Buffer.from(JSON.stringify({ Records: [record] }));
      const { name, qualifier } = splitQualifier(config.functionArn);
      // Not awaited: S3 delivers after answering the writer, and a slow queue must not block PutObject.
      void Promise.resolve()
        .then(() => options.lambda.invokeAsync(name, payload, qualifier))
        .catch((err: unknown) => options.onNotificationError?.(err, config.functionArn));
    }
  }

  function requireBucket(name: string): BucketMeta {
    const bucket = store.getBucket(name);
    if (bucket === undefined) throw noSuchBucket(name);
    return bucket;
  }

  function sourceIp(req: IncomingMessage): string {
    return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  function send(ctx: Ctx, status: number, headers: Record<string, string | number>, body?: string | Buffer) {
    const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
    ctx.res.writeHead(status, {
      'x-amz-request-id': ctx.requestId,
      'x-amz-id-2': hostId(),
      server: 'AmazonS3',
      ...(bytes === undefined ? {} : { 'content-length': bytes.length }),
      ...headers,
    });
    ctx.res.end(bytes);
  }

  function sendXml(ctx: Ctx, root: string, body: Record<string, unknown>, status = 200): void {
    send(ctx, status, { 'content-type': 'application/xml' }, toXml(root, { '@_xmlns': S3_XMLNS, ...body }));
  }

  // ---------- service and bucket operations ----------

  function listBuckets(ctx: Ctx): void {
    sendXml(ctx, 'ListAllMyBucketsResult', {
      Owner: { ID: OWNER_ID, DisplayName: 'caprice' },
      Buckets: {
        Bucket: store
          .listBuckets()
          .map((b) => ({ Name: b.name, CreationDate: b.creationDate, BucketRegion: b.region })),
      },
    });
  }

  async function createBucket(ctx: Ctx): Promise<void> {
    validateBucketName(ctx.bucket);
    const body = (await readSmallBody(ctx.req, 64 * 1024)).toString('utf8');
    let location = region;
    if (body.trim() !== '') {
      try {
        const doc = parseXml(body, []);
        const conf = doc.CreateBucketConfiguration as Record<string, unknown> | undefined;
        if (conf === undefined) throw malformedXml();
        if (
          typeof conf === 'object' &&
          typeof conf.LocationConstraint === 'string' &&
          conf.LocationConstraint !== ''
        ) {
          location = conf.LocationConstraint;
        }
      } catch (err) {
        if (err instanceof XmlSyntaxError) throw malformedXml();
        throw err;
      }
    }
    if (store.getBucket(ctx.bucket) !== undefined) {
      throw new S3Error(
        409,
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        { BucketName: ctx.bucket },
      );
    }
    await store.createBucket(ctx.bucket, location);
    send(ctx, 200, { location: `/${ctx.bucket}`, 'content-length': 0 });
  }

  async function deleteBucket(ctx: Ctx): Promise<void> {
    requireBucket(ctx.bucket);
    if (store.objectCount(ctx.bucket) > 0) {
      throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', {
        BucketName: ctx.bucket,
      });
    }
    await store.deleteBucket(ctx.bucket);
    send(ctx, 204, {});
  }

  /** ListObjectsV2 (`list-type=2`) and ListObjects (v1, `marker`), one walk over the sorted keys. */
  function listObjects(ctx: Ctx, version: 1 | 2): void {
    const bucket = requireBucket(ctx.bucket);
    const q = ctx.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const encodingType = q.get('encoding-type');
    if (encodingType !== null && encodingType !== 'url') {
      throw new S3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request', {
        ArgumentName: 'encoding-type',
        ArgumentValue: encodingType,
      });
    }
    const maxKeysText = q.get('max-keys') ?? '1000';
    if (!/^\d+$/.test(maxKeysText)) {
      throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', {
        ArgumentName: 'max-keys',
        ArgumentValue: maxKeysText,
      });
    }
    const maxKeys = Math.min(Number(maxKeysText), 1000);
    const startAfter = version === 2 ? (q.get('start-after') ?? '') : '';
    const marker = version === 1 ? (q.get('marker') ?? '') : '';
    const token = version === 2 ? q.get('continuation-token') : null;
    let after = version === 2 ? startAfter : marker;
    // A v1 marker that is a common prefix (NextMarker) skips everything rolled up under it.
    let skipPrefix = version === 1 && delimiter !== '' && marker.endsWith(delimiter) ? marker : '';
    if (token !== null) {
      try {
        const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
          a: string;
          p?: string;
        };
        if (typeof parsed.a !== 'string') throw new Error('bad token');
        after = parsed.a;
        skipPrefix = parsed.p ?? '';
      } catch {
        throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', {
          ArgumentName: 'continuation-token',
          ArgumentValue: token,
        });
      }
    }
    const afterBytes = Buffer.from(after, 'utf8');
    const enc = (s: string) => (encodingType === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    const contents: Record<string, unknown>[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last: { a: string; p?: string } | undefined;
    for (const key of store.sortedKeys(ctx.bucket)) {
      if (!key.startsWith(prefix)) continue;
      if (after !== '' && Buffer.compare(Buffer.from(key, 'utf8'), afterBytes) <= 0) continue;
      if (skipPrefix !== '' && key.startsWith(skipPrefix)) continue;
      let common: string | undefined;
      if (delimiter !== '') {
        const i = key.indexOf(delimiter, prefix.length);
        if (i !== -1) common = key.slice(0, i + delimiter.length);
      }
      if (common !== undefined && prefixes[prefixes.length - 1] === common) continue;
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (common !== undefined) {
        prefixes.push(common);
        last = { a: key, p: common };
      } else {
        const obj = store.getObject(ctx.bucket, key)!;
        contents.push({
          Key: enc(key),
          LastModified: obj.lastModified,
          ETag: obj.etag,
          ...(obj.checksum
            ? { ChecksumAlgorithm: obj.checksum.algorithm.toUpperCase(), ChecksumType: 'FULL_OBJECT' }
            : {}),
          Size: obj.size,
          StorageClass: 'STANDARD',
        });
        last = { a: key };
      }
    }
    const common = {
      Name: bucket.name,
      Prefix: enc(prefix),
      ...(delimiter !== '' ? { Delimiter: enc(delimiter) } : {}),
      MaxKeys: maxKeys,
      ...(encodingType ? { EncodingType: encodingType } : {}),
    };
    const listing = { Contents: contents, CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })) };
    if (version === 1) {
      sendXml(ctx, 'ListBucketResult', {
        ...common,
        Marker: enc(marker),
        IsTruncated: truncated,
        // S3 returns NextMarker only with a delimiter; clients use the last key otherwise.
        ...(truncated && last && delimiter !== '' ? { NextMarker: enc(last.p ?? last.a) } : {}),
        ...listing,
      });
      return;
    }
    sendXml(ctx, 'ListBucketResult', {
      ...common,
      KeyCount: contents.length + prefixes.length,
      IsTruncated: truncated,
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(truncated && last
        ? { NextContinuationToken: Buffer.from(JSON.stringify(last)).toString('base64url') }
        : {}),
      ...(startAfter !== '' ? { StartAfter: enc(startAfter) } : {}),
      ...listing,
    });
  }

  /** DeleteObjects (POST ?delete): up to 1000 keys, per-key results, `Quiet` lists errors only. */
  async function deleteObjects(ctx: Ctx): Promise<void> {
    const bucket = requireBucket(ctx.bucket);
    const body = (await readSmallBody(ctx.req, 2 * 1024 * 1024)).toString('utf8');
    let doc: Record<string, unknown>;
    try {
      doc = parseXml(body, ['Object'], { trim: false });
    } catch (err) {
      if (err instanceof XmlSyntaxError) throw malformedXml();
      throw err;
    }
    const del = doc.Delete as Record<string, unknown> | undefined;
    if (del === undefined || typeof del !== 'object' || !Array.isArray(del.Object)) throw malformedXml();
    const objects = del.Object as unknown[];
    if (objects.length === 0 || objects.length > 1000) throw malformedXml();
    const keys = objects.map((o) => {
      const key = (o as Record<string, unknown> | null)?.Key;
      if (typeof key !== 'string' || key === '') throw malformedXml();
      return key;
    });
    const quiet = del.Quiet === 'true';
    const deleted: { Key: string }[] = [];
    const removed: string[] = [];
    for (const key of keys) {
      if (await store.deleteObject(ctx.bucket, key)) removed.push(key);
      deleted.push({ Key: key });
    }
    sendXml(ctx, 'DeleteResult', quiet ? {} : { Deleted: deleted });
    for (const key of removed) {
      notify(bucket, 'ObjectRemoved:Delete', key, undefined, {
        requestId: ctx.requestId,
        sourceIp: sourceIp(ctx.req),
        principalId: PRINCIPAL_ID,
      });
    }
  }

  async function putNotification(ctx: Ctx): Promise<void> {
    const bucket = requireBucket(ctx.bucket);
    const body = (await readSmallBody(ctx.req, 1024 * 1024)).toString('utf8');
    const configs = parseNotificationConfiguration(body);
    for (const config of configs) {
      let allowed = true;
      if (options.permissions !== undefined) {
        try {
          allowed = await options.permissions.canInvoke({
            functionArn: config.functionArn,
            principal: 's3.amazonaws.com',
            sourceArn: `arn:aws:s3:::${bucket.name}`,
            sourceAccount: accountId,
          });
        } catch {
          allowed = false;
        }
      }
      if (!allowed) throw destinationError(config.functionArn);
    }
    bucket.notifications = configs;
    await store.saveBucket(bucket);
    send(ctx, 200, { 'content-length': 0 });
  }

  async function putPolicy(ctx: Ctx): Promise<void> {
    const bucket = requireBucket(ctx.bucket);
    const text = (await readSmallBody(ctx.req, 20 * 1024)).toString('utf8');
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    } catch {
      throw new S3Error(400, 'MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
    }
    bucket.policy = text;
    await store.saveBucket(bucket);
    send(ctx, 204, {});
  }

  async function bucketOperation(ctx: Ctx): Promise<void> {
    const { req, query } = ctx;
    const method = req.method ?? 'GET';
    const sub = BUCKET_SUBRESOURCES.find((s) => query.has(s));
    if (sub !== undefined) throw notImplemented(`bucket ?${sub}`);
    if (query.has('delete')) {
      if (method === 'POST') return deleteObjects(ctx);
    } else if (query.has('notification')) {
      if (method === 'PUT') return putNotification(ctx);
      if (method === 'GET') {
        const bucket = requireBucket(ctx.bucket);
        return sendXml(ctx, 'NotificationConfiguration', notificationConfigurationBody(bucket.notifications));
      }
    } else if (query.has('policy')) {
      if (method === 'PUT') return putPolicy(ctx);
      const bucket = requireBucket(ctx.bucket);
      if (method === 'DELETE') {
        delete bucket.policy;
        await store.saveBucket(bucket);
        return send(ctx, 204, {});
      }
      if (method === 'GET') {
        if (bucket.policy === undefined) {
          throw new S3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', {
            BucketName: bucket.name,
          });
        }
        return send(ctx, 200, { 'content-type': 'application/json' }, bucket.policy);
      }
    } else if (query.has('location')) {
      const bucket = requireBucket(ctx.bucket);
      return sendXml(ctx, 'LocationConstraint', {
        '#text': bucket.region === 'us-east-1' ? '' : bucket.region,
      });
    } else {
      switch (method) {
        case 'PUT':
          return createBucket(ctx);
        case 'HEAD': {
          const bucket = requireBucket(ctx.bucket);
          return send(ctx, 200, { 'x-amz-bucket-region': bucket.region, 'content-length': 0 });
        }
        case 'DELETE':
          return deleteBucket(ctx);
        case 'GET':
          return listObjects(ctx, query.get('list-type') === '2' ? 2 : 1);
      }
    }
    throw methodNotAllowed(method);
  }

  // ---------- object operations ----------

  async function putObject(ctx: Ctx): Promise<void> {
    const { req } = ctx;
    const bucket = requireBucket(ctx.bucket);
    const declared = Number(
      req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'] ?? 0,
    );
    if (declared > MAX_PUT_SIZE) {
      throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        ProposedSize: String(declared),
        MaxSizeAllowed: String(MAX_PUT_SIZE),
      });
    }
    const chunked = isAwsChunked(req);
    // Which checksum to verify: a header value (plain body) or a declared trailer (aws-chunked body).
    let algorithm: ChecksumAlgorithm | undefined;
    let expected: string | undefined;
    for (const name of Object.keys(req.headers)) {
      const m = /^x-amz-checksum-(.+)$/.exec(name);
      if (m?.[1] !== undefined && isChecksumAlgorithm(m[1])) {
        algorithm = m[1];
        expected = String(req.headers[name]);
      }
    }
    const trailer = String(req.headers['x-amz-trailer'] ?? '').toLowerCase();
    const trailerMatch = /^x-amz-checksum-(.+)$/.exec(trailer);
    if (algorithm === undefined && trailerMatch?.[1] !== undefined && isChecksumAlgorithm(trailerMatch[1])) {
      algorithm = trailerMatch[1];
    }
    const md5 = createHash('md5');
    const checksum = algorithm === undefined ? undefined : createChecksum(algorithm);
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > MAX_PUT_SIZE) {
          cb(new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'));
          return;
        }
        md5.update(chunk);
        checksum?.update(chunk);
        cb(null, chunk);
      },
    });
    const temp = store.tempPath();
    const decoder = chunked ? new AwsChunkedDecoder() : undefined;
    try {
      // Iterate without destroying the request on failure, so an S3 error can still be written back.
      const body = req.iterator({ destroyOnReturn: false });
      if (decoder) await pipeline(body, decoder, hasher, createWriteStream(temp));
      else await pipeline(body, hasher, createWriteStream(temp));
      if (chunked && req.headers['x-amz-decoded-content-length'] !== undefined && size !== declared) {
        throw new S3Error(
          400,
          'IncompleteBody',
          `You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${declared}, got ${size}).`,
        );
      }
      if (decoder && algorithm !== undefined && expected === undefined) {
        expected = decoder.trailers.get(`x-amz-checksum-${algorithm}`);
        if (expected === undefined) {
          throw new S3Error(
            400,
            'InvalidRequest',
            `The ${trailer} trailer declared in x-amz-trailer is missing.`,
          );
        }
      }
      const md5Digest = md5.digest();
      const contentMd5 = req.headers['content-md5'];
      if (contentMd5 !== undefined && contentMd5 !== md5Digest.toString('base64')) {
        throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      }
      const actual = checksum?.digest();
      if (algorithm !== undefined && actual !== expected) {
        throw new S3Error(
          400,
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
      }
      const headers: Record<string, string> = {};
      for (const h of STORED_HEADERS) {
        const v = req.headers[h];
        if (typeof v !== 'string') continue;
        const value =
          h === 'content-encoding'
            ? v
                .split(',')
                .map((e) => e.trim())
                .filter((e) => e !== '' && e !== 'aws-chunked')
                .join(', ')
            : v;
        if (value !== '') headers[h] = value;
      }
      const meta: ObjectMeta = {
        key: ctx.key,
        size,
        etag: `"${md5Digest.toString('hex')}"`,
        lastModified: new Date().toISOString(),
        contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
        headers,
        metadata: userMetadata(req),
        ...(algorithm !== undefined && actual !== undefined
          ? { checksum: { algorithm, value: actual } }
          : {}),
      };
      const stored = await store.commit(ctx.bucket, meta, temp, (current) =>
        checkWritePreconditions(req, ctx.key, current),
      );
      send(ctx, 200, {
        etag: stored.etag,
        'content-length': 0,
        ...(stored.checksum
          ? {
              [`x-amz-checksum-${stored.checksum.algorithm}`]: stored.checksum.value,
              'x-amz-checksum-type': 'FULL_OBJECT',
            }
          : {}),
      });
      notify(bucket, 'ObjectCreated:Put', ctx.key, stored, {
        requestId: ctx.requestId,
        sourceIp: sourceIp(req),
        principalId: PRINCIPAL_ID,
      });
    } finally {
      await store.discard(temp);
    }
  }

  async function copyObject(ctx: Ctx): Promise<void> {
    const { req } = ctx;
    const bucket = requireBucket(ctx.bucket);
    const source = String(req.headers['x-amz-copy-source']);
    const rawPath = source.split('?', 1)[0] ?? '';
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath).replace(/^\//, '');
    } catch {
      throw new S3Error(
        400,
        'InvalidArgument',
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
        {
          ArgumentName: 'x-amz-copy-source',
          ArgumentValue: source,
        },
      );
    }
    const slash = decoded.indexOf('/');
    if (slash <= 0 || slash === decoded.length - 1) {
      throw new S3Error(
        400,
        'InvalidArgument',
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
        {
          ArgumentName: 'x-amz-copy-source',
          ArgumentValue: source,
        },
      );
    }
    const srcBucket = decoded.slice(0, slash);
    const srcKey = decoded.slice(slash + 1);
    requireBucket(srcBucket);
    const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
    if (
      srcBucket === ctx.bucket &&
      srcKey === ctx.key &&
      !replace &&
      req.headers['x-amz-storage-class'] === undefined
    ) {
      throw new S3Error(
        400,
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    req.resume();
    const opened = store.openObject(srcBucket, srcKey);
    if (opened === undefined) throw noSuchKey(srcKey);
    const temp = store.tempPath();
    try {
      // The read stream owns the descriptor from here (closed at its end or on error).
      await pipeline(createReadStream('', { fd: opened.fd }), createWriteStream(temp));
      const src = opened.meta;
      const headers: Record<string, string> = {};
      if (replace) {
        for (const h of STORED_HEADERS) {
          const v = req.headers[h];
          if (typeof v === 'string') headers[h] = v;
        }
      }
      const meta: ObjectMeta = {
        key: ctx.key,
        size: src.size,
        etag: src.etag,
        lastModified: new Date().toISOString(),
        contentType: replace ? String(req.headers['content-type'] ?? 'binary/octet-stream') : src.contentType,
        headers: replace ? headers : src.headers,
        metadata: replace ? userMetadata(req) : src.metadata,
        ...(src.checksum ? { checksum: src.checksum } : {}),
      };
      const stored = await store.commit(ctx.bucket, meta, temp, (current) =>
        checkWritePreconditions(req, ctx.key, current),
      );
      sendXml(ctx, 'CopyObjectResult', {
        LastModified: stored.lastModified,
        ETag: stored.etag,
        ...(stored.checksum
          ? { [`Checksum${stored.checksum.algorithm.toUpperCase()}`]: stored.checksum.value }
          : {}),
      });
      notify(bucket, 'ObjectCreated:Copy', ctx.key, stored, {
        requestId: ctx.requestId,
        sourceIp: sourceIp(req),
        principalId: PRINCIPAL_ID,
      });
    } finally {
      await store.discard(temp);
    }
  }

  function getObject(ctx: Ctx, head: boolean): void {
    const { req, query } = ctx;
    requireBucket(ctx.bucket);
    const opened = store.openObject(ctx.bucket, ctx.key);
    if (opened === undefined) throw noSuchKey(ctx.key);
    const { meta, fd } = opened;
    let streaming = false;
    try {
      const notModified = checkReadPreconditions(req, meta);
      const base: Record<string, string | number> = {
        etag: meta.etag,
        'last-modified': httpDate(meta.lastModified),
        'accept-ranges': 'bytes',
      };
      if (notModified) {
        send(ctx, 304, base);
        return;
      }
      const headers: Record<string, string | number> = {
        ...base,
        'content-type': query.get('response-content-type') ?? meta.contentType,
        ...meta.headers,
      };
      for (const h of STORED_HEADERS) {
        const override = query.get(`response-${h}`);
        if (override !== null) headers[h] = override;
      }
      for (const [name, value] of Object.entries(meta.metadata))
        headers[`x-amz-meta-${name}`] = encodeMetadataValue(value);
      let start = 0;
      let end = meta.size - 1;
      let status = 200;
      const range = parseRange(req.headers.range, meta.size);
      if (range === 'unsatisfiable') {
        throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
          RangeRequested: String(req.headers.range),
          ActualObjectSize: String(meta.size),
        });
      }
      if (range !== undefined) {
        [start, end] = range;
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
      } else if (meta.checksum && String(req.headers['x-amz-checksum-mode']).toUpperCase() === 'ENABLED') {
        headers[`x-amz-checksum-${meta.checksum.algorithm}`] = meta.checksum.value;
        headers['x-amz-checksum-type'] = 'FULL_OBJECT';
      }
      const length = meta.size === 0 ? 0 : end - start + 1;
      headers['content-length'] = length;
      ctx.res.writeHead(status, {
        'x-amz-request-id': ctx.requestId,
        'x-amz-id-2': hostId(),
        server: 'AmazonS3',
        ...headers,
      });
      if (head || length === 0) {
        ctx.res.end();
        return;
      }
      streaming = true;
      // pipeline closes the file when the client goes away mid-body (pipe() would leak the descriptor).
      pipeline(createReadStream('', { fd, start, end }), ctx.res).catch(() => undefined);
    } finally {
      if (!streaming) closeSync(fd);
    }
  }

  async function deleteObject(ctx: Ctx): Promise<void> {
    const bucket = requireBucket(ctx.bucket);
    const existed = await store.deleteObject(ctx.bucket, ctx.key);
    send(ctx, 204, {});
    if (existed) {
      notify(bucket, 'ObjectRemoved:Delete', ctx.key, undefined, {
        requestId: ctx.requestId,
        sourceIp: sourceIp(ctx.req),
        principalId: PRINCIPAL_ID,
      });
    }
  }

  async function objectOperation(ctx: Ctx): Promise<void> {
    const method = ctx.req.method ?? 'GET';
    const sub = OBJECT_SUBRESOURCES.find((s) => ctx.query.has(s));
    if (sub !== undefined) throw notImplemented(`object ?${sub}`);
    if (Buffer.byteLength(ctx.key, 'utf8') > MAX_KEY_BYTES) {
      throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', {
        MaxSizeAllowed: String(MAX_KEY_BYTES),
        Size: String(Buffer.byteLength(ctx.key, 'utf8')),
      });
    }
    switch (method) {
      case 'PUT':
        return ctx.req.headers['x-amz-copy-source'] !== undefined ? copyObject(ctx) : putObject(ctx);
      case 'GET':
        return getObject(ctx, false);
      case 'HEAD':
        return getObject(ctx, true);
      case 'DELETE':
        return deleteObject(ctx);
    }
    throw methodNotAllowed(method);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    let resource = req.url ?? '/';
    try {
      const { bucket, key, query } = parseTarget(req.url ?? '/');
      resource = `/${bucket}${key === '' ? '' : `/${key}`}`;
      const ctx: Ctx = { req, res, requestId, bucket, key, query };
      if (bucket === '') {
        if (req.method === 'GET') return listBuckets(ctx);
        throw methodNotAllowed(req.method ?? '');
      }
      if (key === '') return await bucketOperation(ctx);
      return await objectOperation(ctx);
    } catch (err) {
      sendError(req, res, err, requestId, resource);
    }
  }

  async function internalPut(input: InternalPut): Promise<{ etag: string }> {
    const bucket = requireBucket(input.bucket);
    const temp = store.tempPath();
    try {
      await writeFile(temp, input.body);
      const meta: ObjectMeta = {
        key: input.key,
        size: input.body.byteLength,
        etag: `"${createHash('md5').update(input.body).digest('hex')}"`,
        lastModified: new Date().toISOString(),
        contentType: input.contentType ?? 'binary/octet-stream',
        headers: {},
        metadata: {},
      };
      const stored = await store.commit(input.bucket, meta, temp);
      notify(bucket, 'ObjectCreated:Put', input.key, stored, {
        requestId: randomBytes(8).toString('hex').toUpperCase(),
        sourceIp: input.sourceIp ?? '127.0.0.1',
        principalId: input.principalId ?? PRINCIPAL_ID,
      });
      return { etag: stored.etag };
    } finally {
      await store.discard(temp);
    }
  }

  return {
    handle,
    putObject: internalPut,
    bucketExists: (name) => store.getBucket(name) !== undefined,
    async readObject(bucket, key) {
      const meta = store.getBucket(bucket);
      if (meta === undefined) return { error: 'NoSuchBucket' };
      const opened = store.openObject(bucket, key);
      if (opened === undefined) return { error: 'NoSuchKey' };
      const chunks: Buffer[] = [];
      // The descriptor pins the version that was current at lookup (see ObjectStore.openObject).
      for await (const chunk of createReadStream('', { fd: opened.fd })) chunks.push(chunk as Buffer);
      return { body: Buffer.concat(chunks), region: meta.region };
    },
    health: () => ({ buckets: store.listBuckets().length }),
  };
}

function hostId(): string {
  return randomBytes(24).toString('base64');
}

function splitQualifier(functionArn: string): { name: string; qualifier?: string } {
  const parts = functionArn.split(':');
  if (parts.length === 8) return { name: parts.slice(0, 7).join(':'), qualifier: parts[7]! };
  return { name: functionArn };
}

function userMetadata(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string')
      out[name.slice('x-amz-meta-'.length)] = decodeMetadataValue(value);
  }
  return out;
}

function etagList(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

/** `If-None-Match: *` (create only) and `If-Match: <etag>` (conditional overwrite) on writes. */
function checkWritePreconditions(req: IncomingMessage, key: string, current: ObjectMeta | undefined): void {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && current !== undefined) {
    if (ifNoneMatch.trim() === '*' || etagList(ifNoneMatch).includes(current.etag)) {
      throw new S3Error(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        {
          Condition: 'If-None-Match',
        },
      );
    }
  }
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined) {
    if (current === undefined) throw noSuchKey(key);
    if (ifMatch.trim() !== '*' && !etagList(ifMatch).includes(current.etag)) {
      throw new S3Error(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        {
          Condition: 'If-Match',
        },
      );
    }
  }
}

/** Returns true when the client's copy is current (304); throws 412 for a failed If-Match/If-Unmodified-Since. */
function checkReadPreconditions(req: IncomingMessage, meta: ObjectMeta): boolean {
  const modified = Math.floor(Date.parse(meta.lastModified) / 1000) * 1000;
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch.trim() !== '*' && !etagList(ifMatch).includes(meta.etag)) {
    throw new S3Error(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      {
        Condition: 'If-Match',
      },
    );
  }
  const ifUnmodified = req.headers['if-unmodified-since'];
  if (ifMatch === undefined && ifUnmodified !== undefined && modified > Date.parse(ifUnmodified)) {
    throw new S3Error(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      {
        Condition: 'If-Unmodified-Since',
      },
    );
  }
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined)
    return ifNoneMatch.trim() === '*' || etagList(ifNoneMatch).includes(meta.etag);
  const ifModified = req.headers['if-modified-since'];
  return ifModified !== undefined && modified <= Date.parse(ifModified);
}

/** Parses a single `bytes=` range; undefined means "whole object" (absent or unparsable, as S3 does). */
function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}

function validateBucketName(name: string): void {
  const ok =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.endsWith('-s3alias');
  if (!ok)
    throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
}

function notImplemented(what: string): S3Error {
  return new S3Error(
    501,
    'NotImplemented',
    `A header or query you provided implies functionality that is not implemented (${what} is not emulated by Caprice).`,
  );
}

function methodNotAllowed(method: string): S3Error {
  return new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
    Method: method,
    ResourceType: 'OBJECT',
  });
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  requestId: string,
  resource: string,
): void {
  const e =
    err instanceof S3Error
      ? err
      : err instanceof AwsServiceError
        ? new S3Error(err.status, err.type, err.message)
        : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
  if (!(err instanceof AwsServiceError)) console.error('[caprice s3] internal error', err);
  req.resume();
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId(), server: 'AmazonS3' };
  if (req.method === 'HEAD') {
    // HEAD responses carry no body; the SDK maps the bare status (404 → NotFound).
    res.writeHead(e.status, { ...headers, 'content-length': 0 });
    res.end();
    return;
  }
  const body = toXml('Error', {
    Code: e.type,
    Message: e.message,
    ...e.extra,
    ...(e.extra.Key === undefined && e.extra.BucketName === undefined ? { Resource: resource } : {}),
    RequestId: requestId,
    HostId: headers['x-amz-id-2'],
  });
  res.writeHead(e.status, {
    ...headers,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
