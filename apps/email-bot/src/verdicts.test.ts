import { describe, expect, it } from 'vitest';
import { inboundMessage } from '../test/helpers/message.js';
import { parseMail } from './parse.js';
import { parseAuthenticationResults, readHeaderVerdicts } from './verdicts.js';

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
    ).toEqual({ spf: 'PASS', dkim: 'PASS', dmarc: 'NONE' });
  });

  it('is undefined for an untrusted server', () => {
    expect(parseAuthenticationResults('mx.example.org; spf=pass', trusted)).toBeUndefined();
  });
});
