import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyText, asciiText, seed, splitAt } from '../test/arbitraries.js';
import { codePointLength } from '../test/code-points.js';
import { referenceCapitalize } from '../test/reference.js';
import { randomCapitalize } from './capitalize.js';
import { CapitalizerImpl, createCapitalizer } from './capitalizer.js';
import { caseFormsOf } from './case-table.js';

const probability = fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true }));

describe('randomCapitalize properties', () => {
  it('keeps lower case and code-point length for any text, seed and probability', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, asciiText), seed, probability, (text, s, p) => {
        const out = randomCapitalize(text, { seed: s, probability: p });
        expect(out.toLowerCase()).toBe(text.toLowerCase());
        expect(codePointLength(out)).toBe(codePointLength(text));
        expect(out.length).toBe(text.length);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps the invariant without a seed (Math.random-seeded generator)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(randomCapitalize(text).toLowerCase()).toBe(text.toLowerCase());
      }),
      { numRuns: 200 },
    );
  });

  it('matches the simple reference model on every path (small, ASCII SWAR, UTF-16)', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, asciiText), fc.string({ minLength: 1, maxLength: 8 }), (text, s) => {
        expect(randomCapitalize(text, { seed: s })).toBe(referenceCapitalize(text, s));
        expect(randomCapitalize(text, { seed: s, probability: 0.3 })).toBe(referenceCapitalize(text, s, 0.3));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same output on the portable (no Buffer) path', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, asciiText), seed, probability, (text, s, p) => {
        const portable = new CapitalizerImpl({ seed: s, probability: p }, true).capitalizeSegment(text);
        expect(portable).toBe(randomCapitalize(text, { seed: s, probability: p }));
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic for a seed', () => {
    fc.assert(
      fc.property(anyText, seed, (text, s) => {
        expect(randomCapitalize(text, { seed: s })).toBe(randomCapitalize(text, { seed: s }));
      }),
      { numRuns: 100 },
    );
  });

  it('calls an injected random exactly once per toggleable letter', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let calls = 0;
        randomCapitalize(text, {
          random: () => {
            calls++;
            return 0.25;
          },
        });
        expect(calls).toBe(referenceLetterCount(text));
      }),
      { numRuns: 100 },
    );
  });

  it('createCapitalizer: pieces give the one-shot output for any split, surrogate pairs included', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyText, asciiText),
        fc.array(fc.nat(), { maxLength: 12 }),
        seed,
        probability,
        (text, cuts, s, p) => {
          const capitalizer = createCapitalizer({ seed: s, probability: p });
          const streamed = splitAt(text, cuts)
            .map((chunk) => capitalizer.push(chunk))
            .join('');
          expect(streamed + capitalizer.flush()).toBe(randomCapitalize(text, { seed: s, probability: p }));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Deterministic text of about `length` units from `pieces` (xorshift32 picks), for inputs no generator makes. */
function piecesText(pieces: readonly string[], length: number): string {
  let state = 0x2545f491;
  let out = '';
  while (out.length < length) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out += pieces[(state >>> 0) % pieces.length];
  }
  return out;
}

describe('long inputs (several kernel blocks, leftover bits carried between blocks and pieces)', () => {
  // Longer than the ASCII kernel's 64 KB block and the UTF-16 kernel's 16 K-unit block.
  const ascii = piecesText(
    ['the ', 'Quick ', 'brOwn ', 'FOX ', '42, ', 'e-mail: ', 'x@y.z ', '\n', 'a'],
    150_003,
  );
  const mixed = piecesText(
    ['hello ', 'Straße ', 'Σοφία ', 'Москва ', '𐐨𐐩 ', '😀 ', '東京 ', 'é', 'ǅ'],
    60_001,
  );
  const cases: [string, string][] = [
    ['ASCII', ascii],
    ['mixed', mixed],
    ['ASCII with a non-ASCII character after the 1 KB probe', `${ascii}é`],
  ];

  it.each(cases)('%s: one-shot equals the reference model', (_, text) => {
    expect(randomCapitalize(text, { seed: 'long' })).toBe(referenceCapitalize(text, 'long'));
  });

  it.each(cases)('%s: pieces of odd sizes across blocks equal one-shot', (_, text) => {
    const capitalizer = createCapitalizer({ seed: 'long' });
    const cuts = [70_001, 70_034, 70_035, 100_000, 140_000].filter((cut) => cut < text.length);
    const streamed = splitAt(text, cuts)
      .map((chunk) => capitalizer.push(chunk))
      .join('');
    expect(streamed + capitalizer.flush()).toBe(randomCapitalize(text, { seed: 'long' }));
  });
});

function referenceLetterCount(text: string): number {
  let count = 0;
  for (const ch of text)
    if (ch.length === 2 || !/[\ud800-\udfff]/.test(ch)) count += caseFormsOf(ch.codePointAt(0)!) ? 1 : 0;
  return count;
}

describe('createCapitalizer', () => {
  it('rejects a non-string chunk', () => {
    expect(() => createCapitalizer().push(42 as never)).toThrow(
      'Invalid chunk: expected a string, received 42.',
    );
  });
});
