import { describe, expect, it } from 'vitest';
import { headerBlockEnd, parseHeaderFields, removeHeaderFields, splitAddressList } from './headers.js';

describe('parseHeaderFields', () => {
  it('unfolds continuation lines and keeps byte spans', () => {
    const raw = Buffer.from('Subject: a\r\n b\r\nX-Test:  v \r\nTo: x@y.z\r\n\r\nBody: not a header\r\n');
    const fields = parseHeaderFields(raw);
    expect(fields.map((f) => [f.name, f.value])).toEqual([
      ['Subject', 'a b'],
      ['X-Test', 'v'],
      ['To', 'x@y.z'],
    ]);
    expect(raw.subarray(fields[0]!.start, fields[0]!.end).toString()).toBe('Subject: a\r\n b\r\n');
  });

  it('handles LF-only messages and messages without a body', () => {
    expect(parseHeaderFields(Buffer.from('A: 1\nB: 2\n\nbody')).map((f) => f.value)).toEqual(['1', '2']);
    expect(parseHeaderFields(Buffer.from('A: 1\r\nB: 2')).map((f) => f.value)).toEqual(['1', '2']);
    expect(headerBlockEnd(Buffer.from('\r\nbody'))).toBe(2);
  });
});

describe('removeHeaderFields', () => {
  it('drops only the selected fields and keeps every other byte', () => {
    const raw = Buffer.concat([
      Buffer.from('A: 1\r\nX-Drop: y\r\n z\r\nB: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\r\n\r\nX-Drop: in body\r\n'),
    ]);
    const out = removeHeaderFields(raw, (n) => n.toLowerCase() === 'x-drop');
    expect(
      out.equals(
        Buffer.concat([
          Buffer.from('A: 1\r\nB: caf'),
          Buffer.from([0xe9]),
          Buffer.from('\r\n\r\nX-Drop: in body\r\n'),
        ]),
      ),
    ).toBe(true);
  });
});

describe('splitAddressList', () => {
  it('lists entries as written, quoting display names that need it and decoding encoded words', () => {
    expect(splitAddressList('"Doe, John" <j@x.com>, plain@y.com, =?UTF-8?Q?J=C3=B6rg?= <jo@z.de>')).toEqual([
      '"Doe, John" <j@x.com>',
      'plain@y.com',
      'Jörg <jo@z.de>',
    ]);
  });
});
