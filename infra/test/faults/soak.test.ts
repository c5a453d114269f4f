/**
 * Fault soak: the real runtime layer and both app zips on the emulator, plus a fault-injecting function (throws,
 * rejections, timeouts, process.exit, uncaught errors in timers, memory blow-ups, oversize responses), invoked
 * through the Lambda Invoke API at concurrency 8.
 *
 * Scale: CAPRICE_SOAK invocations (default 2 000 in CI; the issue's full soak is CAPRICE_SOAK=10000).
 * Every invoke must end with exactly its own correct result or AWS's error for its fault, none may run past its
 * timeout (plus a generous start-up allowance), instances are replaced, and no process or file descriptor leaks.
 * Then: SIGKILL of a busy instance → Runtime.ExitError promptly; failed async invokes are retried twice and
 * recorded; a restart of the emulator keeps every function, layer, object and outbox message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListLayerVersionsCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Emulator, emailExtension, startEmulator } from '@caprice/emulator';
import { writeReproducibleZip } from '@caprice/lambda-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifacts } from '../../src/deploy/artifacts.js';
import { deployStack } from '../../src/deploy/deploy.js';
import { defineStack } from '../../stack.js';
import { ROOT } from '../helpers/dev-process.js';
import { descendants, fdCount } from '../security/proc.js';

const SOAK = Number(process.env.CAPRICE_SOAK ?? 2000);
const CONCURRENCY = 8;
const FAULT_TIMEOUT_S = 2;
/** Longest an invoke may take: its timeout plus a cold start (init) on a loaded 2-core machine. */
const HANG_BOUND_MS = FAULT_TIMEOUT_S * 1000 + 15_000;
const CREDENTIALS = { accessKeyId: 'caprice-local', secretAccessKey: 'caprice-local' };

const FAULT_SOURCE = `
export const handler = async (event) => {
  const n = event.n;
  switch (event.mode) {
    case 'ok': return { ok: true, n };
    case 'throw': throw new Error('boom ' + n);
    case 'reject': return Promise.reject(new TypeError('rejected ' + n));
    case 'timeout': await new Promise((r) => setTimeout(r, 60_000)); return 'late';
    case 'exit': process.exit(3);
    case 'timer': setTimeout(() => { throw new RangeError('uncaught in timer ' + n); }, 0); await new Promise((r) => setTimeout(r, 1000)); return { survived: n };
    case 'oom': { const keep = []; for (;;) { keep.push(Buffer.alloc(8 * 1024 * 1024, n % 256)); await new Promise((r) => setImmediate(r)); } }
    case 'big': return 'x'.repeat(7 * 1024 * 1024);
    case 'sleep': await new Promise((r) => setTimeout(r, event.ms)); return { slept: n };
    default: throw new Error('unknown mode ' + event.mode);
  }
};
`;

type Mode = 'ok' | 'throw' | 'reject' | 'timeout' | 'exit' | 'timer' | 'oom' | 'big' | 'http' | 'mail';
/** Share of each kind per 1 000 invokes. */
const MIX: Array<[Mode, number]> = [
  ['ok', 380],
  ['http', 250],
  ['mail', 50],
  ['throw', 90],
  ['reject', 90],
  ['timer', 40],
  ['exit', 40],
  ['big', 30],
  ['timeout', 15],
  ['oom', 15],
];

interface Outcome {
  functionError?: string;
  payload: unknown;
  ms: number;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sandbox: string;
let stateDir: string;
let emulator: Emulator;
let lambda: LambdaClient;
let s3: S3Client;
const stack = defineStack({});
const httpFn = stack.functions.find((f) => f.app === 'http-api')!.name;
const mailFn = stack.functions.find((f) => f.app === 'email-bot')!.name;
const mailBucket = stack.triggers.email!.bucket;
const bot = stack.functions.find((f) => f.app === 'email-bot')!.environment.EMAIL_BOT_ADDRESS!;
const fdsAtStart = fdCount(process.pid);

async function start(): Promise<void> {
  emulator = await startEmulator({
    port: 0,
    stateDir,
    accountId: stack.account,
    region: stack.region,
    createDelayMs: 50,
    updateDelayMs: 50,
    // The emulator's default concurrency per function (10), as `caprice dev` runs it; async retries shortened.
    dataPlane: { asyncRetryDelaysMs: [200, 400] },
    extensions: [emailExtension({ smtpPort: 0 })],
  });
  const config = { endpoint: emulator.url, region: stack.region, credentials: CREDENTIALS, maxAttempts: 1 };
  lambda = new LambdaClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
}

async function stop(): Promise<void> {
  lambda.destroy();
  s3.destroy();
  await emulator.close();
}

async function invoke(name: string, event: unknown, type: 'RequestResponse' | 'Event' = 'RequestResponse') {
  const started = performance.now();
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: name,
      InvocationType: type,
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  return {
    functionError: out.FunctionError,
    payload: text === '' ? undefined : (JSON.parse(text) as unknown),
    ms: performance.now() - started,
  } satisfies Outcome;
}

function sesStored(n: number): Buffer {
  return Buffer.from(
    [
      `Return-Path: <alice${n}@example.org>`,
      'Received: from mail.example.org by inbound-smtp.us-east-1.amazonaws.com with SMTP id x;',
      ' Wed, 25 Nov 2026 09:00:00 +0000',
      'X-SES-Spam-Verdict: PASS',
      'X-SES-Virus-Verdict: PASS',
      'Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass',
      // One sender per message: the bot's per-correspondent reply limit is not what the soak measures.
      `From: Alice <alice${n}@example.org>`,
      `To: <${bot}>`,
      `Subject: soak ${n}`,
      `Message-ID: <soak-${n}@example.org>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `hello from soak message ${n}`,
      '',
    ].join('\r\n'),
  );
}

function s3Event(key: string) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: stack.region,
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: mailBucket, arn: `arn:aws:s3:::${mailBucket}` }, object: { key } },
      },
    ],
  };
}

function httpEvent(text: string) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: `text=${encodeURIComponent(text)}&seed=1`,
    queryStringParameters: { text, seed: '1' },
    headers: { host: 'localhost' },
    requestContext: {
      http: { method: 'GET', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'soak' },
      requestId: 'soak',
      routeKey: '$default',
      stage: '$default',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

async function outboxCount(): Promise<number> {
  const list = (await (await fetch(`${emulator.url}/_caprice/ses/outbox`)).json()) as unknown[];
  return list.length;
}

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'caprice-soak-'));
  stateDir = path.join(sandbox, 'state');
  await start();
  await deployStack({ stack, lambda, artifacts: await loadArtifacts(ROOT, stack), maxWaitSeconds: 60 });
  const layers =
    (await lambda.send(new GetFunctionCommand({ FunctionName: httpFn }))).Configuration?.Layers ?? [];
  const zip = await writeReproducibleZip(path.join(sandbox, 'faults.zip'), [
    { path: 'index.mjs', data: FAULT_SOURCE },
  ]);
  const { readFile } = await import('node:fs/promises');
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'caprice-faults',
      Runtime: 'provided.al2023',
      Handler: 'index.handler',
      Role: stack.functions[0]!.role,
      MemorySize: 128,
      Timeout: FAULT_TIMEOUT_S,
      Layers: layers.map((l) => l.Arn!),
      Code: { ZipFile: await readFile(zip.outFile) },
    }),
  );
  await waitUntilFunctionActiveV2(
    { client: lambda, minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 30 },
    { FunctionName: 'caprice-faults' },
  );
  await s3.send(new CreateBucketCommand({ Bucket: mailBucket })).catch(() => undefined);
}, 180_000);

afterAll(async () => {
  if (emulator) await stop();
  await rm(sandbox, { recursive: true, force: true });
});

describe(`fault soak (${SOAK} invokes at concurrency ${CONCURRENCY}; CAPRICE_SOAK=10000 for the full soak)`, () => {
  it('gives every invoke exactly its own result or AWS error, none hangs, nothing leaks', {
    timeout: 900_000,
  }, async () => {
    const rand = prng(Number(process.env.CAPRICE_FUZZ_SEED ?? 20261125));
    const total = MIX.reduce((s, [, w]) => s + w, 0);
    const plan: Mode[] = Array.from({ length: SOAK }, () => {
      let r = rand() * total;
      for (const [mode, w] of MIX) {
        r -= w;
        if (r < 0) return mode;
      }
      return 'ok';
    });
    const mails = plan.filter((m) => m === 'mail').length;
    for (let i = 0; i < SOAK; i++)
      if (plan[i] === 'mail')
        await s3.send(new PutObjectCommand({ Bucket: mailBucket, Key: `soak/${i}`, Body: sesStored(i) }));
    const outboxBefore = await outboxCount();
    // Warm one instance of each function before counting processes and descriptors.
    await invoke('caprice-faults', { mode: 'ok', n: -1 });
    await invoke(httpFn, httpEvent('warm'));

    const tally = new Map<string, number>();
    const failures: string[] = [];
    let slowest = 0;
    let next = 0;
    const worker = async () => {
      while (next < plan.length) {
        const n = next++;
        const mode = plan[n]!;
        let out: Outcome;
        try {
          out =
            mode === 'http'
              ? await invoke(httpFn, httpEvent(`soak text ${n}`))
              : mode === 'mail'
                ? await invoke(mailFn, s3Event(`soak/${n}`))
                : await invoke('caprice-faults', { mode, n });
        } catch (error) {
          failures.push(`#${n} ${mode}: invoke failed: ${(error as Error).name} ${(error as Error).message}`);
          continue;
        }
        slowest = Math.max(slowest, out.ms);
        const p = out.payload as Record<string, unknown> | undefined;
        const errorType = out.functionError ? String(p?.errorType) : undefined;
        tally.set(`${mode} → ${errorType ?? 'ok'}`, (tally.get(`${mode} → ${errorType ?? 'ok'}`) ?? 0) + 1);
        const fail = (why: string) =>
          failures.push(
            `#${n} ${mode}: ${why}; got ${out.functionError ?? ''} ${JSON.stringify(p)?.slice(0, 200)}`,
          );
        if (out.ms > HANG_BOUND_MS) fail(`took ${Math.round(out.ms)} ms`);
        switch (mode) {
          case 'ok':
            if (out.functionError || p?.n !== n || p?.ok !== true) fail('expected {ok, n}');
            break;
          case 'http': {
            const body = typeof p?.body === 'string' ? (JSON.parse(p.body) as { text?: string }) : {};
            if (out.functionError || p?.statusCode !== 200 || body.text?.toLowerCase() !== `soak text ${n}`)
              fail('expected 200');
            break;
          }
          case 'mail': {
            const outcomes = (p?.outcomes ?? []) as Array<{ status: string; key: string }>;
            if (
              out.functionError ||
              outcomes.length !== 1 ||
              outcomes[0]?.status !== 'replied' ||
              outcomes[0]?.key !== `soak/${n}`
            )
              fail('expected one reply');
            break;
          }
          case 'throw':
            if (errorType !== 'Error' || p?.errorMessage !== `boom ${n}`) fail('expected Error boom n');
            break;
          case 'reject':
            if (errorType !== 'TypeError' || p?.errorMessage !== `rejected ${n}`)
              fail('expected TypeError rejected n');
            break;
          case 'timer':
            // AWS's Node runtime: an uncaught exception fails the current invoke with that error, and the
            // instance exits. Either that error or Runtime.ExitError, never a success.
            if (!out.functionError || !['RangeError', 'Runtime.ExitError'].includes(String(errorType)))
              fail('expected the timer error');
            break;
          case 'exit':
            if (errorType !== 'Runtime.ExitError') fail('expected Runtime.ExitError');
            break;
          case 'big':
            if (errorType !== 'Function.ResponseSizeTooLarge') fail('expected Function.ResponseSizeTooLarge');
            break;
          case 'timeout':
            if (errorType !== 'Sandbox.Timedout') fail('expected Sandbox.Timedout');
            break;
          case 'oom':
            if (errorType !== 'Runtime.OutOfMemory') fail('expected Runtime.OutOfMemory');
            break;
        }
      }
    };
    const processesBefore = descendants(process.pid).length;
    const fdsBefore = fdCount(process.pid);
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    // Instances stay warm; their number is bounded by the client concurrency per function (3 functions).
    const processesAfter = descendants(process.pid).length;
    const fdsAfter = fdCount(process.pid);
    const outboxAfter = await outboxCount();

    console.log(
      `\n[soak] ${SOAK} invokes in ${seconds.toFixed(1)} s at concurrency ${CONCURRENCY}; slowest ${Math.round(slowest)} ms; ` +
        `processes ${processesBefore} → ${processesAfter}; fds ${fdsBefore} → ${fdsAfter}; replies ${outboxAfter - outboxBefore}/${mails}; failures ${failures.length}`,
    );
    console.table(Object.fromEntries([...tally].sort()));
    expect(failures.slice(0, 20)).toEqual([]);
    expect(outboxAfter - outboxBefore).toBe(mails);
    expect(processesAfter).toBeLessThanOrEqual(3 * CONCURRENCY * 2);
    expect(fdsAfter - fdsBefore).toBeLessThan(200);
  });

  it('answers a message delivered 6 times at once exactly once (conditional marker on the emulator S3)', {
    timeout: 120_000,
  }, async () => {
    const messages = 20;
    for (let m = 0; m < messages; m++)
      await s3.send(
        new PutObjectCommand({ Bucket: mailBucket, Key: `dup/${m}`, Body: sesStored(900_000 + m) }),
      );
    const outboxBefore = await outboxCount();
    const statuses = new Map<string, number>();
    // One message at a time, its 6 deliveries at once (all within the function's concurrency of 10).
    for (let m = 0; m < messages; m++) {
      const results = await Promise.all(Array.from({ length: 6 }, () => invoke(mailFn, s3Event(`dup/${m}`))));
      for (const r of results) {
        expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
        const o = (r.payload as { outcomes: Array<{ status: string; reason?: string }> }).outcomes[0]!;
        const label = `${o.status}${o.reason ? `: ${o.reason}` : ''}`;
        statuses.set(label, (statuses.get(label) ?? 0) + 1);
      }
      const replied = results.filter(
        (r) => (r.payload as { outcomes: Array<{ status: string }> }).outcomes[0]?.status === 'replied',
      );
      expect(replied, `message dup/${m}`).toHaveLength(1);
    }
    expect((await outboxCount()) - outboxBefore).toBe(messages);
    console.log(
      `\n[soak] ${messages} messages × 6 concurrent deliveries: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });

  it('a SIGKILLed busy instance gives its invoker Runtime.ExitError promptly', {
    timeout: 60_000,
  }, async () => {
    // Sleeps just under the 2 s timeout: a success or Sandbox.Timedout would mean the kill went unnoticed.
    const pending = invoke('caprice-faults', { mode: 'sleep', ms: 1900, n: 1 });
    let busy: { pgid: number } | undefined;
    const deadline = Date.now() + 10_000;
    while (!busy && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      busy = emulator.dataPlane.instances('caprice-faults').find((i) => i.state === 'busy');
    }
    expect(busy, JSON.stringify(emulator.dataPlane.instances('caprice-faults'))).toBeDefined();
    const killedAt = performance.now();
    process.kill(busy!.pgid, 'SIGKILL');
    const out = await pending;
    const afterKill = performance.now() - killedAt;
    expect(out.functionError).toBe('Unhandled');
    expect((out.payload as { errorType: string }).errorType).toBe('Runtime.ExitError');
    // Promptly: before the sleep would have ended (a generous bound for a loaded CI machine).
    expect(afterKill).toBeLessThan(1800);
    console.log(`\n[soak] SIGKILL → Runtime.ExitError after ${Math.round(afterKill)} ms`);
    const again = await invoke('caprice-faults', { mode: 'ok', n: 2 });
    expect(again.payload).toEqual({ ok: true, n: 2 });
  });

  it('retries a failing async invoke twice, then records it as failed', { timeout: 60_000 }, async () => {
    await invoke('caprice-faults', { mode: 'throw', n: 777_001 }, 'Event');
    await emulator.dataPlane.drainAsync();
    const logs = emulator.dataPlane.readLogs('caprice-faults');
    expect(logs.split('boom 777001').length - 1).toBeGreaterThanOrEqual(3);
    expect(logs).toMatch(/Async invoke failed with Error; 2 retries left/);
    expect(logs).toMatch(/Async invoke failed with Error; 1 retry left/);
    expect(logs).toMatch(/Async invoke failed with Error; giving up/);
  });

  it('keeps every function, layer, object and outbox message across an emulator restart, and runs them', {
    timeout: 120_000,
  }, async () => {
    const read = async () => ({
      functions: ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? [])
        .map((f) => f.FunctionName)
        .sort(),
      layers: (
        (await lambda.send(new ListLayerVersionsCommand({ LayerName: stack.layer.name }))).LayerVersions ?? []
      ).length,
      objects: (await s3.send(new ListObjectsV2Command({ Bucket: mailBucket }))).KeyCount ?? 0,
      outbox: await outboxCount(),
    });
    const before = await read();
    await stop();
    expect(descendants(process.pid)).toEqual([]);
    await start();
    expect(await read()).toEqual(before);
    expect((await invoke('caprice-faults', { mode: 'ok', n: 3 })).payload).toEqual({ ok: true, n: 3 });
    await stop();
    // No leaked processes, and descriptors back near where this file started.
    expect(descendants(process.pid)).toEqual([]);
    console.log(
      `\n[soak] after restart: ${JSON.stringify(before)}; fds at start ${fdsAtStart}, after close ${fdCount(process.pid)}`,
    );
    expect(fdCount(process.pid) - fdsAtStart).toBeLessThan(50);
    await start();
  });
});
