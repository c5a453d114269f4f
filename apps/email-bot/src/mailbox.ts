/**
 * The bot's only IO edge: owns the S3 and SES clients (nothing else constructs one) and translates SDK errors
 * into transient (retry) or permanent (log and drop) ones.
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import type { BotConfig } from './config.js';
import { MessageTooLargeError, PermanentAwsError, TransientAwsError } from './errors.js';

/** What the handler needs from S3 and SES. Tests pass a fake; production uses {@link createMailbox}. */
export interface Mailbox {
  /** Reads an object's bytes, refusing more than `maxBytes` (never decoded to a string). */
  getObject(bucket: string, key: string, maxBytes: number): Promise<Uint8Array>;
  /** Creates `markerKey` only if absent (`If-None-Match: *`): `'claimed'` if we created it, `'taken'` if it existed. */
  claim(bucket: string, markerKey: string, body: string): Promise<'claimed' | 'taken'>;
  /** Overwrites a marker we hold (to record the outcome). */
  putMarker(bucket: string, markerKey: string, body: string): Promise<void>;
  /** Reads a marker's body, `undefined` when absent. */
  readMarker(bucket: string, markerKey: string): Promise<string | undefined>;
  /** Deletes a marker we hold, so a retry can claim it again. */
  release(bucket: string, markerKey: string): Promise<void>;
  /** SES v1 `SendRawEmail`; resolves with SES's MessageId. */
  sendRawEmail(input: SendInput): Promise<string>;
}

/** One raw reply for SES. */
export interface SendInput {
  source: string;
  destinations: readonly string[];
  raw: Uint8Array;
  configurationSet?: string | undefined;
}

/** Error names retrying cannot fix; everything else (throttling, 5xx, network, access) is retried. */
const PERMANENT_ERRORS = new Set(['NoSuchKey', 'NotFound', 'MessageRejected', 'InvalidParameterValue']);

/**
 * The marker key of a message: `<markerPrefix><sha256(key)>` — fixed length, safe characters, one per object.
 *
 * @example
 * markerKeyFor('email-bot-replied/', 'inbound/abc'); // 'email-bot-replied/5f0c…'
 */
export function markerKeyFor(markerPrefix: string, key: string): string {
  return markerPrefix + createHash('sha256').update(key).digest('hex');
}

/**
 * Creates the production mailbox over real SDK clients (endpoints from the configuration, for the emulator).
 *
 * @example
 * const mailbox = createMailbox({ config });
 */
export function createMailbox(options: {
  config: Pick<BotConfig, 'region' | 's3Endpoint' | 'sesEndpoint'>;
  s3?: S3Client;
  ses?: SESClient;
}): Mailbox {
  const { config } = options;
  const s3 =
    options.s3 ??
    new S3Client({
      region: config.region,
      ...(config.s3Endpoint === undefined
        ? {}
        : {
            endpoint: config.s3Endpoint,
            forcePathStyle: true,
            // Local S3 emulators store aws-chunked framing verbatim; only send checksums when required.
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }),
    });
  const ses =
    options.ses ??
    new SESClient({
      region: config.region,
      ...(config.sesEndpoint === undefined ? {} : { endpoint: config.sesEndpoint }),
    });

  return {
    async getObject(bucket, key, maxBytes) {
      const out = await call(`S3 GetObject ${bucket}/${key}`, () =>
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
      );
      const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      if (body === undefined) return new Uint8Array();
      if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
        body.destroy?.();
        throw new MessageTooLargeError(key, out.ContentLength, maxBytes);
      }
      // With a Content-Length, copy the chunks into one buffer of that size as they arrive: a chunk list plus its
      // concatenation would hold the message twice at the end (50 MB for a 25 MB mail).
      let whole = out.ContentLength === undefined ? undefined : Buffer.allocUnsafe(out.ContentLength);
      const chunks: Uint8Array[] = [];
      let total = 0;
      try {
        for await (const chunk of body) {
          const at = total;
          total += chunk.byteLength;
          if (total > maxBytes) {
            body.destroy?.();
            throw new MessageTooLargeError(key, total, maxBytes);
          }
          if (whole !== undefined && total <= whole.byteLength) {
            whole.set(chunk, at);
          } else {
            // More bytes than announced: fall back to collecting chunks.
            if (whole !== undefined) chunks.push(whole.subarray(0, at));
            whole = undefined;
            chunks.push(chunk);
          }
        }
      } catch (error) {
        if (error instanceof MessageTooLargeError) throw error;
        throw new TransientAwsError(`S3 GetObject ${bucket}/${key} (reading the body)`, { cause: error });
      }
      if (whole !== undefined) return total === whole.byteLength ? whole : whole.subarray(0, total);
      return Buffer.concat(chunks, total);
    },

    async claim(bucket, markerKey, body) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: markerKey,
            Body: body,
            ContentType: 'application/json',
            IfNoneMatch: '*',
          }),
        );
        return 'claimed';
      } catch (error) {
        // 412: the marker exists, someone claimed this message before us.
        if (httpStatus(error) === 412 || errorName(error) === 'PreconditionFailed') return 'taken';
        // 409 ConditionalRequestConflict (a concurrent claim in flight) and anything else: retry later.
        throw classify(`S3 PutObject (claim) ${bucket}/${markerKey}`, error);
      }
    },

    async putMarker(bucket, markerKey, body) {
      await call(`S3 PutObject (marker) ${bucket}/${markerKey}`, () =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: markerKey,
            Body: body,
            ContentType: 'application/json',
          }),
        ),
      );
    },

    async readMarker(bucket, markerKey) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: markerKey }));
        return (await out.Body?.transformToString('utf-8')) ?? '';
      } catch (error) {
        if (httpStatus(error) === 404) return undefined;
        throw classify(`S3 GetObject (marker) ${bucket}/${markerKey}`, error);
      }
    },

    async release(bucket, markerKey) {
      await call(`S3 DeleteObject (release) ${bucket}/${markerKey}`, () =>
        s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: markerKey })),
      );
    },

    async sendRawEmail(input) {
      const out = await call(`SES SendRawEmail to ${input.destinations.join(', ')}`, () =>
        ses.send(
          new SendRawEmailCommand({
            Source: input.source,
            Destinations: [...input.destinations],
            RawMessage: { Data: input.raw },
            ...(input.configurationSet === undefined ? {} : { ConfigurationSetName: input.configurationSet }),
          }),
        ),
      );
      if (!out.MessageId) {
        throw new TransientAwsError('SES SendRawEmail', { cause: new Error('response has no MessageId') });
      }
      return out.MessageId;
    },
  };
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw classify(operation, error);
  }
}

/**
 * Sorts an SDK error into permanent (known refusals) or transient (everything else, so the event is retried
 * and finally reaches the DLQ rather than being dropped).
 */
export function classify(operation: string, error: unknown): PermanentAwsError | TransientAwsError {
  const name = errorName(error);
  if (name !== undefined && PERMANENT_ERRORS.has(name))
    return new PermanentAwsError(operation, { cause: error });
  return new TransientAwsError(operation, { cause: error });
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
