import { describe, expect, it } from 'vitest';
import { encodeUnstructured, hasLongWord, normalizeHeaderText, toWellFormed } from './header-text.js';

describe('normalizeHeaderText', () => {
  it('replaces control characters with single spaces and trims', () => {
    expect(normalizeHeaderText('  a\r\n\r\nb\tc\u0000d\u007fe\u0085f\u2028g  ')).toBe('a b c d e f g');
  });

  it('keeps non-ASCII text, including non-breaking spaces', () => {
    expect(normalizeHeaderText('Grüße\u00a0👋 שלום')).toBe('Grüße\u00a0👋 שלום');
  });
});

describe('toWellFormed', () => {
  it('replaces unpaired surrogates only', () => {
    expect(toWellFormed('\uD83D\uDC4B \uD83D x \uDC4B')).toBe('👋 \uFFFD x \uFFFD');
  });
});

describe('encodeUnstructured', () => {
  it('leaves ordinary text to nodemailer', () => {
    expect(encodeUnstructured('Re: Hello wörld')).toBe('Re: Hello wörld');
  });

  it('pre-encodes text with a very long word into short encoded-words', () => {
    // Act
    const encoded = encodeUnstructured(`Re: ${'x'.repeat(200)}`);
    // Assess
    expect(encoded).toMatchObject({ prepared: true, foldLines: true });
    const words = typeof encoded === 'string' ? [] : encoded.value.split(' ');
    expect(words.length).toBeGreaterThan(3);
    for (const word of words) {
      expect(word).toMatch(/^=\?UTF-8\?Q\?[!-~]+\?=$/);
      expect(word.length).toBeLessThanOrEqual(75);
    }
  });

  it('detects long words', () => {
    expect(hasLongWord('a b c', 1)).toBe(false);
    expect(hasLongWord('a bb c', 1)).toBe(true);
  });
});
