/** Builds inbound messages as SES stores them: SES's header block on top of the message as it arrived. */

export interface SesBlockOptions {
  returnPath?: string;
  spam?: string;
  virus?: string;
  spf?: string;
  dkim?: string;
  dmarc?: string;
  /**
   * Domain in the `dkim=… header.i=@…` and `dmarc=… header.from=…` results; defaults to the From domain (what SES
   * writes for a message signed by its From domain), else example.org.
   */
  authDomain?: string;
  /** Leave the SES block out entirely (no verdicts). */
  omit?: boolean;
}

function fromDomain(from: string | undefined): string | undefined {
  const address = from === undefined ? undefined : (/<([^>]*)>/.exec(from)?.[1] ?? from);
  return address?.includes('@') ? address.slice(address.lastIndexOf('@') + 1) : undefined;
}

/** The header lines SES prepends to a stored message. */
export function sesBlock(options: SesBlockOptions & { from?: string } = {}): string {
  if (options.omit) return '';
  const {
    returnPath = '<alice@example.org>',
    authDomain = fromDomain(options.from) ?? 'example.org',
    spam = 'PASS',
    virus = 'PASS',
    spf = 'pass',
    dkim = 'pass',
    dmarc = 'pass',
  } = options;
  const envelopeFrom = /<([^>]*)>/.exec(returnPath)?.[1] ?? returnPath;
  return [
    `Return-Path: ${returnPath}`,
    'Received: from mail.example.org (mail.example.org [198.51.100.7])',
    ' by inbound-smtp.eu-west-1.amazonaws.com with SMTP id 0abc123def for bot@example.com;',
    ' Wed, 25 Nov 2026 09:00:00 +0000 (UTC)',
    `X-SES-Spam-Verdict: ${spam}`,
    `X-SES-Virus-Verdict: ${virus}`,
    `Received-SPF: ${spf} (spfCheck: domain of example.org designates 198.51.100.7 as permitted sender) client-ip=198.51.100.7;`,
    `Authentication-Results: amazonses.com;`,
    ` spf=${spf} (spfCheck: domain of example.org designates 198.51.100.7 as permitted sender) client-ip=198.51.100.7; envelope-from=${envelopeFrom};`,
    ` dkim=${dkim} header.i=@${authDomain};`,
    ` dmarc=${dmarc} header.from=${authDomain};`,
    'X-SES-RECEIPT: AEFBQUFBQUFBQUFBQUFB',
    '',
  ].join('\r\n');
}

export interface MessageOptions extends SesBlockOptions {
  /** Extra header lines for the original message (e.g. `Auto-Submitted: auto-replied`). */
  headers?: string[];
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  body?: string;
  contentType?: string;
}

/** A plain-text message as SES would store it, as bytes. */
export function inboundMessage(options: MessageOptions = {}): Buffer {
  const {
    from = 'Alice Example <alice@example.org>',
    to = 'Caprice <bot@example.com>',
    subject = 'Hello bot',
    messageId = '<m1@example.org>',
    body = 'hello there, bot!\r\nthis is a test.\r\n',
    contentType = 'text/plain; charset=utf-8',
    headers = [],
  } = options;
  const original = [
    'Received: from [192.0.2.1] by mail.example.org; Wed, 25 Nov 2026 08:59:59 +0000',
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    'Date: Wed, 25 Nov 2026 08:59:58 +0000',
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    ...headers,
    '',
    body,
  ].join('\r\n');
  return Buffer.from(sesBlock(options) + original, 'utf-8');
}
