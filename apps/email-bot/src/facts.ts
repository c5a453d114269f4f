/** Turns a parsed message (plus what the event said) into the policy's `MessageFacts`. */
import { domainToASCII } from 'node:url';
import type { AddressObject, EmailAddress, ParsedMail } from 'mailparser';
import type { InboundRecord } from './event.js';
import type { MessageFacts } from './policy.js';
import { firstToken, headerValue, readAuthenticatedDomains, readHeaderVerdicts } from './verdicts.js';

const ADDRESS_RE = /^[^\s@<>()",;:\\]+@[^\s@<>()",;:\\]+\.[^\s@<>()",;:\\]+$/;

/**
 * Collects the facts the reply policy decides on. Event verdicts (SES receipt events) are authoritative;
 * otherwise verdicts come from the trusted block of SES headers in the stored object.
 *
 * @example
 * const facts = extractFacts(parsed, record, ['amazonses.com']);
 */
export function extractFacts(
  parsed: Pick<ParsedMail, 'headers' | 'headerLines' | 'from' | 'replyTo' | 'to' | 'cc'>,
  record: Pick<InboundRecord, 'verdicts' | 'envelopeSender'>,
  trustedAuthservIds: readonly string[],
): MessageFacts {
  const verdicts = record.verdicts ?? readHeaderVerdicts(parsed.headerLines, trustedAuthservIds);
  // The SES event carries verdicts but no domains: its SPF result is for mail.source; DKIM's d= and DMARC's
  // header.from come from the trusted Authentication-Results SES wrote into the stored message in both modes.
  const authenticated = readAuthenticatedDomains(parsed.headerLines, trustedAuthservIds);
  const spfDomain =
    record.envelopeSender !== undefined ? envelopeDomain(record.envelopeSender) : authenticated.spfDomain;
  const lines = parsed.headerLines.map(({ key, line }) => ({
    name: key.toLowerCase(),
    value: headerValue(line),
  }));
  const values = (name: string) => lines.filter((l) => l.name === name).map((l) => l.value);

  const autoReplyHeaders: string[] = [];
  for (const { name, value } of lines) {
    const lower = value.toLowerCase();
    if (
      (name === 'x-autoreply' || name === 'x-autorespond' || name === 'x-auto-response') &&
      lower !== 'no'
    ) {
      autoReplyHeaders.push(`${name}: ${value}`);
    } else if (name === 'x-loop') {
      autoReplyHeaders.push(`${name}: ${value}`);
    } else if (name === 'x-auto-response-suppress' && /\b(all|autoreply|oof)\b/.test(lower)) {
      autoReplyHeaders.push(`${name}: ${value}`);
    }
  }

  const contentType = parsed.headers.get('content-type');
  return {
    ...verdicts,
    spfDomain,
    dkimDomains: authenticated.dkimDomains,
    dmarcFromDomain: authenticated.dmarcFromDomain,
    returnPath:
      record.envelopeSender !== undefined
        ? envelope(record.envelopeSender)
        : returnPath(values('return-path')),
    autoSubmitted: values('auto-submitted').map((v) => firstToken(v).toLowerCase()),
    autoReplyHeaders,
    listHeaders: [...new Set(lines.filter((l) => l.name.startsWith('list-')).map((l) => l.name))],
    precedence: values('precedence').map((v) => firstToken(v).toLowerCase())[0],
    contentType:
      typeof contentType === 'object' && contentType !== null && 'value' in contentType
        ? String(contentType.value).toLowerCase()
        : undefined,
    from: addresses(parsed.from),
    replyTo: addresses(parsed.replyTo),
    recipients: [...addresses(parsed.to), ...addresses(parsed.cc)],
  };
}

/** Flattens an address header (groups included) into lower-cased, syntactically plausible addresses. */
export function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  if (header === undefined) return [];
  const out: string[] = [];
  const visit = (list: readonly EmailAddress[]) => {
    for (const entry of list) {
      if (entry.group) visit(entry.group);
      const address = entry.address?.trim().toLowerCase();
      if (address && ADDRESS_RE.test(address)) out.push(asciiDomain(address));
    }
  };
  for (const object of Array.isArray(header) ? header : [header]) visit(object.value ?? []);
  return out;
}

/**
 * The address with its domain in ASCII (punycode). mailparser decodes `xn--` domains to Unicode, while the
 * configuration, the reply builder and SES use the ASCII form: comparing the Unicode form against the bot's own
 * address would miss a loop, and miss that a mail is addressed to the bot. An undecodable domain is left as is
 * (the policy then finds no usable reply address).
 */
function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (/^[\x21-\x7e]*$/.test(domain)) return address;
  const ascii = domainToASCII(domain);
  return ascii === '' ? address : `${address.slice(0, at + 1)}${ascii}`;
}

function returnPath(values: readonly string[]): string | undefined {
  // SES prepends its own Return-Path, so the first one is the envelope sender.
  const first = values[0];
  if (first === undefined) return undefined;
  return envelope(first);
}

function envelopeDomain(value: string): string | undefined {
  const address = envelope(value);
  const domain = address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '');
  return domain === '' ? undefined : domain;
}

function envelope(value: string): string {
  const inner = /<([^>]*)>/.exec(value)?.[1] ?? value;
  return inner.trim().toLowerCase();
}
