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
 * The domains SES authenticated, from the trusted block (see {@link readAuthenticatedDomains}). Domains are
 * lower-cased, without a trailing dot, as written (the policy converts them to ASCII).
 */
export interface AuthenticatedDomains {
  /** Domain of the SPF-checked envelope sender (MAIL FROM), whatever the SPF result. */
  spfDomain?: string | undefined;
  /** `d=` domains of the DKIM signatures that passed. */
  dkimDomains: string[];
  /** The From domain DMARC was evaluated for (`header.from=`). */
  dmarcFromDomain?: string | undefined;
}

/** What one trusted `Authentication-Results` says: results upper-cased, plus the identifiers they are for. */
export interface AuthenticationResults {
  spf?: string;
  dkim?: string;
  dmarc?: string;
  /** `smtp.mailfrom=` (RFC 8601) or `envelope-from=` (what SES writes) of the first `spf=` result. */
  spfDomain?: string;
  /** `header.d=`, else the domain of `header.i=`, of every `dkim=pass` result. */
  dkimDomains: string[];
  /** `header.from=` of the first `dmarc=` result. */
  dmarcFromDomain?: string;
}

/**
 * The header lines SES added: everything above the second `Received:` and above `X-SES-RECEIPT` (the last line of
 * SES's block). Anything below was written by the sender or a relay and is not trusted.
 */
export function trustedBlock(headerLines: readonly HeaderLine[]): HeaderLine[] {
  const out: HeaderLine[] = [];
  let received = 0;
  for (const header of headerLines) {
    const name = header.key.toLowerCase();
    if (name === 'received' && ++received > 1) break;
    if (name === 'x-ses-receipt') break;
    out.push(header);
  }
  return out;
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
  const { spam, virus, receivedSpf, auth } = readTrusted(headerLines, trustedAuthservIds);
  const verdicts: Verdicts = {};
  if (spam !== undefined) verdicts.spam = spam;
  if (virus !== undefined) verdicts.virus = virus;
  // Authentication-Results outranks Received-SPF: same receiver, and it names the method.
  const spf = auth?.spf ?? receivedSpf?.result;
  if (spf !== undefined) verdicts.spf = spf;
  if (auth?.dkim !== undefined) verdicts.dkim = auth.dkim;
  if (auth?.dmarc !== undefined) verdicts.dmarc = auth.dmarc;
  return verdicts;
}

/**
 * Reads which domains SES authenticated, from the trusted block only (same rules as {@link readHeaderVerdicts}):
 * the SPF envelope domain from the trusted `Authentication-Results` (`smtp.mailfrom=` or SES's `envelope-from=`),
 * else from `Received-SPF`'s `envelope-from=`, else from SES's `Return-Path` (the envelope sender SES stores);
 * passing DKIM `d=` domains and DMARC's `header.from=` from the trusted `Authentication-Results`.
 *
 * @example
 * readAuthenticatedDomains(parsed.headerLines, ['amazonses.com']);
 * // { spfDomain: 'mail.example.org', dkimDomains: ['example.org'], dmarcFromDomain: 'example.org' }
 */
export function readAuthenticatedDomains(
  headerLines: readonly HeaderLine[],
  trustedAuthservIds: readonly string[],
): AuthenticatedDomains {
  const { receivedSpf, auth, returnPath } = readTrusted(headerLines, trustedAuthservIds);
  return {
    spfDomain: auth?.spfDomain ?? receivedSpf?.domain ?? returnPath,
    dkimDomains: auth?.dkimDomains ?? [],
    dmarcFromDomain: auth?.dmarcFromDomain,
  };
}

interface TrustedHeaders {
  spam?: string | undefined;
  virus?: string | undefined;
  receivedSpf?: { result: string; domain: string | undefined } | undefined;
  auth?: AuthenticationResults | undefined;
  returnPath?: string | undefined;
}

function readTrusted(
  headerLines: readonly HeaderLine[],
  trustedAuthservIds: readonly string[],
): TrustedHeaders {
  const out: TrustedHeaders = {};
  // First occurrence wins for every header: SES's copies sit above anything the sender wrote.
  for (const { key, line } of trustedBlock(headerLines)) {
    const name = key.toLowerCase();
    const value = headerValue(line);
    if (name === 'x-ses-spam-verdict') out.spam ??= firstToken(value).toUpperCase();
    else if (name === 'x-ses-virus-verdict') out.virus ??= firstToken(value).toUpperCase();
    else if (name === 'received-spf') {
      out.receivedSpf ??= {
        result: normalise(firstToken(value)),
        domain: domainOfIdentity(/(?:^|[\s;])envelope-from\s*=\s*([^\s;]+)/i.exec(stripComments(value))?.[1]),
      };
    } else if (name === 'authentication-results')
      out.auth ??= parseAuthenticationResults(value, trustedAuthservIds);
    else if (name === 'return-path')
      out.returnPath ??= domainOfIdentity(/<([^>]*)>/.exec(value)?.[1] ?? value);
  }
  return out;
}

/**
 * Parses an `Authentication-Results` value (RFC 8601) into upper-cased spf/dkim/dmarc results and the identifiers
 * they are for; `undefined` when its authserv-id is not trusted. Several `dkim=` results count as PASS if any
 * passes. SES writes the SPF properties as `;`-separated parts after the result (`spf=pass (…) client-ip=…;
 * envelope-from=a@example.org; helo=…;`), so a part without a `method=` belongs to the result before it.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8601}
 */
export function parseAuthenticationResults(
  value: string,
  trustedAuthservIds: readonly string[],
): AuthenticationResults | undefined {
  const text = stripComments(value);
  const [authserv = '', ...rest] = text.split(';');
  const authservId = authserv.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!trustedAuthservIds.includes(authservId)) return undefined;
  const out: AuthenticationResults = { dkimDomains: [] };
  let current: { method: string; result: string } | undefined;
  for (const part of rest) {
    const match = /^\s*([a-z][a-z0-9-]*)\s*=\s*([a-z]+)\b(.*)$/is.exec(part);
    const method = match?.[1]?.toLowerCase();
    let props = part;
    if (match && method !== undefined && isMethod(method)) {
      const result = normalise(match[2]!);
      props = match[3]!;
      current = { method, result };
      // Several DKIM signatures: PASS if any passes. SPF and DMARC: the last result, with its own identifiers.
      if (method === 'dkim') {
        if (out.dkim !== 'PASS') out.dkim = result;
      } else if (method === 'spf') {
        out.spf = result;
        delete out.spfDomain;
      } else if (method === 'dmarc') {
        out.dmarc = result;
        delete out.dmarcFromDomain;
      }
    }
    if (current === undefined) continue;
    for (const [, rawName = '', rawValue = ''] of props.matchAll(/([a-z][a-z0-9.-]*)\s*=\s*([^\s;]+)/gi)) {
      const prop = rawName.toLowerCase();
      if (current.method === 'spf' && (prop === 'smtp.mailfrom' || prop === 'envelope-from')) {
        out.spfDomain ??= domainOfIdentity(rawValue);
      } else if (current.method === 'dkim' && current.result === 'PASS') {
        // header.d is the signing domain; header.i (`@domain` or `user@domain`) is in it or a subdomain of it.
        const domain =
          prop === 'header.d' || (prop === 'header.i' && rawValue.includes('@'))
            ? domainOfIdentity(rawValue)
            : undefined;
        if (domain !== undefined && !out.dkimDomains.includes(domain)) out.dkimDomains.push(domain);
      } else if (current.method === 'dmarc' && prop === 'header.from') {
        out.dmarcFromDomain ??= domainOfIdentity(rawValue);
      }
    }
  }
  return out;
}

/**
 * mailparser gives raw header lines as Latin-1 (one char per byte); a UTF-8 domain (SMTPUTF8 mail) is read back
 * as UTF-8 so it compares with the From domain. Text that is not valid UTF-8 stays as it was.
 */
function utf8(text: string): string {
  const codes = [...text].map((c) => c.codePointAt(0) ?? 0);
  if (!codes.some((code) => code > 0x7f) || codes.some((code) => code > 0xff)) return text;
  const decoded = Buffer.from(text, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? text : decoded;
}

// RFC 8601 §2.7 / the IANA "Email Authentication Methods" registry. A part that starts with anything else
// (`envelope-from=…`, `helo=…`, `client-ip=…` in SES's SPF result) is a property of the result before it.
const METHODS = new Set([
  'auth',
  'dkim',
  'dkim-adsp',
  'dmarc',
  'domainkeys',
  'iprev',
  'sender-id',
  'spf',
  'vbr',
  'arc',
  'bimi',
  'dnswl',
  'rrvs',
  'smime',
]);

function isMethod(name: string): boolean {
  return METHODS.has(name) || name.startsWith('x-');
}

/** The domain of `user@domain`, `@domain` or `domain`, lower-cased, without `<>` or a trailing dot. */
function domainOfIdentity(identity: string | undefined): string | undefined {
  if (identity === undefined) return undefined;
  const bare = identity.trim().replace(/^<|>$/g, '').replace(/^"|"$/g, '');
  const domain = utf8(bare.slice(bare.lastIndexOf('@') + 1))
    .replace(/\.$/, '')
    .toLowerCase();
  return domain === '' ? undefined : domain;
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
