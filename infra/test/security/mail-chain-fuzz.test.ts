/**
 * Mutated mail through the whole deployed chain — SMTP door → SES receipt rule → S3 → notification → the bundled
 * email-bot on the runtime layer → SES outbox — as `caprice dev` wires it. Every message SMTP accepts must end
 * in exactly one `replied` / `skipped` / `failed` line in the function's log, and the outbox must hold exactly one
 * reply per `replied` line, to the sender. (The handler-level fuzz with 5 000 cases is
 * apps/email-bot/test/fuzz/email-fuzz.test.ts; this checks the same promise on the deployed artefacts.)
 * CAPRICE_FUZZ_SEED (default 20261125), CAPRICE_CHAIN_FUZZ_CASES (default 60).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevStack } from '../../src/commands/dev.js';
import { startTestDev } from '../helpers/dev-process.js';

const SEED = Number(process.env.CAPRICE_FUZZ_SEED ?? 20261125);
const CASES = Number(process.env.CAPRICE_CHAIN_FUZZ_CASES ?? 60);

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

function message(rand: () => number, i: number, bot: string): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const headers = [
    // A sender per message, so the per-correspondent reply limit does not cut the reply path short.
    `From: Alice <alice${i}@example.org>`,
    `To: <${bot}>`,
    `Subject: chain ${i} ${pick(['', '=?utf-8?B?w7w=?=', '=?bogus?Q?x?=', '<script>', '\u00e9'])}`,
    `Message-ID: <chain-${i}@example.org>`,
    'MIME-Version: 1.0',
    pick([
      'Content-Type: text/plain; charset=utf-8',
      'Content-Type: text/html',
      'Content-Type: multipart/alternative; boundary=zz',
      'Content-Type: multipart/mixed; boundary=',
      'Content-Type: text/plain; charset=x-unknown',
      'Content-Type: message/rfc822',
    ]),
    ...(rand() < 0.2
      ? [
          pick([
            'Auto-Submitted: auto-replied',
            'Precedence: bulk',
            'List-Id: <l.example.org>',
            'Reply-To: <>',
          ]),
        ]
      : []),
    ...(rand() < 0.1
      ? [pick(['Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable'])]
      : []),
  ];
  const body = pick([
    'hello bot\r\n',
    '--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--zz--\r\n',
    '--zz\r\nContent-Type: text/plain\r\n\r\nunterminated\r\n',
    '=ZZ=\r\n=\r\n',
    '!!!not base64!!!\r\n',
    `${'x'.repeat(int(50_000))}\r\n`,
    '\u00ff\u00fe\u0000\r\n',
  ]);
  let raw = Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`, 'latin1');
  // Then 0–3 byte-level mutations (never touching the first header line, so the envelope stays sane).
  for (let m = 0, n = int(4); m < n; m++) {
    const at = 40 + int(Math.max(1, raw.length - 40));
    raw = pick([
      () => raw.subarray(0, at),
      () =>
        Buffer.concat([
          raw.subarray(0, at),
          Buffer.from(pick(['\r\n', '\0', '=?', '--zz', ':', '\r\n\r\n'])),
          raw.subarray(at),
        ]),
      () => {
        const out = Buffer.from(raw);
        out[Math.min(at, out.length - 1)] = int(256);
        return out;
      },
    ])();
  }
  return raw;
}

describe(`mutated mail through the deployed chain (seed ${SEED}, ${CASES} messages)`, () => {
  let stateDir: string;
  let dev: DevStack;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-chain-'));
    dev = await startTestDev(stateDir);
  }, 180_000);

  afterAll(async () => {
    await dev?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('ends every accepted message in exactly one logged outcome, and replies once per reply', {
    timeout: 240_000,
  }, async () => {
    const rand = prng(SEED);
    const [host = '127.0.0.1', port = '0'] = dev.endpoints.smtp.split(':');
    const transport = createTransport({
      host,
      port: Number(port),
      secure: false,
      ignoreTLS: true,
      pool: false,
    });
    const outbox = `${dev.endpoints.emulator}/_caprice/ses/outbox`;
    const before = ((await (await fetch(outbox)).json()) as unknown[]).length;
    const accepted: string[] = [];
    let refused = 0;
    for (let i = 0; i < CASES; i++) {
      try {
        const info = await transport.sendMail({
          envelope: { from: `alice${i}@example.org`, to: [dev.endpoints.bot] },
          raw: message(rand, i, dev.endpoints.bot),
        });
        const id = /^250 Ok (\S+)/.exec(String(info.response))?.[1];
        expect(id, String(info.response)).toBeDefined();
        accepted.push(id!);
      } catch {
        refused++;
      }
    }
    transport.close();

    const botFn = dev.stack.triggers.email!.function;
    const finals = (log: string) => {
      const byKey = new Map<string, string[]>();
      for (const line of log.split('\n')) {
        const start = line.indexOf('{');
        if (start < 0) continue;
        let entry: { msg?: string; key?: string; reason?: string };
        try {
          entry = JSON.parse(line.slice(start)) as typeof entry;
        } catch {
          continue;
        }
        if (!entry.key || !['replied', 'skipped', 'failed'].includes(String(entry.msg))) continue;
        byKey.set(entry.key, [
          ...(byKey.get(entry.key) ?? []),
          `${entry.msg}${entry.reason ? `: ${entry.reason}` : ''}`,
        ]);
      }
      return byKey;
    };
    const deadline = Date.now() + 120_000;
    let outcomes = finals(dev.emulator.dataPlane.readLogs(botFn));
    while (accepted.some((id) => !outcomes.has(`inbound/${id}`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      outcomes = finals(dev.emulator.dataPlane.readLogs(botFn));
    }
    const tally = new Map<string, number>();
    for (const id of accepted) {
      const lines = outcomes.get(`inbound/${id}`) ?? [];
      expect(lines, `inbound/${id}`).toHaveLength(1);
      tally.set(lines[0]!, (tally.get(lines[0]!) ?? 0) + 1);
    }
    await dev.emulator.dataPlane.drainAsync();
    const replies = ((await (await fetch(outbox)).json()) as unknown[]).length - before;
    console.log(
      `\n[chain fuzz] ${CASES} messages, seed ${SEED}: ${accepted.length} accepted by SMTP, ${refused} refused; ${replies} replies`,
    );
    console.table(Object.fromEntries([...tally].sort()));
    expect(replies).toBe(tally.get('replied') ?? 0);
  });
});
