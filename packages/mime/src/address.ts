import { domainToASCII } from 'node:url';
import {
  MAX_ADDRESS_LENGTH,
  MAX_LOCAL_PART_LENGTH,
  MAX_NAME_LENGTH,
  MAX_NAME_WORD_LENGTH,
} from './constants.js';
import { InvalidAddressError, InvalidDisplayNameError, NoRecipientError } from './errors.js';
import { hasLongWord, normalizeHeaderText } from './header-text.js';

/** A mailbox ready for the headers and the SMTP envelope: an ASCII addr-spec and an optional display name. */
export interface Mailbox {
  /** `local@domain`, the domain in its ASCII (punycode) form and lower case. */
  readonly address: string;
  /** Display name, normalised header text; empty when there is none. */
  readonly name: string;
}

/** One entry of a mailparser address header (`EmailAddress`): a mailbox, or a group with members. */
export interface AddressEntryLike {
  readonly name?: string | undefined;
  readonly address?: string | undefined;
  readonly group?: readonly AddressEntryLike[] | undefined;
}

/** A parsed address header as mailparser gives it (`AddressObject`); only `value` is read. */
export interface AddressListLike {
  readonly value: readonly AddressEntryLike[];
  /** The header as text; only used in error messages. */
  readonly text?: string | undefined;
}

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// qtext and quoted-pairs, minus < and > (nodemailer turns those into spaces in the header, which would
// make the header disagree with the envelope).
const QUOTED_LOCAL = /^"(?:[\x20\x21\x23-\x3b\x3d\x3f-\x5b\x5d-\x7e]|\\[\x20-\x3b\x3d\x3f-\x7e])*"$/;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Validates an address and returns its canonical ASCII form (domain punycoded and lower-cased, local
 * part untouched). Accepted: a dot-atom or quoted-string local part in ASCII, and a host name with at
 * least two labels (Unicode labels allowed). Refused: control characters, non-ASCII local parts (they
 * need SMTPUTF8, which SES does not offer), domain literals and anything over the RFC 5321 lengths.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2} Mailbox syntax
 * @throws {InvalidAddressError} naming `field` and the value
 * @example
 * canonicalAddress('x', '"john doe"@Exämple.org') // '"john doe"@xn--exmple-cua.org'
 */
export function canonicalAddress(field: string, value: unknown): string {
  const fail = (reason: string): never => {
    throw new InvalidAddressError(field, value, reason);
  };
  if (typeof value !== 'string') return fail('is not a string');
  if (/[\p{Cc}\u2028\u2029]/u.test(value)) return fail('contains control characters');
  const at = value.lastIndexOf('@');
  if (at < 0) return fail('has no @domain');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length === 0) return fail('has an empty local part');
  if (/[^\p{ASCII}]/u.test(local))
    return fail('has a non-ASCII local part (SES accepts only 7-bit ASCII there)');
  if (!DOT_ATOM.test(local) && !QUOTED_LOCAL.test(local)) return fail('has a malformed local part');
  if (local.length > MAX_LOCAL_PART_LENGTH)
    return fail(`has a local part over ${MAX_LOCAL_PART_LENGTH} octets`);
  if (domain.startsWith('[')) return fail('uses a domain literal');
  const ascii = domainToASCII(domain);
  if (!ascii) return fail('has an invalid domain');
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LDH_LABEL.test(label))) {
    return fail('has an invalid domain');
  }
  const address = `${local}@${ascii}`;
  if (address.length > MAX_ADDRESS_LENGTH) return fail(`is longer than ${MAX_ADDRESS_LENGTH} octets`);
  return address;
}

/** Why a display name cannot be written safely, or undefined when it can. */
function displayNameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  // An ASCII name goes out as a quoted-string, and many readers (mailparser, Thunderbird) decode
  // encoded-words even inside quotes, so a literal "=?" would be shown as something else.
  if (name.includes('=?') && /^\p{ASCII}*$/u.test(name))
    return 'contains "=?", which readers would decode as an encoded-word';
  // Non-ASCII names become RFC 2047 encoded-words, which split at any length; ASCII names become a
  // quoted-string, which folds only at spaces.
  if (/^\p{ASCII}*$/u.test(name) && hasLongWord(name, MAX_NAME_WORD_LENGTH)) {
    return `has a word longer than ${MAX_NAME_WORD_LENGTH} characters`;
  }
  return undefined;
}

/** The bot's own address as given in `reply.from`. */
export interface BotAddressInput {
  /** The bot's address, `local@domain`. Its domain is also used for the Message-ID. */
  readonly address: string;
  /** The bot's display name, e.g. `Caprice Bot`. */
  readonly name?: string | undefined;
}

/**
 * Validates the bot's own mailbox (trusted configuration, so anything odd is an error, not a fix-up) exactly
 * as `buildReply` does for `reply.from`, and returns it canonical (domain punycoded and lower-cased, name
 * normalised). Callers use it to check their configuration once at start-up instead of failing every reply.
 *
 * @throws {InvalidAddressError} naming `reply.from.address` | {@link InvalidDisplayNameError} naming `reply.from.name`
 * @example
 * botMailbox({ address: 'Bot@Bücher.example', name: 'Caprice' }) // { address: 'Bot@xn--bcher-kva.example', name: 'Caprice' }
 */
export function botMailbox(from: unknown): Mailbox {
  if (typeof from !== 'object' || from === null) {
    throw new InvalidAddressError('reply.from', from, 'is not an object');
  }
  const { address, name } = from as Record<string, unknown>;
  const canonical = canonicalAddress('reply.from.address', address);
  if (name !== undefined && typeof name !== 'string') {
    throw new InvalidDisplayNameError('reply.from.name', name, 'is not a string');
  }
  const normalized = normalizeHeaderText(name ?? '');
  const problem = displayNameProblem(normalized);
  if (problem) throw new InvalidDisplayNameError('reply.from.name', name, problem);
  return { address: canonical, name: normalized };
}

/** The mailboxes of an address header in order, group members included. */
function mailboxesOf(list: AddressListLike | undefined): AddressEntryLike[] {
  const out: AddressEntryLike[] = [];
  const visit = (entries: readonly AddressEntryLike[] | undefined): void => {
    for (const entry of entries ?? []) {
      if (typeof entry !== 'object' || entry === null) continue;
      if (typeof entry.address === 'string' && entry.address !== '') out.push(entry);
      else if (Array.isArray(entry.group)) visit(entry.group);
    }
  };
  visit(Array.isArray(list?.value) ? list.value : undefined);
  return out;
}

/** The parts of the original message addressing reads (a mailparser `ParsedMail` fits). */
export interface AddressSource {
  readonly from?: AddressListLike | undefined;
  readonly replyTo?: AddressListLike | undefined;
}

/**
 * Chooses the one recipient of a reply: the first mailbox of `Reply-To` if it has any, otherwise the
 * first mailbox of `From` (RFC 5322 §3.6.2; RFC 3834 §3.1.3 asks for exactly one recipient). The
 * sender's display name is kept when it can be written safely and dropped otherwise (it is untrusted
 * input, and a reply must not fail over a cosmetic field).
 *
 * @throws {NoRecipientError} when neither header has a mailbox
 * @throws {InvalidAddressError} when the chosen address is unusable (naming `original.replyTo` or `original.from`)
 */
export function recipientMailbox(original: AddressSource): Mailbox {
  const replyTo = mailboxesOf(original.replyTo)[0];
  const from = mailboxesOf(original.from)[0];
  const chosen = replyTo ?? from;
  if (!chosen) throw new NoRecipientError(original.replyTo?.text, original.from?.text);
  const field = replyTo ? 'original.replyTo' : 'original.from';
  const address = canonicalAddress(field, chosen.address);
  const name = normalizeHeaderText(typeof chosen.name === 'string' ? chosen.name : '');
  return { address, name: displayNameProblem(name) ? '' : name };
}

/** The first mailbox of the original `From`, for the attribution line; undefined when there is none. */
export function senderOf(original: AddressSource): { address: string; name: string } | undefined {
  const first = mailboxesOf(original.from)[0];
  if (!first || typeof first.address !== 'string') return undefined;
  return {
    address: normalizeHeaderText(first.address),
    name: normalizeHeaderText(typeof first.name === 'string' ? first.name : ''),
  };
}
