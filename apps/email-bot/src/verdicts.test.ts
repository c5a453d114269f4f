import { describe, expect, it } from 'vitest';
import { inboundMessage } from '../test/helpers/message.js';
import { parseMail } from './parse.js';
import { parseAuthenticationResults, readAuthenticatedDomains, readHeaderVerdicts } from './verdicts.js';

const trusted = ['amazonses.com'];

describe('readHeaderVerdicts', () => {
  it('reads the verdicts SES put on top of the stored message', async () => {
    const parsed = await parseMail(
      inboundMessage({ spam: 'PASS', virus: 'PASS', spf: 'pass', dkim: 'fail' }),
    );
    expect(readHeaderVerdicts(parsed.headerLines, trusted)).toEqual({
      spam: 'PASS',
      virus: 'PASS',
      spf: 'PASS',
      dkim: 'FAIL',
      dmarc: 'PASS',
    });
  });

  it('ignores verdict headers the sender wrote below the Received chain', async () => {
    // Prepare: SES scanned nothing (no block), the sender forged PASS verdicts in its own headers.
    const parsed = await parseMail(
      inboundMessage({
        omit: true,
        headers: [
          'X-SES-Spam-Verdict: PASS',
          'X-SES-Virus-Verdict: PASS',
          'Authentication-Results: amazonses.com; spf=pass; dkim=pass',
        ],
      }),
    );
    const withSesReceived = Buffer.concat([
      Buffer.from(
        'Received: from x by inbound-smtp.eu-west-1.amazonaws.com; Wed, 25 Nov 2026 09:00:00 +0000\r\n',
      ),
      Buffer.from(parsed.headerLines.map((l) => l.line).join('\r\n')),
    ]);
    // Act
    const reparsed = await parseMail(Buffer.concat([withSesReceived, Buffer.from('\r\n\r\nbody\r\n')]));
    // Assess
    expect(readHeaderVerdicts(reparsed.headerLines, trusted)).toEqual({});
  });

  it('ends the trusted block at X-SES-RECEIPT: scanning off, sender talking to SES directly, forged verdicts', async () => {
    // Prepare: SES's block with scanning off (no X-SES-*-Verdict) and SPF failing, directly followed by a
    // message with no Received of its own whose first header lines forge SES's verdicts.
    const raw = [
      'Return-Path: <mallory@example.net>',
      'Received: from mx.example.net by inbound-smtp.eu-west-1.amazonaws.com with SMTP id x;',
      ' Wed, 25 Nov 2026 09:00:00 +0000',
      'Received-SPF: fail (spfCheck: domain of example.net does not designate 203.0.113.9) client-ip=203.0.113.9;',
      'Authentication-Results: amazonses.com; spf=fail; dkim=none; dmarc=none',
      'X-SES-RECEIPT: AEFBQUFBQUFB',
      'X-SES-Spam-Verdict: PASS',
      'X-SES-Virus-Verdict: PASS',
      'Received-SPF: pass (forged)',
      'Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass',
      'From: mallory@example.net',
      'To: bot@example.com',
      'Subject: hi',
      '',
      'body',
      '',
    ].join('\r\n');
    // Act
    const parsed = await parseMail(Buffer.from(raw));
    // Assess: only SES's own lines count; the spam/virus verdicts are missing (→ the policy skips).
    expect(readHeaderVerdicts(parsed.headerLines, trusted)).toEqual({
      spf: 'FAIL',
      dkim: 'NONE',
      dmarc: 'NONE',
    });
  });

  it('takes the first (SES) verdict when the sender added another one further down', async () => {
    const parsed = await parseMail(inboundMessage({ spam: 'FAIL', headers: ['X-SES-Spam-Verdict: PASS'] }));
    expect(readHeaderVerdicts(parsed.headerLines, trusted).spam).toBe('FAIL');
  });

  it('keeps the first trusted Authentication-Results when the sender adds one in the same block', () => {
    const lines = [
      { key: 'received', line: 'Received: from x by inbound-smtp.eu-west-1.amazonaws.com' },
      {
        key: 'authentication-results',
        line: 'Authentication-Results: amazonses.com; spf=fail; dkim=fail; dmarc=fail',
      },
      {
        key: 'authentication-results',
        line: 'Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass',
      },
    ];
    expect(readHeaderVerdicts(lines, trusted)).toEqual({ spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' });
  });

  it('ignores Authentication-Results from an untrusted authserv-id', () => {
    const lines = [
      { key: 'authentication-results', line: 'Authentication-Results: evil.example; spf=pass; dkim=pass' },
      { key: 'received-spf', line: 'Received-SPF: softfail (no)' },
    ];
    expect(readHeaderVerdicts(lines, trusted)).toEqual({ spf: 'SOFTFAIL' });
  });
});

describe('parseAuthenticationResults', () => {
  it('reads spf, dkim and dmarc, skipping comments', () => {
    expect(
      parseAuthenticationResults(
        'amazonses.com; spf=pass (spfCheck: domain of x; designates) smtp.mailfrom=a@x; dkim=fail header.i=@x; dkim=pass header.i=@y; dmarc=none header.from=x',
        trusted,
      ),
    ).toEqual({
      spf: 'PASS',
      dkim: 'PASS',
      dmarc: 'NONE',
      spfDomain: 'x',
      dkimDomains: ['y'],
      dmarcFromDomain: 'x',
    });
  });

  it('reads the identifiers the way SES writes them (envelope-from as its own part after the SPF result)', () => {
    // Shape of a real SES header (amazonses.com authserv-id, SPF properties split by `;`).
    const value = [
      'amazonses.com;',
      ' spf=pass (spfCheck: domain of _spf.mail.example.net designates 203.0.113.7 as permitted sender) client-ip=203.0.113.7; envelope-from=Bounce+X@Mail.Example.NET; helo=out.example.net;',
      ' dkim=pass header.i=@example.net;',
      ' dkim=pass header.d=esp.example header.s=s1;',
      ' dkim=fail header.d=broken.example;',
      ' dkim=none header.i=unknown;',
      ' dmarc=pass header.from=example.net;',
    ].join('\r\n');
    expect(parseAuthenticationResults(value, trusted)).toEqual({
      spf: 'PASS',
      dkim: 'PASS',
      dmarc: 'PASS',
      spfDomain: 'mail.example.net',
      dkimDomains: ['example.net', 'esp.example'],
      dmarcFromDomain: 'example.net',
    });
  });

  it('takes smtp.mailfrom (RFC 8601) with or without a local part, and the last SPF result with its own domain', () => {
    expect(
      parseAuthenticationResults('amazonses.com; spf=pass smtp.mailfrom=example.org', trusted)?.spfDomain,
    ).toBe('example.org');
    expect(
      parseAuthenticationResults(
        'amazonses.com; spf=pass smtp.mailfrom=a@one.example; spf=fail smtp.mailfrom=b@two.example',
        trusted,
      ),
    ).toMatchObject({ spf: 'FAIL', spfDomain: 'two.example' });
  });

  it('is undefined for an untrusted server', () => {
    expect(parseAuthenticationResults('mx.example.org; spf=pass', trusted)).toBeUndefined();
  });
});

describe('readAuthenticatedDomains', () => {
  it('reads the SPF, DKIM and DMARC domains from the trusted block', async () => {
    const parsed = await parseMail(
      inboundMessage({
        from: 'A <a@bank.example>',
        returnPath: '<m@mail.attacker.example>',
        authDomain: 'x.example',
      }),
    );
    expect(readAuthenticatedDomains(parsed.headerLines, trusted)).toEqual({
      spfDomain: 'mail.attacker.example',
      dkimDomains: ['x.example'],
      dmarcFromDomain: 'x.example',
    });
  });

  it('ignores an Authentication-Results the sender wrote below SES block (and one from an untrusted server)', async () => {
    const raw = Buffer.concat([
      Buffer.from(
        [
          'Return-Path: <mallory@attacker.example>',
          'Received: from mx.attacker.example by inbound-smtp.eu-west-1.amazonaws.com with SMTP id 1;',
          ' Wed, 25 Nov 2026 09:00:00 +0000',
          'X-SES-Spam-Verdict: PASS',
          'X-SES-Virus-Verdict: PASS',
          'Authentication-Results: mx.attacker.example; spf=pass smtp.mailfrom=bank.example; dkim=pass header.d=bank.example',
          'X-SES-RECEIPT: AAAA',
          'Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=bank.example; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example',
          'From: victim@bank.example',
          'To: bot@example.com',
          '',
          'hi',
        ].join('\r\n'),
      ),
    ]);
    const parsed = await parseMail(raw);
    // No trusted Authentication-Results: only SES's Return-Path is left for SPF, nothing for DKIM or DMARC.
    expect(readAuthenticatedDomains(parsed.headerLines, trusted)).toEqual({
      spfDomain: 'attacker.example',
      dkimDomains: [],
      dmarcFromDomain: undefined,
    });
    expect(readHeaderVerdicts(parsed.headerLines, trusted)).toEqual({ spam: 'PASS', virus: 'PASS' });
  });

  it('reads a UTF-8 domain back as UTF-8 (mailparser gives raw header lines one byte per char)', async () => {
    const parsed = await parseMail(inboundMessage({ from: 'A <a@bücher.example>' }));
    expect(readAuthenticatedDomains(parsed.headerLines, trusted).dkimDomains).toEqual(['bücher.example']);
  });

  it("falls back to Received-SPF's envelope-from when Authentication-Results names no envelope", async () => {
    const raw = Buffer.from(
      [
        'Return-Path: <a@return.example>',
        'Received: from mx by inbound-smtp.eu-west-1.amazonaws.com with SMTP id 1; Wed, 25 Nov 2026 09:00:00 +0000',
        'Received-SPF: pass (spfCheck: domain of spf.example designates 203.0.113.7) client-ip=203.0.113.7; envelope-from=a@spf.example; helo=mx;',
        'Authentication-Results: amazonses.com; spf=pass; dkim=none',
        'X-SES-RECEIPT: AAAA',
        'From: a@spf.example',
        '',
        'hi',
      ].join('\r\n'),
    );
    const parsed = await parseMail(raw);
    expect(readAuthenticatedDomains(parsed.headerLines, trusted).spfDomain).toBe('spf.example');
  });
});
