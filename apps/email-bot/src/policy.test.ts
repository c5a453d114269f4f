import { describe, expect, it } from 'vitest';
import { decideReply, isRobotAddress, type MessageFacts, type PolicyConfig, SkipReason } from './policy.js';

const config: PolicyConfig = {
  botAddress: 'bot@example.com',
  allowedAddresses: ['bot@example.com', 'help@example.com'],
  allowedDomains: ['caprice.example'],
};

const good: MessageFacts = {
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
  replyTo: [],
  recipients: ['bot@example.com'],
};

describe('decideReply', () => {
  it('replies to From when a clean, authenticated, personal message names the bot', () => {
    expect(decideReply(good, config)).toEqual({ reply: true, to: 'alice@example.org' });
  });

  it('replies to Reply-To over From', () => {
    expect(decideReply({ ...good, replyTo: ['team@example.org'] }, config)).toEqual({
      reply: true,
      to: 'team@example.org',
    });
  });

  it("honours Reply-To in a subdomain of the From's domain", () => {
    expect(decideReply({ ...good, replyTo: ['help@support.example.org'] }, config)).toEqual({
      reply: true,
      to: 'help@support.example.org',
    });
  });

  it.each([
    ['a third party', 'victim@bank.example'],
    ['a look-alike domain', 'victim@evilexample.org'],
    ['a parent domain', 'someone@org'],
  ])("answers From, not a Reply-To outside the From's domain (%s): no reflection", (_name, replyTo) => {
    expect(decideReply({ ...good, replyTo: [replyTo] }, config)).toEqual({
      reply: true,
      to: 'alice@example.org',
      replyToIgnored: replyTo,
    });
  });

  it('skips a Reply-To without a From (nothing to check it against)', () => {
    expect(decideReply({ ...good, from: [], replyTo: ['team@example.org'] }, config)).toMatchObject({
      reply: false,
      reason: SkipReason.NO_REPLY_ADDRESS,
    });
  });

  it.each<[string, Partial<MessageFacts>]>([
    ['DKIM passes but SPF fails', { spf: 'FAIL' }],
    ['SPF passes but DKIM fails', { dkim: 'FAIL' }],
    ['DMARC is GRAY (no policy)', { dmarc: 'GRAY' }],
    ['DMARC verdict missing', { dmarc: undefined }],
    ['Auto-Submitted: no', { autoSubmitted: ['no'] }],
    ['Precedence: first-class', { precedence: 'first-class' }],
    ['multipart/mixed', { contentType: 'multipart/mixed' }],
    ['recipient is an allowed domain', { recipients: ['anyone@caprice.example'] }],
    ['recipient is a second allowed address', { recipients: ['list@example.org', 'help@example.com'] }],
    ['Return-Path unknown (not null)', { returnPath: undefined }],
  ])('still replies when %s', (_name, change) => {
    expect(decideReply({ ...good, ...change }, config).reply).toBe(true);
  });

  it.each<[string, Partial<MessageFacts>, SkipReason]>([
    ['virus verdict FAIL', { virus: 'FAIL' }, SkipReason.VIRUS_VERDICT],
    ['virus verdict missing', { virus: undefined }, SkipReason.VIRUS_VERDICT],
    ['virus verdict PROCESSING_FAILED', { virus: 'PROCESSING_FAILED' }, SkipReason.VIRUS_VERDICT],
    ['spam verdict FAIL', { spam: 'FAIL' }, SkipReason.SPAM_VERDICT],
    ['spam verdict GRAY', { spam: 'GRAY' }, SkipReason.SPAM_VERDICT],
    ['spam verdict missing', { spam: undefined }, SkipReason.SPAM_VERDICT],
    ['DMARC FAIL', { dmarc: 'FAIL' }, SkipReason.DMARC_FAIL],
    ['neither SPF nor DKIM pass', { spf: 'SOFTFAIL', dkim: 'NONE' }, SkipReason.UNAUTHENTICATED],
    ['SPF and DKIM missing', { spf: undefined, dkim: undefined }, SkipReason.UNAUTHENTICATED],
    ['Return-Path <>', { returnPath: '' }, SkipReason.NULL_RETURN_PATH],
    ['Auto-Submitted: auto-replied', { autoSubmitted: ['auto-replied'] }, SkipReason.AUTO_SUBMITTED],
    ['Auto-Submitted: auto-generated', { autoSubmitted: ['auto-generated'] }, SkipReason.AUTO_SUBMITTED],
    ['Auto-Submitted: auto-notified', { autoSubmitted: ['auto-notified'] }, SkipReason.AUTO_SUBMITTED],
    ['an unknown Auto-Submitted value', { autoSubmitted: ['no', 'whatever'] }, SkipReason.AUTO_SUBMITTED],
    ['X-Autoreply', { autoReplyHeaders: ['x-autoreply: yes'] }, SkipReason.AUTO_REPLY_HEADER],
    ['List-Id', { listHeaders: ['list-id'] }, SkipReason.LIST_HEADERS],
    ['List-Unsubscribe', { listHeaders: ['list-unsubscribe'] }, SkipReason.LIST_HEADERS],
    ['Precedence: bulk', { precedence: 'bulk' }, SkipReason.BULK_PRECEDENCE],
    ['Precedence: list', { precedence: 'list' }, SkipReason.BULK_PRECEDENCE],
    ['Precedence: junk', { precedence: 'junk' }, SkipReason.BULK_PRECEDENCE],
    ['multipart/report (DSN, ARF)', { contentType: 'multipart/report' }, SkipReason.DELIVERY_REPORT],
    [
      'message/delivery-status at the top',
      { contentType: 'message/delivery-status' },
      SkipReason.DELIVERY_REPORT,
    ],
    ['From MAILER-DAEMON', { from: ['mailer-daemon@example.org'] }, SkipReason.ROBOT_SENDER],
    ['From postmaster', { from: ['postmaster@example.org'] }, SkipReason.ROBOT_SENDER],
    ['From a -request address', { from: ['users-request@lists.example.org'] }, SkipReason.ROBOT_SENDER],
    ['From owner-*', { from: ['owner-users@lists.example.org'] }, SkipReason.ROBOT_SENDER],
    ['From noreply', { from: ['noreply@example.org'] }, SkipReason.ROBOT_SENDER],
    ['From no-reply', { from: ['no-reply@example.org'] }, SkipReason.ROBOT_SENDER],
    ['From donotreply', { from: ['donotreply@example.org'] }, SkipReason.ROBOT_SENDER],
    ['Reply-To noreply', { replyTo: ['noreply+abc@example.org'] }, SkipReason.ROBOT_SENDER],
    ['Return-Path of a bounce handler', { returnPath: 'bounces+123@example.org' }, SkipReason.ROBOT_SENDER],
    ['From the bot itself', { from: ['bot@example.com'] }, SkipReason.OWN_ADDRESS],
    ['Reply-To another bot address', { replyTo: ['help@example.com'] }, SkipReason.OWN_ADDRESS],
    ['From the bot domain', { from: ['someone@caprice.example'] }, SkipReason.OWN_ADDRESS],
    ['bot only in Bcc', { recipients: ['carol@example.org'] }, SkipReason.NOT_ADDRESSED_TO_BOT],
    ['no To/Cc at all', { recipients: [] }, SkipReason.NOT_ADDRESSED_TO_BOT],
    ['no From and no Reply-To', { from: [], replyTo: [] }, SkipReason.NO_REPLY_ADDRESS],
    // Addresses the reply builder (and SES) cannot send to.
    ['a From with a non-ASCII local part', { from: ['jörg@example.org'] }, SkipReason.NO_REPLY_ADDRESS],
    ['a From with a domain literal', { from: ['alice@[192.0.2.1]'] }, SkipReason.NO_REPLY_ADDRESS],
    ['a From with a malformed local part', { from: ['a..b@example.org'] }, SkipReason.NO_REPLY_ADDRESS],
    [
      'a From with a 65-octet local part',
      { from: [`${'a'.repeat(65)}@example.org`] },
      SkipReason.NO_REPLY_ADDRESS,
    ],
    [
      'an unusable Reply-To in the From domain',
      { replyTo: ['jörg@example.org'] },
      SkipReason.NO_REPLY_ADDRESS,
    ],
  ])('skips when %s', (_name, change, reason) => {
    // Prepare
    const facts = { ...good, ...change };
    // Act
    const decision = decideReply(facts, config);
    // Assess
    expect(decision).toMatchObject({ reply: false, reason });
    if (!decision.reply) expect(decision.detail).not.toBe('');
  });

  it('names the unusable address and why in the detail', () => {
    expect(decideReply({ ...good, from: ['jörg@example.org'] }, config)).toMatchObject({
      reply: false,
      reason: SkipReason.NO_REPLY_ADDRESS,
      detail: expect.stringMatching(/From: "jörg@example\.org" has a non-ASCII local part/),
    });
  });

  it('replies to an internationalised domain in the punycode form the reply builder sends to', () => {
    const idn = { spfDomain: 'bücher.example', dmarcFromDomain: 'xn--bcher-kva.example' };
    expect(decideReply({ ...good, ...idn, from: ['alice@bücher.example'] }, config)).toEqual({
      reply: true,
      to: 'alice@xn--bcher-kva.example',
    });
  });

  it('checks the verdicts before anything else', () => {
    const decision = decideReply(
      { ...good, spam: 'FAIL', autoSubmitted: ['auto-replied'], from: [] },
      config,
    );
    expect(decision).toMatchObject({ reply: false, reason: SkipReason.SPAM_VERDICT });
  });
});

describe('isRobotAddress', () => {
  it.each([
    ['MAILER-DAEMON@example.org', true],
    ['mailer-daemon@example.org', true],
    ['majordomo@example.org', true],
    ['listname-owner@example.org', true],
    ['nobody@example.org', true],
    ['bounce-123@example.org', true],
    ['alice@example.org', false],
    ['reply@example.org', false],
    ['requests@example.org', false],
    ['owner@example.org', false],
  ])('%s → %s', (address, expected) => {
    expect(isRobotAddress(address.toLowerCase())).toBe(expected);
  });
});

describe('decideReply: From aligned with an authenticated domain (relaxed, DMARC-style)', () => {
  // The verdicts pass but nothing aligns unless a case says so: SPF passed for the sender's own envelope domain,
  // DKIM for its own signing domain, the From domain publishes no DMARC (GRAY).
  const forged: MessageFacts = {
    ...good,
    dmarc: 'GRAY',
    dmarcFromDomain: undefined,
    spfDomain: 'attacker.example',
    dkimDomains: ['attacker.example'],
    returnPath: 'mallory@attacker.example',
  };

  it.each<[string, Partial<MessageFacts>]>([
    ['SPF passes for the From domain', { spfDomain: 'example.org', dkim: 'FAIL', dkimDomains: [] }],
    [
      'SPF passes for a subdomain of it (bounce domain)',
      { spfDomain: 'bounces.mail.example.org', dkimDomains: [] },
    ],
    [
      'SPF passes for the parent of a From subdomain',
      { from: ['alice@eu.example.org'], spfDomain: 'example.org' },
    ],
    [
      'DKIM passes for the From domain, SPF for another',
      { dkimDomains: ['attacker.example', 'example.org'] },
    ],
    [
      'DKIM passes for a sibling subdomain',
      { from: ['alice@eu.example.org'], dkimDomains: ['mail.example.org'] },
    ],
    ['DMARC passed (no domain named)', { dmarc: 'PASS', spfDomain: undefined, dkimDomains: [] }],
    ['DMARC passed for the From domain', { dmarc: 'PASS', dmarcFromDomain: 'example.org', dkimDomains: [] }],
    ['case and a trailing dot differ', { spfDomain: 'Mail.EXAMPLE.org.' }],
    ['under a two-label public suffix', { from: ['a@mail.shop.co.uk'], spfDomain: 'shop.co.uk' }],
    [
      'a github.io site signs its own mail',
      { from: ['a@alice.github.io'], dkimDomains: ['alice.github.io'] },
    ],
    [
      'IDN: ASCII From, Unicode DKIM domain',
      { from: ['a@xn--bcher-kva.example'], dkimDomains: ['bücher.example'] },
    ],
    [
      'IDN: ASCII From, punycode SPF subdomain',
      { from: ['a@xn--bcher-kva.example'], spfDomain: 'mail.xn--bcher-kva.example' },
    ],
    [
      'IDN public suffix (公司.hk): same organization',
      { from: ['a@shop.xn--55qx5d.hk'], spfDomain: 'mail.shop.公司.hk' },
    ],
  ])('replies when %s', (_name, change) => {
    expect(decideReply({ ...forged, ...change }, config)).toMatchObject({ reply: true });
  });

  it.each<[string, Partial<MessageFacts>]>([
    ['SPF and DKIM pass for the attacker, From is the victim', {}],
    ['look-alike domain', { spfDomain: 'evilexample.org', dkimDomains: ['evilexample.org'] }],
    ['From domain as a subdomain of the attacker', { spfDomain: 'example.org.attacker.example' }],
    [
      'co.uk trap: another organization under the same public suffix',
      { from: ['a@victim.co.uk'], spfDomain: 'attacker.co.uk' },
    ],
    ['co.uk trap: the public suffix itself', { from: ['a@victim.co.uk'], spfDomain: 'co.uk' }],
    [
      'github.io trap: another site on the same host',
      { from: ['a@victim.github.io'], dkimDomains: ['mallory.github.io'] },
    ],
    ['IDN public suffix trap', { from: ['a@shop.xn--55qx5d.hk'], spfDomain: 'other.公司.hk' }],
    ['aligned SPF domain, but SPF did not pass', { spfDomain: 'example.org', spf: 'SOFTFAIL' }],
    ['aligned DKIM domain, but DKIM did not pass', { dkimDomains: ['example.org'], dkim: 'FAIL' }],
    ['DMARC passed for another From domain', { dmarc: 'PASS', dmarcFromDomain: 'attacker.example' }],
    [
      'no Authentication-Results (Received-SPF pass only, no domains)',
      { dmarc: undefined, dkim: undefined, spfDomain: undefined, dkimDomains: undefined },
    ],
  ])('skips unaligned-from when %s', (_name, change) => {
    expect(decideReply({ ...forged, ...change }, config)).toMatchObject({
      reply: false,
      reason: 'unaligned-from',
    });
  });

  it('names the From domain and the authenticated domains in the detail', () => {
    expect(decideReply({ ...forged, from: ['victim@mail.bank.example'] }, config)).toEqual({
      reply: false,
      reason: SkipReason.UNALIGNED_FROM,
      detail:
        'From domain mail.bank.example (organization bank.example) is not aligned with an authenticated domain: ' +
        'SPF attacker.example; DKIM attacker.example; DMARC GRAY',
    });
    expect(
      decideReply({ ...forged, spfDomain: undefined, dkim: 'FAIL', dkimDomains: [] }, config),
    ).toMatchObject({
      detail: expect.stringContaining('SPF pass, domain unknown; DKIM no pass; DMARC GRAY'),
    });
  });

  it('checks alignment after every other skip reason (they stay the more specific reason)', () => {
    expect(decideReply({ ...forged, listHeaders: ['list-id'] }, config)).toMatchObject({
      reason: 'list-headers',
    });
    expect(decideReply({ ...forged, recipients: ['x@elsewhere.example'] }, config)).toMatchObject({
      reason: 'not-addressed-to-bot',
    });
  });

  it('answers unaligned mail with requireAlignment off (the old behaviour)', () => {
    expect(decideReply(forged, { ...config, requireAlignment: 'off' })).toEqual({
      reply: true,
      to: 'alice@example.org',
    });
    expect(decideReply(forged, { ...config, requireAlignment: 'relaxed' })).toMatchObject({ reply: false });
  });
});
