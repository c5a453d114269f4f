import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textUnit } from '../test/arbitraries.js';
import { randomCapitalize } from './capitalize.js';
import { capitalizeHtml } from './capitalize-html.js';
import { CapitalizeTypeError } from './errors.js';

const upper = (text: string) => randomCapitalize(text, { probability: 1 });

describe('capitalizeHtml', () => {
  it('changes text nodes only (readable example)', () => {
    expect(capitalizeHtml('<p class="greeting">hello &amp; welcome</p>', { seed: 42 })).toBe(
      '<p class="greeting">HeLLO &amp; WelCOmE</p>',
    );
  });

  it('leaves tags, attributes, comments, doctype, script and style byte-identical', () => {
    const html = [
      '<!DOCTYPE html>',
      '<html lang="en"><head><meta charset="utf-8">',
      '<title>page title &amp; more</title>',
      '<style>p > a { color: red; content: "text" }</style>',
      '<script type="module">if (a < b && c) { document.write("<p>not text</p>"); }</script>',
      '<SCRIPT>var x = "</scriptx>";</SCRIPT>',
      '</head><body>',
      '<!-- a comment with words --><!----><!-- a -- b -->',
      '<a href="/path?x=a&amp;y=b" title=\'single quoted\' data-x=unquoted>link text</a>',
      '<p>entities: &amp; &lt; &gt; &#x41; &#65; &nbsp; &Aacute; &copy end</p>',
      '<img src="Photo.jpg" alt="alt text"/><br>',
      '<![CDATA[ bogus comment in html ]]><?xml version="1.0"?>',
      '<svg viewBox="0 0 10 10"><text x="1">svg text</text><style>.c{fill:red}</style></svg>',
      '<textarea name="t">area text</textarea>',
      '<iframe src="x">fallback markup</iframe><noscript>no script text</noscript>',
      'a < b, c > d, x <3 y, AT&T, &unknown; &aMp; &aACUTE;',
      '</body></html>',
    ].join('\n');
    const expected = [
      '<!DOCTYPE html>',
      '<html lang="en"><head><meta charset="utf-8">',
      '<title>PAGE TITLE &amp; MORE</title>',
      '<style>p > a { color: red; content: "text" }</style>',
      '<script type="module">if (a < b && c) { document.write("<p>not text</p>"); }</script>',
      '<SCRIPT>var x = "</scriptx>";</SCRIPT>',
      '</head><body>',
      '<!-- a comment with words --><!----><!-- a -- b -->',
      '<a href="/path?x=a&amp;y=b" title=\'single quoted\' data-x=unquoted>LINK TEXT</a>',
      '<p>ENTITIES: &amp; &lt; &gt; &#x41; &#65; &nbsp; &Aacute; &copy END</p>',
      '<img src="Photo.jpg" alt="alt text"/><br>',
      '<![CDATA[ bogus comment in html ]]><?xml version="1.0"?>',
      '<svg viewBox="0 0 10 10"><text x="1">SVG TEXT</text><style>.c{fill:red}</style></svg>',
      '<textarea name="t">AREA TEXT</textarea>',
      '<iframe src="x">fallback markup</iframe><noscript>NO SCRIPT TEXT</noscript>',
      'A < B, C > D, X <3 Y, AT&T, &unknown; &aMp; &aACUTE;',
      '</body></html>',
    ].join('\n');
    expect(capitalizeHtml(html, { probability: 1 })).toBe(expected);
    const lowered = new Map([
      ['PAGE TITLE &amp; MORE', 'page title &amp; more'],
      ['LINK TEXT', 'link text'],
      [
        'ENTITIES: &amp; &lt; &gt; &#x41; &#65; &nbsp; &Aacute; &copy END',
        'entities: &amp; &lt; &gt; &#x41; &#65; &nbsp; &Aacute; &copy end',
      ],
      ['SVG TEXT', 'svg text'],
      ['AREA TEXT', 'area text'],
      ['NO SCRIPT TEXT', 'no script text'],
      ['A < B, C > D, X <3 Y, AT&T,', 'a < b, c > d, x <3 y, at&T,'],
    ]);
    let expectedLower = expected;
    for (const [from, to] of lowered) expectedLower = expectedLower.replace(from, to);
    expect(capitalizeHtml(html, { probability: 0 })).toBe(expectedLower);
  });

  it('keeps an unterminated script untouched to the end', () => {
    expect(capitalizeHtml('<p>hi</p><script>let Unclosed = "x"', { probability: 1 })).toBe(
      '<p>HI</p><script>let Unclosed = "x"',
    );
  });

  it('treats a self-closing <script/> as opening a script body, like browsers', () => {
    expect(capitalizeHtml('<script/>code here</script>text', { probability: 1 })).toBe(
      '<script/>code here</script>TEXT',
    );
  });

  it('capitalizes <plaintext> content to the end', () => {
    expect(capitalizeHtml('a<plaintext>b </p> c', { probability: 1 })).toBe('A<plaintext>B </P> C');
  });

  it('returns input without text unchanged, and handles the empty string', () => {
    expect(capitalizeHtml('', { seed: 1 })).toBe('');
    expect(capitalizeHtml('<br><hr/>', { seed: 1 })).toBe('<br><hr/>');
  });

  it('rejects a non-string document', () => {
    expect(() => capitalizeHtml(undefined as never)).toThrow(CapitalizeTypeError);
    expect(() => capitalizeHtml(undefined as never)).toThrow(
      'Invalid html: expected a string, received undefined.',
    );
  });
});

type Fragment = { kind: 'markup'; source: string } | { kind: 'text'; source: string };

const markup = (source: string): Fragment => ({ kind: 'markup', source });
const markupFragment = fc
  .constantFrom(
    '<p class="Hello World">',
    '</p>',
    "<a href='/x?A=b&amp;c=D' title=Unquoted>",
    '</a>',
    '<br/>',
    '<IMG SRC="Photo.JPG" alt="Alt Text">',
    '<!-- Some Comment -->',
    '<!---->',
    '<!DOCTYPE html>',
    '&amp;',
    '&#x41;',
    '&#65;',
    '&nbsp;',
    '&AMP;',
    '&Aacute;',
    '<script>if (a < b) { alert("Hi </p>"); }</script>',
    '<style>p > a { color: Red }</style>',
    '<SCRIPT type="text/javascript">var X = 1;</SCRIPT>',
    '<![CDATA[ Some Data ]]>',
    '<?xml Version="1.0"?>',
  )
  .map(markup);

const plainText = (unit: fc.Arbitrary<string>) =>
  fc.string({ unit: unit.filter((ch) => ch !== '<' && ch !== '&'), minLength: 1, maxLength: 40 });

function documentOf(text: fc.Arbitrary<string>): fc.Arbitrary<Fragment[]> {
  const textFragment = text.map((source): Fragment => ({ kind: 'text', source }));
  const titled = text.map((source): Fragment[] => [
    markup('<title>'),
    { kind: 'text', source },
    markup('</title>'),
  ]);
  return fc
    .array(
      fc.oneof(
        markupFragment.map((f) => [f]),
        textFragment.map((f) => [f]),
        titled,
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.flat());
}

describe('capitalizeHtml properties', () => {
  it('upper-cases exactly the text fragments and copies all markup byte for byte', () => {
    fc.assert(
      fc.property(documentOf(plainText(textUnit)), (fragments) => {
        const html = fragments.map((f) => f.source).join('');
        const expected = fragments.map((f) => (f.kind === 'text' ? upper(f.source) : f.source)).join('');
        expect(capitalizeHtml(html, { probability: 1 })).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('capitalizes all text as one letter stream in document order', () => {
    const noLoneSurrogates = textUnit.filter((ch) => ch.length === 2 || !/[\ud800-\udfff]/.test(ch));
    fc.assert(
      fc.property(documentOf(plainText(noLoneSurrogates)), fc.integer(), (fragments, seed) => {
        const html = fragments.map((f) => f.source).join('');
        const texts = fragments.filter((f) => f.kind === 'text').map((f) => f.source);
        let capitalized = randomCapitalize(texts.join(''), { seed });
        const expected = fragments
          .map((f) => {
            if (f.kind === 'markup') return f.source;
            const piece = capitalized.slice(0, f.source.length);
            capitalized = capitalized.slice(f.source.length);
            return piece;
          })
          .join('');
        expect(capitalizeHtml(html, { seed })).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
