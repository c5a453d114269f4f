/**
 * DMARC-style identifier alignment (RFC 7489 §3.1, relaxed mode): is the From domain the same organization as a
 * domain SES authenticated? Pure; the Public Suffix List comes from `tldts` (pinned), ICANN and private sections.
 */
import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';

/** What alignment is decided on (a subset of `MessageFacts`). */
export interface AlignmentFacts {
  /** The From domain the reply would go to (ASCII or Unicode). */
  fromDomain: string;
  spf?: string | undefined;
  dkim?: string | undefined;
  dmarc?: string | undefined;
  /** Domain of the envelope sender SPF checked. */
  spfDomain?: string | undefined;
  /** `d=` domains of passing DKIM signatures. */
  dkimDomains?: readonly string[] | undefined;
  /** The From domain DMARC was evaluated for (`header.from=`), when SES said. */
  dmarcFromDomain?: string | undefined;
}

/** Which identifier aligned, or why none did. */
export type Alignment =
  | { aligned: true; via: 'dmarc' | 'spf' | 'dkim'; domain: string }
  | { aligned: false; detail: string };

// Private section on: alice.github.io and mallory.github.io are different organizations, as they are for DMARC
// receivers that use the whole list. extractHostname off: the input is already a domain.
const PSL_OPTIONS = { allowPrivateDomains: true, extractHostname: false } as const;

/**
 * The organizational domain (RFC 7489 §3.2): the public suffix plus one label. A domain that is itself a public
 * suffix, or that the list cannot place (an IP literal, an empty label), is its own organizational domain, so it only
 * aligns with itself.
 *
 * @example
 * organizationalDomain('mail.example.co.uk'); // 'example.co.uk'
 * organizationalDomain('alice.github.io'); // 'alice.github.io'
 */
export function organizationalDomain(domain: string): string {
  const ascii = asciiDomain(domain);
  return getDomain(ascii, PSL_OPTIONS) ?? ascii;
}

/**
 * Relaxed alignment of the From domain: DMARC passed for it, or SPF passed for an envelope domain of the same
 * organization, or a DKIM signature of the same organization passed.
 *
 * @example
 * checkAlignment({ fromDomain: 'example.org', spf: 'PASS', spfDomain: 'bounces.example.org' });
 * // { aligned: true, via: 'spf', domain: 'bounces.example.org' }
 */
export function checkAlignment(facts: AlignmentFacts): Alignment {
  const from = asciiDomain(facts.fromDomain);
  const org = organizationalDomain(from);
  const sameOrg = (domain: string | undefined) =>
    domain !== undefined && organizationalDomain(domain) === org;
  // A DMARC pass counts only for the From domain it was evaluated for, when SES names it.
  if (facts.dmarc === 'PASS' && (facts.dmarcFromDomain === undefined || sameOrg(facts.dmarcFromDomain))) {
    return { aligned: true, via: 'dmarc', domain: asciiDomain(facts.dmarcFromDomain ?? from) };
  }
  if (facts.spf === 'PASS' && facts.spfDomain !== undefined && sameOrg(facts.spfDomain)) {
    return { aligned: true, via: 'spf', domain: asciiDomain(facts.spfDomain) };
  }
  const dkimDomains = facts.dkim === 'PASS' ? (facts.dkimDomains ?? []) : [];
  const dkim = dkimDomains.find(sameOrg);
  if (dkim !== undefined) return { aligned: true, via: 'dkim', domain: asciiDomain(dkim) };

  const spf =
    facts.spf === 'PASS'
      ? facts.spfDomain === undefined
        ? 'pass, domain unknown'
        : facts.spfDomain
      : 'no pass';
  const dkimText =
    dkimDomains.length > 0
      ? dkimDomains.join(', ')
      : facts.dkim === 'PASS'
        ? 'pass, domain unknown'
        : 'no pass';
  const dmarc =
    facts.dmarc === 'PASS' && facts.dmarcFromDomain !== undefined
      ? `PASS for ${facts.dmarcFromDomain}`
      : (facts.dmarc ?? 'missing');
  return {
    aligned: false,
    detail:
      `From domain ${from} (organization ${org}) is not aligned with an authenticated domain: ` +
      `SPF ${spf}; DKIM ${dkimText}; DMARC ${dmarc}`,
  };
}

/** Lower-cased, no trailing dot, Unicode labels as punycode (what the list and SES compare on). */
function asciiDomain(domain: string): string {
  const lower = domain.trim().toLowerCase().replace(/\.$/, '');
  if (/^[\x21-\x7e]*$/.test(lower)) return lower;
  return domainToASCII(lower) || lower;
}
