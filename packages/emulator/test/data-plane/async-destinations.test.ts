/**
 * Asynchronous invocation with an event invoke config, end to end through the real emulator (control plane, data
 * plane, S3): MaximumRetryAttempts and MaximumEventAgeInSeconds are honoured, and the invocation record reaches a
 * Lambda or S3 destination in AWS's shape. Retry delays are shortened; the event-age clock is moved by the failing
 * function itself (a flag file), so nothing depends on timing. Completion is awaited with `drainAsync`, which also
 * waits for the destination function's own async invoke.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  InvokeCommand,
  type InvokeCommandInput,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  type PutFunctionEventInvokeConfigCommandInput,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailExtension } from '../../src/email/email-extension.js';
import type { InvocationRecord } from '../../src/invoke/invocation-record.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import { makeZip, ROLE } from '../control-plane/helpers.js';
import { SH_PRELUDE } from './harness.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 20 };
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

/** Fails every event; records each attempt's request ID; touches $AGE_FLAG (when set) to age the queue's clock. */
const FAILING = `${SH_PRELUDE}
while true; do
  next
  echo "$ID" >> "$OUT/attempts"
  if [ -n "\${AGE_FLAG:-}" ]; then touch "$AGE_FLAG"; fi
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/error" -d '{"errorType":"Boom","errorMessage":"no"}'
done
`;
/** Succeeds with a fixed document. */
const SUCCEEDING = `${SH_PRELUDE}
while true; do
  next
  echo "$ID" >> "$OUT/attempts"
  respond '{"ok":true}'
done
`;
/** The destination: keeps each event (an invocation record) on its own line. */
const RECORDER = `${SH_PRELUDE}
while true; do
  next
  printf '%s\\n' "$EVENT" >> "$OUT/records"
  respond '{}'
done
`;

describe('async invokes with an event invoke config', () => {
  let emulator: Emulator;
  let lambda: LambdaClient;
  let s3: S3Client;
  let root: string;
  let ageFlag: string;
  let recorderOut: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'caprice-dest-'));
    ageFlag = path.join(root, 'aged');
    emulator = await startEmulator({
      port: 0,
      stateDir: path.join(root, 'state'),
      createDelayMs: 20,
      updateDelayMs: 20,
      extensions: [emailExtension({ smtpPort: 0 })],
      dataPlane: {
        asyncRetryDelaysMs: [50, 100],
        // The failing function ages every queued event by 61 s once it has run (see FAILING).
        asyncClock: () => Date.now() + (existsSync(ageFlag) ? 61_000 : 0),
      },
    });
    lambda = new LambdaClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    s3 = new S3Client({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      forcePathStyle: true,
    });
    recorderOut = await define('recorder', RECORDER);
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    s3?.destroy();
    await emulator?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Creates a function running `bootstrap` with its own output folder ($OUT); returns that folder. */
  async function define(name: string, bootstrap: string, env: Record<string, string> = {}): Promise<string> {
    const out = path.join(root, 'out', name);
    mkdirSync(out, { recursive: true });
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: ROLE,
        Timeout: 10,
        Environment: { Variables: { OUT: out, ...env } },
        Code: { ZipFile: await makeZip({ bootstrap: { content: bootstrap, mode: 0o100755 } }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: name });
    return out;
  }

  const configure = (input: PutFunctionEventInvokeConfigCommandInput) =>
    lambda.send(new PutFunctionEventInvokeConfigCommand(input));

  /** Queues an Event invoke, waits for it, its retries and its record to finish; returns its request ID. */
  async function invokeAndDrain(input: Omit<InvokeCommandInput, 'InvocationType'>): Promise<string> {
    const out = await lambda.send(new InvokeCommand({ ...input, InvocationType: 'Event' }));
    expect(out.StatusCode).toBe(202);
    await emulator.dataPlane.drainAsync();
    return out.$metadata.requestId!;
  }

  const lines = (file: string) =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const recordsFor = (requestId: string) =>
    lines(path.join(recorderOut, 'records'))
      .map((l) => JSON.parse(l) as InvocationRecord)
      .filter((r) => r.requestContext.requestId === requestId);

  it('MaximumRetryAttempts 0: one attempt, then the record goes to the on-failure function in AWS shape', async () => {
    const out = await define('once', FAILING);
    await configure({
      FunctionName: 'once',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } },
    });
    const id = await invokeAndDrain({ FunctionName: 'once', Payload: Buffer.from('{"order":42}') });

    expect(lines(path.join(out, 'attempts'))).toEqual([id]);
    const records = recordsFor(id);
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      requestContext: {
        requestId: id,
        functionArn: `${ARN}:once:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload: { order: 42 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: expect.objectContaining({ errorType: 'Boom', errorMessage: 'no' }),
    });
    expect(emulator.dataPlane.readLogs('once')).toContain(
      `${id} Invocation record (RetriesExhausted) sent to ${ARN}:recorder`,
    );
  });

  it('the default config retries twice: 3 attempts, approximateInvokeCount 3', async () => {
    const out = await define('thrice', FAILING);
    await configure({
      FunctionName: 'thrice',
      DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } },
    });
    const id = await invokeAndDrain({ FunctionName: 'thrice', Payload: Buffer.from('{}') });
    expect(lines(path.join(out, 'attempts'))).toEqual([id, id, id]);
    expect(
      recordsFor(id).map((r) => [r.requestContext.condition, r.requestContext.approximateInvokeCount]),
    ).toEqual([['RetriesExhausted', 3]]);
    expect(emulator.dataPlane.readLogs('thrice')).toMatch(
      /2 retries left[\s\S]*1 retry left[\s\S]*giving up/,
    );
  });

  it('a success goes to the on-success function with the response', async () => {
    await define('fine', SUCCEEDING);
    await configure({
      FunctionName: 'fine',
      DestinationConfig: { OnSuccess: { Destination: `${ARN}:recorder` } },
    });
    const id = await invokeAndDrain({ FunctionName: 'fine', Payload: Buffer.from('{"n":1}') });
    const [record] = recordsFor(id);
    expect(record?.requestContext).toEqual({
      requestId: id,
      functionArn: `${ARN}:fine:$LATEST`,
      condition: 'Success',
      approximateInvokeCount: 1,
    });
    expect(record?.requestPayload).toEqual({ n: 1 });
    expect(record?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(record?.responsePayload).toEqual({ ok: true });
  });

  it('an S3 on-failure destination keeps the record under aws/lambda/async/<function>/YYYY/MM/DD/', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'failed-events' }));
    await define('to-s3', FAILING);
    await configure({
      FunctionName: 'to-s3',
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::failed-events' } },
    });
    const id = await invokeAndDrain({ FunctionName: 'to-s3', Payload: Buffer.from('{"replay":"me"}') });

    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'failed-events', Prefix: 'aws/lambda/async/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(
      /^aws\/lambda\/async\/to-s3\/(\d{4})\/(\d{2})\/(\d{2})\/\1-\2-\3T\d{2}\.\d{2}\.\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const object = await s3.send(new GetObjectCommand({ Bucket: 'failed-events', Key: keys[0] }));
    const record = JSON.parse(await object.Body!.transformToString()) as InvocationRecord;
    expect(record.requestContext).toEqual({
      requestId: id,
      functionArn: `${ARN}:to-s3:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 2,
    });
    expect(record.requestPayload).toEqual({ replay: 'me' });
    expect(emulator.dataPlane.readLogs('to-s3')).toContain(`written to s3://failed-events/${keys[0]}`);
  });

  it('undeliverable records are logged, never silent: a missing bucket, an SQS queue', async () => {
    await define('lost', FAILING);
    await configure({
      FunctionName: 'lost',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::no-such-bucket' } },
    });
    const a = await invokeAndDrain({ FunctionName: 'lost', Payload: Buffer.from('{}') });
    expect(emulator.dataPlane.readLogs('lost')).toContain(
      `${a} Invocation record (RetriesExhausted) could not be delivered to arn:aws:s3:::no-such-bucket: S3 PutObject to bucket no-such-bucket failed: NoSuchBucket`,
    );

    await configure({
      FunctionName: 'lost',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
    });
    const b = await invokeAndDrain({ FunctionName: 'lost', Payload: Buffer.from('{}') });
    expect(emulator.dataPlane.readLogs('lost')).toContain(
      `${b} Invocation record (RetriesExhausted) NOT delivered to arn:aws:sqs:us-east-1:000000000000:dlq: sqs destinations are not emulated`,
    );
  });

  it("an alias's config applies to invokes through the alias; $LATEST keeps its own (none: default retries)", async () => {
    const out = await define('aliased', FAILING);
    await lambda.send(new PublishVersionCommand({ FunctionName: 'aliased' }));
    await lambda.send(
      new CreateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: '1' }),
    );
    await configure({
      FunctionName: 'aliased',
      Qualifier: 'live',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } },
    });
    const viaAlias = await invokeAndDrain({
      FunctionName: 'aliased',
      Qualifier: 'live',
      Payload: Buffer.from('{}'),
    });
    const [record] = recordsFor(viaAlias);
    expect(record?.requestContext.functionArn).toBe(`${ARN}:aliased:live`);
    expect(record?.requestContext.approximateInvokeCount).toBe(1);
    expect(record?.responseContext?.executedVersion).toBe('1');

    const unqualified = await invokeAndDrain({ FunctionName: 'aliased', Payload: Buffer.from('{}') });
    expect(lines(path.join(out, 'attempts')).filter((l) => l === unqualified)).toHaveLength(3);
    expect(recordsFor(unqualified)).toEqual([]);
    expect(emulator.dataPlane.readLogs('aliased')).toContain(
      `${unqualified} No on-failure destination; event dropped`,
    );
  });

  it('reserved concurrency 0: the event never runs and goes straight to the on-failure destination', async () => {
    const out = await define('switched-off', SUCCEEDING);
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'switched-off', ReservedConcurrentExecutions: 0 }),
    );
    await configure({
      FunctionName: 'switched-off',
      DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } },
    });
    const id = await invokeAndDrain({ FunctionName: 'switched-off', Payload: Buffer.from('{"k":1}') });
    expect(lines(path.join(out, 'attempts'))).toEqual([]);
    const [record] = recordsFor(id);
    expect(record?.requestContext.condition).toBe('RetriesExhausted');
    expect(record?.requestContext.approximateInvokeCount).toBe(0);
    expect(record?.requestPayload).toEqual({ k: 1 });
    expect(record?.responseContext).toBeUndefined();
  });

  it("two functions that are each other's on-failure destination stop after 16 records (no endless loop)", async () => {
    const pingOut = await define('ping', FAILING);
    const pongOut = await define('pong', FAILING);
    for (const [from, to] of [
      ['ping', 'pong'],
      ['pong', 'ping'],
    ] as const) {
      await configure({
        FunctionName: from,
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: `${ARN}:${to}` } },
      });
    }
    await invokeAndDrain({ FunctionName: 'ping', Payload: Buffer.from('{}') });
    // The first event plus 16 records: ping runs 9 times, pong 8.
    expect(lines(path.join(pingOut, 'attempts'))).toHaveLength(9);
    expect(lines(path.join(pongOut, 'attempts'))).toHaveLength(8);
    expect(emulator.dataPlane.readLogs('ping')).toContain(`NOT sent to ${ARN}:pong: 16 records in a row`);
  });

  // Last: it ages the queue's clock for everything until the flag is removed.
  it('MaximumEventAgeInSeconds: an event older than its maximum age is not retried (EventAgeExceeded)', async () => {
    const out = await define('aging', FAILING, { AGE_FLAG: ageFlag });
    await configure({
      FunctionName: 'aging',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } },
    });
    try {
      const id = await invokeAndDrain({ FunctionName: 'aging', Payload: Buffer.from('{"late":true}') });
      expect(lines(path.join(out, 'attempts'))).toEqual([id]);
      const [record] = recordsFor(id);
      expect(record?.requestContext.condition).toBe('EventAgeExceeded');
      expect(record?.requestContext.approximateInvokeCount).toBe(1);
      expect(record?.responseContext?.functionError).toBe('Unhandled');
      expect(emulator.dataPlane.readLogs('aging')).toContain(`${id} Async invoke event age exceeded`);
    } finally {
      rmSync(ageFlag, { force: true });
    }
  });
});
