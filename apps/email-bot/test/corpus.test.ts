/**
 * Robustness over the public mail corpus in `<repo>/../shared/corpus/email` (real fixtures of six mail libraries).
 * This test USES THE SHARED CORPUS; when the folder is absent it is skipped with a visible notice.
 *
 * Every message goes through the handler as SES would store it (SES's verdict block on top): it must end in a
 * reply or a logged skip/permanent failure, never a throw. Then the reply path is forced for every message
 * (composeReply regardless of policy): it must build a reply that an independent parser reads back, or refuse
 * with a MimeError (which the handler logs as a skip).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capitalizeHtml, randomCapitalize } from '@caprice/capitalize';
import { buildReply, MimeError } from '@caprice/mime';
import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { composeReply } from '../src/compose.js';
import { MAX_REPLY_RAW_BYTES } from '../src/constants.js';
import { addresses } from '../src/facts.js';
import { parseMail } from '../src/parse.js';
import { sesBlock } from './helpers/message.js';
import { BUCKET, s3Event, setup, testConfig } from './helpers/setup.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const corpusDir = resolve(repoRoot, '../shared/corpus/email');
const present = existsSync(corpusDir);

/** The message files, as listed by the corpus's own index (licence files are not messages). */
function listMessages(dir: string): string[] {
  const rows = readFileSync(join(dir, 'index.tsv'), 'utf-8').split('\n').slice(1);
  return rows.map((row) => row.split('\t')[0] ?? '').filter((file) => file !== '');
}

if (!present) {
  console.warn(
    `\n[email-bot] NOTICE: corpus test skipped: ${corpusDir} is absent (it lives in shared/, beside the repo).\n`,
  );
}

describe.runIf(present)('shared mail corpus (../shared/corpus/email)', () => {
  const files = present ? listMessages(corpusDir) : [];

  it('finds the corpus messages', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('ends every message in a reply or a logged skip through the handler, never a throw', {
    timeout: 120_000,
  }, async () => {
    const summary = new Map<string, number>();
    let replies = 0;
    for (const [i, file] of files.entries()) {
      // The bot plays the message's addressee: its To/Cc addresses are the ones it answers for.
      const raw = readFileSync(join(corpusDir, file));
      const { recipients, from } = await parseMail(raw).then(
        (p) => ({ recipients: [...addresses(p.to), ...addresses(p.cc)], from: addresses(p.from)[0] }),
        () => ({ recipients: [], from: undefined }),
      );
      const config =
        recipients.length > 0
          ? { ...testConfig, botAddress: recipients[0]!, allowedAddresses: recipients }
          : testConfig;
      const { handler, mailbox, lines } = setup({ config });
      const key = `inbound/corpus-${i}`;
      // SES's block as for mail its From domain signed (DKIM pass for that domain, no DMARC policy, SPF for
      // another envelope domain), so alignment holds and every other rule is what decides; a fixed block
      // authenticating one domain would skip all but that domain's mail as unaligned-from.
      const block = sesBlock(from === undefined ? {} : { from, dmarc: 'none' });
      mailbox.put(BUCKET, key, Buffer.concat([Buffer.from(block), raw]));
      const result = await handler(s3Event([key]), { awsRequestId: `corpus-${i}` });
      expect(result.outcomes, file).toHaveLength(1);
      const outcome = result.outcomes[0]!;
      expect(['replied', 'skipped', 'failed'], file).toContain(outcome.status);
      if (outcome.status === 'failed') expect(outcome.reason, file).toBe('malformed-message');
      const label = `${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`;
      summary.set(label, (summary.get(label) ?? 0) + 1);
      // Every record left a log line saying what happened.
      expect(
        lines.some((l) => l.key === key && ['replied', 'skipped', 'failed'].includes(String(l.msg))),
        file,
      ).toBe(true);
      for (const sent of mailbox.sent) {
        const reply = await simpleParser(Buffer.from(sent.raw));
        expect(reply.headers.get('auto-submitted'), file).toBe('auto-replied');
        expect(sent.destinations, file).toHaveLength(1);
        replies++;
      }
    }
    expect(replies).toBe(summary.get('replied') ?? 0);
    console.log(`\n[email-bot] corpus through the handler (${files.length} messages)`);
    console.table(Object.fromEntries([...summary].sort()));
  });

  it('builds a valid reply for every message, or refuses it with a MimeError', {
    timeout: 120_000,
  }, async () => {
    const summary = { replies: 0, truncated: 0, refused: 0 };
    const refusals = new Map<string, number>();
    for (const file of files) {
      const parsed = await parseMail(readFileSync(join(corpusDir, file)));
      let composed: Awaited<ReturnType<typeof composeReply>>;
      try {
        composed = await composeReply(
          parsed,
          {
            from: { address: 'bot@example.com', name: 'Caprice' },
            quote: true,
            maxBytes: MAX_REPLY_RAW_BYTES,
          },
          {
            buildReply,
            transform: {
              text: (t) => randomCapitalize(t, { seed: file }),
              html: (h) => capitalizeHtml(h, { seed: file }),
            },
          },
        );
      } catch (error) {
        expect(error, file).toBeInstanceOf(MimeError);
        summary.refused++;
        const name = (error as Error).name;
        refusals.set(name, (refusals.get(name) ?? 0) + 1);
        continue;
      }
      summary.replies++;
      if (composed.truncated) summary.truncated++;
      expect(composed.raw.byteLength, file).toBeLessThanOrEqual(MAX_REPLY_RAW_BYTES);
      const reply = await simpleParser(Buffer.from(composed.raw));
      expect(reply.headers.get('auto-submitted'), file).toBe('auto-replied');
      expect(composed.envelope.to, file).toHaveLength(1);
      // An independent parser (postal-mime shares no code with mailparser or nodemailer) agrees on the essentials.
      const postal = await PostalMime.parse(Buffer.from(composed.raw));
      expect(
        postal.to?.map((a) => a.address?.toLowerCase()),
        file,
      ).toEqual([composed.envelope.to[0]?.toLowerCase()]);
      expect(postal.subject, file).toBe(reply.subject);
      expect(postal.inReplyTo, file).toBe(reply.inReplyTo);
      expect(postal.headers.find((h) => h.key === 'auto-submitted')?.value, file).toBe('auto-replied');
      if (typeof parsed.text === 'string' && parsed.text.trim() !== '' && !composed.truncated) {
        // The capitalized text equals the original ignoring case (line endings normalised by the builder).
        const original = parsed.text.replace(/\r\n?/g, '\n').trim().toLowerCase();
        const answer = (reply.text ?? '').replace(/\r\n?/g, '\n').toLowerCase();
        const firstLine = original.split('\n')[0]?.trim() ?? '';
        expect(answer.includes(firstLine), file).toBe(true);
      }
    }
    console.log(`\n[email-bot] forced reply path over the corpus (${files.length} messages)`);
    console.table({ ...summary, ...Object.fromEntries([...refusals].map(([k, v]) => [`refused: ${k}`, v])) });
  });
});
