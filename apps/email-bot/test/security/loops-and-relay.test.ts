/**
 * Loops, open relay / reflection and header injection, with the real handler over in-memory mailboxes.
 *
 * Loops run on a small simulated mail network: every message a party sends is delivered to whoever owns the
 * recipient (a bot gets it stored as SES would, with passing verdicts and the envelope sender as Return-Path),
 * until nobody sends anything or a round limit is hit. The assertion is a bound on the number of messages.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type BotConfig, loadConfig } from '../../src/config.js';
import { inboundMessage, sesBlock } from '../helpers/message.js';
import { BUCKET, s3Event, setup, testConfig } from '../helpers/setup.js';

interface Mail {
  from: string;
  to: string;
  raw: Buffer;
}

/** A party on the network: receives one mail, sends zero or more. */
type Party = (mail: Mail) => Promise<Mail[]>;

/** A bot on the network; its clock is fixed (or advanced by the test), so reply-limit windows are deterministic. */
function botParty(
  config: BotConfig,
  clock: () => Date = () => new Date('2026-11-25T09:00:00Z'),
): { party: Party; replies: () => number; lines: Record<string, unknown>[] } {
  const { handler, mailbox, lines } = setup({ config, clock });
  let n = 0;
  const party: Party = async (mail) => {
    const key = `inbound/loop-${++n}`;
    mailbox.put(
      BUCKET,
      key,
      Buffer.concat([Buffer.from(sesBlock({ returnPath: `<${mail.from}>` })), mail.raw]),
    );
    const before = mailbox.sent.length;
    await handler(s3Event([key]), { awsRequestId: `loop-${n}` });
    return mailbox.sent
      .slice(before)
      .map((s) => ({ from: s.source, to: s.destinations[0]!, raw: Buffer.from(s.raw) }));
  };
  return { party, replies: () => mailbox.sent.length, lines };
}

function botConfig(address: string, recipients = address): BotConfig {
  return loadConfig({
    EMAIL_BOT_ADDRESS: address,
    EMAIL_BOT_ALLOWED_RECIPIENTS: recipients,
    EMAIL_BOT_BUCKET: BUCKET,
    EMAIL_BOT_KEY_PREFIX: 'inbound/',
    AWS_REGION: 'eu-west-1',
  });
}

/** Delivers until quiet or `maxMessages`; returns every message sent (including the first). */
async function run(network: Map<string, Party>, first: Mail, maxMessages = 50): Promise<Mail[]> {
  const log: Mail[] = [first];
  const queue: Mail[] = [first];
  while (queue.length > 0 && log.length < maxMessages) {
    const mail = queue.shift()!;
    // Subaddresses (`carol+tag@`) are delivered to their mailbox, as most providers do.
    const to = mail.to.toLowerCase();
    const party = network.get(to) ?? network.get(to.replace(/\+[^@]*@/, '@'));
    if (!party) continue;
    for (const out of await party(mail)) {
      log.push(out);
      queue.push(out);
    }
  }
  return log;
}

/** A message from `from` to `to`, as the sender's client wrote it. */
function human(from: string, to: string, extra: string[] = []): Mail {
  const raw = Buffer.from(
    [
      `From: ${from}`,
      `To: ${to}`,
      'Subject: ping',
      `Message-ID: <${Math.random().toString(36).slice(2)}@sender.example>`,
      'Date: Wed, 25 Nov 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      ...extra,
      '',
      'hello',
      '',
    ].join('\r\n'),
  );
  return {
    from: from.replace(/.*</, '').replace(/>.*/, ''),
    to: to.replace(/.*</, '').replace(/>.*/, ''),
    raw,
  };
}

/**
 * An auto-responder that answers everything; `mark` decides which RFC 3834 headers it sets on its answers.
 * `fromTag` makes it write each answer from a new `+tag` of its address (as VERP-style senders do).
 */
function autoResponder(
  address: string,
  options: { honours: boolean; mark: string[]; fromTag?: boolean },
): Party {
  let n = 0;
  return async (mail) => {
    n++;
    const from = options.fromTag ? address.replace('@', `+${n}@`) : address;
    const parsed = await simpleParser(mail.raw);
    if (options.honours && parsed.headers.has('auto-submitted')) return [];
    const to = parsed.from?.value[0]?.address ?? mail.from;
    const raw = Buffer.from(
      [
        `From: <${from}>`,
        `To: <${to}>`,
        `Subject: Out of office: ${parsed.subject ?? ''}`,
        `Message-ID: <${Math.random().toString(36).slice(2)}@responder.example>`,
        ...(parsed.messageId ? [`In-Reply-To: ${parsed.messageId}`, `References: ${parsed.messageId}`] : []),
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        ...options.mark,
        '',
        'I am away.',
        '',
      ].join('\r\n'),
    );
    return [{ from, to, raw }];
  };
}

describe('loops: bounded number of messages', () => {
  it('the bot mailing itself (From, Reply-To or Return-Path on its own address or domain) gets no reply', async () => {
    const bot = botParty(botConfig('bot@example.com', 'bot@example.com,@example.com'));
    const network = new Map([['bot@example.com', bot.party]]);
    const cases = [
      human('bot@example.com', 'bot@example.com'),
      human('alice@example.org', 'bot@example.com', ['Reply-To: bot@example.com']),
      human('alice@example.org', 'bot@example.com', ['Reply-To: other@example.com']),
      { ...human('alice@example.org', 'bot@example.com'), from: 'bot@example.com' },
    ];
    for (const first of cases) {
      const log = await run(network, first);
      expect(log).toHaveLength(1);
    }
    expect(bot.replies()).toBe(0);
  });

  it("the bot's own reply delivered back to it is not answered", async () => {
    const bot = botParty(botConfig('bot@example.com'));
    const alice: Party = async (mail) => [{ ...mail, from: 'alice@example.org', to: 'bot@example.com' }]; // bounces it back verbatim
    const log = await run(
      new Map([
        ['bot@example.com', bot.party],
        ['alice@example.org', alice],
      ]),
      human('alice@example.org', 'bot@example.com'),
    );
    // alice → bot, bot → alice, alice forwards it verbatim → bot skips (Auto-Submitted, From is the bot).
    expect(log).toHaveLength(3);
    expect(bot.replies()).toBe(1);
  });

  it('two bots answering each other stop after one reply', async () => {
    const a = botParty(botConfig('a@one.example'));
    const b = botParty(botConfig('b@two.example'));
    const network = new Map([
      ['a@one.example', a.party],
      ['b@two.example', b.party],
    ]);
    // Someone points bot A at bot B through Reply-To.
    const log = await run(
      network,
      human('mallory@example.org', 'a@one.example', ['Reply-To: b@two.example']),
    );
    expect(log.length).toBeLessThanOrEqual(2);
    expect(a.replies() + b.replies()).toBe(1);
  });

  it('an RFC 3834 auto-responder answering the bot: no loop (it does not answer, or marks its answer)', async () => {
    for (const responder of [
      autoResponder('carol@example.org', { honours: true, mark: ['Auto-Submitted: auto-replied'] }),
      autoResponder('carol@example.org', { honours: false, mark: ['Auto-Submitted: auto-replied'] }),
      autoResponder('carol@example.org', { honours: false, mark: ['X-Autoreply: yes'] }),
      autoResponder('carol@example.org', { honours: false, mark: ['Precedence: junk'] }),
      autoResponder('carol@example.org', { honours: false, mark: ['X-Auto-Response-Suppress: All'] }),
    ]) {
      const bot = botParty(botConfig('bot@example.com'));
      const log = await run(
        new Map([
          ['bot@example.com', bot.party],
          ['carol@example.org', responder],
        ]),
        human('carol@example.org', 'bot@example.com'),
      );
      expect(log.length).toBeLessThanOrEqual(3);
      expect(bot.replies()).toBe(1);
    }
  });
});

describe('loops: a non-conforming auto-responder (marks nothing) is stopped by the reply limit', () => {
  // It answers every mail at once, from a normal address, with no Auto-Submitted, X-Autoreply, Precedence or list
  // header: nothing in the policy can tell it from a person. Without the limit this ran to the 50-message cap.
  const carol = 'carol@example.org';

  it('stops within one hour at the hourly limit: 1 + 5 bot replies + 5 answers = 11 messages', async () => {
    for (const fromTag of [false, true]) {
      const bot = botParty(botConfig('bot@example.com'));
      const log = await run(
        new Map([
          ['bot@example.com', bot.party],
          [carol, autoResponder(carol, { honours: false, mark: [], fromTag })],
        ]),
        human(carol, 'bot@example.com'),
      );
      console.log(
        `[loop] non-conforming responder${fromTag ? ' (+tag per answer)' : ''}: ${log.length} messages, ${bot.replies()} bot replies`,
      );
      expect(log).toHaveLength(11);
      expect(bot.replies()).toBe(5);
      const last = bot.lines.filter((l) => l.msg === 'skipped').at(-1);
      expect(last).toMatchObject({
        reason: 'reply-limit',
        to: fromTag ? 'carol+5@example.org' : carol,
      });
    }
  });

  it('stops within the day at the daily limit when the responder is slow (one answer every 20 minutes)', async () => {
    // The simulated clock moves 20 minutes per mail the bot handles, so no hour ever holds more than 3 replies:
    // only the daily rule (20) can end it. The run's own cap is raised far above that.
    let now = Date.parse('2026-11-25T00:00:00Z');
    const bot = botParty(botConfig('bot@example.com'), () => new Date(now));
    const slowBot: Party = async (mail) => {
      const out = await bot.party(mail);
      now += 20 * 60_000;
      return out;
    };
    const log = await run(
      new Map([
        ['bot@example.com', slowBot],
        [carol, autoResponder(carol, { honours: false, mark: [] })],
      ]),
      human(carol, 'bot@example.com'),
      500,
    );
    console.log(`[loop] slow non-conforming responder: ${log.length} messages, ${bot.replies()} bot replies`);
    expect(log).toHaveLength(41);
    expect(bot.replies()).toBe(20);
    expect(bot.lines.filter((l) => l.msg === 'skipped').at(-1)?.detail).toContain('limit 20/1d');
  });

  it('with the limit off (EMAIL_BOT_REPLY_LIMITS=off) the same responder runs to the cap: the limit is what stops it', async () => {
    const config = loadConfig({
      EMAIL_BOT_ADDRESS: 'bot@example.com',
      EMAIL_BOT_BUCKET: BUCKET,
      EMAIL_BOT_KEY_PREFIX: 'inbound/',
      EMAIL_BOT_REPLY_LIMITS: 'off',
      AWS_REGION: 'eu-west-1',
    });
    const bot = botParty(config);
    const log = await run(
      new Map([
        ['bot@example.com', bot.party],
        [carol, autoResponder(carol, { honours: false, mark: [] })],
      ]),
      human(carol, 'bot@example.com'),
    );
    expect(log).toHaveLength(50);
  });
});

describe('no open relay or reflector', () => {
  it('forged From with failing verdicts gets no reply, whatever it forges', async () => {
    const forgeries = [
      { spam: 'FAIL' },
      { virus: 'FAIL' },
      { dmarc: 'fail' },
      { spf: 'fail', dkim: 'fail' },
      { spf: 'softfail', dkim: 'none' },
      { spam: 'PROCESSING_FAILED' },
    ];
    for (const verdicts of forgeries) {
      const { handler, mailbox } = setup();
      mailbox.put(
        BUCKET,
        'inbound/forged',
        inboundMessage({
          ...verdicts,
          from: 'CEO <ceo@bank.example>',
          headers: ['Reply-To: victim@bank.example'],
        }),
      );
      const result = await handler(s3Event(['inbound/forged']));
      expect(result.outcomes[0]?.status, JSON.stringify(verdicts)).toBe('skipped');
      expect(mailbox.sent).toHaveLength(0);
    }
  });

  it('verdict headers written by the sender (below SES block, or with no SES block) are not trusted', async () => {
    const forgedVerdicts = [
      'X-SES-Spam-Verdict: PASS',
      'X-SES-Virus-Verdict: PASS',
      'Received-SPF: pass (forged)',
      'Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass',
    ];
    const { handler, mailbox } = setup();
    // SES's Received without verdicts (scanning off) on a message relayed by the sender's MTA: the forged
    // verdicts sit below the second Received. (A sender talking to SES directly, with no Received of its own,
    // with scanning off, is the documented gap in docs/reliability.md: keep scanning on.)
    mailbox.put(
      BUCKET,
      'inbound/a',
      Buffer.concat([
        Buffer.from(
          'Received: from mail.example.org by inbound-smtp.eu-west-1.amazonaws.com with SMTP id x;\r\n Wed, 25 Nov 2026 09:00:00 +0000\r\n',
        ),
        inboundMessage({ omit: true, headers: forgedVerdicts }),
      ]),
    );
    // A failing SES block on top, and forged passing verdicts below it.
    mailbox.put(
      BUCKET,
      'inbound/b',
      inboundMessage({ spam: 'FAIL', spf: 'fail', dkim: 'fail', headers: forgedVerdicts }),
    );
    // An untrusted authserv-id claiming a pass.
    mailbox.put(
      BUCKET,
      'inbound/c',
      inboundMessage({
        spf: 'fail',
        dkim: 'fail',
        headers: ['Authentication-Results: evil.example; spf=pass; dkim=pass'],
      }),
    );
    const result = await handler(s3Event(['inbound/a', 'inbound/b', 'inbound/c']));
    expect(result.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(mailbox.sent).toHaveLength(0);
  });

  it('mail not addressed to the bot (Bcc, list copies, other recipients) gets no reply', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/bcc', inboundMessage({ to: 'someone@example.net' }));
    const result = await handler(s3Event(['inbound/bcc']));
    expect(result.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'not-addressed-to-bot' });
    expect(mailbox.sent).toHaveLength(0);
  });

  it('answers exactly one recipient: Reply-To, else From; never Cc, To or addresses from the body', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(
      BUCKET,
      'inbound/multi',
      inboundMessage({
        to: 'bot@example.com, victim1@example.net',
        headers: [
          'Cc: victim2@example.net',
          'Reply-To: alice@example.org, victim3@example.net',
          'Bcc: victim4@example.net',
        ],
        body: 'please send to victim5@example.net\r\nTo: victim6@example.net\r\n',
      }),
    );
    await handler(s3Event(['inbound/multi']));
    expect(mailbox.sent).toHaveLength(1);
    expect(mailbox.sent[0]!.destinations).toEqual(['alice@example.org']);
    const reply = await simpleParser(Buffer.from(mailbox.sent[0]!.raw));
    expect(reply.to && !Array.isArray(reply.to) ? reply.to.value.map((v) => v.address) : []).toEqual([
      'alice@example.org',
    ]);
    expect(reply.cc).toBeUndefined();
    expect(reply.bcc).toBeUndefined();
  });
});

const NINE = new Date('2026-11-25T09:00:00Z');

/** Runs one S3 event per key, in order; returns `status` or `status: reason` per key. */
async function statuses(handler: ReturnType<typeof setup>['handler'], keys: string[]) {
  const out: string[] = [];
  for (const key of keys) {
    const o = (await handler(s3Event([key]), ctx)).outcomes[0]!;
    out.push(o.reason ? `${o.status}: ${o.reason}` : o.status);
  }
  return out;
}

const ctx = { awsRequestId: 'req-reflect' };

describe('reflection through Reply-To and forged From', () => {
  it("answers From, never a Reply-To outside the From's domain, and logs that it did", async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(
      BUCKET,
      'inbound/reflect',
      inboundMessage({ headers: ['Reply-To: Victim <victim@bank.example>'] }),
    );
    const result = await handler(s3Event(['inbound/reflect']), ctx);
    expect(result.outcomes[0]?.status).toBe('replied');
    expect(mailbox.sent[0]?.destinations).toEqual(['alice@example.org']);
    const reply = await simpleParser(Buffer.from(mailbox.sent[0]!.raw));
    const to = reply.to && !Array.isArray(reply.to) ? reply.to.value.map((v) => v.address) : [];
    expect(to).toEqual(['alice@example.org']);
    expect(Buffer.from(mailbox.sent[0]!.raw).toString('latin1')).not.toContain('victim@bank.example');
    expect(lines.find((l) => l.msg === 'replied')?.detail).toMatch(
      /Reply-To victim@bank\.example .*answered From/,
    );
  });

  /** 12 mails forging a victim's From: SPF and DKIM pass for the attacker's own domain, no DMARC at the victim. */
  function forgeries(mailbox: ReturnType<typeof setup>['mailbox']): string[] {
    const keys: string[] = [];
    for (let i = 0; i < 12; i++) {
      const key = `inbound/forged-${i}`;
      mailbox.put(
        BUCKET,
        key,
        inboundMessage({
          returnPath: '<mallory@attacker.example>',
          authDomain: 'attacker.example',
          dmarc: 'none',
          from: `Victim <victim+${i}@bank.example>`,
          messageId: `<forged-${i}@attacker.example>`,
        }),
      );
      keys.push(key);
    }
    return keys;
  }

  it('a forged From with passing verdicts (SPF and DKIM pass for the attacker, DMARC not FAIL) gets no reply: From is not aligned', async () => {
    const { handler, mailbox } = setup({ clock: () => NINE });
    const outcomes = await statuses(handler, forgeries(mailbox));
    expect(outcomes).toEqual(Array(12).fill('skipped: unaligned-from'));
    expect(mailbox.sent).toHaveLength(0);
    // Skipped by the policy, before the reply limit: no slot taken, no marker.
    expect(mailbox.markers(BUCKET, testConfig.markerPrefix)).toEqual([]);
  });

  it('with EMAIL_BOT_REQUIRE_ALIGNMENT=off the forged From reaches its victim at most the hourly limit', async () => {
    const config = loadConfig({
      EMAIL_BOT_ADDRESS: 'bot@example.com',
      EMAIL_BOT_BUCKET: BUCKET,
      EMAIL_BOT_KEY_PREFIX: 'inbound/',
      EMAIL_BOT_REQUIRE_ALIGNMENT: 'off',
      AWS_REGION: 'eu-west-1',
    });
    const { handler, mailbox } = setup({ config, clock: () => NINE });
    const outcomes = await statuses(handler, forgeries(mailbox));
    expect(outcomes.filter((o) => o === 'replied')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'skipped: reply-limit')).toHaveLength(7);
    expect(new Set(mailbox.sent.map((s) => s.destinations[0]!.replace(/\+\d+/, '')))).toEqual(
      new Set(['victim@bank.example']),
    );
  });

  it('forged From with failing verdicts takes no slot (the policy skips before the limit)', async () => {
    const { handler, mailbox } = setup({ clock: () => NINE });
    for (const [i, verdicts] of [
      { spam: 'FAIL' },
      { spf: 'fail', dkim: 'fail' },
      { dmarc: 'fail' },
    ].entries()) {
      mailbox.put(
        BUCKET,
        `inbound/fail-${i}`,
        inboundMessage({ ...verdicts, from: 'CEO <ceo@bank.example>', messageId: `<fail-${i}@x>` }),
      );
      expect((await handler(s3Event([`inbound/fail-${i}`]), ctx)).outcomes[0]?.status).toBe('skipped');
    }
    expect(mailbox.sent).toHaveLength(0);
    expect(mailbox.markers(BUCKET, testConfig.markerPrefix)).toEqual([]);
  });
});

describe('mail header injection through fields the bot copies', () => {
  const CRLF_BCC = '\r\nBcc: evil@attacker.example\r\nX-Injected: 1';
  const b64 = (s: string) => `=?utf-8?B?${Buffer.from(s).toString('base64')}?=`;
  const q = (s: string) =>
    `=?utf-8?Q?${[...Buffer.from(s)].map((c) => `=${c.toString(16).padStart(2, '0')}`).join('')}?=`;
  const cases: Array<[string, Parameters<typeof inboundMessage>[0]]> = [
    ['Subject (base64 encoded word)', { subject: `hi ${b64(`x${CRLF_BCC}`)}` }],
    ['Subject (Q encoded word)', { subject: q(`x${CRLF_BCC}`) }],
    ['Subject (bare CR and LF in words)', { subject: b64('a\rBcc: evil@attacker.example\nX-Injected: 1') }],
    ['From display name', { from: `${b64(`Alice${CRLF_BCC}`)} <alice@example.org>` }],
    ['Reply-To display name', { headers: [`Reply-To: ${b64(`Alice${CRLF_BCC}`)} <alice@example.org>`] }],
    [
      'From quoted display name with NUL',
      { from: '"Alice\0Bcc: evil@attacker.example" <alice@example.org>' },
    ],
    ['Message-ID', { messageId: `<${b64(`id${CRLF_BCC}`)}@example.org>` }],
    ['References', { headers: [`References: <a@example.org> ${b64(`<b${CRLF_BCC}@x>`)}`] }],
    ['In-Reply-To', { headers: [`In-Reply-To: <a@example.org${encodeURIComponent(CRLF_BCC)}>`] }],
    [
      'body (quoted into the reply)',
      { body: `hello\r\n.\r\n${CRLF_BCC}\r\n\r\nBcc: evil@attacker.example\r\n` },
    ],
    ['address with CRLF in the local part', { from: `"alice${CRLF_BCC}"@example.org` }],
  ];

  it.each(cases)('%s cannot add a header or a recipient', async (_name, options) => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/inject', inboundMessage(options));
    const result = await handler(s3Event(['inbound/inject']));
    const outcome = result.outcomes[0]!;
    expect(['replied', 'skipped', 'failed']).toContain(outcome.status);
    for (const sent of mailbox.sent) {
      expect(sent.destinations).toHaveLength(1);
      expect(sent.destinations[0]).not.toMatch(/attacker|[\r\n\0]/);
      const raw = Buffer.from(sent.raw).toString('latin1');
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      const names = head
        .split('\r\n')
        .filter((l) => !/^[ \t]/.test(l))
        .map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
      expect(names).not.toContain('bcc');
      expect(names).not.toContain('cc');
      expect(names).not.toContain('x-injected');
      expect(names.filter((n) => n === 'to')).toHaveLength(1);
      // No bare CR or LF anywhere in the header section (only CRLF line ends).
      expect(head.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      const reply = await simpleParser(Buffer.from(sent.raw));
      expect(reply.bcc).toBeUndefined();
      expect(reply.cc).toBeUndefined();
      expect(reply.headers.has('x-injected')).toBe(false);
    }
  });

  it('uses the test config defaults', () => {
    expect(testConfig.botAddress).toBe('bot@example.com');
  });
});
