import { describe, expect, it } from 'vitest';
import { inboundMessage } from '../test/helpers/message.js';
import { extractFacts } from './facts.js';
import { parseMail } from './parse.js';

const trusted = ['amazonses.com'];

describe('extractFacts', () => {
  it('collects verdicts, envelope and addresses of a plain message', async () => {
    const parsed = await parseMail(
      inboundMessage({
        headers: ['Reply-To: Team <Team@Example.org>', 'Cc: carol@example.org, bot@example.com'],
      }),
    );
    expect(extractFacts(parsed, {}, trusted)).toEqual({
      spam: 'PASS',
      virus: 'PASS',
      spf: 'PASS',
      dkim: 'PASS',
      dmarc: 'PASS',
      spfDomain: 'example.org',
      dkimDomains: ['example.org'],
      dmarcFromDomain: 'example.org',
      returnPath: 'alice@example.org',
      autoSubmitted: [],
      autoReplyHeaders: [],
      listHeaders: [],
      precedence: undefined,
      contentType: 'text/plain',
      from: ['alice@example.org'],
      replyTo: ['team@example.org'],
      recipients: ['bot@example.com', 'carol@example.org', 'bot@example.com'],
    });
  });

  it('reads robot markers: Auto-Submitted, List-*, Precedence, X-Auto-Response-Suppress', async () => {
    const parsed = await parseMail(
      inboundMessage({
        returnPath: '<>',
        headers: [
          'Auto-Submitted: Auto-Replied; owner-email="x@example.org"',
          'List-Id: Users <users.lists.example.org>',
          'List-Unsubscribe: <mailto:users-request@lists.example.org>',
          'Precedence: Bulk',
          'X-Auto-Response-Suppress: OOF, AutoReply',
          'X-Autoreply: yes',
        ],
      }),
    );
    expect(extractFacts(parsed, {}, trusted)).toMatchObject({
      returnPath: '',
      autoSubmitted: ['auto-replied'],
      autoReplyHeaders: ['x-auto-response-suppress: OOF, AutoReply', 'x-autoreply: yes'],
      listHeaders: ['list-id', 'list-unsubscribe'],
      precedence: 'bulk',
    });
  });

  it('prefers the event verdicts and envelope sender (SES receipt events)', async () => {
    const parsed = await parseMail(inboundMessage({ spam: 'PASS' }));
    const facts = extractFacts(
      parsed,
      { verdicts: { spam: 'FAIL', virus: 'PASS' }, envelopeSender: '' },
      trusted,
    );
    expect(facts).toMatchObject({ spam: 'FAIL', virus: 'PASS', returnPath: '' });
    expect(facts.spf).toBeUndefined();
  });

  it('takes the SPF domain from the event envelope sender, DKIM and DMARC domains from the stored trusted block', async () => {
    const parsed = await parseMail(
      inboundMessage({
        from: 'Victim <victim@bank.example>',
        returnPath: '<mallory@attacker.example>',
        authDomain: 'attacker.example',
      }),
    );
    const facts = extractFacts(
      parsed,
      {
        verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS' },
        envelopeSender: 'prvs=1234=Bounce@Mail.Example.NET',
      },
      trusted,
    );
    expect(facts).toMatchObject({
      spf: 'PASS',
      spfDomain: 'mail.example.net',
      dkimDomains: ['attacker.example'],
      dmarcFromDomain: 'attacker.example',
    });
    expect(extractFacts(parsed, { verdicts: {}, envelopeSender: '' }, trusted).spfDomain).toBeUndefined();
  });

  it('flattens groups and drops addresses that are not addresses', async () => {
    const parsed = await parseMail(
      inboundMessage({ to: 'Team: bot@example.com, "x" <not-an-address>;, undisclosed-recipients:;' }),
    );
    expect(extractFacts(parsed, {}, trusted).recipients).toEqual(['bot@example.com']);
  });

  it('gives internationalised domains in ASCII (mailparser decodes xn-- to Unicode; config and SES use ASCII)', async () => {
    const parsed = await parseMail(
      inboundMessage({ from: 'Alice <alice@xn--bcher-kva.example>', to: 'bot@bücher.example' }),
    );
    const facts = extractFacts(parsed, {}, trusted);
    expect(facts.from).toEqual(['alice@xn--bcher-kva.example']);
    expect(facts.recipients).toEqual(['bot@xn--bcher-kva.example']);
  });
});
