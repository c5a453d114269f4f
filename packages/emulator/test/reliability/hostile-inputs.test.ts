/**
 * Hostile inputs against a whole emulator (Lambda control plane + Invoke, S3, SES, SMTP door) over real sockets:
 * malformed zips, hostile S3 keys, malformed XML/JSON, oversized payloads, invalid client context, broken chunked
 * encoding, garbage SMTP, slow-loris connections. Each must get AWS's error (or a clean close), nothing may be
 * written outside the state folder, and the stored state (function, layer, objects, outbox) must be unchanged
 * afterwards — also after a restart on the same state folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SESClient, SendRawEmailCommand, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailExtension } from '../../src/email/email-extension.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import type { RunningSmtpServer } from '../../src/smtp/smtp-server.js';
import { makeZip, ROLE, renameEntry } from '../control-plane/helpers.js';
import { TEST_CREDENTIALS } from '../s3/test-server.js';

const UNZIPPED_LIMIT = 1024 * 1024;
const AUTH_S3 =
  'AWS4-HMAC-SHA256 Credential=AKIDCAPRICETEST/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00';

let sandbox: string;
let stateDir: string;
let emulator: Emulator;
let smtp: RunningSmtpServer;
let lambda: LambdaClient;
let s3: S3Client;
let ses: SESClient;
const counts: Record<string, number> = {};
const count = (category: string, n = 1) => {
  counts[category] = (counts[category] ?? 0) + n;
};

async function start(): Promise<void> {
  emulator = await startEmulator({
    port: 0,
    stateDir,
    createDelayMs: 0,
    updateDelayMs: 0,
    limits: { unzippedBytes: UNZIPPED_LIMIT },
    extensions: [emailExtension({ smtpPort: 0, onReady: (p) => (smtp = p.smtp) })],
  });
  const config = {
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  };
  lambda = new LambdaClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  ses = new SESClient(config);
}

async function stop(): Promise<void> {
  lambda.destroy();
  s3.destroy();
  ses.destroy();
  await emulator.close();
}

const port = () => Number(new URL(emulator.url).port);

/** What a client sees for raw bytes: the response head and body, or a clean close. */
async function raw(
  bytes: Buffer | string,
  options: { port?: number; waitMs?: number; afterGreeting?: boolean } = {},
): Promise<{ text: string; status?: number; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(options.port ?? port(), '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ text, status: status === undefined ? undefined : Number(status), closed });
    };
    const timer = setTimeout(finish, options.waitMs ?? 3000);
    socket.on('data', (c: Buffer) => {
      // SMTP: talk only after the server's greeting (an early talker is refused before anything is parsed).
      if (options.afterGreeting && chunks.length === 0)
        socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
      chunks.push(c);
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
    if (!options.afterGreeting)
      socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

interface Snapshot {
  functions: string[];
  codeSha: string | undefined;
  layers: number;
  objects: Record<string, string>;
  outbox: number;
}

async function snapshot(): Promise<Snapshot> {
  const functions =
    (await lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName!) ?? [];
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'keep' }));
  const layers =
    (await lambda.send(new ListLayerVersionsCommand({ LayerName: 'keep-layer' }))).LayerVersions?.length ?? 0;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'keep' }));
  const objects: Record<string, string> = {};
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'keep', Key: o.Key! }));
    objects[o.Key!] = await got.Body!.transformToString('latin1');
  }
  const outbox = (await (await fetch(`${emulator.url}/_caprice/ses/outbox`)).json()) as unknown;
  const messages = Array.isArray(outbox) ? outbox : ((outbox as { messages?: unknown[] }).messages ?? []);
  return {
    functions: functions.sort(),
    codeSha: fn.Configuration?.CodeSha256,
    layers,
    objects,
    outbox: messages.length,
  };
}

let before: Snapshot;

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), 'caprice-hostile-'));
  stateDir = join(sandbox, 'state');
  mkdirSync(stateDir);
  await start();
  await lambda.send(
    new PublishLayerVersionCommand({
      LayerName: 'keep-layer',
      Content: { ZipFile: await makeZip({ 'lib/x': 'x' }) },
    }),
  );
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
  await s3.send(
    new PutObjectCommand({ Bucket: 'keep', Key: 'dir/b.bin', Body: Buffer.from([0, 1, 2, 255]) }),
  );
  await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'bot@example.com' }));
  await ses.send(
    new SendRawEmailCommand({
      Source: 'bot@example.com',
      Destinations: ['alice@example.org'],
      RawMessage: {
        Data: Buffer.from('From: bot@example.com\r\nTo: alice@example.org\r\nSubject: kept\r\n\r\nhi\r\n'),
      },
    }),
  );
  before = await snapshot();
  expect(before.outbox).toBe(1);
});

afterAll(async () => {
  await stop();
  console.log('\n[emulator hostile inputs] cases per category');
  console.table(counts);
  rmSync(sandbox, { recursive: true, force: true });
});

async function awsError(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected an AWS error, the call succeeded');
}

describe('hostile inputs leave the emulator answering and its state intact', () => {
  it('malformed zips: zip-slip, absolute paths, symlinks out, lying sizes, bombs, garbage', async () => {
    const unique = `escape-${process.pid}`;
    const slip = renameEntry(
      await makeZip({ [`aaaaa/${unique}`]: 'x' }),
      `aaaaa/${unique}`,
      `../../${unique}`,
    );
    const slipBack = renameEntry(
      await makeZip({ [`aaaaa/${unique}`]: 'x' }),
      `aaaaa/${unique}`,
      `..\\..\\${unique}`,
    );
    const absolute = renameEntry(
      await makeZip({ [`tmp/a${unique}`]: 'x' }),
      `tmp/a${unique}`,
      `/tmp/${unique}`,
    );
    const nul = renameEntry(await makeZip({ bootstrapx: 'x' }), 'bootstrapx', 'boot\0strap');
    const linkAbs = await makeZip({ bootstrap: { content: '/etc/passwd', mode: 0o120777 } });
    const linkUp = await makeZip({ bootstrap: { content: '../../../../etc/passwd', mode: 0o120777 } });
    const linkDir = await makeZip({ d: { content: '..', mode: 0o120777 }, 'x/y': 'y' });
    const bomb = await makeZip({ zeros: Buffer.alloc(8 * UNZIPPED_LIMIT) });
    // The same bomb with its sizes rewritten to 16 bytes (local header and central directory): a lying zip.
    const lying = Buffer.from(bomb);
    for (
      let at = lying.indexOf(Buffer.from([0x50, 0x4b]));
      at >= 0;
      at = lying.indexOf(Buffer.from([0x50, 0x4b]), at + 2)
    ) {
      const sig = lying.readUInt32LE(at);
      if (sig === 0x04034b50) lying.writeUInt32LE(16, at + 22);
      if (sig === 0x02014b50) lying.writeUInt32LE(16, at + 24);
    }
    const manyFiles = await makeZip(
      Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`f/${i}`, Buffer.alloc(512)])),
    );
    const garbage = Buffer.from('PK\x03\x04 this is not a zip at all', 'latin1');
    const truncated = (await makeZip({ bootstrap: 'x'.repeat(1000) })).subarray(0, 60);
    const empty = Buffer.alloc(0);
    const cases: Array<[string, Buffer]> = [
      ['zip-slip ../', slip],
      ['zip-slip ..\\', slipBack],
      ['absolute path', absolute],
      ['NUL in name', nul],
      ['symlink to /etc/passwd', linkAbs],
      ['symlink ../../..', linkUp],
      ['symlink dir ..', linkDir],
      ['zip bomb past the unzipped limit', bomb],
      ['zip bomb with lying sizes', lying],
      ['3000 files past the unzipped limit', manyFiles],
      ['garbage', garbage],
      ['truncated', truncated],
      ['empty', empty],
    ];
    for (const [name, zip] of cases) {
      for (const op of ['create', 'update', 'layer'] as const) {
        const call =
          op === 'create'
            ? lambda.send(
                new CreateFunctionCommand({
                  FunctionName: `hostile-${op}`,
                  Runtime: 'provided.al2023',
                  Handler: 'bootstrap',
                  Role: ROLE,
                  Code: { ZipFile: zip },
                }),
              )
            : op === 'update'
              ? lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'keep', ZipFile: zip }))
              : lambda.send(
                  new PublishLayerVersionCommand({ LayerName: 'hostile', Content: { ZipFile: zip } }),
                );
        const err = await awsError(call);
        expect(err.status, `${name} / ${op}: ${err.name} ${err.message}`).toBe(400);
        expect(['InvalidParameterValueException', 'ValidationException'], `${name} / ${op}`).toContain(
          err.name,
        );
        count('zip');
      }
      expect(existsSync(join(sandbox, unique)), name).toBe(false);
      expect(existsSync(join(tmpdir(), unique)), name).toBe(false);
    }
    expect(readdirSync(sandbox)).toEqual(['state']);
  });

  it('hostile S3 keys: traversal, NUL, control characters, very long — stored opaquely or refused', async () => {
    const keys = [
      '../../../escape',
      '../',
      '..',
      '.',
      'a/../../escape',
      '/leading',
      '//double//slash',
      'dir/', // a "folder" marker
      'a\0b',
      'tab\there',
      'line\nbreak\r',
      '%2e%2e/%2e%2e/escape',
      'x'.repeat(1024),
      'é'.repeat(600), // 1200 bytes
      'x'.repeat(5000),
      '😀/../😀',
      'CON',
      `${'a'.repeat(255)}/${'b'.repeat(255)}/${'c'.repeat(255)}`,
      'state/../../code',
      '.caprice',
    ];
    for (const key of keys) {
      const body = `body of ${JSON.stringify(key)}`;
      let stored = true;
      try {
        await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: key, Body: body }));
      } catch (error) {
        stored = false;
        const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
        expect(e.$metadata?.httpStatusCode, `${JSON.stringify(key).slice(0, 40)}: ${e.name}`).toBe(400);
        expect(
          ['KeyTooLongError', 'InvalidArgument', 'InvalidRequest', 'InvalidURI'],
          key.slice(0, 40),
        ).toContain(e.name);
      }
      if (stored) {
        const got = await s3.send(new GetObjectCommand({ Bucket: 'keep', Key: key }));
        expect(await got.Body!.transformToString(), JSON.stringify(key).slice(0, 40)).toBe(body);
        await s3.send(
          new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: 'keep', Key: key }),
        );
      }
      count('s3 key');
    }
    expect(readdirSync(sandbox)).toEqual(['state']);
  });

  it('malformed XML and JSON bodies get AWS errors', async () => {
    const billionLaughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">]><Delete><Object><Key>&lol6;</Key></Object></Delete>';
    const xmlBodies = [
      '<Delete><Object><Key>a.txt</Key></Object>', // unclosed
      '<Delete><Object><Key>a.txt</Key></Object></Delete>garbage<',
      billionLaughs,
      // External entities and very deep nesting: test/reliability/s3-xml-hostile.test.ts.
      '\xff\xfe<\x00D\x00',
      '',
    ];
    const xmlFailures: string[] = [];
    for (const body of xmlBodies) {
      for (const target of ['/keep?delete', '/keep?notification', '/newbucket']) {
        const res = await raw(
          `${target === '/newbucket' ? 'PUT' : target.endsWith('delete') ? 'POST' : 'PUT'} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH_S3}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\nConnection: close\r\n\r\n${body}`,
        );
        // AWS's error (4xx with an <Error> document) or an accepted no-op; never a 5xx or silence.
        const awsShaped = res.status !== undefined && (res.status < 300 || /<Error><Code>/.test(res.text));
        if (res.status === undefined || res.status >= 500 || !awsShaped)
          xmlFailures.push(`${target} ${body.slice(0, 60)}: ${res.text.slice(0, 200)}`);
        count('xml');
      }
    }
    expect(xmlFailures).toEqual([]);
    const jsonBodies = [
      '{',
      '[]',
      'null',
      '{"FunctionName": 5}',
      `${'['.repeat(100000)}`,
      '{"Code": {"ZipFile": "!!!notbase64"}}',
      '\xff',
    ];
    for (const body of jsonBodies) {
      const res = await raw(
        `POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\nConnection: close\r\n\r\n${body}`,
      );
      expect(res.status, `${body.slice(0, 40)}: ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${body.slice(0, 40)}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
      expect(res.text.toLowerCase()).toContain('x-amzn-errortype');
      count('json');
    }
  });

  it('oversized payloads and invalid client context are refused before any instance runs', async () => {
    const over = await awsError(
      lambda.send(
        new InvokeCommand({ FunctionName: 'keep', Payload: Buffer.alloc(6 * 1024 * 1024 + 1, 0x20) }),
      ),
    );
    expect(over).toMatchObject({ name: 'RequestTooLargeException', status: 413 });
    const overAsync = await awsError(
      lambda.send(
        new InvokeCommand({
          FunctionName: 'keep',
          InvocationType: 'Event',
          Payload: Buffer.alloc(1024 * 1024 + 1, 0x20),
        }),
      ),
    );
    expect(overAsync).toMatchObject({ name: 'RequestTooLargeException', status: 413 });
    count('oversize', 2);
    for (const ctx of ['!!!', 'bm90IGpzb24=', 'WzFd', 'e30', 'A'.repeat(4000), 'eyJhIjoxfQ=', '====']) {
      const err = await awsError(
        lambda.send(
          new InvokeCommand({ FunctionName: 'keep', ClientContext: ctx, Payload: Buffer.from('{}') }),
        ),
      );
      expect(err, ctx.slice(0, 20)).toMatchObject({ name: 'InvalidRequestContentException', status: 400 });
      count('client context');
    }
    const big = await awsError(
      ses.send(
        new SendRawEmailCommand({
          Source: 'bot@example.com',
          Destinations: ['alice@example.org'],
          RawMessage: { Data: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61) },
        }),
      ),
    );
    expect(big.status).toBe(400);
    count('oversize');
    expect(emulator.dataPlane.instances('keep')).toEqual([]);
  });

  it('broken chunked encoding: 400 or a clean close, never a partial object', async () => {
    const bodies = [
      'zz\r\nabc\r\n0\r\n\r\n', // bad size
      '5\r\nabc\r\n0\r\n\r\n', // short chunk
      '3\r\nabcdef\r\n0\r\n\r\n', // long chunk
      '3\r\nabc', // ends mid-stream
      'ffffffffffffffffffff\r\nabc\r\n', // size overflow
      '3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n', // valid with extension and trailer (stores "abc")
      '-1\r\nabc\r\n0\r\n\r\n',
    ];
    for (const [i, body] of bodies.entries()) {
      const res = await raw(
        `PUT /keep/chunked-${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH_S3}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`,
        { waitMs: 1500 },
      );
      if (res.status !== undefined) expect(res.status < 500, `${i}: ${res.text.slice(0, 200)}`).toBe(true);
      else expect(res.closed || res.text === '', `${i}: no answer and not closed`).toBe(true);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'keep', Prefix: `chunked-${i}` }));
      const stored = listed.Contents ?? [];
      if (res.status === 200) {
        const got = await s3.send(new GetObjectCommand({ Bucket: 'keep', Key: `chunked-${i}` }));
        expect(await got.Body!.transformToString(), `${i}`).toBe('abc');
        await s3.send(
          new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({
            Bucket: 'keep',
            Key: `chunked-${i}`,
          }),
        );
      } else {
        expect(stored, `${i}: a refused or cut upload left an object`).toEqual([]);
      }
      count('chunked');
    }
    // A Content-Length upload cut short by the client leaves no object either.
    const cut = await raw(
      `PUT /keep/cut HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH_S3}\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(5000)}`,
      { waitMs: 300 },
    );
    expect(cut.status).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(
      (await s3.send(new ListObjectsV2Command({ Bucket: 'keep', Prefix: 'cut' }))).Contents ?? [],
    ).toEqual([]);
    count('chunked');
  });

  it('garbage on the SMTP door: errors or a clean close, nothing delivered', async () => {
    const sessions = [
      'GARBAGE\r\nQUIT\r\n',
      `EHLO x\r\n${'A'.repeat(100_000)}\r\nQUIT\r\n`,
      'EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@nowhere.example>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n',
      'EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<x@y>\r\nRCPT TO:<bot@example.com>\r\nDATA\r\n\0\0\0\r\n.\r\nQUIT\r\n',
      'EHLO x\r\nMAIL FROM:<a@example.org> SIZE=999999999999\r\nQUIT\r\n',
      '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', // a TLS ClientHello on the plain port
      'EHLO x\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nQUIT\r\n',
      'EHLO x\nMAIL FROM:<a@example.org>\nRCPT TO:<a@example.org>\nDATA\n.\nQUIT\n',
    ];
    for (const session of sessions) {
      const res = await raw(Buffer.from(session, 'latin1'), {
        port: smtp.port,
        waitMs: 1500,
        afterGreeting: true,
      });
      expect(res.text.startsWith('220'), session.slice(0, 30)).toBe(true);
      // Every complete session holds a refusal (a TLS hello without a line end just waits for one).
      if (session.includes('\n')) expect(res.text, session.slice(0, 30)).toMatch(/^[45]\d\d /m);
      expect(res.text).not.toMatch(/^250 .*queued/m);
      count('smtp');
    }
    const now = await snapshot();
    expect(now.outbox).toBe(before.outbox);
  });

  it('slow-loris connections do not stop the emulator answering others', async () => {
    const sockets: Socket[] = [];
    for (let i = 0; i < 200; i++) {
      const s = connect(port(), '127.0.0.1');
      s.on('error', () => undefined);
      s.write('GET /_caprice/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      sockets.push(s);
    }
    const smtpSockets: Socket[] = [];
    for (let i = 0; i < 50; i++) {
      const s = connect(smtp.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write('EHLO slow\r\nMAIL FROM:<a');
      smtpSockets.push(s);
    }
    count('slow-loris connections', sockets.length + smtpSockets.length);
    await new Promise((r) => setTimeout(r, 200));
    for (const s of sockets) s.write('a');
    const health = await fetch(`${emulator.url}/_caprice/health`);
    expect(health.status).toBe(200);
    expect((await snapshot()).objects).toEqual(before.objects);
    const greeting = await raw('QUIT\r\n', { port: smtp.port, waitMs: 2000, afterGreeting: true });
    expect(greeting.text.startsWith('220')).toBe(true);
    for (const s of [...sockets, ...smtpSockets]) s.destroy();
  });

  it('after all of it the state is unchanged, and still is after a restart', async () => {
    expect(await snapshot()).toEqual(before);
    await stop();
    await start();
    expect(await snapshot()).toEqual(before);
    expect(readdirSync(sandbox)).toEqual(['state']);
  });
});
