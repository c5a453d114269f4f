import { describe, expect, it } from 'vitest';
import { replySubject, stripReplyPrefixes } from './subject.js';

describe('replySubject', () => {
  it.each([
    ['Hello', 'Re: Hello'],
    ['Re: Hello', 'Re: Hello'],
    ['RE: re: Re:Hello', 'Re: Hello'],
    ['Aw: Sv: Antw: Vs: Hello', 'Re: Hello'],
    ['Re[2]: Re^3: Re(4): Hello', 'Re: Hello'],
    ['RE : Hello', 'Re: Hello'],
    ['回复：答复: Hello', 'Re: Hello'],
    ['Odp: Ynt: Hello', 'Re: Hello'],
  ])('collapses the reply prefixes of %j', (original, expected) => {
    // Act
    const subject = replySubject(original);
    // Assess
    expect(subject).toBe(expected);
  });

  it('keeps forward markers and prefixes that are not at the start', () => {
    expect(replySubject('Fwd: Re: Hello')).toBe('Re: Fwd: Re: Hello');
    expect(replySubject('Report Re: Q3')).toBe('Re: Report Re: Q3');
  });

  it('does not mistake words that merely start like a prefix', () => {
    expect(replySubject('Reply needed')).toBe('Re: Reply needed');
    expect(replySubject('Svalbard: trip')).toBe('Re: Svalbard: trip');
  });

  it('gives plain "Re:" for an empty, blank, missing or prefix-only subject', () => {
    expect(replySubject('')).toBe('Re:');
    expect(replySubject('   ')).toBe('Re:');
    expect(replySubject(undefined)).toBe('Re:');
    expect(replySubject('Re: RE:')).toBe('Re:');
  });

  it('turns line breaks and other control characters into single spaces', () => {
    expect(replySubject('Hi\r\nBcc: victim@example.org')).toBe('Re: Hi Bcc: victim@example.org');
    expect(replySubject('a\u0000\tb\u0085c\u2028d')).toBe('Re: a b c d');
  });

  it('replaces lone surrogates with U+FFFD and keeps emoji and RTL text', () => {
    expect(replySubject('x\uD800y')).toBe('Re: x\uFFFDy');
    expect(replySubject('👋 مرحبا')).toBe('Re: 👋 مرحبا');
  });
});

describe('stripReplyPrefixes', () => {
  it('removes only the leading stack', () => {
    expect(stripReplyPrefixes('Re: Aw: x Re: y')).toBe('x Re: y');
  });
});
