/**
 * Accepted asynchronous (Event) invokes survive closing and starting the emulator again on the same state folder:
 * a pending event runs once after the restart with its request ID, an event waiting for its retry keeps its
 * attempt count, its event age counts from its first acceptance, an event cut short by close() runs again, the
 * events of an S3 notification and of an SES receipt rule are kept too, an event that cannot be kept is refused
 * (500), and a corrupt event file is moved aside without stopping the start. Everything goes through real sockets
 * and the real SDK clients; the first emulator of each test runs with `asyncPaused` (events accepted and kept,
 * none run) or long retry delays, the second one with its clock moved forward; completion is awaited with
 * `drainAsync` or by polling files, never by sleeping.
 */

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailExtension } from '../../src/email/email-extension.js';
import type { StoredAsyncEvent } from '../../src/invoke/async-event-store.js';
import type { InvocationRecord } from '../../src/invoke/invocation-record.js';
import type { DataPlaneTuning } from '../../src/lambda/data-plane.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import { makeZip, ROLE } from '../control-plane/helpers.js';
import { SH_PRELUDE } from './harness.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 30 };
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
/** Long enough that no retry comes due within a test unless the clock is moved past it. */
const LONG_RETRY_MS = 3_600_000;

/** Records "<request id> <event>" per attempt; succeeds. */
const RECORDING = `${SH_PRELUDE}
while true; do
  next
  printf '%s %s\\n' "$ID" "$EVENT" >> "$OUT/attempts"
  respond '{"ok":true}'
done
`;
/** Fails the first attempt it ever sees (flag file), succeeds afterwards. */
const FAILS_ONCE = `${SH_PRELUDE}
while true; do
  next
  echo "$ID" >> "$OUT/attempts"
  if [ ! -e "$OUT/failed-once" ]; then
    touch "$OUT/failed-once"
    curl -sS -o /dev/null -X POST "$API/invocation/$ID/error" -d '{"errorType":"Boom","errorMessage":"first"}'
  else
    respond '{"second":"time"}'
  fi
done
`;
/** The first attempt it ever sees hangs (until the emulator stops it); later ones succeed. */
const HANGS_ONCE = `${SH_PRELUDE}
while true; do
  next
  echo "$ID" >> "$OUT/attempts"
  if [ ! -e "$OUT/hung-once" ]; then
    touch "$OUT/hung-once"
    sleep 300
  fi
  respond '{}'
done
`;
/** A destination: one invocation record per line. */
const RECORDER = `${SH_PRELUDE}
while true; do
  next
  printf '%s\\n' "$EVENT" >> "$OUT/records"
  respond '{}'
done
`;

describe('async invokes survive an emulator restart', () => {
  let root: string;
  let stateDir: string;
  let emulator: Emulator | undefined;
  let lambda: LambdaClient | undefined;
  let s3: S3Client | undefined;
  let warnings: string[];
  let smtpPort = 0;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'caprice-async-durable-'));
    stateDir = path.join(root, 'state');
    warnings = [];
  });

  afterEach(async () => {
    await stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** (Re)starts the emulator on the test's state folder. */
  async function start(tuning: DataPlaneTuning = {}): Promise<Emulator> {
    await stop();
    const started = await startEmulator({
      port: 0,
      stateDir,
      createDelayMs: 20,
      updateDelayMs: 20,
      extensions: [emailExtension({ smtpPort: 0, onReady: (p) => (smtpPort = p.smtp.port) })],
      dataPlane: { asyncRetryDelaysMs: [LONG_RETRY_MS], asyncWarn: (m) => warnings.push(m), ...tuning },
    });
    emulator = started;
    lambda = new LambdaClient({
      endpoint: started.url,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    s3 = new S3Client({
      endpoint: started.url,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      forcePathStyle: true,
    });
    return started;
  }

  async function stop(): Promise<void> {
    lambda?.destroy();
    s3?.destroy();
    lambda = undefined;
    s3 = undefined;
    await emulator?.close();
    emulator = undefined;
  }

  function client(): LambdaClient {
    if (lambda === undefined) throw new Error('no emulator running');
    return lambda;
  }

  /** Creates a function running `bootstrap` with its own output folder ($OUT); returns that folder. */
  async function define(name: string, bootstrap: string): Promise<string> {
    const out = path.join(root, 'out', name);
    mkdirSync(out, { recursive: true });
    await client().send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: ROLE,
        Timeout: 600,
        Environment: { Variables: { OUT: out } },
        Code: { ZipFile: await makeZip({ bootstrap: { content: bootstrap, mode: 0o100755 } }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: client(), ...WAIT }, { FunctionName: name });
    return out;
  }

  async function invokeEvent(name: string, payload: string): Promise<string> {
    const out = await client().send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(payload) }),
    );
    expect(out.StatusCode).toBe(202);
    return out.$metadata.requestId!;
  }

  const asyncDir = () => path.join(stateDir, 'async');
  const eventFile = (id: string) => path.join(asyncDir(), `${id}.json`);
  const kept = (id: string) => JSON.parse(readFileSync(eventFile(id), 'utf8')) as StoredAsyncEvent;
  const keptFiles = () => readdirSync(asyncDir()).filter((f) => f.endsWith('.json'));
  const lines = (file: string) =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const records = (out: string) =>
    lines(path.join(out, 'records')).map((l) => JSON.parse(l) as InvocationRecord);

  it('an accepted event that never ran runs exactly once after a restart, with its request ID', async () => {
    await start({ asyncPaused: true });
    const out = await define('later', RECORDING);
    const id = await invokeEvent('later', '{"order":7}');
    // Kept before the 202: the file is there as soon as the SDK call returns.
    expect(kept(id)).toMatchObject({
      format: 'caprice-async-event/1',
      requestId: id,
      functionArn: `${ARN}:later`,
      attempts: 0,
      hops: 0,
      payload: Buffer.from('{"order":7}').toString('base64'),
    });
    await stop();
    expect(lines(path.join(out, 'attempts'))).toEqual([]);

    const second = await start();
    await second.dataPlane.drainAsync();
    expect(lines(path.join(out, 'attempts'))).toEqual([`${id} {"order":7}`]);
    expect(existsSync(eventFile(id))).toBe(false);
    expect(second.dataPlane.readLogs('later')).toContain(
      `${id} Async invoke resumed after a restart (0 attempts so far)`,
    );

    // A third start has nothing left to run.
    const third = await start();
    await third.dataPlane.drainAsync();
    expect(lines(path.join(out, 'attempts'))).toHaveLength(1);
  });

  it('an event waiting for its retry keeps its attempt count: retried after the restart, record says 2 invokes', async () => {
    await start();
    const recorderOut = await define('recorder', RECORDER);
    const out = await define('flaky', FAILS_ONCE);
    await client().send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'flaky',
        DestinationConfig: { OnSuccess: { Destination: `${ARN}:recorder` } },
      }),
    );
    const id = await invokeEvent('flaky', '{"try":"again"}');
    // The first attempt fails; the event then waits an hour for its retry, kept with its attempt count.
    await poll(() => existsSync(eventFile(id)) && kept(id).attempts === 1);
    const waiting = kept(id);
    expect(waiting.nextAttemptAt - waiting.enqueuedAt).toBeGreaterThanOrEqual(LONG_RETRY_MS);
    expect(waiting.last?.ok).toBe(false);
    await stop();

    // An hour later: the retry is due at once.
    const second = await start({ asyncClock: () => Date.now() + LONG_RETRY_MS });
    await second.dataPlane.drainAsync();
    expect(lines(path.join(out, 'attempts'))).toEqual([id, id]);
    const mine = records(recorderOut).filter((r) => r.requestContext.requestId === id);
    expect(mine.map((r) => r.requestContext)).toEqual([
      { requestId: id, functionArn: `${ARN}:flaky:$LATEST`, condition: 'Success', approximateInvokeCount: 2 },
    ]);
    expect(mine[0]?.requestPayload).toEqual({ try: 'again' });
    expect(mine[0]?.responsePayload).toEqual({ second: 'time' });
    expect(keptFiles()).toEqual([]);
  });

  it('MaximumEventAgeInSeconds counts from the first acceptance, across the restart', async () => {
    await start({ asyncPaused: true });
    const recorderOut = await define('recorder', RECORDER);
    const out = await define('stale', RECORDING);
    await client().send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'stale',
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } },
      }),
    );
    const id = await invokeEvent('stale', '{"fresh":false}');
    await stop();

    // 61 s after the 202: too old, even though this emulator has only just seen it.
    const second = await start({ asyncClock: () => Date.now() + 61_000 });
    await second.dataPlane.drainAsync();
    expect(lines(path.join(out, 'attempts'))).toEqual([]);
    const mine = records(recorderOut).filter((r) => r.requestContext.requestId === id);
    expect(mine.map((r) => [r.requestContext.condition, r.requestContext.approximateInvokeCount])).toEqual([
      ['EventAgeExceeded', 0],
    ]);
    expect(mine[0]?.requestPayload).toEqual({ fresh: false });
    expect(second.dataPlane.readLogs('stale')).toContain(`${id} Async invoke event age exceeded`);
  });

  it('an event being invoked when close() is called runs again after the restart (at-least-once)', async () => {
    await start();
    const recorderOut = await define('recorder', RECORDER);
    const out = await define('slow', HANGS_ONCE);
    await client().send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'slow',
        DestinationConfig: { OnSuccess: { Destination: `${ARN}:recorder` } },
      }),
    );
    const id = await invokeEvent('slow', '{}');
    await poll(() => lines(path.join(out, 'attempts')).length === 1);
    await stop();
    // The cut-short attempt is not counted: the file still says 0.
    expect(kept(id).attempts).toBe(0);

    const second = await start();
    await second.dataPlane.drainAsync();
    expect(lines(path.join(out, 'attempts'))).toEqual([id, id]);
    const mine = records(recorderOut).filter((r) => r.requestContext.requestId === id);
    expect(mine.map((r) => [r.requestContext.condition, r.requestContext.approximateInvokeCount])).toEqual([
      ['Success', 1],
    ]);
  });

  it('a corrupt event file is moved to async/corrupt/ and reported; the other events still run', async () => {
    await start({ asyncPaused: true });
    const out = await define('survivor', RECORDING);
    const id = await invokeEvent('survivor', '{"ok":1}');
    await stop();
    writeFileSync(path.join(asyncDir(), 'broken.json'), '{"format":"caprice-async-event/1", "requ');
    writeFileSync(path.join(asyncDir(), 'half-written.json.tmp'), '{');

    const second = await start();
    await second.dataPlane.drainAsync();
    expect(lines(path.join(out, 'attempts'))).toEqual([`${id} {"ok":1}`]);
    expect(readdirSync(path.join(asyncDir(), 'corrupt')).sort()).toEqual([
      'broken.json',
      'half-written.json.tmp',
    ]);
    expect(readFileSync(path.join(asyncDir(), 'corrupt', 'broken.json'), 'utf8')).toContain(
      'caprice-async-event',
    );
    expect(keptFiles()).toEqual([]);
    const broken = warnings.find((w) => w.includes('broken.json'));
    expect(broken).toContain(
      `cannot read kept async event ${path.join(asyncDir(), 'broken.json')} (not JSON`,
    );
    expect(broken).toContain(`moved it to ${path.join(asyncDir(), 'corrupt', 'broken.json')}`);
    expect(broken).toContain('move it back into the async folder to run it, or delete it');
    expect(warnings.some((w) => w.includes('half-written.json.tmp'))).toBe(true);
  });

  it('an event of a function deleted in between is moved aside and reported, not run', async () => {
    await start({ asyncPaused: true });
    await define('gone', RECORDING);
    const id = await invokeEvent('gone', '{}');
    await stop();
    // Delete the function behind the emulator's back: its state entry goes, the kept event stays.
    rmSync(path.join(stateDir, 'lambda', 'functions', 'gone.json'), { force: true });
    rmSync(path.join(stateDir, 'lambda', 'functions', 'gone'), { recursive: true, force: true });

    const second = await start();
    await second.dataPlane.drainAsync();
    expect(existsSync(path.join(asyncDir(), 'corrupt', `${id}.json`))).toBe(true);
    expect(warnings.join('\n')).toContain(
      `kept async event ${id} not resumed: its function ${ARN}:gone no longer exists`,
    );
  });

  it('an event that cannot be kept is not accepted: 500 ServiceException saying why, nothing runs', async () => {
    const running = await start({ asyncPaused: true });
    const out = await define('unkept', RECORDING);
    // The async folder replaced by a file: no event file can be written under it.
    rmSync(asyncDir(), { recursive: true, force: true });
    writeFileSync(asyncDir(), 'not a folder');
    const err = await client()
      .send(
        new InvokeCommand({ FunctionName: 'unkept', InvocationType: 'Event', Payload: Buffer.from('{}') }),
      )
      .catch((e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } });
    expect(err).toMatchObject({ name: 'ServiceException', $metadata: { httpStatusCode: 500 } });
    expect((err as Error).message).toContain("The event could not be kept in the emulator's state folder");
    expect((err as Error).message).toContain(
      'it was not accepted. Check that the state folder exists and is writable',
    );
    await running.close();
    expect(lines(path.join(out, 'attempts'))).toEqual([]);
    rmSync(asyncDir(), { force: true });
  });

  it('an S3 notification accepted before a restart still reaches the function after it', async () => {
    await start({ asyncPaused: true });
    const out = await define('on-upload', RECORDING);
    await s3!.send(new CreateBucketCommand({ Bucket: 'uploads' }));
    await client().send(
      new AddPermissionCommand({
        FunctionName: 'on-upload',
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::uploads',
      }),
    );
    await s3!.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'uploads',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'on-put', LambdaFunctionArn: `${ARN}:on-upload`, Events: ['s3:ObjectCreated:*'] },
          ],
        },
      }),
    );
    await s3!.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'report.csv', Body: 'a,b\n' }));
    // S3 queues the event after answering PutObject: wait until it is kept.
    await poll(() => keptFiles().length === 1);
    await stop();

    const second = await start();
    await second.dataPlane.drainAsync();
    const attempts = lines(path.join(out, 'attempts'));
    expect(attempts).toHaveLength(1);
    const event = JSON.parse(attempts[0]!.slice(attempts[0]!.indexOf(' ') + 1)) as {
      Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[];
    };
    expect(event.Records.map((r) => [r.eventName, r.s3.bucket.name, r.s3.object.key])).toEqual([
      ['ObjectCreated:Put', 'uploads', 'report.csv'],
    ]);
  });

  it('an SES receipt rule Lambda action (Event) accepted before a restart still reaches the function after it', async () => {
    const running = await start({ asyncPaused: true });
    const out = await define('on-mail', RECORDING);
    await client().send(
      new AddPermissionCommand({
        FunctionName: 'on-mail',
        StatementId: 'ses',
        Action: 'lambda:InvokeFunction',
        Principal: 'ses.amazonaws.com',
        SourceAccount: '000000000000',
      }),
    );
    const ses = new SESClient({ endpoint: running.url, region: 'us-east-1', credentials: CREDENTIALS });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    try {
      await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
      await ses.send(
        new CreateReceiptRuleCommand({
          RuleSetName: 'main',
          Rule: {
            Name: 'bot',
            Enabled: true,
            Recipients: ['bot@example.com'],
            Actions: [{ LambdaAction: { FunctionArn: `${ARN}:on-mail`, InvocationType: 'Event' } }],
          },
        }),
      );
      await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'main' }));
      await transport.sendMail({
        from: 'alice@example.org',
        to: 'bot@example.com',
        subject: 'kept',
        text: 'hi',
      });
    } finally {
      transport.close();
      ses.destroy();
    }
    await poll(() => keptFiles().length === 1);
    await stop();

    const second = await start();
    await second.dataPlane.drainAsync();
    const attempts = lines(path.join(out, 'attempts'));
    expect(attempts).toHaveLength(1);
    const event = JSON.parse(attempts[0]!.slice(attempts[0]!.indexOf(' ') + 1)) as {
      Records: { eventSource: string; ses: { mail: { commonHeaders: { subject: string } } } }[];
    };
    expect(event.Records.map((r) => [r.eventSource, r.ses.mail.commonHeaders.subject])).toEqual([
      ['aws:ses', 'kept'],
    ]);
  });
}, 120_000);

/** Polls `check` until it holds (bounded: fails the test after 30 s). */
async function poll(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
