import { Tokenizer } from 'htmlparser2';
import { type CapitalizeOptions, CapitalizerImpl } from './capitalizer.js';
import { CapitalizeTypeError } from './errors.js';

/**
 * Raw-text elements whose content is not rendered as text (code, styles, embedded-content fallbacks): left
 * byte-identical. `<title>`, `<textarea>`, `<xmp>` and `<plaintext>` content is visible text and is capitalized.
 */
const UNTOUCHED_ELEMENTS: ReadonlySet<string> = new Set(['script', 'style', 'iframe', 'noembed', 'noframes']);

const noop = (): void => {};

/**
 * Random-capitalizes the text of an HTML document or fragment and nothing else: tags, attribute names and values,
 * comments, doctypes, `<script>` / `<style>` (and `<iframe>` / `<noembed>` / `<noframes>`) content and character
 * references (`&amp;`, `&#x41;`, `&nbsp;`) come out byte-identical. Text is found with htmlparser2's tokenizer, which
 * follows the HTML tokenization states for raw text and RCDATA.
 *
 * The text nodes are capitalized as one letter stream in document order, so for a given seed the result's text
 * equals `randomCapitalize` applied to the concatenated text (character references excluded: they are not letters).
 * A literal `&` followed by letters or digits in text (`AT&T`, `&foo;`) keeps that run's case, so re-casing can never
 * turn plain text into a character reference.
 *
 * @throws {CapitalizeTypeError} `html` is not a string, or an option has the wrong type.
 * @throws {CapitalizeRangeError} on an out-of-range `probability` or unusable `seed`.
 * @example
 * capitalizeHtml('<p title="keep">hello &amp; bye</p>', { seed: 7 });
 * // '<p title="keep">' + (h/H)(e/E)… + ' &amp; ' + … + '</p>'
 */
export function capitalizeHtml(html: string, options?: CapitalizeOptions): string {
  if (typeof html !== 'string') throw new CapitalizeTypeError('html', 'a string', html);
  const capitalizer = new CapitalizerImpl(options);
  let out = '';
  let copied = 0;
  let tagName = '';
  let untouched = false;
  const enterTagBody = (): void => {
    untouched = UNTOUCHED_ELEMENTS.has(tagName);
  };
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      ontext(start, endIndex) {
        if (untouched || start < copied) return;
        out += html.slice(copied, start) + capitalizeText(capitalizer, html.slice(start, endIndex));
        copied = endIndex;
      },
      onopentagname(start, endIndex) {
        tagName = asciiLowerCase(html.slice(start, endIndex));
      },
      // Without recognizeSelfClosing, `<script/>` still opens a raw-text body, exactly like `<script>`.
      onopentagend: enterTagBody,
      onselfclosingtag: enterTagBody,
      onclosetag() {
        untouched = false;
      },
      onattribdata: noop,
      onattribentity: noop,
      onattribend: noop,
      onattribname: noop,
      oncdata: noop,
      oncomment: noop,
      ondeclaration: noop,
      onend: noop,
      onprocessinginstruction: noop,
      ontextentity: noop,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return out + html.slice(copied);
}

/**
 * Text with every `&name` / `&#…` run kept as is. The tokenizer already left real character references out of the
 * text, but re-casing the letters of a literal `&aMp;` or `&aACUTE;` could turn it into one (`&AMP;`, `&Aacute;`).
 */
function capitalizeText(capitalizer: CapitalizerImpl, text: string): string {
  let amp = text.indexOf('&');
  if (amp === -1) return capitalizer.capitalizeSegment(text);
  let out = '';
  let from = 0;
  while (amp !== -1) {
    let end = amp + 1;
    if (text.charCodeAt(end) === 0x23 /* # */) end++;
    while (end < text.length && isAsciiAlphanumeric(text.charCodeAt(end))) end++;
    out += capitalizer.capitalizeSegment(text.slice(from, amp)) + text.slice(amp, end);
    from = end;
    amp = text.indexOf('&', end);
  }
  return out + capitalizer.capitalizeSegment(text.slice(from));
}

function isAsciiAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
}

/** The tokenizer matches tag names with `c | 0x20`, i.e. ASCII-only case folding; mirror it exactly. */
function asciiLowerCase(name: string): string {
  let lower = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    lower += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c | 0x20) : name[i];
  }
  return lower;
}
