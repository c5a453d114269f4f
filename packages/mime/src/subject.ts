import { REPLY_PREFIX } from './constants.js';
import { normalizeHeaderText } from './header-text.js';

/**
 * One or more reply markers at the start of a subject: `Re:` and its translations (German `Aw:`,
 * Scandinavian `Sv:`, Dutch `Antw:`, Finnish `Vs:`, Polish `Odp:`, Turkish `Ynt:`, Chinese `回复：`/`答复：`),
 * in any case, with an optional counter (`Re[2]:`, `Re^2:`, `Re(2):`) and a half- or full-width colon.
 * Forward markers (`Fwd:`) are kept: they say something about the content.
 */
const REPLY_PREFIXES =
  /^(?:[ \t]*(?:re|aw|sv|antw|vs|odp|ynt|回复|回覆|答复)[ \t]*(?:\[\d+\]|\^\d+|\(\d+\))?[ \t]*[:：][ \t]*)+/iu;

/**
 * Removes any stack of reply prefixes from the start of a subject.
 *
 * @example
 * stripReplyPrefixes('RE: Aw: Re[2]: Budget') // 'Budget'
 */
export function stripReplyPrefixes(subject: string): string {
  return subject.replace(REPLY_PREFIXES, '');
}

/**
 * The subject of a reply: `Re: ` plus the original subject without its reply prefixes, normalised as
 * header text. An empty or missing original subject gives plain `Re:` (what Thunderbird and Outlook
 * send); inventing text such as "(no subject)" would break subject-based threading in some clients.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5322#section-3.6.5} "only one instance of the literal string 'Re: '"
 * @example
 * replySubject('Re: RE: Aw: Grüße') // 'Re: Grüße'
 * replySubject(undefined)           // 'Re:'
 */
export function replySubject(original: string | undefined): string {
  const rest = normalizeHeaderText(stripReplyPrefixes(normalizeHeaderText(original ?? '')));
  return rest ? `${REPLY_PREFIX}${rest}` : REPLY_PREFIX.trimEnd();
}
