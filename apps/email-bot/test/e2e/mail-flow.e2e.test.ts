/**
 * End to end on the emulator, with the built zip (dist/email-bot.zip) under the real runtime layer
 * (packages/runtime/dist/layer-<arch>.zip): nodemailer → SMTP door → SES receipt rule (S3 action) → S3
 * ObjectCreated notification → Lambda (async invoke, real data plane) → the bot → SES SendRawEmail → outbox.
 * Replies are read back as raw bytes with mailparser. Needs both zips: turbo builds them before this package's
 * tests (apps/email-bot/turbo.json); locally run `pnpm --filter @caprice/runtime zip` and `pnpm zip` first.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  VerifyDomainIdentityCommand,
} from '@aws-sdk/client-ses';
import { type Emulator, emailExtension, startEmulator } from '@caprice/emulator';
import { simpleParser } from 'mailparser';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/fixtures.js';
import { type SesFaultProxy, startSesFaultProxy } from '../helpers/ses-fault-proxy.js';

const APP_DIR = fileURLToPath(new URL('../../', import.meta.url));
const REPO = join(APP_DIR, '..', '..');
const APP_ZIP = join(APP_DIR, 'dist', 'email-bot.zip');
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
const LAYER_ZIP = join(REPO, 'packages', 'runtime', 'dist', `layer-${ARCH}.zip`);
const FUNCTION = 'caprice-email-bot';
const BUCKET = 'caprice-inbound';
const BOT = 'bot@caprice.test';
/** Answered through an SES Lambda action after the S3 action (and the S3 notification too: one reply). */
const BOT_VIA_SES = 'lambda@caprice.test';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** Replies per correspondent the deployed bot allows (EMAIL_BOT_REPLY_LIMITS). */
const REPLY_LIMIT = 20;

let dir: string;
let emulator: Emulator;
let pieces: { ses: { setSandbox(enabled: boolean): void }; smtp: { port: number } } | undefined;
let mail: Transporter;
let s3: S3Client;
/** Between the bot and the emulator's SES: lets a test throttle SendRawEmail (the emulator has no transient fault). */
let sesProxy: SesFaultProxy;

async function lambdaApi(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** The bot's JSON log lines, from the function's log file. */
async function botLogs(): Promise<Record<string, unknown>[]> {
  const file = join(dir, 'logs', `${encodeURIComponent(FUNCTION)}.log`);
  if (!existsSync(file)) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of (await readFile(file, 'utf-8')).split('\n')) {
    const start = line.indexOf('{"time"');
    if (start === -1) continue;
    try {
      out.push(JSON.parse(line.slice(start)) as Record<string, unknown>);
    } catch {
      // not one of ours
    }
  }
  return out;
}

/** Waits for the bot's outcome line (replied/skipped/failed) for a mail, by its Message-ID and `msg`. */
async function outcomeFor(
  messageId: string,
  count = 1,
  timeoutMs = 45_000,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = (await botLogs()).filter(
      (l) => l.messageId === messageId && ['replied', 'skipped', 'failed'].includes(String(l.msg)),
    );
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) {
      throw new Error(
        `no outcome for ${messageId} within ${timeoutMs} ms; log:\n${JSON.stringify(await botLogs()).slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Retires the bot's instances and waits until none is left, so the next mail starts a fresh one. */
async function onFreshInstance(): Promise<number> {
  emulator.dataPlane.retire(FUNCTION);
  for (let i = 0; i < 100 && emulator.dataPlane.instances(FUNCTION).some((x) => x.state !== 'stopped'); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return emulator.dataPlane.readLogs(FUNCTION).length;
}

/** `Max Memory Used` (MB) of the first REPORT line logged after `offset` (the instance's peak RSS so far). */
async function maxMemoryUsedAfter(offset: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = emulator.dataPlane.readLogs(FUNCTION).slice(offset);
    const report = log.split('\n').find((l) => l.startsWith('REPORT'));
    const mb = /Max Memory Used: (\d+) MB/.exec(report ?? '')?.[1];
    if (mb !== undefined) return Number(mb);
    if (Date.now() > deadline)
      throw new Error(`no REPORT line within ${timeoutMs} ms; log:\n${log.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A 25 MB mail must be answered inside the 512 MB function without the memory watchdog stepping in. The tighter goal
 * (≤ 384 MB, issue 11 §5) is tracked by `pnpm bench -- email`: measured 332–382 MB, and GC timing moves the peak by
 * ~50 MB on a loaded machine, so asserting it here would make CI flaky rather than informative.
 */
const PEAK_MB_25MB = 480;

/** Sent replies whose In-Reply-To is `messageId`: the raw bytes from the outbox, and mailparser's reading of them. */
async function rawRepliesTo(messageId: string) {
  const list = (await (await fetch(`${emulator.url}/_caprice/ses/outbox`)).json()) as
    | { messageId: string }[]
    | { messages: { messageId: string }[] };
  const entries = Array.isArray(list) ? list : list.messages;
  const out = [];
  for (const entry of entries) {
    const res = await fetch(`${emulator.url}/_caprice/ses/outbox/${encodeURIComponent(entry.messageId)}.eml`);
    const raw = Buffer.from(await res.arrayBuffer());
    const parsed = await simpleParser(raw);
    if (parsed.inReplyTo === messageId) out.push({ raw, parsed });
  }
  return out;
}

/** Sent replies whose In-Reply-To is `messageId`, parsed with mailparser. */
async function repliesTo(messageId: string) {
  return (await rawRepliesTo(messageId)).map((r) => r.parsed);
}

/** The top-level header lines of a raw message, unfolded, as `[name, value]`. */
function rawHeaders(raw: Buffer): [string, string][] {
  const text = raw.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')
    .map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string];
    });
}

/** The SES message id (= S3 object name) from the SMTP door's `250 Ok <id>` answer. */
function sesId(response: string | undefined): string {
  const id = /([a-z0-9]{20,40})\s*$/.exec(response ?? '')?.[1];
  if (!id) throw new Error(`no SES message id in "${response}"`);
  return id;
}

/** The Message-ID nodemailer generated for a sent mail. */
function idOf(info: { messageId?: string | undefined }): string {
  expect(info.messageId).toMatch(/^<.+>$/);
  return info.messageId!;
}

async function invokeAsync(event: unknown): Promise<void> {
  const res = await fetch(`${emulator.url}/2015-03-31/functions/${FUNCTION}/invocations`, {
    method: 'POST',
    headers: { 'x-amz-invocation-type': 'Event' },
    body: JSON.stringify(event),
  });
  expect(res.status).toBe(202);
}

function s3Event(keys: string[]) {
  return {
    Records: keys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET }, object: { key } },
    })),
  };
}

beforeAll(async () => {
  for (const [file, build] of [
    [APP_ZIP, 'pnpm --filter @caprice/email-bot zip'],
    [LAYER_ZIP, 'pnpm --filter @caprice/runtime zip'],
  ] as const) {
    if (!existsSync(file))
      throw new Error(`${file} is missing; run "${build}" first (turbo does it before this test)`);
  }
  dir = await mkdtemp(join(tmpdir(), 'email-bot-e2e-'));
  emulator = await startEmulator({
    port: 0,
    stateDir: dir,
    createDelayMs: 50,
    // Lambda retries a failed async invoke after 1 and 2 minutes; seconds here, so the send-failure test is quick.
    dataPlane: { asyncRetryDelaysMs: [1000, 2000] },
    extensions: [emailExtension({ smtpPort: 0, onReady: (p) => (pieces = p), onError: () => {} })],
  });

  sesProxy = await startSesFaultProxy(emulator.url);

  const layer = await lambdaApi('POST', '/2018-10-31/layers/caprice-node/versions', {
    Content: { ZipFile: (await readFile(LAYER_ZIP)).toString('base64') },
    CompatibleArchitectures: [ARCH === 'arm64' ? 'arm64' : 'x86_64'],
  });
  const created = await lambdaApi('POST', '/2015-03-31/functions', {
    FunctionName: FUNCTION,
    Runtime: 'provided.al2023',
    Role: 'arn:aws:iam::000000000000:role/caprice-email-bot',
    Handler: 'index.handler',
    Code: { ZipFile: (await readFile(APP_ZIP)).toString('base64') },
    Layers: [layer.LayerVersionArn],
    MemorySize: 512,
    Timeout: 30,
    Architectures: [ARCH === 'arm64' ? 'arm64' : 'x86_64'],
    Environment: {
      Variables: {
        EMAIL_BOT_ADDRESS: BOT,
        EMAIL_BOT_NAME: 'Caprice Bot',
        EMAIL_BOT_BUCKET: BUCKET,
        EMAIL_BOT_KEY_PREFIX: 'inbound/',
        EMAIL_BOT_ALLOWED_RECIPIENTS: `${BOT},${BOT_VIA_SES}`,
        // One window for the whole run (no hour or day boundary can reset a count mid-test); 20 is above the
        // dozen replies the other tests send to alice@example.org. The reply-limit test below fills it for dora.
        EMAIL_BOT_REPLY_LIMITS: `${REPLY_LIMIT}/9999d`,
        // SES through the fault proxy (a plain pass-through unless a test throttles a recipient).
        EMAIL_BOT_SES_ENDPOINT: sesProxy.endpoint,
      },
    },
  });
  for (let i = 0; i < 100; i++) {
    const config = await lambdaApi('GET', `/2015-03-31/functions/${FUNCTION}/configuration`);
    if (config.State === 'Active') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await lambdaApi('POST', `/2015-03-31/functions/${FUNCTION}/policy`, {
    StatementId: 'ses-invoke',
    Action: 'lambda:InvokeFunction',
    Principal: 'ses.amazonaws.com',
    SourceAccount: '000000000000',
  });
  await lambdaApi('POST', `/2015-03-31/functions/${FUNCTION}/policy`, {
    StatementId: 's3-invoke',
    Action: 'lambda:InvokeFunction',
    Principal: 's3.amazonaws.com',
    SourceArn: `arn:aws:s3:::${BUCKET}`,
    SourceAccount: '000000000000',
  });

  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: emulator.url,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Id: 'email-bot',
            LambdaFunctionArn: String(created.FunctionArn),
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbound/' }] } },
          },
        ],
      },
    }),
  );
  const ses = new SESClient({ region: 'us-east-1', endpoint: emulator.url, credentials });
  await ses.send(new VerifyDomainIdentityCommand({ Domain: 'caprice.test' }));
  await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'caprice' }));
  await ses.send(
    new CreateReceiptRuleCommand({
      RuleSetName: 'caprice',
      Rule: {
        Name: 'bot',
        Enabled: true,
        ScanEnabled: true,
        Recipients: [BOT],
        Actions: [
          { S3Action: { BucketName: BUCKET, ObjectKeyPrefix: 'inbound/' } },
          { StopAction: { Scope: 'RuleSet' } },
        ],
      },
    }),
  );
  await ses.send(
    new CreateReceiptRuleCommand({
      RuleSetName: 'caprice',
      After: 'bot',
      Rule: {
        Name: 'lambda',
        Enabled: true,
        ScanEnabled: true,
        Recipients: [BOT_VIA_SES],
        Actions: [
          { S3Action: { BucketName: BUCKET, ObjectKeyPrefix: 'inbound/' } },
          { LambdaAction: { FunctionArn: String(created.FunctionArn), InvocationType: 'Event' } },
          { StopAction: { Scope: 'RuleSet' } },
        ],
      },
    }),
  );
  await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'caprice' }));
  mail = createTransport({ host: '127.0.0.1', port: pieces!.smtp.port, ignoreTLS: true, secure: false });
}, 120_000);

afterAll(async () => {
  mail?.close();
  await emulator?.close();
  await sesProxy?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 30_000);

describe('email-bot zip under the runtime layer on the emulator (SMTP → SES → S3 → Lambda → outbox)', () => {
  it('answers a mail with a threaded, auto-replied, capitalized reply to the sender', {
    timeout: 60_000,
  }, async () => {
    // Act
    const info = await mail.sendMail({
      from: 'Alice Example <alice@example.org>',
      to: BOT,
      subject: 'Grüße 👋',
      text: 'héllo wörld, how are you today?',
    });
    const [outcome] = await outcomeFor(idOf(info));
    // Assess
    expect(outcome).toMatchObject({
      msg: 'replied',
      decision: 'reply',
      key: `inbound/${sesId(info.response)}`,
    });
    const replies = await repliesTo(idOf(info));
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply.references).toBe(idOf(info));
    expect(reply.headers.get('auto-submitted')).toBe('auto-replied');
    expect(reply.subject).toBe('Re: Grüße 👋');
    const to = Array.isArray(reply.to) ? reply.to[0] : reply.to;
    expect(to?.value).toEqual([{ address: 'alice@example.org', name: 'Alice Example' }]);
    expect(reply.from?.value).toEqual([{ address: BOT, name: 'Caprice Bot' }]);
    expect(reply.text?.split('\n')[0]?.toLowerCase()).toBe('héllo wörld, how are you today?');

    // The raw bytes as SES received them: CRLF only, 7-bit, the threading and auto-reply header lines.
    const raw = (await rawRepliesTo(idOf(info)))[0]!.raw;
    expect(raw.toString('latin1')).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
    expect(raw.every((byte) => byte < 0x80)).toBe(true);
    const headers = rawHeaders(raw);
    const one = (name: string) => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    expect(one('in-reply-to')).toEqual([idOf(info)]);
    expect(one('references')).toEqual([idOf(info)]);
    expect(one('auto-submitted')).toEqual(['auto-replied']);
    expect(one('to')).toEqual(['Alice Example <alice@example.org>']);
    expect(one('cc')).toEqual([]);
    // An independent parser (postal-mime, which shares no code with mailparser or nodemailer) reads the same reply.
    const postal = await PostalMime.parse(raw);
    expect(postal.to).toEqual([{ address: 'alice@example.org', name: 'Alice Example' }]);
    expect(postal.subject).toBe('Re: Grüße 👋');
    expect(postal.inReplyTo).toBe(idOf(info));
    expect(postal.references).toBe(idOf(info));
    expect(postal.headers.find((h) => h.key === 'auto-submitted')?.value).toBe('auto-replied');
    const capitalized = postal.text?.split(/\r?\n/)[0] ?? '';
    expect(capitalized.toLowerCase()).toBe('héllo wörld, how are you today?');
    expect(capitalized).not.toBe(capitalized.toLowerCase());
  });

  it('answers once when the same S3 event is delivered again', { timeout: 60_000 }, async () => {
    const info = await mail.sendMail({
      from: 'alice@example.org',
      to: BOT,
      subject: 'twice',
      text: 'once only',
    });
    await outcomeFor(idOf(info));
    await invokeAsync(s3Event([`inbound/${sesId(info.response)}`]));
    const lines = await outcomeFor(idOf(info), 2);
    expect(lines[1]).toMatchObject({ msg: 'skipped', reason: 'already-answered' });
    expect(await repliesTo(idOf(info))).toHaveLength(1);
  });

  it('answers once when both an SES Lambda action and the S3 notification deliver the mail', {
    timeout: 60_000,
  }, async () => {
    const info = await mail.sendMail({
      from: 'alice@example.org',
      to: BOT_VIA_SES,
      subject: 'both',
      text: 'two events',
    });
    const lines = await outcomeFor(idOf(info), 2);
    expect(lines.map((l) => l.msg).sort()).toEqual(['replied', 'skipped']);
    expect(lines.find((l) => l.msg === 'skipped')).toMatchObject({ reason: 'already-answered' });
    expect(new Set(lines.map((l) => l.source))).toEqual(new Set(['s3', 'ses']));
    expect(new Set(lines.map((l) => l.key))).toEqual(new Set([`inbound/${sesId(info.response)}`]));
    expect(await repliesTo(idOf(info))).toHaveLength(1);
  });

  it.each<[string, SendMailOptions, string]>([
    ['a spam verdict', { headers: { 'X-Caprice-Test-Verdicts': 'spam=FAIL' } }, 'spam-verdict'],
    ['a virus verdict', { headers: { 'X-Caprice-Test-Verdicts': 'virus=FAIL' } }, 'virus-verdict'],
    [
      'neither SPF nor DKIM passing',
      { headers: { 'X-Caprice-Test-Verdicts': 'spf=FAIL; dkim=FAIL' } },
      'unauthenticated',
    ],
    ['Auto-Submitted', { headers: { 'Auto-Submitted': 'auto-generated' } }, 'auto-submitted'],
    [
      'List-Unsubscribe',
      { headers: { 'List-Unsubscribe': '<mailto:leave@lists.example.org>' } },
      'list-headers',
    ],
    ['Precedence: bulk', { headers: { Precedence: 'bulk' } }, 'bulk-precedence'],
    ['a no-reply sender', { from: 'Notifications <noreply@example.org>' }, 'robot-sender'],
    ['a -request sender', { from: 'users-request@lists.example.org' }, 'robot-sender'],
    ["the bot's own address as sender", { from: `Caprice Bot <${BOT}>` }, 'own-address'],
  ])('sends nothing for mail with %s, and logs why', { timeout: 60_000 }, async (_name, options, reason) => {
    const info = await mail.sendMail({
      from: 'alice@example.org',
      to: BOT,
      subject: 'skip',
      text: 'x',
      ...options,
    });
    const [outcome] = await outcomeFor(idOf(info));
    expect(outcome).toMatchObject({ msg: 'skipped', reason, detail: expect.any(String) });
    expect(await repliesTo(idOf(info))).toHaveLength(0);
  });

  it('sends nothing for a forged From whose verdicts pass (SPF for the envelope domain only), and logs why', {
    timeout: 60_000,
  }, async () => {
    // The attacker's mail passes SPF for its envelope domain attacker.example, carries no valid DKIM signature of
    // bank.example, and bank.example has no DMARC policy (GRAY: dmarc=none, not FAIL). The emulator derives much the
    // same from the message (unsigned → dkim=none, unaligned → dmarc=none); the header pins it, and DKIM to FAIL.
    const info = await mail.sendMail({
      envelope: { from: 'mallory@attacker.example', to: [BOT] },
      from: 'Victim <victim@bank.example>',
      to: BOT,
      subject: 'joe-job',
      text: 'x',
      headers: { 'X-Caprice-Test-Verdicts': 'dkim=FAIL; dmarc=GRAY' },
    });
    const [outcome] = await outcomeFor(idOf(info));
    expect(outcome).toMatchObject({
      msg: 'skipped',
      reason: 'unaligned-from',
      detail:
        'From domain bank.example (organization bank.example) is not aligned with an authenticated domain: ' +
        'SPF attacker.example; DKIM no pass; DMARC NONE',
    });
    expect(await repliesTo(idOf(info))).toHaveLength(0);
  });

  it('answers a From whose SPF-authenticated envelope is in a subdomain (relaxed alignment), without DKIM or DMARC', {
    timeout: 60_000,
  }, async () => {
    const info = await mail.sendMail({
      envelope: { from: 'return-7@mail.example.org', to: [BOT] },
      from: 'Alice <alice@example.org>',
      to: BOT,
      subject: 'aligned by SPF',
      text: 'hello from a bounce subdomain',
      headers: { 'X-Caprice-Test-Verdicts': 'dkim=FAIL; dmarc=GRAY' },
    });
    const [outcome] = await outcomeFor(idOf(info));
    expect(outcome).toMatchObject({ msg: 'replied', to: 'alice@example.org' });
    expect(await repliesTo(idOf(info))).toHaveLength(1);
  });

  it.each([
    ['a delivery report (multipart/report) from an ordinary envelope sender', 'dsn', 'delivery-report'],
  ])('sends nothing for %s, and logs why', { timeout: 60_000 }, async (_name, fixture, reason) => {
    const raw = loadFixture('eml', fixture);
    const messageId = `<${fixture}-skip-e2e@example.org>`;
    const original = Buffer.from(raw.subarray(raw.indexOf('Received: from [192.0.2.1]')))
      .toString('latin1')
      .replace('To: bot@example.com', `To: ${BOT}`)
      .replace(/^Message-ID: <[^>]+>/m, `Message-ID: ${messageId}`);
    await mail.sendMail({
      envelope: { from: 'alice@example.org', to: [BOT] },
      raw: Buffer.from(original, 'latin1'),
    });
    const [outcome] = await outcomeFor(messageId);
    expect(outcome).toMatchObject({ msg: 'skipped', reason });
    expect(await repliesTo(messageId)).toHaveLength(0);
  });

  it('sends nothing when the sender address cannot be answered (non-ASCII local part), and logs why', {
    timeout: 60_000,
  }, async () => {
    const messageId = '<no-reply-address-e2e@example.org>';
    const original = [
      'From: Jörg <jörg@example.org>',
      `To: ${BOT}`,
      'Subject: unanswerable',
      `Message-ID: ${messageId}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'please answer',
      '',
    ].join('\r\n');
    await mail.sendMail({
      envelope: { from: 'alice@example.org', to: [BOT] },
      raw: Buffer.from(original, 'utf-8'),
    });
    const [outcome] = await outcomeFor(messageId);
    expect(outcome).toMatchObject({
      msg: 'skipped',
      reason: 'no-reply-address',
      detail: expect.stringContaining('non-ASCII local part'),
    });
    expect(await repliesTo(messageId)).toHaveLength(0);
  });

  it('sends nothing for a bounce (null envelope sender)', { timeout: 60_000 }, async () => {
    const info = await mail.sendMail({
      envelope: { from: '', to: [BOT] },
      from: 'Mail Delivery System <MAILER-DAEMON@example.org>',
      to: BOT,
      subject: 'Undelivered Mail Returned to Sender',
      text: 'bounce',
    });
    const [outcome] = await outcomeFor(idOf(info));
    expect(outcome).toMatchObject({ msg: 'skipped', reason: 'null-return-path' });
  });

  it.each([
    ['latin1', 'ISO-8859-1, 8bit', 'grüße aus köln, café und crème brûlée.'],
    ['windows1252', 'Windows-1252, quoted-printable', 'smart “quotes” cost 5 € — naïve façade.'],
    ['iso2022jp', 'ISO-2022-JP', 'こんにちは、ボットさん。hello world.'],
    ['koi8r', 'KOI8-R, base64', 'привет, бот! как дела?'],
    ['html-only', 'HTML only', 'hello html world & friends'],
    ['attachments', 'attachments', 'see the attached report, thanks'],
  ])('answers %s mail (%s) sent as raw bytes', { timeout: 60_000 }, async (name, _what, lowerText) => {
    // The fixture's own SES block is cut off: the emulator stamps its own on top.
    const raw = loadFixture('eml', name);
    const messageId = `<${name}-e2e@example.org>`;
    const original = Buffer.from(raw.subarray(raw.indexOf('Received: from [192.0.2.1]')))
      .toString('latin1')
      .replace('To: bot@example.com', `To: ${BOT}`)
      .replace(/^Message-ID: <[^>]+>/m, `Message-ID: ${messageId}`);
    await mail.sendMail({
      envelope: { from: 'alice@example.org', to: [BOT] },
      raw: Buffer.from(original, 'latin1'),
    });
    const [outcome] = await outcomeFor(messageId);
    expect(outcome).toMatchObject({ msg: 'replied' });
    const [reply] = await repliesTo(messageId);
    expect(reply?.text?.toLowerCase()).toContain(lowerText);
    expect(reply?.attachments).toHaveLength(0);
    if (name === 'html-only') {
      // Only the HTML's text nodes are capitalized: tags, attributes, style and script come back as they were.
      const html = reply?.html || '';
      expect(html).toContain('<p title="keep me">');
      expect(html).toContain('var x = "lower";');
      expect(html).toContain('p { color: red }');
      expect(html.toLowerCase()).toContain('hello <b>html</b> world &amp; friends');
    }
  });

  it('answers a 25 MB message (a large attachment) within the 512 MB function, peak well under MemorySize', {
    timeout: 120_000,
  }, async () => {
    const offset = await onFreshInstance();
    const info = await mail.sendMail({
      from: 'alice@example.org',
      to: BOT,
      subject: 'big one',
      text: 'a big file is attached',
      attachments: [{ filename: 'big.bin', content: Buffer.alloc(18 * 1024 * 1024, 7) }],
    });
    const [outcome] = await outcomeFor(idOf(info), 1, 90_000);
    expect(outcome).toMatchObject({ msg: 'replied' });
    expect(Number(outcome?.bytes)).toBeGreaterThan(24 * 1024 * 1024);
    const [reply] = await repliesTo(idOf(info));
    expect(reply?.attachments).toHaveLength(0);
    expect(reply?.text?.split('\n')[0]?.toLowerCase()).toBe('a big file is attached');
    expect(await maxMemoryUsedAfter(offset)).toBeLessThanOrEqual(PEAK_MB_25MB);
  });

  it('answers a 25 MB plain-text message with a reply cut to fit SES, peak well under MemorySize', {
    timeout: 120_000,
  }, async () => {
    const offset = await onFreshInstance();
    // Like the email bench's 25 MB mail: one text part, 8bit, short lines.
    const line = 'The quick brown fox jumps over the lazy dog, please answer in random capitals.\n';
    const info = await mail.sendMail({
      from: 'alice@example.org',
      to: BOT,
      subject: 'big text',
      text: line.repeat(Math.ceil((25 * 1024 * 1024) / line.length)),
    });
    const [outcome] = await outcomeFor(idOf(info), 1, 90_000);
    expect(outcome).toMatchObject({ msg: 'replied', truncated: true });
    expect(Number(outcome?.bytes)).toBeGreaterThan(24 * 1024 * 1024);
    const [reply] = await repliesTo(idOf(info));
    expect(reply?.text?.split('\n')[0]?.toLowerCase()).toBe(line.trim().toLowerCase());
    expect(reply?.text).toContain('[This reply was cut short to fit the 10 MB limit of the mail service.]');
    expect(await maxMemoryUsedAfter(offset)).toBeLessThanOrEqual(PEAK_MB_25MB);
  });

  it('handles a multi-record event with a missing object: the good record is answered, the bad one logged', {
    timeout: 60_000,
  }, async () => {
    // Prepare: stored outside the notified prefix, so only our own event delivers it; its key needs encoding.
    const body = Buffer.from(
      'From: alice@example.org\r\nTo: bot@caprice.test\r\nSubject: manual\r\nMessage-ID: <manual-e2e@example.org>\r\n\r\nmanual delivery\r\n',
    );
    const ses = Buffer.from(
      'Return-Path: <alice@example.org>\r\nReceived: from x by inbound-smtp.us-east-1.amazonaws.com; Wed, 25 Nov 2026 09:00:00 +0000\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\nAuthentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass\r\n',
    );
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'manual/a b+c.eml', Body: Buffer.concat([ses, body]) }),
    );
    // Act
    await invokeAsync(s3Event(['manual/missing', 'manual/a+b%2Bc.eml']));
    // Assess
    const [outcome] = await outcomeFor('<manual-e2e@example.org>');
    expect(outcome).toMatchObject({ msg: 'replied', key: 'manual/a b+c.eml' });
    expect((await botLogs()).some((l) => l.key === 'manual/missing' && l.reason === 'aws-refused')).toBe(
      true,
    );
  });

  it('answers one correspondent at most the reply limit, with many mails handled by concurrent instances', {
    timeout: 180_000,
  }, async () => {
    // Prepare: more mails from one sender than the limit, sent at once (one SMTP connection each), so several
    // instances claim slots at the same time against the emulator's S3 (If-None-Match: *).
    const extra = 4;
    const infos = await Promise.all(
      Array.from({ length: REPLY_LIMIT + extra }, (_, i) =>
        mail.sendMail({ from: 'Dora <dora@example.org>', to: BOT, subject: `limit ${i}`, text: `mail ${i}` }),
      ),
    );
    // Act: wait for every outcome.
    const outcomes = await Promise.all(
      infos.map(async (info) => (await outcomeFor(idOf(info), 1, 120_000))[0]!),
    );
    // Assess
    const tally = (msg: string, reason?: string) =>
      outcomes.filter((o) => o.msg === msg && (reason === undefined || o.reason === reason)).length;
    expect(tally('replied')).toBe(REPLY_LIMIT);
    expect(tally('skipped', 'reply-limit')).toBe(extra);
    const outbox = (await (await fetch(`${emulator.url}/_caprice/ses/outbox`)).json()) as
      | { destinations: string[] }[]
      | { messages: { destinations: string[] }[] };
    const entries = Array.isArray(outbox) ? outbox : outbox.messages;
    expect(entries.filter((e) => e.destinations.includes('dora@example.org'))).toHaveLength(REPLY_LIMIT);
  });

  it('answers once when SES throttles the send: the claim is released, the async retry sends one reply', {
    timeout: 90_000,
  }, async () => {
    // Prepare: SES refuses the bot's next 3 sends to erin (the SDK's 3 attempts of the first invocation).
    sesProxy.throttle('erin@example.org', 3);
    // Act
    const info = await mail.sendMail({
      from: 'erin@example.org',
      to: BOT,
      subject: 'flaky',
      text: 'try again',
    });
    const lines = await outcomeFor(idOf(info), 2, 75_000);
    // Assess: a logged transient failure (the invocation threw, so Lambda retried it), then the reply.
    expect(lines[0]).toMatchObject({ msg: 'failed', reason: 'aws-transient', retryable: true });
    expect(lines.at(-1)).toMatchObject({ msg: 'replied', key: `inbound/${sesId(info.response)}` });
    expect(lines.filter((l) => l.msg === 'replied')).toHaveLength(1);
    expect(sesProxy.refused('erin@example.org')).toBe(3);
    const replies = await repliesTo(idOf(info));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text?.split('\n')[0]?.toLowerCase()).toBe('try again');
  });

  it('logs a MessageRejected from the SES sandbox as permanent, sending nothing', {
    timeout: 60_000,
  }, async () => {
    pieces!.ses.setSandbox(true);
    try {
      const info = await mail.sendMail({ from: 'carol@example.org', to: BOT, subject: 'sandbox', text: 'x' });
      const [outcome] = await outcomeFor(idOf(info));
      expect(outcome).toMatchObject({ msg: 'failed', reason: 'aws-refused', retryable: false });
      expect(await repliesTo(idOf(info))).toHaveLength(0);
    } finally {
      pieces!.ses.setSandbox(false);
    }
  });
});
