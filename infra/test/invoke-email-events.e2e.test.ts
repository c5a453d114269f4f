/**
 * `caprice invoke caprice-email-bot --event s3-put|ses` against the whole local stack: the sample events are
 * shaped so that the deployed bot takes them as mail to handle (not as an unknown event): an s3-put leads it to
 * the stored object, an SES receipt to where SES's S3 action stores the message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../src/cli.js';
import type { DevStack } from '../src/commands/dev.js';
import { startTestDev } from './helpers/dev-process.js';

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (l) => out.push(l), stderr: (l) => err.push(l), waitForStop: async () => {} };
}

/** The bot's JSON log lines that carry a decision, from the invoke's log tail. */
function decisions(lines: readonly string[]): Record<string, unknown>[] {
  return lines
    .filter((l) => l.startsWith('log ') && l.includes('"decision"'))
    .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>);
}

describe('caprice invoke with the email events', () => {
  let stateDir: string;
  let dev: DevStack;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-invoke-mail-'));
    dev = await startTestDev(stateDir);
  }, 120_000);

  afterAll(async () => {
    await dev?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('--event s3-put names "inbound/sample message": the bot fetches and parses the mail stored there', async () => {
    // Prepare: a mail under the sample event's key (not stamped by SES: no verdict headers).
    const messageId = `<invoke-s3-${Date.now()}@example.com>`;
    const s3 = new S3Client({
      endpoint: dev.endpoints.emulator,
      region: dev.stack.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: 'caprice-inbound-mail',
        Key: 'inbound/sample message',
        Body: [
          'From: Invoker <invoker@example.com>',
          'To: bot@caprice.localhost',
          'Subject: From caprice invoke',
          `Message-ID: ${messageId}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          'answer me from a sample event',
          '',
        ].join('\r\n'),
      }),
    );
    s3.destroy();
    // Act
    const cli = io();
    const code = await main(
      ['invoke', 'caprice-email-bot', '--event', 's3-put', '--endpoint', dev.endpoints.emulator],
      cli,
    );
    // Assess: the event led the bot to that object (key decoded from its form encoding), which it read and
    // judged. It does not answer it: without SES's verdict headers the bot trusts no mail (its own rule).
    expect(code, cli.err.join('\n')).toBe(0);
    expect(decisions(cli.out)).toEqual([
      expect.objectContaining({
        source: 's3',
        key: 'inbound/sample message',
        messageId,
        decision: 'skip',
        reason: 'virus-verdict',
        timings: expect.objectContaining({ fetchMs: expect.any(Number), parseMs: expect.any(Number) }),
      }),
    ]);
    expect(cli.out.at(-1)).toMatch(/^result +\{/);
  }, 60_000);

  it('--event ses is read as an SES receipt for the bot’s bucket and prefix', async () => {
    const cli = io();
    const code = await main(
      ['invoke', 'caprice-email-bot', '--event', 'ses', '--endpoint', dev.endpoints.emulator],
      cli,
    );
    expect(code, cli.err.join('\n')).toBe(0);
    // The sample's message id names no stored mail: the bot looks for it where SES's S3 action would have put it.
    const [decision] = decisions(cli.out);
    expect(decision).toMatchObject({ source: 'ses', key: expect.stringMatching(/^inbound\/[0-9a-f]{20}$/) });
    expect(cli.out.join('\n')).not.toMatch(/unrecognised-event|unsupported-source|malformed-record/);
  }, 60_000);
});
