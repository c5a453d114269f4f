import { describe, expect, it } from 'vitest';
import { codePointLength } from '../test/code-points.js';
import { randomCapitalize } from './capitalize.js';
import { CapitalizeRangeError, CapitalizeTypeError } from './errors.js';

describe('randomCapitalize', () => {
  describe('seeded examples (fixed outputs: a change here changes every seeded user)', () => {
    it.each([
      ['hello world', { seed: 42 }, 'HeLLO WorLD'],
      ['randomly capitalizes letters', { seed: 2026 }, 'RAnDomLy capitaLIzEs letTERS'],
      [
        'the quick brown fox jumps over the lazy dog',
        { seed: 'caprice' },
        'thE qUicK bROwn fox jUMpS ovEr tHE lAzy dOG',
      ],
      [
        'the quick brown fox jumps over the lazy dog',
        { seed: 'caprice', probability: 0.2 },
        'The quick brown foX jUmps OvEr the laZy Dog',
      ],
      ['Straße, ǅemal, Σοφία, Москва, 𐐨𐐩, 😀!', { seed: 7 }, 'STrAße, ǅemAl, ΣΟΦΊα, мОСквА, 𐐀𐐩, 😀!'],
    ])('%j with %j gives %j', (text, options, expected) => {
      expect(randomCapitalize(text, options)).toBe(expected);
    });

    it('treats a number seed and its string form as the same seed', () => {
      expect(randomCapitalize('hello world', { seed: 42 })).toBe(
        randomCapitalize('hello world', { seed: '42' }),
      );
    });

    it('gives different outputs for different seeds', () => {
      const text = 'the quick brown fox jumps over the lazy dog';
      const outputs = new Set([1, 2, 3, 4, 5].map((seed) => randomCapitalize(text, { seed })));
      expect(outputs.size).toBe(5);
    });

    it('decides letters only: punctuation between letters does not shift the random stream', () => {
      expect(randomCapitalize('hello, world!', { seed: 42 })).toBe('HeLLO, WorLD!');
    });
  });

  describe('probability', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(400);

    it('upper-cases every letter at 1 and none at 0', () => {
      expect(randomCapitalize('Hello, World ß', { probability: 1 })).toBe('HELLO, WORLD ß');
      expect(randomCapitalize('Hello, World ẞ', { probability: 0 })).toBe('hello, world ẞ');
    });

    it.each([0.1, 0.25, 0.5, 0.9])('upper-cases about %d of the letters', (probability) => {
      const out = randomCapitalize(text, { seed: 'share', probability });
      const upper = out.replace(/[^A-Z]/g, '').length;
      // Deterministic for this seed; the bound is ~5 standard deviations for 10,400 letters.
      expect(Math.abs(upper / text.length - probability)).toBeLessThan(0.025);
    });

    it('is unbiased per position at 0.5 (every bit of each draw is used once)', () => {
      const counts = new Array<number>(32).fill(0);
      const out = randomCapitalize('a'.repeat(32 * 2000), { seed: 'bits' });
      for (let i = 0; i < out.length; i++) if (out[i] === 'A') counts[i % 32]!++;
      for (const count of counts) expect(Math.abs(count / 2000 - 0.5)).toBeLessThan(0.06);
    });
  });

  describe('injected random', () => {
    it('calls random once per letter and upper-cases when it returns less than probability', () => {
      const values = [0.1, 0.9, 0.4, 0.6, 0.5];
      let calls = 0;
      const random = () => values[calls++ % values.length]!;
      expect(randomCapitalize('ab-cd 1e', { random })).toBe('Ab-Cd 1e');
      expect(calls).toBe(5);
    });

    it('honours probability with an injected random', () => {
      expect(randomCapitalize('abc', { random: () => 0.3, probability: 0.25 })).toBe('abc');
      expect(randomCapitalize('abc', { random: () => 0.2, probability: 0.25 })).toBe('ABC');
    });

    it('does not call random at probability 0 or 1', () => {
      const random = () => {
        throw new Error('must not be called');
      };
      expect(randomCapitalize('abc', { random, probability: 1 })).toBe('ABC');
    });

    it('rejects a random() result outside [0, 1)', () => {
      expect(() => randomCapitalize('abc', { random: () => 1 })).toThrow(CapitalizeRangeError);
      expect(() => randomCapitalize('abc', { random: () => Number.NaN })).toThrow(/options\.random\(\).*NaN/);
    });

    it('is re-entrant: a random() that calls randomCapitalize itself does not disturb the outer call', () => {
      for (const length of [10, 300, 5000]) {
        const text = 'abc déf 𐐨 '.repeat(length).slice(0, length);
        let a = 0;
        const plain = randomCapitalize(text, { random: () => (a++ * 0.37) % 1 });
        let b = 0;
        const nested = randomCapitalize(text, {
          random: () => {
            randomCapitalize(text, { seed: b });
            randomCapitalize(text.toUpperCase());
            return (b++ * 0.37) % 1;
          },
        });
        expect(nested).toBe(plain);
      }
    });

    it('works with Math.random', () => {
      const out = randomCapitalize('hello world', { random: Math.random });
      expect(out.toLowerCase()).toBe('hello world');
    });
  });

  describe('Unicode rule', () => {
    it.each([
      ['ß', 'upper-cases to two letters'],
      ['ẞ', 'lower-cases to ß, which does not round-trip'],
      ['ŉ', 'upper-cases to two code points'],
      ['ǰ', 'upper-cases to two code points'],
      ['ΐ', 'upper-cases to three code points'],
      ['ǅ', 'is titlecase'],
      ['ǈ', 'is titlecase'],
      ['ſ', 'upper-cases to S, whose lower case is s'],
      ['\u212a', 'is the Kelvin sign (lower k, upper K)'],
      ['\u212b', 'is the Angstrom sign (lower å, upper Å)'],
      ['\u2126', 'is the Ohm sign (lower ω, upper Ω)'],
      ['µ', 'is the micro sign (upper is Greek Μ)'],
      ['ı', 'is dotless i (upper I, lower i)'],
      ['İ', 'lower-cases to two code points'],
      ['Σ', 'lower-cases to σ or ς depending on what follows'],
      ['σ', 'would need Σ'],
      ['ς', 'upper-cases to Σ, whose lower case is σ'],
      ['ﬀ', 'is a ligature'],
      ['\u0345', 'is a combining mark with a case mapping'],
      ['1', 'is a digit'],
      ['😀', 'is an emoji'],
      ['\ud800', 'is a lone high surrogate'],
      ['\udfff', 'is a lone low surrogate'],
    ])('leaves %j unchanged: it %s', (ch) => {
      expect(randomCapitalize(ch, { probability: 1 })).toBe(ch);
      expect(randomCapitalize(ch, { probability: 0 })).toBe(ch);
    });

    it.each([
      ['a', 'A'],
      ['é', 'É'],
      ['ÿ', 'Ÿ'],
      ['ж', 'Ж'],
      ['ω', 'Ω'],
      ['ǆ', 'Ǆ'],
      ['s', 'S'],
      ['k', 'K'],
      ['i', 'I'],
      ['ⓐ', 'Ⓐ'],
      ['ⅰ', 'Ⅰ'],
      ['𐐨', '𐐀'],
      ['𞤢', '𞤀'],
    ])('toggles %j and %j', (lower, upper) => {
      expect(randomCapitalize(lower, { probability: 1 })).toBe(upper);
      expect(randomCapitalize(upper, { probability: 0 })).toBe(lower);
    });

    it('keeps combining sequences, emoji sequences and surrogates intact', () => {
      const text = 'e\u0301 👍🏽 👨‍👩‍👧 \ud800x\udc00 𐐨\u0301';
      const upper = randomCapitalize(text, { probability: 1 });
      expect(upper).toBe('E\u0301 👍🏽 👨‍👩‍👧 \ud800X\udc00 𐐀\u0301');
      expect(codePointLength(upper)).toBe(codePointLength(text));
    });

    it('keeps the lower-case invariant next to a final sigma', () => {
      const text = 'ΟΔΟΣ οδος Σ ασ';
      for (let seed = 0; seed < 20; seed++) {
        expect(randomCapitalize(text, { seed }).toLowerCase()).toBe(text.toLowerCase());
      }
    });
  });

  describe('bad input', () => {
    it.each([
      [undefined, 'undefined'],
      [null, 'null'],
      [42, '42'],
      [['a'], 'an array of length 1'],
      [{ text: 'a' }, 'an object (Object)'],
      [Symbol('s'), 'Symbol(s)'],
    ])('rejects text %s with a TypeError naming it', (text, shown) => {
      const act = () => randomCapitalize(text as unknown as string);
      expect(act).toThrow(TypeError);
      expect(act).toThrow(CapitalizeTypeError);
      expect(act).toThrow(`Invalid text: expected a string, received ${shown}.`);
    });

    it.each([
      [Number.NaN, RangeError, 'NaN'],
      [-0.1, RangeError, '-0.1'],
      [1.5, RangeError, '1.5'],
      [Number.POSITIVE_INFINITY, RangeError, 'Infinity'],
      ['0.5', TypeError, 'the string "0.5"'],
      [null, TypeError, 'null'],
    ])('rejects probability %s', (probability, type, shown) => {
      const act = () => randomCapitalize('abc', { probability: probability as number });
      expect(act).toThrow(type);
      expect(act).toThrow(
        `Invalid options.probability: expected a number from 0 to 1 (e.g. 0.5), received ${shown}.`,
      );
    });

    it.each([
      [Number.NaN, RangeError, 'NaN'],
      [Number.NEGATIVE_INFINITY, RangeError, '-Infinity'],
      ['', RangeError, 'the string ""'],
      [{}, TypeError, 'an object (Object)'],
      [10n, TypeError, '10n'],
      [true, TypeError, 'true'],
    ])('rejects seed %s', (seed, type, shown) => {
      const act = () => randomCapitalize('abc', { seed: seed as number });
      expect(act).toThrow(type);
      expect(act).toThrow(new RegExp(`^Invalid options\\.seed: .*received ${escapeRegExp(shown)}\\.$`));
    });

    it('rejects a non-function random, and seed together with random', () => {
      expect(() => randomCapitalize('abc', { random: 0.5 as unknown as () => number })).toThrow(
        'Invalid options.random: expected a function returning numbers in [0, 1), received 0.5.',
      );
      expect(() => randomCapitalize('abc', { seed: 1, random: Math.random })).toThrow(
        /Invalid options\.random: .*pass either seed or random, not both.*received a function \(random\)/,
      );
    });

    it('rejects options that are not an object', () => {
      expect(() => randomCapitalize('abc', 42 as never)).toThrow(
        'Invalid options: expected an options object like { seed: 42, probability: 0.5 }, received 42.',
      );
    });

    it('gives errors a code and the parameter name', () => {
      try {
        randomCapitalize('abc', { probability: 2 });
        expect.unreachable();
      } catch (error) {
        expect(error).toMatchObject({ code: 'CAPITALIZE_OUT_OF_RANGE', parameter: 'options.probability' });
      }
    });

    it('shortens huge string values in messages', () => {
      expect(() => randomCapitalize('abc', { probability: 'x'.repeat(1000) as never })).toThrow(
        `received the string "${'x'.repeat(40)}…".`,
      );
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
