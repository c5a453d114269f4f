import { randomBytes } from 'node:crypto';
import {
  decodeHeaderWords,
  type HeaderField,
  headerValue,
  parseAddresses,
  parseHeaderFields,
  removeHeaderFields,
  splitAddressList,
} from '../email/headers.js';

/** Header a test sender can put on inbound mail to choose SES's verdicts; the emulator strips it. */
export const TEST_VERDICTS_HEADER = 'X-Caprice-Test-Verdicts';

export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED';

export interface Verdicts {
  readonly spam: VerdictStatus;
  readonly virus: VerdictStatus;
  readonly spf: VerdictStatus;
  readonly dkim: VerdictStatus;
  readonly dmarc: VerdictStatus;
  /** Only reported when DMARC fails, as SES does. */
  readonly dmarcPolicy?: 'none' | 'quarantine' | 'reject';
}

export const PASSING_VERDICTS: Verdicts = {
  spam: 'PASS',
  virus: 'PASS',
  spf: 'PASS',
  dkim: 'PASS',
  dmarc: 'PASS',
};

const STATUSES = new Set(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED']);

/**
 * The verdicts SES would give this message, as far as they can be known without DNS: spam, virus and SPF pass
 * (nothing to check them against locally); DKIM passes when the message carries a `DKIM-Signature` (its key is
 * not fetched, so a signature is taken as valid) and is `GRAY` ("not signed") otherwise; DMARC passes when From is
 * aligned with the envelope domain or a signing domain, and is `GRAY` (no policy) otherwise, so a forged From is not
 * reported as authenticated. Alignment is relaxed and approximated without the Public Suffix List: the same domain,
 * or one a subdomain of the other.
 */
export function messageVerdicts(raw: Uint8Array, mailFrom: string): Verdicts {
  const fields = parseHeaderFields(raw);
  const fromDomain = domainOf(parseAddresses(headerValue(fields, 'from'))[0] ?? '');
  const signers = signingDomains(fields);
  const aligned = (domain: string) =>
    fromDomain !== '' &&
    domain !== '' &&
    (domain === fromDomain || domain.endsWith(`.${fromDomain}`) || fromDomain.endsWith(`.${domain}`));
  return {
    spam: 'PASS',
    virus: 'PASS',
    spf: 'PASS',
    dkim: signers.length > 0 ? 'PASS' : 'GRAY',
    dmarc: aligned(domainOf(mailFrom)) || signers.some(aligned) ? 'PASS' : 'GRAY',
  };
}

/** `d=` of each top-level `DKIM-Signature`, lower-cased. */
function signingDomains(fields: readonly HeaderField[]): string[] {
  return fields
    .filter((f) => f.name.toLowerCase() === 'dkim-signature')
    .map((f) => /(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(f.value)?.[1]?.toLowerCase() ?? '')
    .filter(Boolean);
}

/**
 * Parses `spam=FAIL; virus=PASS; spf=FAIL; dkim=GRAY; dmarc=FAIL; dmarcPolicy=reject` (`,` or `;`
 * separated, any case) over `base`; unknown names and values are ignored.
 */
export function parseVerdicts(text: string, base: Verdicts = PASSING_VERDICTS): Verdicts {
  const out: { -readonly [K in keyof Verdicts]: Verdicts[K] } = { ...base };
  for (const part of text.split(/[;,]/)) {
    const [rawName, rawValue] = part.split('=').map((s) => s.trim());
    if (rawName === undefined || rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    const value = rawValue.toUpperCase();
    if (name === 'dmarcpolicy' && ['NONE', 'QUARANTINE', 'REJECT'].includes(value)) {
      out.dmarcPolicy = value.toLowerCase() as Verdicts['dmarcPolicy'];
    } else if (['spam', 'virus', 'spf', 'dkim', 'dmarc'].includes(name) && STATUSES.has(value)) {
      out[name as 'spam'] = value as VerdictStatus;
    }
  }
  return out;
}

/** SES message ids are 20-40 lowercase letters and digits; they double as the S3 object name. */
export function newSesInboundMessageId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(40)].map((b) => alphabet[b % alphabet.length]).join('');
}

const AUTH_RESULT: Record<VerdictStatus, string> = {
  PASS: 'pass',
  FAIL: 'fail',
  GRAY: 'none',
  PROCESSING_FAILED: 'temperror',
};

export interface Envelope {
  /** MAIL FROM address ('' for the null sender). */
  readonly mailFrom: string;
  /** RCPT TO addresses that SES accepted. */
  readonly recipients: readonly string[];
  readonly remoteAddress: string;
  readonly helo: string;
}

/**
 * The message as SES stores it: SES's trace and verdict headers on top (Return-Path, Received,
 * X-SES-Spam-Verdict, X-SES-Virus-Verdict, Received-SPF, Authentication-Results, X-SES-RECEIPT),
 * then the received bytes unchanged except for the test-verdicts header.
 * @see https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html
 */
export function stampInbound(
  raw: Uint8Array,
  envelope: Envelope,
  messageId: string,
  verdicts: Verdicts,
  region: string,
  now: Date,
): Buffer {
  const original = removeHeaderFields(
    raw,
    (name) => name.toLowerCase() === TEST_VERDICTS_HEADER.toLowerCase(),
  );
  const fields = parseHeaderFields(original);
  const fromDomain = domainOf(parseAddresses(headerValue(fields, 'from'))[0] ?? '');
  const senderDomain = domainOf(envelope.mailFrom) || envelope.helo;
  const ip = envelope.remoteAddress;
  const spf = AUTH_RESULT[verdicts.spf];
  const spfReason =
    verdicts.spf === 'PASS'
      ? `domain of ${senderDomain} designates ${ip} as permitted sender`
      : `domain of ${senderDomain} does not designate ${ip} as permitted sender`;
  const lines = [
    `Return-Path: <${envelope.mailFrom}>`,
    `Received: from ${envelope.helo} (${envelope.helo} [${ip}])\r\n by inbound-smtp.${region}.amazonaws.com with SMTP id ${messageId}\r\n for ${envelope.recipients[0] ?? ''};\r\n ${rfc2822Date(now)}`,
    `X-SES-Spam-Verdict: ${verdicts.spam}`,
    `X-SES-Virus-Verdict: ${verdicts.virus}`,
    `Received-SPF: ${spf} (spfCheck: ${spfReason}) client-ip=${ip}; envelope-from=${envelope.mailFrom}; helo=${envelope.helo};`,
    `Authentication-Results: amazonses.com;\r\n spf=${spf} (spfCheck: ${spfReason}) smtp.mailfrom=${envelope.mailFrom};\r\n dkim=${AUTH_RESULT[verdicts.dkim]} header.i=@${signingDomains(fields)[0] ?? fromDomain};\r\n dmarc=${AUTH_RESULT[verdicts.dmarc]} header.from=${fromDomain};`,
    `X-SES-RECEIPT: ${randomBytes(96).toString('base64')}`,
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8'), original]);
}

/** Adds a header on top (AddHeaderAction). */
export function prependHeader(message: Buffer, name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(`${name}: ${value}\r\n`, 'utf8'), message]);
}

/** Reads the test-verdicts header from the top-level header block, if the sender set one. */
export function requestedVerdicts(raw: Uint8Array): string | undefined {
  return headerValue(parseHeaderFields(raw), TEST_VERDICTS_HEADER);
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).toLowerCase();
}

function rfc2822Date(d: Date): string {
  // "Wed, 25 Nov 2026 10:07:10 +0000"
  return d.toUTCString().replace('GMT', '+0000');
}

/** The `mail` object of SES notifications and Lambda events (no body). */
export function mailObject(
  message: Buffer,
  envelope: Envelope,
  messageId: string,
  timestamp: string,
): Record<string, unknown> {
  const fields = parseHeaderFields(message);
  let budget = 10 * 1024;
  const headers: { name: string; value: string }[] = [];
  let truncated = false;
  for (const f of fields) {
    budget -= f.name.length + f.value.length + 4;
    if (budget < 0) {
      truncated = true;
      break;
    }
    headers.push({ name: f.name, value: f.value });
  }
  return {
    timestamp,
    source: envelope.mailFrom,
    messageId,
    destination: [...parseAddresses(headerValue(fields, 'to')), ...parseAddresses(headerValue(fields, 'cc'))],
    headersTruncated: truncated,
    headers,
    commonHeaders: commonHeaders(fields),
  };
}

function commonHeaders(fields: readonly HeaderField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const returnPath = headerValue(fields, 'return-path');
  if (returnPath !== undefined) out.returnPath = returnPath.replace(/^<|>$/g, '');
  for (const [name, key] of [
    ['from', 'from'],
    ['sender', 'sender'],
    ['reply-to', 'replyTo'],
    ['to', 'to'],
    ['cc', 'cc'],
    ['bcc', 'bcc'],
  ] as const) {
    const value = headerValue(fields, name);
    if (value !== undefined) out[key] = splitAddressList(value);
  }
  const date = headerValue(fields, 'date');
  if (date !== undefined) out.date = date;
  const id = headerValue(fields, 'message-id');
  if (id !== undefined) out.messageId = id;
  const subject = headerValue(fields, 'subject');
  if (subject !== undefined) out.subject = decodeHeaderWords(subject);
  return out;
}

/** `receipt.*Verdict` members (dmarcPolicy only when DMARC failed). */
export function receiptVerdicts(v: Verdicts): Record<string, unknown> {
  return {
    spamVerdict: { status: v.spam },
    virusVerdict: { status: v.virus },
    spfVerdict: { status: v.spf },
    dkimVerdict: { status: v.dkim },
    dmarcVerdict: { status: v.dmarc },
    ...(v.dmarc === 'FAIL' ? { dmarcPolicy: v.dmarcPolicy ?? 'none' } : {}),
  };
}
