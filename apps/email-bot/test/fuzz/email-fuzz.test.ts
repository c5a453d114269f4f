/**
 * Email fuzz: mutated and truncated messages through the real handler (real mailparser, real @caprice/mime,
 * seeded @caprice/capitalize) over the injected in-memory mailbox.
 *
 * This test USES THE SHARED CORPUS `<repo>/../shared/corpus/email` (messages up to 16 KB as mutation seeds) plus
 * this package's fixtures and synthetic messages; without the corpus it prints a notice and fuzzes the fixtures
 * only. Seeded: CAPRICE_FUZZ_SEED (default 20261125), CAPRICE_FUZZ_CASES (default 5 000).
 *
 * For every case: the handler neither throws nor hangs; the record ends in exactly one of replied / skipped(reason)
 * / failed(reason), with exactly one log line saying so; a reply goes to exactly one vetted address with exactly one
 * To header and no Cc/Bcc; no reply at all when the message carries a condition the policy rejects (injected
 * intact above the mutated part).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addresses } from '../../src/facts.js';
import { parseMail } from '../../src/parse.js';
import { inboundMessage, sesBlock } from '../helpers/message.js';
import { BUCKET, s3Event, setup, testConfig } from '../helpers/setup.js';
import { mutate, prng } from './mutate.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../../..');
const corpusDir = resolve(repoRoot, '../shared/corpus/email');
const fixturesDir = resolve(here, '../fixtures/eml');
const corpusPresent = existsSync(join(corpusDir, 'index.tsv'));
const SEED = Number(process.env.CAPRICE_FUZZ_SEED ?? 20261125);
const CASES = Number(process.env.CAPRICE_FUZZ_CASES ?? 5000);
/** A case that takes longer than this is a hang (no timing assertion: a generous bound, not a budget). */
const HANG_MS = 15_000;

if (!corpusPresent) {
  console.warn(
    `\n[email-bot fuzz] NOTICE: ${corpusDir} is absent; fuzzing the package fixtures and synthetic messages only.\n`,
  );
}

interface Seed {
  name: string;
  raw: Buffer;
}

function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  if (corpusPresent) {
    const rows = readFileSync(join(corpusDir, 'index.tsv'), 'utf-8').split('\n').slice(1);
    for (const row of rows) {
      const [file, , bytes] = row.split('\t');
      if (!file || Number(bytes) > 16 * 1024) continue;
      seeds.push({ name: `corpus:${file}`, raw: readFileSync(join(corpusDir, file)) });
    }
  }
  for (const file of readdirSync(fixturesDir).filter((f) => f.endsWith('.eml'))) {
    seeds.push({ name: `fixture:${file}`, raw: readFileSync(join(fixturesDir, file)) });
  }
  seeds.push({ name: 'synthetic:plain', raw: inboundMessage({ omit: true }) });
  seeds.push({
    name: 'synthetic:html',
    raw: inboundMessage({
      omit: true,
      contentType: 'multipart/alternative; boundary=zz',
      body: '--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p>hi <script>x()</script></p>\r\n--zz--\r\n',
    }),
  });
  return seeds;
}

/** Headers that make the policy refuse to answer, injected right under SES's block (so they are intact). */
const REJECTIONS: Array<{ reason: string; ses?: Parameters<typeof sesBlock>[0]; header?: string }> = [
  { reason: 'spam-verdict', ses: { spam: 'FAIL' } },
  { reason: 'virus-verdict', ses: { virus: 'FAIL' } },
  { reason: 'spam-verdict', ses: { spam: 'GRAY' } },
  { reason: 'dmarc-fail', ses: { dmarc: 'fail' } },
  { reason: 'unauthenticated', ses: { spf: 'fail', dkim: 'fail' } },
  { reason: 'null-return-path', ses: { returnPath: '<>' } },
  { reason: 'auto-submitted', header: 'Auto-Submitted: auto-replied' },
  { reason: 'auto-reply-header', header: 'X-Autoreply: yes' },
  { reason: 'auto-reply-header', header: 'X-Loop: bot@example.com' },
  { reason: 'list-headers', header: 'List-Id: <list.example.org>' },
  { reason: 'bulk-precedence', header: 'Precedence: bulk' },
  { reason: 'robot-sender', header: 'Reply-To: MAILER-DAEMON@example.org' },
  { reason: 'own-address', header: 'Reply-To: bot@example.com' },
];

const ALLOWED_HEADERS = new Set([
  'from',
  'to',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'auto-submitted',
  'x-auto-response-suppress',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);

/** Names of the top-level header fields of a raw message (unfolded). */
function headerNames(raw: Uint8Array): string[] {
  const text = Buffer.from(raw).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  return head
    .split('\r\n')
    .filter((line) => line !== '' && !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hang: ${what} still running after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe(`email-bot fuzz (seed ${SEED}, ${CASES} cases${corpusPresent ? ', seeded from ../shared/corpus/email' : ''})`, () => {
  const seeds = loadSeeds();

  it('ends every mutated message in exactly one of replied / skipped / failed, and never answers what the policy rejects', {
    timeout: 600_000,
  }, async () => {
    const rand = prng(SEED);
    // The bot plays each seed's addressee (its To/Cc), as in the corpus test, so that replies are reachable.
    const configs = new Map<string, typeof testConfig>();
    for (const seed of seeds) {
      const parsed = await parseMail(seed.raw).catch(() => undefined);
      const recipients = parsed ? [...addresses(parsed.to), ...addresses(parsed.cc)] : [];
      configs.set(
        seed.name,
        recipients.length > 0
          ? { ...testConfig, botAddress: recipients[0]!, allowedAddresses: recipients }
          : testConfig,
      );
    }
    const outcomes = new Map<string, number>();
    const mutationCounts = new Map<string, number>();
    let rejectCases = 0;
    let replies = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = seeds[Math.floor(rand() * seeds.length)]!;
      // One case in five carries a policy rejection above the mutated part; the rest are free mutations.
      const rejection = rand() < 0.2 ? REJECTIONS[Math.floor(rand() * REJECTIONS.length)] : undefined;
      const { bytes, applied } = mutate(seed.raw, rand);
      for (const name of applied) mutationCounts.set(name, (mutationCounts.get(name) ?? 0) + 1);
      const block = Buffer.from(
        sesBlock(rejection?.ses) + (rejection?.header ? `${rejection.header}\r\n` : ''),
        'latin1',
      );
      // Free mutations may also hit SES's block itself.
      const stored = rejection
        ? Buffer.concat([block, bytes])
        : rand() < 0.1
          ? mutate(Buffer.concat([block, seed.raw]), rand).bytes
          : Buffer.concat([block, bytes]);
      const config = rejection ? testConfig : configs.get(seed.name)!;
      const label = `case ${i} (seed ${SEED}, base ${seed.name}, mutations ${applied.join('+')}${rejection ? `, rejection ${rejection.reason}` : ''})`;

      const { handler, mailbox, lines } = setup({ config });
      const key = `inbound/fuzz-${i}`;
      mailbox.put(BUCKET, key, stored);
      let result: Awaited<ReturnType<typeof handler>>;
      try {
        result = await withTimeout(handler(s3Event([key]), { awsRequestId: `fuzz-${i}` }), HANG_MS, label);
      } catch (error) {
        throw new Error(`${label}: handler threw ${(error as Error).name}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      expect(result.outcomes, label).toHaveLength(1);
      const outcome = result.outcomes[0]!;
      expect(['replied', 'skipped', 'failed'], label).toContain(outcome.status);
      if (outcome.status === 'failed')
        expect(['malformed-message', 'too-large'], label).toContain(outcome.reason);
      if (outcome.status !== 'replied') expect(outcome.reason, label).toBeTruthy();
      const finals = lines.filter(
        (l) => l.key === key && ['replied', 'skipped', 'failed'].includes(String(l.msg)),
      );
      expect(finals, label).toHaveLength(1);
      expect(finals[0]!.msg, label).toBe(outcome.status);

      if (outcome.status === 'replied') {
        replies++;
        expect(mailbox.sent, label).toHaveLength(1);
        const sent = mailbox.sent[0]!;
        expect(sent.destinations, label).toHaveLength(1);
        const to = sent.destinations[0]!;
        expect(to, label).not.toMatch(/[\r\n\0,;<>]/);
        expect(to.toLowerCase(), label).not.toBe(config.botAddress);
        const names = headerNames(sent.raw);
        expect(
          names.filter((n) => n === 'to'),
          label,
        ).toHaveLength(1);
        for (const name of names) expect(ALLOWED_HEADERS.has(name), `${label}: header ${name}`).toBe(true);
        // The recipient is the mail's own Reply-To or From, never an address from elsewhere in the message.
        const parsed = await parseMail(stored);
        const candidates = [...addresses(parsed.replyTo), ...addresses(parsed.from)].map((a) =>
          a.toLowerCase(),
        );
        expect(candidates, label).toContain(to.toLowerCase());
      } else {
        expect(mailbox.sent, label).toHaveLength(0);
      }
      if (rejection) {
        rejectCases++;
        expect(outcome.status, label).not.toBe('replied');
      }
      const outcomeLabel = `${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`;
      outcomes.set(outcomeLabel, (outcomes.get(outcomeLabel) ?? 0) + 1);
    }
    console.log(
      `\n[email-bot fuzz] ${CASES} cases, seed ${SEED}, ${seeds.length} base messages${corpusPresent ? ' (incl. ../shared/corpus/email)' : ''}, ${rejectCases} with an injected policy rejection, ${replies} replies`,
    );
    console.table(Object.fromEntries([...outcomes].sort()));
    console.table(Object.fromEntries([...mutationCounts].sort()));
    expect(replies).toBeGreaterThan(0);
  });
});
