/**
 * The reply policy: a pure function from the facts of one message to "reply to X" or "skip, because Y".
 * Rules: RFC 3834 §2 (automatic responses), SES backscatter guidance, and the anchor forwarder's lessons
 * (see README "Reply policy").
 */
import { canonicalAddress } from '@caprice/mime';
import { checkAlignment } from './alignment.js';

/** Every reason the bot does not answer, in the order they are checked. */
export const SkipReason = {
  VIRUS_VERDICT: 'virus-verdict',
  SPAM_VERDICT: 'spam-verdict',
  DMARC_FAIL: 'dmarc-fail',
  UNAUTHENTICATED: 'unauthenticated',
  NULL_RETURN_PATH: 'null-return-path',
  AUTO_SUBMITTED: 'auto-submitted',
  AUTO_REPLY_HEADER: 'auto-reply-header',
  LIST_HEADERS: 'list-headers',
  BULK_PRECEDENCE: 'bulk-precedence',
  DELIVERY_REPORT: 'delivery-report',
  ROBOT_SENDER: 'robot-sender',
  OWN_ADDRESS: 'own-address',
  NOT_ADDRESSED_TO_BOT: 'not-addressed-to-bot',
  NO_REPLY_ADDRESS: 'no-reply-address',
  UNALIGNED_FROM: 'unaligned-from',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** What the policy knows about one message (built by `extractFacts`). */
export interface MessageFacts {
  /** Verdicts, upper-cased (`PASS`, `FAIL`, `GRAY`, …); `undefined` when nobody reported one. */
  spam?: string | undefined;
  virus?: string | undefined;
  spf?: string | undefined;
  dkim?: string | undefined;
  dmarc?: string | undefined;
  /**
   * Domain of the envelope sender SPF checked (SES's `smtp.mailfrom`/`envelope-from`, `Return-Path`, or the event's
   * `mail.source`); `undefined` when unknown.
   */
  spfDomain?: string | undefined;
  /** `d=` domains of the DKIM signatures that passed (trusted `Authentication-Results`). */
  dkimDomains?: readonly string[] | undefined;
  /** The From domain SES evaluated DMARC for (`header.from=`), when it said. */
  dmarcFromDomain?: string | undefined;
  /** Envelope sender: `undefined` when unknown, `''` for the null path `<>`. */
  returnPath?: string | undefined;
  /** Every `Auto-Submitted` value, lower-cased, parameters removed. */
  autoSubmitted: readonly string[];
  /** Other robot markers found, as `name: value` (X-Autoreply, X-Autorespond, X-Loop, X-Auto-Response-Suppress). */
  autoReplyHeaders: readonly string[];
  /** Names of `List-*` headers present, lower-cased. */
  listHeaders: readonly string[];
  /** `Precedence` value, lower-cased. */
  precedence?: string | undefined;
  /** Top-level media type, lower-cased (`multipart/report`). */
  contentType?: string | undefined;
  /** Addresses of From, Reply-To, To+Cc: lower-cased, syntactically checked by the extractor. */
  from: readonly string[];
  replyTo: readonly string[];
  recipients: readonly string[];
}

/** What the policy needs from the configuration. */
export interface PolicyConfig {
  botAddress: string;
  allowedAddresses: readonly string[];
  allowedDomains: readonly string[];
  /**
   * `relaxed` (the default when absent): reply only when the From domain is aligned with an authenticated domain
   * (see `src/alignment.ts`); `off`: any SPF or DKIM pass will do.
   */
  requireAlignment?: 'relaxed' | 'off' | undefined;
}

/**
 * The policy's answer. `replyToIgnored` is set when the message had a Reply-To outside the From's domain and the
 * reply goes to From instead (see {@link replyTarget}).
 */
export type Decision =
  | { reply: true; to: string; replyToIgnored?: string }
  | { reply: false; reason: SkipReason; detail: string };

// RFC 3834 §2 and vacation(1)'s junkmail(): local parts used by responders, lists and bounce handlers.
const ROBOT_LOCAL_PARTS = new Set([
  'mailer-daemon',
  'mailerdaemon',
  'mailer',
  'postmaster',
  'uucp',
  'listserv',
  'majordomo',
  'bounce',
  'bounces',
  'noreply',
  'no-reply',
  'no_reply',
  'donotreply',
  'do-not-reply',
  'do_not_reply',
  'nobody',
]);
const ROBOT_PATTERNS = [
  /-request$/,
  /^owner-/,
  /-owner$/,
  /-relay$/,
  /-errors?$/,
  /-bounces?$/,
  /^bounces?-/,
];
const REPORT_TYPES = new Set([
  'multipart/report',
  'message/delivery-status',
  'message/global-delivery-status',
  'message/disposition-notification',
  'message/feedback-report',
]);
const BULK_PRECEDENCE = new Set(['bulk', 'list', 'junk']);

/**
 * Decides whether to answer a message, and to whom.
 *
 * @example
 * decideReply(facts, { botAddress: 'bot@example.com', allowedAddresses: ['bot@example.com'], allowedDomains: [] });
 * // { reply: false, reason: 'auto-submitted', detail: 'Auto-Submitted: auto-replied' }
 */
export function decideReply(facts: MessageFacts, config: PolicyConfig): Decision {
  if (facts.virus !== 'PASS') return skip('virus-verdict', `virus verdict is ${facts.virus ?? 'missing'}`);
  if (facts.spam !== 'PASS') return skip('spam-verdict', `spam verdict is ${facts.spam ?? 'missing'}`);
  if (facts.dmarc === 'FAIL') return skip('dmarc-fail', 'DMARC verdict is FAIL');
  if (facts.spf !== 'PASS' && facts.dkim !== 'PASS') {
    return skip(
      'unauthenticated',
      `neither SPF (${facts.spf ?? 'missing'}) nor DKIM (${facts.dkim ?? 'missing'}) passed`,
    );
  }
  if (facts.returnPath === '') return skip('null-return-path', 'Return-Path is <> (a bounce or other robot)');
  const submitted = facts.autoSubmitted.find((value) => value !== 'no');
  if (submitted !== undefined) return skip('auto-submitted', `Auto-Submitted: ${submitted}`);
  if (facts.autoReplyHeaders.length > 0) return skip('auto-reply-header', facts.autoReplyHeaders.join(', '));
  if (facts.listHeaders.length > 0) return skip('list-headers', `has ${facts.listHeaders.join(', ')}`);
  if (facts.precedence !== undefined && BULK_PRECEDENCE.has(facts.precedence)) {
    return skip('bulk-precedence', `Precedence: ${facts.precedence}`);
  }
  if (facts.contentType !== undefined && REPORT_TYPES.has(facts.contentType)) {
    return skip('delivery-report', `Content-Type is ${facts.contentType}`);
  }

  const { to, replyToIgnored } = replyTarget(facts);
  const senders = [...facts.from, ...facts.replyTo, ...(facts.returnPath ? [facts.returnPath] : [])];
  const robot = senders.find(isRobotAddress);
  if (robot !== undefined) return skip('robot-sender', `${robot} is a robot address`);
  const own = senders.find((address) => isOwnAddress(address, config));
  if (own !== undefined) return skip('own-address', `${own} is the bot's own address or domain`);
  if (!facts.recipients.some((address) => isOwnAddress(address, config))) {
    return skip('not-addressed-to-bot', 'no To/Cc address is one the bot answers for (Bcc or list copy)');
  }
  if (to === undefined) {
    return skip(
      'no-reply-address',
      replyToIgnored === undefined
        ? 'neither Reply-To nor From holds a usable address'
        : `no usable From, and Reply-To ${replyToIgnored} cannot be checked against it`,
    );
  }
  // The reply builder's own address rules (ASCII local part for SES, a real host name, RFC 5321 lengths): an
  // address it would refuse is a skip decided here, not a failed build later. Its canonical form (punycoded
  // domain) is what the builder addresses, so the handler can check that the two agree.
  const field = facts.replyTo[0] !== undefined && replyToIgnored === undefined ? 'Reply-To' : 'From';
  let canonical: string;
  try {
    canonical = canonicalAddress(field, to).toLowerCase();
  } catch (error) {
    return skip('no-reply-address', error instanceof Error ? error.message : `${field} ${to} is unusable`);
  }
  // Backscatter / joe-job: SPF can pass for the attacker's own envelope domain while From names a victim whose
  // domain publishes no DMARC. Checked last, so that every other skip reason stays the more specific one.
  const fromAddress = facts.from[0];
  if (config.requireAlignment !== 'off' && fromAddress !== undefined) {
    const alignment = checkAlignment({ ...facts, fromDomain: domainOf(fromAddress) });
    if (!alignment.aligned) return skip('unaligned-from', alignment.detail);
  }
  return replyToIgnored === undefined
    ? { reply: true, to: canonical }
    : { reply: true, to: canonical, replyToIgnored };
}

/**
 * Chooses the reply address: Reply-To (RFC 5322 §3.6.2, RFC 3834 §3.1.3) only when it is in the From's domain or a
 * subdomain of it, else From. A sender that passes SPF or DKIM for its own domain could otherwise name any third
 * party in Reply-To and use the bot as a reflector; with this rule a foreign Reply-To only sends the answer back to
 * the sender's own From.
 *
 * @example
 * replyTarget({ from: ['a@example.org'], replyTo: ['victim@bank.example'] });
 * // { to: 'a@example.org', replyToIgnored: 'victim@bank.example' }
 */
export function replyTarget(facts: Pick<MessageFacts, 'from' | 'replyTo'>): {
  to: string | undefined;
  replyToIgnored?: string;
} {
  const from = facts.from[0];
  const replyTo = facts.replyTo[0];
  if (replyTo === undefined) return { to: from };
  if (from === undefined) return { to: undefined, replyToIgnored: replyTo };
  const fromDomain = domainOf(from);
  const replyDomain = domainOf(replyTo);
  if (replyDomain === fromDomain || replyDomain.endsWith(`.${fromDomain}`)) return { to: replyTo };
  return { to: from, replyToIgnored: replyTo };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** True for addresses of mailer daemons, list managers and no-reply senders. */
export function isRobotAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = (at === -1 ? address : address.slice(0, at)).toLowerCase();
  const base = local.split('+')[0] ?? local;
  return [local, base].some(
    (part) => ROBOT_LOCAL_PARTS.has(part) || ROBOT_PATTERNS.some((re) => re.test(part)),
  );
}

/** True when the address is the bot's, or in one of the domains it answers for (a reply would loop back). */
export function isOwnAddress(address: string, config: PolicyConfig): boolean {
  const lower = address.toLowerCase();
  if (lower === config.botAddress || config.allowedAddresses.includes(lower)) return true;
  const domain = lower.slice(lower.lastIndexOf('@') + 1);
  return config.allowedDomains.includes(domain);
}

function skip(reason: SkipReason, detail: string): Decision {
  return { reply: false, reason, detail };
}
