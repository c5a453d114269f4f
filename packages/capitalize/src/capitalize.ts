import { type CapitalizeOptions, CapitalizerImpl } from './capitalizer.js';
import { CapitalizeTypeError } from './errors.js';

/**
 * RaNdOMlY CaPiTaLiZeS the letters of `text`.
 *
 * Works on code points: a letter is toggled only when it has a one-to-one, round-tripping case mapping within its
 * Unicode plane (see the package README, "Unicode rule"); `ß`, `ǅ`, `İ`, `Σ`/`σ`, digits, marks, emoji and lone
 * surrogates come out unchanged. The result always has the same UTF-16 length and
 * `result.toLowerCase() === text.toLowerCase()`.
 *
 * @param text The text to capitalize.
 * @param options `seed` for deterministic output, `probability` of upper case (default 0.5), or your own `random`.
 * @throws {CapitalizeTypeError} `text` is not a string, or an option has the wrong type.
 * @throws {CapitalizeRangeError} `probability` is NaN or outside 0..1, or `seed` is NaN, ±Infinity or empty.
 * @example
 * randomCapitalize('randomly capitalizes letters', { seed: 42 });
 * // always the same mix of upper and lower case for seed 42
 */
export function randomCapitalize(text: string, options?: CapitalizeOptions): string {
  if (typeof text !== 'string') throw new CapitalizeTypeError('text', 'a string', text);
  return new CapitalizerImpl(options).capitalizeSegment(text);
}
