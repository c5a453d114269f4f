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
        out += html.slice(copied, start) + capitalizer.capitalizeSegment(html.slice(start, endIndex));
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

/** The tokenizer matches tag names with `c | 0x20`, i.e. ASCII-only case folding; mirror it exactly. */
function asciiLowerCase(name: string): string {
  let lower = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    lower += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c | 0x20) : name[i];
  }
  return lower;
}
