import { describe, expect, it } from 'vitest';
import { appendToHtml, attributionLine, escapeHtml, normalizeBody, quoteHtml, quoteText } from './quote.js';

const from = { value: [{ name: 'Alice', address: 'alice@example.org' }] };

describe('normalizeBody', () => {
  it('turns every line break into CRLF and drops a leading byte-order mark', () => {
    expect(normalizeBody('\uFEFFa\nb\rc\r\nd')).toBe('a\r\nb\r\nc\r\nd');
  });

  it('returns a CRLF body unchanged', () => {
    const body = 'a\r\nb\r\n';
    expect(normalizeBody(body)).toBe(body);
  });
});

describe('attributionLine', () => {
  it('names the date and the sender', () => {
    expect(attributionLine({ from, date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })).toBe(
      'On Fri, 02 Jan 2026 03:04:05 +0000, Alice <alice@example.org> wrote:',
    );
  });

  it('leaves out a missing or invalid date and a missing name', () => {
    expect(attributionLine({ from: { value: [{ name: '', address: 'a@example.org' }] } })).toBe(
      'a@example.org wrote:',
    );
    expect(attributionLine({ from, date: new Date(Number.NaN) })).toBe('Alice <alice@example.org> wrote:');
    expect(attributionLine({})).toBe('The sender wrote:');
  });
});

describe('quoteText', () => {
  it('prefixes lines with "> " and nests already quoted lines', () => {
    expect(quoteText({ from, text: 'one\n\n> two\n>three\n\n\n' })).toBe(
      'Alice <alice@example.org> wrote:\r\n> one\r\n>\r\n>> two\r\n>>three',
    );
  });

  it('gives nothing when the original has no text', () => {
    expect(quoteText({ from, text: false })).toBe('');
    expect(quoteText({ from, text: '\n\n' })).toBe('');
    expect(quoteHtml({ from })).toBe('');
  });
});

describe('quoteHtml', () => {
  it('escapes the original text', () => {
    expect(quoteHtml({ from, text: '<b>"hi"</b> & \'bye\'' })).toContain(
      '&lt;b&gt;&quot;hi&quot;&lt;/b&gt; &amp; &#39;bye&#39;',
    );
    expect(escapeHtml('<&>')).toBe('&lt;&amp;&gt;');
  });
});

describe('appendToHtml', () => {
  it('inserts before the last </body>, or appends', () => {
    expect(appendToHtml('<body>a</body>', 'Q')).toBe('<body>aQ\r\n</body>');
    expect(appendToHtml('<p>a</p>', 'Q')).toBe('<p>a</p>\r\nQ');
  });
});
