import { describe, expect, it } from 'vitest';
import {
  messageVerdicts,
  newSesInboundMessageId,
  PASSING_VERDICTS,
  parseVerdicts,
  receiptVerdicts,
} from './inbound.js';

describe('parseVerdicts', () => {
  it('overrides the named verdicts and ignores unknown names and values', () => {
    expect(
      parseVerdicts('spam=fail; virus=GRAY, spf=nope, bogus=FAIL, dmarc=FAIL, dmarcPolicy=quarantine'),
    ).toEqual({
      ...PASSING_VERDICTS,
      spam: 'FAIL',
      virus: 'GRAY',
      dmarc: 'FAIL',
      dmarcPolicy: 'quarantine',
    });
  });
});

describe('receiptVerdicts', () => {
  it('reports dmarcPolicy only when DMARC failed', () => {
    expect(receiptVerdicts(PASSING_VERDICTS)).not.toHaveProperty('dmarcPolicy');
    expect(receiptVerdicts({ ...PASSING_VERDICTS, dmarc: 'FAIL' })).toMatchObject({ dmarcPolicy: 'none' });
  });
});

describe('newSesInboundMessageId', () => {
  it('is 40 lowercase letters and digits (safe as an S3 key)', () => {
    expect(newSesInboundMessageId()).toMatch(/^[a-z0-9]{40}$/);
  });
});

describe('messageVerdicts (what SES would report, without DNS)', () => {
  const mail = (headers: string) => Buffer.from(`${headers}\r\nSubject: hi\r\n\r\nbody\r\n`);

  it('passes DMARC when From is the envelope domain or a subdomain of it either way; DKIM is GRAY when unsigned', () => {
    for (const [from, envelope] of [
      ['alice@example.org', 'alice@example.org'],
      ['alice@example.org', 'bounce@mail.example.org'],
      ['alice@news.example.org', 'bounce@example.org'],
    ] as const) {
      expect(messageVerdicts(mail(`From: <${from}>`), envelope)).toEqual({
        spam: 'PASS',
        virus: 'PASS',
        spf: 'PASS',
        dkim: 'GRAY',
        dmarc: 'PASS',
      });
    }
  });

  it('does not vouch for a forged From: envelope of another domain, unsigned → DMARC GRAY', () => {
    expect(messageVerdicts(mail('From: Bank <ceo@bank.example>'), 'mallory@attacker.example')).toMatchObject({
      dkim: 'GRAY',
      dmarc: 'GRAY',
    });
    // Look-alike suffixes are not subdomains.
    expect(messageVerdicts(mail('From: <a@bank.example>'), 'm@evilbank.example').dmarc).toBe('GRAY');
    // The null sender aligns with nothing.
    expect(messageVerdicts(mail('From: <a@bank.example>'), '').dmarc).toBe('GRAY');
  });

  it('takes a DKIM signature as passing, and aligns DMARC through its d= domain', () => {
    const signed = mail(
      'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n d=Example.org; s=sel; h=from:subject; bh=x; b=y\r\nFrom: <alice@example.org>',
    );
    expect(messageVerdicts(signed, 'bounce@esp.example')).toMatchObject({ dkim: 'PASS', dmarc: 'PASS' });
    const otherSigner = mail('DKIM-Signature: v=1; d=esp.example; s=s; b=y\r\nFrom: <alice@example.org>');
    expect(messageVerdicts(otherSigner, 'bounce@esp.example')).toMatchObject({ dkim: 'PASS', dmarc: 'GRAY' });
  });

  it('is the base a test-verdicts header overrides', () => {
    const base = messageVerdicts(mail('From: <a@bank.example>'), 'm@attacker.example');
    expect(parseVerdicts('spam=FAIL', base)).toEqual({ ...base, spam: 'FAIL' });
  });
});
