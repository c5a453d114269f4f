/**
 * Seeded request fuzz against the emulator's AWS APIs on one port: the Lambda control plane (REST-JSON), S3
 * (REST-XML) and SES (Query). Random operations, paths, query strings, headers and bodies built from each API's own
 * vocabulary (field names, actions, sub-resources) with hostile values. Every answer must be AWS's error or a
 * success — never a 5xx, never silence — and the seeded state must be unchanged afterwards.
 * CAPRICE_FUZZ_SEED (default 20261125), CAPRICE_EMULATOR_FUZZ_CASES (default 1 500).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailExtension } from '../../src/email/email-extension.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import { makeZip, ROLE } from '../control-plane/helpers.js';
import { TEST_CREDENTIALS } from '../s3/test-server.js';

const SEED = Number(process.env.CAPRICE_FUZZ_SEED ?? 20261125);
const CASES = Number(process.env.CAPRICE_EMULATOR_FUZZ_CASES ?? 1500);
const CONCURRENCY = 4;
const auth = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDCAPRICETEST/20261125/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;

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
let emulator: Emulator;

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), 'caprice-apifuzz-'));
  mkdirSync(join(sandbox, 'state'));
  emulator = await startEmulator({
    port: 0,
    stateDir: join(sandbox, 'state'),
    createDelayMs: 0,
    updateDelayMs: 0,
    extensions: [emailExtension({ smtpPort: 0 })],
  });
  const config = { endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS };
  const lambda = new LambdaClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'keep',
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Role: ROLE,
      Code: { ZipFile: await makeZip({ bootstrap: { content: '#!/bin/sh\nexit 3\n', mode: 0o100755 } }) },
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: 'keep' }));
  await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'a.txt', Body: 'original' }));
  // Resources the generator never names: legitimate random calls cannot touch them.
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'guard',
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Role: ROLE,
      Code: { ZipFile: await makeZip({ bootstrap: { content: '#!/bin/sh\nexit 3\n', mode: 0o100755 } }) },
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: 'guard' }));
  await s3.send(new PutObjectCommand({ Bucket: 'guard', Key: 'g.txt', Body: 'guarded' }));
  lambda.destroy();
  s3.destroy();
});

afterAll(async () => {
  await emulator.close();
  rmSync(sandbox, { recursive: true, force: true });
});

interface Req {
  service: 'lambda' | 's3' | 'ses';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

function generate(rand: () => number): Req {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const hostile = (): unknown =>
    pick<() => unknown>([
      () => '',
      () => 'keep',
      () => '../../etc/passwd',
      () => 'a'.repeat(int(5000)),
      () => '\u0000\u202e\ufffd',
      () => -1,
      () => 0,
      () => 1e308,
      () => 2 ** 53 + 1,
      () => Number.MAX_SAFE_INTEGER,
      () => true,
      () => null,
      () => [],
      () => ({}),
      () => ['x', 1, null],
      () => ({ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } }),
      () => 'arn:aws:lambda:us-east-1:000000000000:function:keep',
      () => 'arn:aws:lambda:us-east-1:000000000000:function:keep:$LATEST:extra',
      () => '<script>',
      () => '%00%2e%2e',
    ])();
  const service = pick(['lambda', 'lambda', 's3', 's3', 'ses'] as const);
  const headers: Record<string, string> = {};
  if (service === 'lambda') {
    const fn = pick([
      'keep',
      'nope',
      'keep:1',
      'keep:$LATEST',
      '%2e%2e',
      'a'.repeat(200),
      'arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Akeep',
      '',
    ]);
    const path = pick([
      '/2015-03-31/functions',
      '/2015-03-31/functions/',
      `/2015-03-31/functions/${fn}`,
      `/2015-03-31/functions/${fn}/configuration`,
      `/2015-03-31/functions/${fn}/code`,
      `/2015-03-31/functions/${fn}/versions`,
      `/2015-03-31/functions/${fn}/aliases`,
      `/2015-03-31/functions/${fn}/aliases/${pick(['prod', '', '$LATEST', '..'])}`,
      `/2015-03-31/functions/${fn}/policy`,
      `/2015-03-31/functions/${fn}/policy/${pick(['sid', '', '%00'])}`,
      `/2017-10-31/functions/${fn}/concurrency`,
      `/2019-09-25/functions/${fn}/event-invoke-config`,
      `/2018-10-31/layers`,
      `/2018-10-31/layers/${pick(['l', '..', ''])}/versions`,
      `/2018-10-31/layers/${pick(['l', '..'])}/versions/${pick(['1', '0', '-1', 'x', '99999999999999999999'])}`,
      `/2021-10-31/functions/${fn}/url`,
      `/2015-03-31/functions/${fn}/invocations`,
    ]);
    const query =
      rand() < 0.3
        ? `?${pick(['Qualifier', 'MaxItems', 'Marker', 'FunctionVersion', 'x'])}=${encodeURIComponent(String(hostile()))}`
        : '';
    const fields = [
      'FunctionName',
      'Runtime',
      'Role',
      'Handler',
      'Code',
      'ZipFile',
      'MemorySize',
      'Timeout',
      'Environment',
      'Variables',
      'Layers',
      'Description',
      'Name',
      'FunctionVersion',
      'RoutingConfig',
      'AdditionalVersionWeights',
      'StatementId',
      'Action',
      'Principal',
      'SourceArn',
      'ReservedConcurrentExecutions',
      'Content',
      'CompatibleRuntimes',
      'Architectures',
      'EphemeralStorage',
      'Size',
      'TracingConfig',
      'AuthType',
      'Cors',
      'Publish',
      'PackageType',
      'ImageUri',
      'LoggingConfig',
      'SnapStart',
    ];
    const obj: Record<string, unknown> = {};
    for (let i = 0, n = int(8); i < n; i++) {
      const k = pick(fields);
      obj[k] = rand() < 0.3 ? { [pick(fields)]: hostile() } : hostile();
    }
    if (rand() < 0.3) obj.FunctionName = 'fz';
    if (rand() < 0.3) obj.Role = ROLE;
    let body: Buffer | undefined = Buffer.from(JSON.stringify(obj));
    if (rand() < 0.1)
      body = Buffer.from(
        pick(['{', '[1,', '"str"', '{"a":1}{', `{"${'a'.repeat(100)}":`, '\xff\xfe']),
        'latin1',
      );
    if (rand() < 0.1) body = undefined;
    if (rand() < 0.7)
      headers['content-type'] = pick([
        'application/json',
        'application/x-amz-json-1.1',
        'text/plain',
        'application/xml',
      ]);
    if (path.endsWith('/invocations')) {
      headers['x-amz-invocation-type'] = pick(['RequestResponse', 'Event', 'DryRun', 'Bogus', '']);
      if (rand() < 0.5) headers['x-amz-log-type'] = pick(['Tail', 'None', 'x']);
    }
    return {
      service,
      method: pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']),
      path: path + query,
      headers,
      body,
    };
  }
  if (service === 's3') {
    const bucket = pick([
      'keep',
      'nope',
      'KEEP',
      'a',
      'xn--bucket',
      'a'.repeat(70),
      '..',
      'keep.',
      `new${int(50)}`,
    ]);
    const key = pick([
      'a.txt',
      'missing',
      '../a.txt',
      '%2e%2e%2fa.txt',
      'dir/',
      'a'.repeat(1100),
      encodeURIComponent('é😀\u0000'),
    ]);
    const sub = pick([
      '',
      '',
      '?delete',
      '?notification',
      '?location',
      '?versioning',
      '?acl',
      '?tagging',
      '?uploads',
      '?uploadId=x&partNumber=1',
      '?list-type=2',
      '?list-type=2&max-keys=-1',
      '?list-type=2&continuation-token=%%%',
      '?list-type=2&start-after=zzz&delimiter=',
      '?max-keys=abc',
      '?prefix=%00',
      '?cors',
      '?policy',
      '?x-id=GetObject',
    ]);
    const path = pick([`/${bucket}${sub}`, `/${bucket}/${key}${sub}`, `/${sub}`]);
    const method = pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']);
    if (rand() < 0.3)
      headers.range = pick([
        'bytes=0-0',
        'bytes=-1',
        'bytes=5-1',
        'bytes=0-999999999999',
        'bytes=x',
        'chars=0-1',
        'bytes=0-1,3-4',
      ]);
    if (rand() < 0.2) headers['if-none-match'] = pick(['*', '"x"', '']);
    if (rand() < 0.2) headers['if-match'] = pick(['*', '"x"', '']);
    if (rand() < 0.2)
      headers['if-modified-since'] = pick(['yesterday', 'Wed, 25 Nov 2026 09:00:00 GMT', '0']);
    if (rand() < 0.2)
      headers['x-amz-copy-source'] = pick(['/keep/a.txt', 'keep/../a.txt', '%%%', '/nope/x', '']);
    if (rand() < 0.2) headers['content-md5'] = pick(['xxx', 'AAAAAAAAAAAAAAAAAAAAAA==', '']);
    if (rand() < 0.2) headers['x-amz-checksum-crc32'] = pick(['AAAAAA==', 'bogus']);
    if (rand() < 0.2)
      headers['x-amz-content-sha256'] = pick([
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'UNSIGNED-PAYLOAD',
        'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'zz',
      ]);
    if (rand() < 0.1) headers['x-amz-decoded-content-length'] = pick(['5', '-1', 'x']);
    if (rand() < 0.2) headers['x-amz-meta-x'] = pick(['v', 'a'.repeat(3000)]);
    const bodies = [
      () => undefined,
      () => Buffer.from('hello'),
      () => Buffer.from('<Delete><Object><Key>a.txt</Key></Object><Quiet>maybe</Quiet></Delete>'),
      () => Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`),
      () =>
        Buffer.from(
          '<NotificationConfiguration><LambdaFunctionConfiguration><LambdaFunctionArn>arn:x</LambdaFunctionArn><Event>s3:Nope</Event></LambdaFunctionConfiguration></NotificationConfiguration>',
        ),
      () =>
        Buffer.from(
          '<CreateBucketConfiguration><LocationConstraint>mars-1</LocationConstraint></CreateBucketConfiguration>',
        ),
      () => Buffer.from('5\r\nhello\r\n0\r\n\r\n'),
      () => Buffer.from('zz;chunk-signature=00\r\nhello\r\n'),
      () => Buffer.from(String(hostile())),
    ];
    return {
      service,
      method,
      path,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : pick(bodies)(),
    };
  }
  const actions = [
    'SendRawEmail',
    'SendEmail',
    'VerifyEmailIdentity',
    'VerifyDomainIdentity',
    'DeleteIdentity',
    'ListIdentities',
    'GetIdentityVerificationAttributes',
    'GetSendQuota',
    'CreateReceiptRuleSet',
    'DeleteReceiptRuleSet',
    'DescribeReceiptRuleSet',
    'SetActiveReceiptRuleSet',
    'CreateReceiptRule',
    'UpdateReceiptRule',
    'DescribeReceiptRule',
    'DeleteReceiptRule',
    'Bogus',
    '',
  ];
  const params = [
    'Source',
    'Destinations.member.1',
    'Destinations.member.2',
    'RawMessage.Data',
    'Destination.ToAddresses.member.1',
    'Message.Subject.Data',
    'Message.Body.Text.Data',
    'EmailAddress',
    'Identity',
    'Domain',
    'Identities.member.1',
    'RuleSetName',
    'Rule.Name',
    'Rule.Enabled',
    'Rule.Recipients.member.1',
    'Rule.Actions.member.1.S3Action.BucketName',
    'Rule.Actions.member.1.LambdaAction.FunctionArn',
    'Rule.Actions.member.1.LambdaAction.InvocationType',
    'Rule.ScanEnabled',
    'After',
    'RuleName',
  ];
  const form = new URLSearchParams({
    Action: pick(actions),
    Version: pick(['2010-12-01', '2019-09-27', '']),
  });
  for (let i = 0, n = int(8); i < n; i++) {
    const p = pick(params);
    form.append(
      p,
      p === 'RawMessage.Data'
        ? pick(['', '!!!', Buffer.from('Subject: x\r\n\r\nhi').toString('base64'), 'AAAA'])
        : String(hostile()),
    );
  }
  headers['content-type'] = pick([
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'text/plain',
    'application/json',
  ]);
  return {
    service,
    method: pick(['POST', 'POST', 'POST', 'GET', 'PUT']),
    path: pick(['/', '/?Action=ListIdentities', '/x']),
    headers,
    body: Buffer.from(form.toString()),
  };
}

describe(`emulator API fuzz (seed ${SEED}, ${CASES} requests)`, () => {
  it('answers every request with AWS success or AWS error, never a 5xx, and keeps the seeded state', {
    timeout: 300_000,
  }, async () => {
    const rand = prng(SEED);
    const cases = Array.from({ length: CASES }, () => generate(rand));
    const statuses = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i]!;
        const label = `case ${i} (seed ${SEED}) ${c.service} ${c.method} ${c.path.slice(0, 120)} ${JSON.stringify(c.headers).slice(0, 160)} ${c.body?.subarray(0, 120).toString('latin1') ?? '-'}`;
        try {
          const res = await fetch(`${emulator.url}${c.path}`, {
            method: c.method,
            headers: { ...c.headers, ...(c.service === 'lambda' ? {} : { authorization: auth(c.service) }) },
            // fetch cannot send a body with GET or HEAD.
            body: c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body,
            signal: AbortSignal.timeout(30_000),
          });
          const text = await res.text();
          const key = `${c.service} ${res.status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          // AWS's own answer for a feature the emulator does not have (documented in docs/s3-ses-smtp.md).
          const notImplemented =
            res.status === 501 && (c.method === 'HEAD' || text.includes('<Code>NotImplemented</Code>'));
          if (res.status >= 500 && !notImplemented) {
            failures.push(`${label}: ${res.status} ${text.slice(0, 200)}`);
            if (process.env.CAPRICE_FUZZ_VERBOSE)
              console.error(`case ${i}`, c.method, c.path, c.body?.toString('latin1'));
          } else if (res.status >= 400 && c.method !== 'HEAD') {
            const shaped =
              res.headers.has('x-amzn-errortype') ||
              /<Error>|<ErrorResponse/.test(text) ||
              /"(__type|message|Message)"/.test(text);
            if (!shaped) failures.push(`${label}: ${res.status} not AWS-shaped: ${text.slice(0, 200)}`);
          }
        } catch (error) {
          failures.push(`${label}: ${(error as Error).name} ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`\n[emulator API fuzz] ${CASES} requests, seed ${SEED}, ${failures.length} failures`);
    console.table(Object.fromEntries([...statuses].sort()));
    expect(failures.slice(0, 15)).toEqual([]);

    const config = { endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS };
    const lambda = new LambdaClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'guard' }));
    expect(fn.Configuration?.Handler).toBe('bootstrap');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'guard', Key: 'g.txt' }));
    expect(await got.Body!.transformToString()).toBe('guarded');
    lambda.destroy();
    s3.destroy();
    expect(readdirSync(sandbox)).toEqual(['state']);
  });
});
