/**
 * SMTP door round trip under hostile bodies: raw SMTP sessions (written by hand, dot-stuffed per RFC 5321 §4.5.2)
 * carrying seeded random messages — 8-bit bytes, NULs, lines of dots, "From " lines, 4 000-byte lines, CRLF only —
 * must be stored in S3 with exactly the sent bytes under SES's headers. Messages with bare CR or LF must be
 * stored or refused, never crash the door. CAPRICE_FUZZ_SEED (default 20261125), CAPRICE_SMTP_FUZZ_CASES (300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailExtension } from '../../src/email/email-extension.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import type { RunningSmtpServer } from '../../src/smtp/smtp-server.js';
import { TEST_CREDENTIALS } from '../s3/test-server.js';

const SEED = Number(process.env.CAPRICE_FUZZ_SEED ?? 20261125);
const CASES = Number(process.env.CAPRICE_SMTP_FUZZ_CASES ?? 300);

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

let dir: string;
let emulator: Emulator;
let smtp: RunningSmtpServer;
let s3: S3Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caprice-smtpfuzz-'));
  emulator = await startEmulator({
    port: 0,
    stateDir: dir,
    extensions: [emailExtension({ smtpPort: 0, onReady: (p) => (smtp = p.smtp) })],
  });
  const config = { endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  const ses = new SESClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: 'mail' }));
  await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'rs' }));
  await ses.send(
    new CreateReceiptRuleCommand({
      RuleSetName: 'rs',
      Rule: {
        Name: 'all',
        Enabled: true,
        ScanEnabled: true,
        Recipients: ['bot@example.com'],
        Actions: [{ S3Action: { BucketName: 'mail', ObjectKeyPrefix: 'in/' } }],
      },
    }),
  );
  await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'rs' }));
  ses.destroy();
});

afterAll(async () => {
  s3.destroy();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One SMTP session; resolves with every reply line the server sent. */
function session(data: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(smtp.port, '127.0.0.1');
    let text = '';
    let step = 0;
    const steps = [
      () => socket.write('EHLO fuzz.example\r\n'),
      () => socket.write('MAIL FROM:<alice@example.org>\r\n'),
      () => socket.write('RCPT TO:<bot@example.com>\r\n'),
      () => socket.write('DATA\r\n'),
      () => socket.write(data),
      () => socket.write('QUIT\r\n'),
    ];
    const timer = setTimeout(() => socket.destroy(), 15_000);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      // The server's goodbye: the session is over (waiting for its close would cost ~100 ms each).
      if (/^221 /m.test(text)) socket.destroy();
      // Advance on each complete final reply line ("250 ", "354 ", …; not "250-").
      const finals = text.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      while (step < finals && step < steps.length) steps[step++]!();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
  });
}

function generate(rand: () => number, i: number, canonical: boolean): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const parts: Buffer[] = [
    Buffer.from(`From: alice@example.org\r\nTo: bot@example.com\r\nSubject: fuzz ${i}\r\n\r\n`),
  ];
  for (let n = 0, count = 1 + int(40); n < count; n++) {
    const line = pick<() => Buffer>([
      () => Buffer.from('.'),
      () => Buffer.from('..'),
      () => Buffer.from('. '),
      () => Buffer.from('.hidden'),
      () => Buffer.from('From the start'),
      () => Buffer.from(''),
      () => Buffer.from('x'.repeat(int(4000))),
      () => Buffer.from([0, 0, 1, 2, 0x7f]),
      () => Buffer.from(Array.from({ length: int(200) }, () => 0x80 + int(128))),
      () => Buffer.from('grüße 👋 \t tab'),
      () => Buffer.from('=?utf-8?B?AAAA?= --boundary'),
    ])();
    parts.push(line);
    const end = canonical ? '\r\n' : pick(['\r\n', '\r\n', '\n', '\r', '\n\r']);
    parts.push(Buffer.from(end));
  }
  return Buffer.concat(parts);
}

/** Dot-stuffing and the end marker, as an SMTP client sends the message. */
function stuff(message: Buffer): Buffer {
  const text = message.toString('latin1');
  const body = text.replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1');
}

describe(`SMTP door round trip (seed ${SEED}, ${CASES} sessions)`, () => {
  it('stores exactly the bytes sent (CRLF mail) and survives bare CR/LF mail', {
    timeout: 300_000,
  }, async () => {
    const rand = prng(SEED);
    const tally = { exact: 0, bareStored: 0, bareRefused: 0 };
    const failures: string[] = [];
    // Generated up front so the seed fixes every case whatever the session order.
    const cases = Array.from({ length: CASES }, (_, i) => {
      const canonical = rand() < 0.7;
      return { i, canonical, message: generate(rand, i, canonical) };
    });
    let next = 0;
    // Sessions run 6 at a time: the door's greeting comes ~100 ms after connect.
    const worker = async () => {
      while (next < cases.length) {
        const { i, canonical, message } = cases[next++]!;
        const replies = await session(stuff(message));
        const id = /^250 Ok ([a-z0-9]+)\r?$/m.exec(replies)?.[1];
        if (!canonical) {
          if (id) tally.bareStored++;
          else if (/^[45]\d\d /m.test(replies)) tally.bareRefused++;
          else failures.push(`case ${i} (bare CR/LF): neither stored nor refused: ${replies.slice(-200)}`);
          continue;
        }
        if (!id) {
          failures.push(`case ${i}: not accepted: ${replies.slice(-300)}`);
          continue;
        }
        const got = await s3.send(new GetObjectCommand({ Bucket: 'mail', Key: `in/${id}` }));
        const stored = Buffer.from(await got.Body!.transformToByteArray());
        const expected = message.toString('latin1').endsWith('\r\n')
          ? message
          : Buffer.concat([message, Buffer.from('\r\n')]);
        if (!stored.subarray(stored.length - expected.length).equals(expected))
          failures.push(
            `case ${i}: stored bytes differ from the sent message (${stored.length} vs ${expected.length} + SES headers)`,
          );
        else tally.exact++;
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    console.log(
      `\n[smtp fuzz] ${CASES} sessions, seed ${SEED}: ${JSON.stringify(tally)}, ${failures.length} failures`,
    );
    expect(failures.slice(0, 10)).toEqual([]);
    // The door still greets after all of it.
    expect(await session(Buffer.from('.\r\n'))).toMatch(/^220 /);
  });
});
