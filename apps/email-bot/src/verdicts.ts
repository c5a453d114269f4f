/**
 * Reads SES verdicts from the headers SES prepends to the stored object (S3-triggered mode).
 *
 * Anyone can write `X-SES-Spam-Verdict: PASS` into the mail they send, so only the *trusted block* is read: the
 * header lines above the second `Received:` line (SES adds exactly one `Received:` on top of the message as it
 * arrived, together with its verdict headers), and only `Authentication-Results` whose authserv-id is trusted.
 * SES ends its verdict block with `X-SES-RECEIPT`, so the block also ends there: with spam/virus scanning off SES
 * writes no verdicts, and a sender talking to SES directly (no `Received:` of its own) could otherwise put forged
 * `X-SES-*-Verdict` lines right under SES's. Without an `X-SES-RECEIPT` the second `Received:` rule alone applies.
 */
import type { Verdicts } from './event.js';

/** A raw header line as mailparser exposes it (`key` lower-cased, `line` the whole unfolded-or-folded line). */
export interface HeaderLine {
  key: string;
  line: string;
}

/**
 * Reads spam/virus/SPF/DKIM/DMARC verdicts from the trusted block of header lines.
 *
 * @example
 * readHeaderVerdicts(parsed.headerLines, ['amazonses.com']); // { spam: 'PASS', virus: 'PASS', spf: 'PASS', ... }
 */
export function readHeaderVerdicts(
  headerLines: readonly HeaderLine[],
  trustedAuthservIds: readonly string[],
): Verdicts {
  let spam: string | undefined;
  let virus: string | undefined;
  let receivedSpf: string | undefined;
  let auth: { spf?: string; dkim?: string; dmarc?: string } | undefined;
  let received = 0;
  // First occurrence wins for every header: SES's copies sit above anything the sender wrote.
  for (const { key, line } of headerLines) {
    const name = key.toLowerCase();
    if (name === 'received' && ++received > 1) break;
    if (name === 'x-ses-receipt') break;
    const value = headerValue(line);
    if (name === 'x-ses-spam-verdict') spam ??= firstToken(value).toUpperCase();
    else if (name === 'x-ses-virus-verdict') virus ??= firstToken(value).toUpperCase();
    else if (name === 'received-spf') receivedSpf ??= normalise(firstToken(value));
    else if (name === 'authentication-results')
      auth ??= parseAuthenticationResults(value, trustedAuthservIds);
  }
  const verdicts: Verdicts = {};
  if (spam !== undefined) verdicts.spam = spam;
  if (virus !== undefined) verdicts.virus = virus;
  // Authentication-Results outranks Received-SPF: same receiver, and it names the method.
  const spf = auth?.spf ?? receivedSpf;
  if (spf !== undefined) verdicts.spf = spf;
  if (auth?.dkim !== undefined) verdicts.dkim = auth.dkim;
  if (auth?.dmarc !== undefined) verdicts.dmarc = auth.dmarc;
  return verdicts;
}

/**
 * Parses an `Authentication-Results` value (RFC 8601) into upper-cased spf/dkim/dmarc results; `undefined` when
 * its authserv-id is not trusted. Several `dkim=` results count as PASS if any passes.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8601}
 */
export function parseAuthenticationResults(
  value: string,
  trustedAuthservIds: readonly string[],
): { spf?: string; dkim?: string; dmarc?: string } | undefined {
  const text = stripComments(value);
  const [authserv = '', ...rest] = text.split(';');
  const authservId = authserv.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!trustedAuthservIds.includes(authservId)) return undefined;
  const out: { spf?: string; dkim?: string; dmarc?: string } = {};
  for (const part of rest) {
    const match = /^\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)/i.exec(part);
    if (!match) continue;
    const method = match[1]!.toLowerCase() as 'spf' | 'dkim' | 'dmarc';
    const result = normalise(match[2]!);
    if (method === 'dkim' && out.dkim === 'PASS') continue;
    out[method] = result;
  }
  return out;
}

/** The value of a raw header line, unfolded and trimmed. */
export function headerValue(line: string): string {
  const colon = line.indexOf(':');
  return (colon === -1 ? '' : line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** The first token of a header value (before whitespace, `;` or a comment). */
export function firstToken(value: string): string {
  return /^[^\s;(]*/.exec(value.trim())?.[0] ?? '';
}

function normalise(result: string): string {
  return result.trim().toUpperCase();
}

function stripComments(value: string): string {
  // Comments may nest (RFC 5322 §3.2.2); strip innermost first.
  let text = value;
  for (let i = 0; i < 8 && /\([^()]*\)/.test(text); i++) text = text.replace(/\([^()]*\)/g, ' ');
  return text;
}
